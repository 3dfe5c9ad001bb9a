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

/// A stand-in for `gh` (GitHub's API is not reachable from tests): keeps the pull request's
/// comments as files in `dir`, answers the listing the action makes, and logs every call.
fn fake_gh(env: &TestEnv) -> PathBuf {
    let bin = env.root.join("fake-gh");
    std::fs::create_dir_all(bin.join("comments")).unwrap();
    let script = r#"#!/usr/bin/env bash
dir="$(dirname "$0")"
all="$*"
echo "$all" >> "$dir/calls.log"
case "$all" in
  *--paginate*)
    for f in "$dir"/comments/*; do
      [ -e "$f" ] || continue
      if head -n 1 "$f" | grep -q '^<!-- git-exp review -->$'; then basename "$f"; fi
    done ;;
  *"-X PATCH"*)
    id="${all##*comments/}"; id="${id%% *}"
    cp "${all##*body=@}" "$dir/comments/$id" ;;
  *"-X POST"*)
    n=$(( $(ls "$dir/comments" | wc -l) + 100 ))
    cp "${all##*body=@}" "$dir/comments/$n" ;;
esac
"#;
    std::fs::write(bin.join("gh"), script).unwrap();
    std::process::Command::new("chmod").arg("+x").arg(bin.join("gh")).status().unwrap();
    bin
}

/// Runs action/review.sh as action.yml does, with `git-exp` and the fake `gh` on PATH.
fn action_review(env: &TestEnv, ci: &Path, gh: &Path, fail_if: &str) -> std::process::Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin_dir = Path::new(assert_cmd::cargo::cargo_bin!("git-exp")).parent().unwrap().to_owned();
    let mut cmd = std::process::Command::new("bash");
    env.hermetic(&mut cmd);
    let system_path = std::env::var_os("PATH").unwrap();
    let path = [gh.to_owned(), bin_dir].into_iter().chain(std::env::split_paths(&system_path));
    cmd.env("PATH", std::env::join_paths(path).unwrap())
        .env("GITHUB_REF", "refs/pull/1/merge")
        .env("GITHUB_REPOSITORY", "you/project")
        .env("GITHUB_OUTPUT", ci.join("outputs"))
        .env("EXP_PR_NUMBER", "1")
        .env("EXP_FAIL_IF", fail_if)
        .current_dir(ci)
        .arg(root.join("action/review.sh"));
    cmd.output().unwrap()
}

/// The inputs of the shipped workflow's `fail-if:` block, read from the example itself.
fn workflow_fail_if() -> String {
    let workflow = include_str!("../../examples/github-actions/experiments.yml");
    let block = workflow.split("fail-if: |\n").nth(1).expect("experiments.yml has a fail-if block");
    block.lines().take_while(|l| l.starts_with("            ")).map(|l| format!("{}\n", l.trim())).collect()
}

#[test]
fn composite_action_posts_one_comment_and_fails_on_a_regression() {
    let env = TestEnv::with_commit();
    let fail_if = workflow_fail_if();
    assert_eq!(fail_if, "metrics.val/acc:last < -0.01\nmetrics.loss:last > +5%\n");
    let github = Github::new(&env, "0.70");
    let ci = github.checkout(&env, "ci", 0);
    let gh = fake_gh(&env);

    // The regression fails the step after the comment is posted.
    let out = action_review(&env, &ci, &gh, &fail_if);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: 1 check failed: `metrics.val/acc:last < -0.01`"), "{stderr}");
    let outputs = std::fs::read_to_string(ci.join("outputs")).unwrap();
    assert!(outputs.contains("status=failed\n"), "{outputs}");
    let posted = std::fs::read_to_string(gh.join("comments/100")).unwrap();
    assert!(posted.starts_with("<!-- git-exp review -->\n### ❌ git-exp: `main`"), "{posted}");
    assert!(posted.contains("**❌ 1 of 2 checks failed**"), "{posted}");

    // A fix pushed to the branch: the same comment is edited, and the step passes.
    let work = env.root.join("work");
    env.git(["clone", "-q", "--branch", "feature/x", github.remote.to_str().unwrap(), work.to_str().unwrap()]);
    env.git_in(&work, ["commit", "-q", "--allow-empty", "-m", "fix"]);
    env.run_in(&work, &[], ["snapshot", "-n", "fixed", "--metric", "val/acc=0.85", "--metric", "loss=0.4"]).success();
    env.git_in(&work, ["push", "-q", "origin", "feature/x", "refs/git-exp/runs/*:refs/git-exp/runs/*"]);
    github.open_pull_request(&env);
    let ci = github.checkout(&env, "ci2", 0);
    let out = action_review(&env, &ci, &gh, &fail_if);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_dir(gh.join("comments")).unwrap().count(), 1);
    let edited = std::fs::read_to_string(gh.join("comments/100")).unwrap();
    assert!(edited.starts_with("<!-- git-exp review -->\n### ✅ git-exp: `main`"), "{edited}");
    let calls = std::fs::read_to_string(gh.join("calls.log")).unwrap();
    assert!(calls.contains("api --silent -X PATCH repos/you/project/issues/comments/100 -F body=@"), "{calls}");
    let outputs = std::fs::read_to_string(ci.join("outputs")).unwrap();
    assert!(outputs.contains("status=passed\n"), "{outputs}");
}
