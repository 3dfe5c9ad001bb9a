//! A team's repository under load: for a few rounds, runs (some crashing), tags, listings, a
//! report, gc, recover and git's own ref packing and repacking all at once on one repository;
//! then every invariant: no command failed, no run lost or duplicated, every blob of every run
//! present and intact, `git fsck --strict` clean.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};

use crate::common::TestEnv;

const ROUNDS: usize = 3;
const RUNS_PER_ROUND: usize = 4;

/// Logs a metric and stores an artifact whose content is `$1` (shared between runs on purpose, so
/// blobs are re-used while gc runs).
const RUN: &str = r#"echo "{\"loss\": $2}" >> "$GIT_EXP_METRICS"; printf '%s' "$1" > "$GIT_EXP_ARTIFACTS/m.bin""#;
/// Logs a metric, then kills its git-exp: a crashed run for `recover`.
const CRASH: &str = r#"echo '{"loss": 9}' >> "$GIT_EXP_METRICS"; kill -9 $PPID"#;

/// One started process and what it is, for the failure message.
struct Job {
    what: String,
    child: Child,
    /// Killed on purpose (the crashing runs).
    killed: bool,
}

fn spawn(what: String, mut cmd: Command, killed: bool) -> Job {
    let child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    Job { what, child, killed }
}

/// A git-exp command on the real clock: blob ages (file times) and gc's grace period must agree.
fn git_exp(env: &TestEnv, args: &[&str]) -> Command {
    let mut cmd = env.cmd();
    cmd.env_remove("GIT_EXP_NOW").args(args);
    cmd
}

fn git(env: &TestEnv, args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    env.hermetic(&mut cmd);
    cmd.current_dir(&env.repo).args(args);
    cmd
}

#[test]
fn runs_edits_listings_gc_recover_and_packing_at_once_lose_nothing() {
    let env = TestEnv::with_commit();
    let tagged = env.snapshot(&["-n", "tagged"]);
    // Old unreferenced blobs with the very contents the rounds will store: gc wants to delete
    // them exactly while runs re-use them.
    for i in 0..2 {
        let content = format!("shared-{i}");
        env.run(["run", "--", "sh", "-c", RUN, "sh", &content, "0"]).success();
        env.run(["rm", "@"]).success();
    }
    env.run(["gc", "--trash-days", "0"]).success();
    for blob in blob_files(&env) {
        assert!(Command::new("touch").args(["-d", "2020-01-01"]).arg(&blob).status().unwrap().success());
    }

    // Expected artifact content per run, by its `n` param.
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    let mut crashes = 0;
    for round in 0..ROUNDS {
        let mut jobs = Vec::new();
        for i in 0..RUNS_PER_ROUND {
            let n = format!("r{round}i{i}");
            let content = if i % 2 == 0 { format!("shared-{}", i / 2) } else { format!("own-{n}") };
            let args = ["run", "-p", &format!("n={n}"), "--", "sh", "-c", RUN, "sh", &content, &i.to_string()];
            jobs.push(spawn(format!("run {n}"), git_exp(&env, &args), false));
            expected.insert(n, content);
        }
        jobs.push(spawn("crashing run".into(), git_exp(&env, &["run", "--", "sh", "-c", CRASH]), true));
        crashes += 1;
        let tag = format!("t{round}");
        jobs.push(spawn(format!("tag {tag}"), git_exp(&env, &["tag", &tagged, &tag]), false));
        jobs.push(spawn("ls".into(), git_exp(&env, &["ls", "--format", "json"]), false));
        let site = env.root.join(format!("site-{round}"));
        jobs.push(spawn("report".into(), git_exp(&env, &["report", "-o", site.to_str().unwrap()]), false));
        jobs.push(spawn("gc".into(), git_exp(&env, &["gc", "--trash-days", "0"]), false));
        jobs.push(spawn("recover".into(), git_exp(&env, &["recover"]), false));
        jobs.push(spawn("git pack-refs".into(), git(&env, &["pack-refs", "--all"]), false));
        // What git does by itself once enough loose objects pile up (threshold forced down).
        let auto = ["-c", "gc.auto=1", "-c", "gc.autoDetach=false", "gc", "--auto", "--quiet"];
        jobs.push(spawn("git gc --auto".into(), git(&env, &auto), false));
        for job in jobs {
            let out = job.child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            if job.killed {
                assert_eq!(out.status.code(), None, "round {round}: {} was not killed\n{stderr}", job.what);
            } else {
                assert!(out.status.success(), "round {round}: {} failed ({})\n{stderr}", job.what, out.status);
            }
        }
    }
    // The crashed runs whose recover came before their crash.
    env.run(["recover"]).success();

    let runs = env.run(["ls", "--format", "json"]).json();
    let runs = runs.as_array().unwrap();
    let mut ids: Vec<&str> = runs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), runs.len(), "a run is listed twice");
    assert_eq!(runs.len(), 1 + ROUNDS * RUNS_PER_ROUND + crashes, "runs lost or made up");
    let refs = env.git(["for-each-ref", "--format=%(refname)", "refs/git-exp/runs/"]);
    assert_eq!(refs.lines().count(), runs.len());
    let mut seen = BTreeMap::new();
    for run in runs {
        let id = run["id"].as_str().unwrap();
        match run["params"]["n"].as_str() {
            Some(n) => {
                assert_eq!(run["status"], "completed", "{run}");
                seen.insert(n.to_owned(), id.to_owned());
            }
            None if id == tagged => {
                let mut tags: Vec<&str> = run["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
                tags.sort_unstable();
                assert_eq!(tags, (0..ROUNDS).map(|r| format!("t{r}")).collect::<Vec<_>>(), "{run}");
            }
            None => {
                assert_eq!(run["status"], "crashed", "{run}");
                assert_eq!(run["metrics"]["loss"]["count"], 1, "recovered with its metrics: {run}");
            }
        }
    }
    assert_eq!(seen.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    // Every blob of every run is there and intact (`artifacts -o` verifies the hash).
    for (n, id) in &seen {
        let dir = env.root.join(format!("out-{n}"));
        env.run(["artifacts", id, "-o", dir.to_str().unwrap()]).success();
        assert_eq!(&std::fs::read_to_string(dir.join("m.bin")).unwrap(), &expected[n], "run {n}");
    }
    let spools = std::fs::read_dir(env.repo.join(".git/git-exp/spool")).map_or(0, |d| d.count());
    assert_eq!(spools, 0, "spools left behind");
    env.fsck();
}

fn blob_files(env: &TestEnv) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(env.repo.join(".git/git-exp/blobs/sha256"))
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten().map(|f| f.path()))
        .collect()
}
