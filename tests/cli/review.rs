//! `git exp diff` without sides, in the checkouts CI makes of a pull or merge request: GitHub's
//! merge commit (refs/pull/N/merge, full and depth-1 fetches), the head sha, GitLab's merge
//! request pipelines; and the composite action's shell steps against a local remote.

use std::path::{Path, PathBuf};

use crate::common::{Outcome, TestEnv};

pub const GATE: &str = "metrics.val/acc:last < -0.01";

/// A "github" bare remote with `main` (run `baseline`, val/acc 0.80, then a commit without
/// runs) and `feature/x` forked from the first commit, with a run of val/acc `acc`.
pub struct Github {
    pub remote: PathBuf,
}

impl Github {
    pub fn new(env: &TestEnv, acc: &str) -> Self {
        let remote = env.root.join("github.git");
        env.git(["init", "-q", "--bare", remote.to_str().unwrap()]);
        env.git(["remote", "add", "origin", remote.to_str().unwrap()]);
        env.snapshot(&["-n", "baseline", "--metric", "val/acc=0.80", "--metric", "loss=0.5"]);
        env.git(["checkout", "-q", "-b", "feature/x"]);
        env.write("src/model.py", "W = 2\n");
        env.git(["commit", "-q", "-am", "feature: W = 2"]);
        env.snapshot(&["-n", "feature-run", "--metric", &format!("val/acc={acc}"), "--metric", "loss=0.4"]);
        env.git(["checkout", "-q", "main"]);
        env.write("README.md", "# main moved on\n");
        env.git(["commit", "-q", "-am", "main moves on"]);
        env.git(["push", "-q", "origin", "main", "feature/x", "refs/git-exp/runs/*:refs/git-exp/runs/*"]);
        let github = Self { remote };
        github.open_pull_request(env);
        github
    }

    /// Builds refs/pull/1/merge as GitHub does: a merge of the head into the base, made in a
    /// temporary clone (first parent: the base's tip; second: the head).
    pub fn open_pull_request(&self, env: &TestEnv) {
        let tmp = env.root.join("github-merge");
        let _ = std::fs::remove_dir_all(&tmp);
        env.git(["clone", "-q", "--branch", "main", self.remote.to_str().unwrap(), tmp.to_str().unwrap()]);
        env.git_in(&tmp, ["merge", "-q", "--no-ff", "--no-edit", "origin/feature/x"]);
        env.git_in(&tmp, ["push", "-q", "--force", "origin", "HEAD:refs/pull/1/merge"]);
    }

    /// What actions/checkout does on `pull_request`: a fresh repository, the merge commit
    /// fetched (with all branches for fetch-depth 0) and checked out detached.
    pub fn checkout(&self, env: &TestEnv, dir: &str, depth: u32) -> PathBuf {
        let ci = env.root.join(dir);
        std::fs::create_dir_all(&ci).unwrap();
        env.git_in(&ci, ["init", "-q"]);
        env.git_in(&ci, ["remote", "add", "origin", self.remote.to_str().unwrap()]);
        if depth == 0 {
            env.git_in(&ci, ["fetch", "-q", "--prune", "origin", "+refs/heads/*:refs/remotes/origin/*"]);
            env.git_in(&ci, ["fetch", "-q", "origin", "+refs/pull/1/merge:refs/remotes/pull/1/merge"]);
        } else {
            let depth = format!("--depth={depth}");
            env.git_in(
                &ci,
                ["fetch", "-q", "--no-tags", &depth, "origin", "+refs/pull/1/merge:refs/remotes/pull/1/merge"],
            );
        }
        env.git_in(&ci, ["checkout", "-q", "--detach", "refs/remotes/pull/1/merge"]);
        ci
    }
}

fn gate(env: &TestEnv, dir: &Path, vars: &[(&str, &str)], extra: &[&str]) -> Outcome {
    let mut args = vec!["diff", "--require-run", "--fail-if", GATE];
    args.extend_from_slice(extra);
    env.run_in(dir, vars, args)
}

#[test]
fn github_merge_commit_full_history() {
    let env = TestEnv::with_commit();
    let github = Github::new(&env, "0.70");
    let ci = github.checkout(&env, "ci", 0);
    env.run_in(&ci, &[], ["-q", "fetch", "origin"]).success();
    let head = env.git_in(&ci, ["rev-parse", "--short=7", "HEAD^2"]).trim().to_owned();
    let out = gate(&env, &ci, &[("GITHUB_REF", "refs/pull/1/merge")], &["--format", "md"]);
    let err = out.failure(1);
    assert!(
        err.contains("is refs/pull/1/merge, as GitHub checks out a pull request: comparing its second parent"),
        "{out}"
    );
    assert!(err.contains(&format!("({head}, the head)")), "{out}");
    assert!(
        err.contains(
            "error: 1 check failed: `metrics.val/acc:last < -0.01` (metrics.val/acc:last 0.8 → 0.7 (-0.1, -12.5%))"
        ),
        "{out}"
    );
    assert!(out.stdout.starts_with("### ❌ git-exp: `main`"), "{out}");
}

#[test]
fn github_merge_commit_depth_one() {
    let env = TestEnv::with_commit();
    let github = Github::new(&env, "0.90");
    let ci = github.checkout(&env, "ci1", 1);
    env.run_in(&ci, &[], ["-q", "fetch", "origin"]).success();
    // The base branch's tip is not in a depth-1 clone: the error names the fetch to add.
    let out = gate(&env, &ci, &[], &[]);
    assert_eq!(
        out.failure(1).lines().last().unwrap(),
        "hint: fetch the history with `git fetch --unshallow origin` before `git exp diff` (actions/checkout: `fetch-depth: 0`; GitLab: `GIT_DEPTH: 0`)"
    );
    env.git_in(&ci, ["fetch", "-q", "--unshallow", "origin"]);
    // After it, the improvement passes.
    let out = gate(&env, &ci, &[], &[]);
    assert!(out.success().contains("B picked: the only completed run based on HEAD^2"), "{out}");
    assert!(out.stdout.contains("passed  metrics.val/acc:last < -0.01"), "{out}");
}

#[test]
fn head_sha_and_gitlab_checkouts() {
    let env = TestEnv::with_commit();
    Github::new(&env, "0.70");
    let remote = env.root.join("github.git");
    let ci = env.root.join("head");
    env.git(["clone", "-q", "--branch", "feature/x", remote.to_str().unwrap(), ci.to_str().unwrap()]);
    env.run_in(&ci, &[], ["-q", "fetch", "origin"]).success();
    // The head sha checked out: the base comes from GITHUB_BASE_REF.
    let out = gate(&env, &ci, &[("GITHUB_BASE_REF", "main")], &[]);
    assert!(out.failure(1).contains("1 check failed: `metrics.val/acc:last < -0.01`"), "{out}");
    let out = gate(&env, &ci, &[], &[]);
    assert!(out.failure(1).contains("is not a merge commit and no base was named"), "{out}");
    // GitLab merge-request pipeline: CI_COMMIT_SHA is the head, the diff base the merge base.
    let head = env.git_in(&ci, ["rev-parse", "HEAD"]).trim().to_owned();
    let base = env.git_in(&ci, ["merge-base", "HEAD", "origin/main"]).trim().to_owned();
    let vars = [
        ("CI_MERGE_REQUEST_IID", "3"),
        ("CI_COMMIT_SHA", head.as_str()),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.as_str()),
    ];
    let out = gate(&env, &ci, &vars, &[]);
    let err = out.failure(1);
    assert!(err.starts_with("GitLab merge request !3: the head is CI_COMMIT_SHA"), "{out}");
    assert!(err.contains("1 check failed"), "{out}");
    // An improvement passes; a head without runs of its own fails --require-run.
    let out = env.run_in(&ci, &vars, ["diff", "--require-run", "--fail-if", "metrics.val/acc:last > 1"]);
    out.success();
    env.write("x", "");
    env.git_in(&ci, ["commit", "-q", "--allow-empty", "-m", "no runs here"]);
    // A commit after the branch's runs still has a run of the change itself.
    env.run_in(&ci, &[("GITHUB_BASE_REF", "main")], ["diff", "--require-run"]).success();
    let out = env.run_in(&ci, &[("GITHUB_BASE_REF", "feature/x")], ["diff", "--require-run"]);
    assert!(out.stderr.contains("has no run of its own"), "{out}");
}
