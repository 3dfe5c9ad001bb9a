//! Interrupts, kills and crashes: every path still records what the run produced.

use std::io::Read as _;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::TestEnv;

/// Logs a metric and a line of output every 50 ms, forever, noting when it got SIGINT.
const FOREVER: &str = r#"
import json, os, signal, sys, time
m = open(os.environ["GIT_EXP_METRICS"], "a")
i = 0
try:
    while True:
        m.write(json.dumps({"loss": 1.0 / (i + 1)}) + "\n"); m.flush()
        print(f"tick {i}", flush=True)
        i += 1
        time.sleep(0.05)
except KeyboardInterrupt:
    print("child got SIGINT", flush=True)
    sys.exit(1)
"#;

fn start(env: &TestEnv) -> Child {
    env.write("forever.py", FOREVER);
    env.cmd()
        .args(["run", "--", "python3", "forever.py"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the run has written at least `ticks` lines of output to its spool.
fn wait_for_ticks(env: &TestEnv, ticks: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let spool = env.repo.join(".git/git-exp/spool");
        let count = std::fs::read_dir(&spool)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|d| std::fs::read_to_string(d.path().join("output.log")).ok())
            .map(|log| log.matches("tick").count())
            .max()
            .unwrap_or(0);
        if count >= ticks {
            return;
        }
        assert!(Instant::now() < deadline, "the run never produced {ticks} ticks");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill").args([signal, &pid.to_string()]).status().unwrap();
    assert!(status.success());
}

fn finish(mut child: Child) -> (i32, String, String) {
    let status = child.wait().unwrap();
    let (mut out, mut err) = (String::new(), String::new());
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (status.code().unwrap_or(-1), out, err)
}

#[test]
fn ctrl_c_is_forwarded_once_and_the_run_is_interrupted() {
    let env = TestEnv::with_commit();
    env.write("forever.py", FOREVER);
    let before = env.user_state();
    let child = start(&env);
    wait_for_ticks(&env, 3);
    let live = &env.run(["ls", "--format", "json"]).json()[0];
    assert_eq!(live["status"], "running", "a live run is listed: {live}");
    // A terminal delivers one Ctrl-C several times (to git, git-exp, the child): one burst.
    kill(child.id(), "-INT");
    kill(child.id(), "-INT");
    let (code, out, err) = finish(child);
    assert_eq!(code, 130, "{out}\n{err}");
    assert_eq!(out.matches("child got SIGINT").count(), 1, "{out}");
    let run = &env.run(["ls", "--format", "json"]).json()[0];
    assert_eq!(run["status"], "interrupted");
    assert!(run["metrics"]["loss"]["count"].as_u64().unwrap() >= 3);
    assert_eq!(env.user_state(), before);
    env.fsck();
}

#[test]
fn killing_git_exp_leaves_a_crashed_run_that_recover_commits() {
    let env = TestEnv::with_commit();
    let child = start(&env);
    wait_for_ticks(&env, 5);
    let pid = child.id();
    kill(pid, "-KILL");
    let _ = finish(child);
    // The command lives on in its own process group; stop it so the spool stays still.
    let spool_state = std::fs::read_dir(env.repo.join(".git/git-exp/spool")).unwrap().next().unwrap().unwrap().path();
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(spool_state.join("state.json")).unwrap()).unwrap();
    let child_pid = state["child_pid"].as_u64().unwrap();
    kill(child_pid as u32, "-KILL");
    std::thread::sleep(Duration::from_millis(200));
    let ticks = std::fs::read_to_string(spool_state.join("output.log")).unwrap().matches("tick").count();
    let points = std::fs::read_to_string(spool_state.join("metrics.jsonl")).unwrap().lines().count();

    let run = &env.run(["ls", "--format", "json"]).json()[0];
    assert_eq!(run["status"], "crashed", "{run}");
    let before = env.user_state();
    let out = env.run(["recover"]);
    assert_eq!(env.user_state(), before);
    assert!(out.stderr.contains(&format!("{points} metric points")), "{out}");
    let run = &env.run(["ls", "--format", "json"]).json()[0];
    assert_eq!(run["status"], "crashed");
    assert_eq!(run["metrics"]["loss"]["count"], points as u64);
    let id = run["id"].as_str().unwrap();
    let log = env.git(["show", &format!("refs/git-exp/runs/{id}:.git-exp/output.log")]);
    assert_eq!(log.matches("tick").count(), ticks);
    assert!(!spool_state.exists(), "recover removes the spool");
    assert!(env.run(["recover"]).stderr.contains("No crashed runs"));
    env.fsck();
}

#[test]
fn killing_the_command_gives_failed_with_the_signal() {
    let env = TestEnv::with_commit();
    let child = start(&env);
    wait_for_ticks(&env, 2);
    let spool = std::fs::read_dir(env.repo.join(".git/git-exp/spool")).unwrap().next().unwrap().unwrap().path();
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(spool.join("state.json")).unwrap()).unwrap();
    kill(state["child_pid"].as_u64().unwrap() as u32, "-KILL");
    let (code, _, err) = finish(child);
    assert_eq!(code, 137, "{err}");
    assert!(err.contains("killed by signal 9"), "{err}");
    let run = &env.run(["ls", "--format", "json"]).json()[0];
    assert_eq!(run["status"], "failed");
    assert_eq!(run["signal"], 9);
}

#[test]
fn concurrent_runs_and_edits_lose_nothing() {
    let env = TestEnv::with_commit();
    // The same seed makes all four draw the same id first: collisions must be retried.
    let children: Vec<Child> = (0..4)
        .map(|i| {
            env.cmd()
                .args(["run", "-p", &format!("i={i}"), "--", "true"])
                .env("GIT_EXP_SEED", "7")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let runs = env.run(["ls", "--format", "json"]).json();
    let mut values: Vec<i64> = runs.as_array().unwrap().iter().map(|r| r["params"]["i"].as_i64().unwrap()).collect();
    values.sort();
    assert_eq!(values, [0, 1, 2, 3]);

    let target = runs[0]["id"].as_str().unwrap().to_owned();
    let edits: Vec<Child> = (0..8)
        .map(|i| {
            let args: Vec<String> = if i % 2 == 0 {
                vec!["tag".into(), target.clone(), format!("t{i}")]
            } else {
                vec!["note".into(), target.clone(), "--append".into(), format!("n{i}")]
            };
            env.cmd().args(args).stderr(Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for child in edits {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let run = env.run(["show", &target, "--format", "json"]).json();
    let mut tags: Vec<&str> = run["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    tags.sort();
    assert_eq!(tags, ["t0", "t2", "t4", "t6"]);
    let mut notes: Vec<&str> = run["note"].as_str().unwrap().lines().collect();
    notes.sort();
    assert_eq!(notes, ["n1", "n3", "n5", "n7"]);
    env.fsck();
}
