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
    println!("{out}");
}
