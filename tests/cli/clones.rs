//! Robustness in real repositories: metric keys that look like file names, partial clones,
//! repositories owned by another user (`safe.directory`), and a git without `fetch --porcelain`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Outcome, TestEnv, missing_tool};

/// Logs one point of each key in `keys` from a real run.
fn run_logging(env: &TestEnv, keys: &[&str]) {
    // Two points each: a series logged once is a bar on comparison pages, not a chart with a
    // CSV link on the run page.
    let lines: String = keys.iter().map(|k| format!("{{\"{k}\": 1.5}}\n{{\"{k}\": 2.5}}\n")).collect();
    let script = format!("printf '{}' >> \"$GIT_EXP_METRICS\"", lines.replace('\n', "\\n"));
    env.run(["run", "--", "sh", "-c", &script]).success();
}

#[test]
fn metric_keys_that_look_like_file_names_keep_every_series() {
    let env = TestEnv::with_commit();
    run_logging(&env, &["a", "a.csv/b", "a.csv"]);
    let out = env.run(["metrics", "@", "--format", "json"]);
    let json = out.json();
    for key in ["a", "a.csv/b", "a.csv"] {
        assert_eq!(json[key][0]["value"], 1.5, "{key}\n{out}");
    }
    let files = env.git(["ls-tree", "-r", "--name-only", &format!("refs/git-exp/runs/{}", env.run_ids()[0])]);
    let files: Vec<&str> = files.lines().filter(|l| l.starts_with(".git-exp/metrics/")).collect();
    assert_eq!(files, [".git-exp/metrics/a%2Ecsv/b.csv", ".git-exp/metrics/a.csv", ".git-exp/metrics/a.csv.csv"]);
    let shown = env.run(["show", "@"]);
    assert!(shown.success().contains("a.csv/b"), "{shown}");
    env.run(["report", "-o", "site", "--series-csv"]).success();
    // Both files are in the site, and the page links the escaped one so a browser finds it.
    let id = env.run_ids()[0].clone();
    let data = env.repo.join("site/data").join(&id).join("metrics");
    assert!(data.join("a.csv").is_file() && data.join("a%2Ecsv/b.csv").is_file());
    let page = std::fs::read_dir(env.repo.join("site/runs"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .find(|text| text.contains("a%252Ecsv/b.csv"));
    assert!(page.is_some(), "no run page links a%252Ecsv/b.csv");
    env.fsck();
}

/// Runs `git` in `dir` with the hermetic config and extra variables; asserts success.
fn git_with(env: &TestEnv, dir: &Path, vars: &[(&str, &str)], args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    env.hermetic(&mut cmd);
    let out = Outcome::from_output(cmd.current_dir(dir).envs(vars.iter().copied()).args(args).output().unwrap());
    assert_eq!(out.code, 0, "git {args:?}\n{out}");
    out.stdout
}

#[test]
fn series_written_before_the_escape_still_read() {
    let env = TestEnv::with_commit();
    run_logging(&env, &["x.csv/y", "loss"]);
    let id = env.run_ids()[0].clone();
    let run_ref = format!("refs/git-exp/runs/{id}");
    // Rewrite the run's tree into the layout of earlier versions: `x.csv/y` at `x.csv/y.csv`.
    let index = env.root.join("old-layout-index");
    let vars = [("GIT_INDEX_FILE", index.to_str().unwrap())];
    git_with(&env, &env.repo, &vars, &["read-tree", &run_ref]);
    let blob = env.git(["rev-parse", &format!("{run_ref}:.git-exp/metrics/x%2Ecsv/y.csv")]);
    let info = format!(
        "0 {}\t.git-exp/metrics/x%2Ecsv/y.csv\n100644 {}\t.git-exp/metrics/x.csv/y.csv\n",
        "0".repeat(40),
        blob.trim()
    );
    let mut cmd = Command::new("git");
    env.hermetic(&mut cmd);
    let mut child = cmd
        .current_dir(&env.repo)
        .envs(vars)
        .args(["update-index", "--index-info"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), info.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    let tree = git_with(&env, &env.repo, &vars, &["write-tree"]);
    let message = env.git(["log", "-1", "--format=%B", &run_ref]);
    let commit = env.git(["commit-tree", tree.trim(), "-m", message.trim()]);
    env.git(["update-ref", &run_ref, commit.trim()]);
    assert!(env.git(["ls-tree", "-r", "--name-only", &run_ref]).contains(".git-exp/metrics/x.csv/y.csv"));

    let out = env.run(["metrics", &id, "x.csv/y", "--format", "json"]);
    assert_eq!(out.json()["x.csv/y"][0]["value"], 1.5, "{out}");
    let out = env.run(["metrics", &id, "--format", "json"]);
    assert_eq!(out.json()["loss"][0]["value"], 1.5, "{out}");
    env.run(["show", &id]).success();
    env.run(["report", "-o", "site"]).success();
}

/// A repository with one run pushed to a bare `file://` remote that serves filters.
fn remote_with_a_run(env: &TestEnv) -> (String, PathBuf) {
    let remote = env.root.join("remote.git");
    env.git(["init", "-q", "--bare", remote.to_str().unwrap()]);
    env.git_in(&remote, ["config", "uploadpack.allowFilter", "true"]);
    env.git_in(&remote, ["config", "uploadpack.allowAnySHA1InWant", "true"]);
    let url = format!("file://{}", remote.display());
    env.git(["remote", "add", "origin", &url]);
    env.git(["push", "-q", "origin", "main"]);
    run_logging(env, &["loss", "acc"]);
    env.run(["push"]).success();
    (env.run_ids()[0].clone(), remote)
}

#[test]
fn partial_clones_fetch_missing_objects_through_git() {
    let env = TestEnv::with_commit();
    let (id, remote) = remote_with_a_run(&env);
    let clone = env.root.join("partial");
    let url = format!("file://{}", remote.display());
    env.git_in(&env.root, ["clone", "-q", "--filter=blob:none", &url, clone.to_str().unwrap()]);
    assert_eq!(env.git_in(&clone, ["config", "remote.origin.promisor"]).trim(), "true");

    env.run_in(&clone, &[], ["fetch"]).success();
    // The fetch honoured the clone's filter: the run's record is not here yet.
    let record = env.git_in(&clone, ["rev-parse", &format!("refs/git-exp/runs/{id}:.git-exp/run.toml")]);
    let missing = env.git_in(&clone, ["rev-list", "--objects", "--missing=print", &format!("refs/git-exp/runs/{id}")]);
    assert!(missing.contains(&format!("?{}", record.trim())), "run.toml should be missing\n{missing}");

    let ls = env.run_in(&clone, &[], ["ls", "--format", "json"]);
    assert_eq!(ls.json()[0]["id"], id.as_str(), "{ls}");
    assert!(ls.stderr.contains("fetching objects missing from this partial clone through git"), "{ls}");
    let show = env.run_in(&clone, &[], ["show", &id, "--format", "json"]);
    assert_eq!(show.json()["id"], id.as_str(), "{show}");
    let metrics = env.run_in(&clone, &[], ["metrics", &id, "loss", "--format", "json"]);
    assert_eq!(metrics.json()["loss"][0]["value"], 1.5, "{metrics}");
    env.run_in(&clone, &[], ["report", "-o", "site"]).success();
    assert!(clone.join("site/index.html").exists());
}

#[test]
fn a_repository_of_another_user_is_refused_as_git_refuses_it() {
    const TEST: &str = "a_repository_of_another_user_is_refused_as_git_refuses_it";
    if !nix_is_root() {
        missing_tool(TEST, "needs root to give a repository to another user");
        return;
    }
    let env = TestEnv::with_commit();
    env.snapshot(&["-n", "mine"]);
    let status = Command::new("chown").args(["-R", "nobody", env.repo.to_str().unwrap()]).status().unwrap();
    assert!(status.success(), "chown failed");

    // git refuses it, and so does git-exp, for reading and for writing, in git's words.
    let mut cmd = Command::new("git");
    env.hermetic(&mut cmd);
    let git = Outcome::from_output(cmd.current_dir(&env.repo).args(["status"]).output().unwrap());
    assert!(git.stderr.contains("detected dubious ownership"), "{git}");
    let repo = env.repo.display();
    for args in [&["ls"][..], &["snapshot", "-n", "theirs"]] {
        let out = env.run(args);
        assert_eq!(
            out.failure(1),
            format!(
                "error: detected dubious ownership in repository at '{repo}'\n\
                 hint: if you trust this repository, add an exception as for git: \
                 git config --global --add safe.directory {repo}\n"
            ),
            "{args:?}"
        );
    }

    // The exception git takes, for this path or for every path, lets git-exp in too.
    env.git_in(&env.root, ["config", "--global", "--add", "safe.directory", &repo.to_string()]);
    assert_eq!(env.run(["ls", "--format", "json"]).json().as_array().unwrap().len(), 1);
    env.git_in(&env.root, ["config", "--global", "--unset-all", "safe.directory"]);
    env.run(["ls"]).failure(1);
    env.git_in(&env.root, ["config", "--global", "--add", "safe.directory", "*"]);
    env.run(["ls"]).success();
}

fn nix_is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

#[test]
fn push_fetch_and_pull_work_with_a_git_before_2_41() {
    let env = TestEnv::with_commit();
    let old_git = [("GIT_EXP_FORCE_GIT_VERSION", "2.34.1")];
    let (id, remote) = remote_with_a_run(&env);
    let clone = env.root.join("b");
    let url = format!("file://{}", remote.display());
    env.git_in(&env.root, ["clone", "-q", &url, clone.to_str().unwrap()]);

    let out = env.run_in(&clone, &old_git, ["fetch"]);
    assert!(out.stderr.contains("Fetched from origin: 1 new, 0 updated, 0 merged."), "{out}");
    assert_eq!(env.run_in(&clone, &old_git, ["show", &id, "--format", "json"]).json()["id"], id.as_str());

    // An edit in the clone goes back with push, and pull brings a new run into the first.
    env.run_in(&clone, &old_git, ["tag", &id, "seen"]).success();
    let out = env.run_in(&clone, &old_git, ["push"]);
    assert!(out.stderr.contains("Pushed 1 run to origin"), "{out}");
    run_logging(&env, &["loss"]);
    let out = env.run_in(&env.repo, &old_git, ["pull"]);
    assert!(out.stderr.contains("0 new, 1 updated"), "{out}");
    env.run_in(&env.repo, &old_git, ["push"]).success();
    let out = env.run_in(&clone, &old_git, ["pull"]);
    assert!(out.stderr.contains("1 new"), "{out}");
    assert_eq!(env.run_in(&clone, &[], ["ls", "--format", "json"]).json().as_array().unwrap().len(), 2);
    let tags = env.run(["show", &id, "--format", "json"]).json()["tags"].clone();
    assert!(tags.as_array().unwrap().iter().any(|t| t == "seen"), "{tags}");

    // A git older than 2.34 is refused with the version found.
    let out = env.run_in(&clone, &[("GIT_EXP_FORCE_GIT_VERSION", "2.33.0")], ["fetch"]);
    assert!(out.failure(1).contains("git 2.34 or newer is needed for push and fetch"), "{out}");
}
