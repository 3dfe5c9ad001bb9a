//! `git exp recover`: one at a time, only runs whose processes are really gone (pid and start
//! time), each committed exactly once.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::TestEnv;

/// A command that logs a metric and a line, then kills its git-exp with SIGKILL and ends: the
/// run is left `running` with a spool whose processes are all gone.
const CRASH: &str = r#"echo '{"loss": 0.5}' >> "$GIT_EXP_METRICS"; echo '{"loss": 0.25}' >> "$GIT_EXP_METRICS"; echo "before the crash $0"; kill -9 $PPID"#;

/// Makes a crashed run; returns its id.
fn crashed_run(env: &TestEnv, n: usize) -> String {
    let before = spools(env);
    let out = env.run(["run", "-p", &format!("n={n}"), "--", "sh", "-c", CRASH, &n.to_string()]);
    assert_eq!(out.code, -1, "git-exp was killed\n{out}");
    let mut after = spools(env);
    after.retain(|s| !before.contains(s));
    let [spool] = after.try_into().unwrap();
    spool.file_name().unwrap().to_string_lossy().into_owned()
}

fn spools(env: &TestEnv) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(env.repo.join(".git/git-exp/spool"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|d| d.path())
        .collect();
    out.sort();
    out
}

/// The number of commits in a run's history (the code snapshot's history included).
fn commits(env: &TestEnv, id: &str) -> usize {
    env.git(["rev-list", "--count", &format!("refs/git-exp/runs/{id}")]).trim().parse().unwrap()
}

fn status(env: &TestEnv, id: &str) -> String {
    env.run(["show", id, "--format", "json"]).json()["status"].as_str().unwrap().to_owned()
}

#[test]
fn two_recovers_at_once_commit_each_run_exactly_once() {
    let env = TestEnv::with_commit();
    let ids: Vec<String> = (0..6).map(|n| crashed_run(&env, n)).collect();
    let mut before = Vec::new();
    for id in &ids {
        assert_eq!(status(&env, id), "crashed");
        before.push(commits(&env, id));
    }
    let racers: Vec<Child> =
        (0..2).map(|_| env.cmd().arg("recover").stdin(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()).collect();
    let mut recovered = 0;
    for racer in racers {
        let out = racer.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        recovered += stderr.matches("Recovered run").count();
    }
    assert_eq!(recovered, 6);
    for (n, (id, before)) in ids.iter().zip(before).enumerate() {
        // One recover commit on top of the `running` record: never a second one.
        assert_eq!(commits(&env, id), before + 1, "{id}");
        let run = env.run(["show", id, "--format", "json"]).json();
        assert_eq!(run["status"], "crashed");
        assert_eq!(run["metrics"]["loss"]["count"], 2, "{run}");
        assert_eq!(run["metrics"]["loss"]["last"], 0.25, "{run}");
        // The spool's params made it too (the output may not: it passed through git-exp).
        assert_eq!(run["params"]["n"], i64::try_from(n).unwrap(), "{run}");
    }
    assert_eq!(spools(&env), Vec::<PathBuf>::new());
    assert_eq!(env.git(["for-each-ref", "--format=%(refname)", "refs/git-exp/runs/"]).lines().count(), 6);
    assert!(env.run(["recover"]).stderr.contains("No crashed runs"));
    env.fsck();
}

#[test]
fn a_second_recover_waits_for_the_lock_then_says_who_holds_it() {
    let env = TestEnv::with_commit();
    // Hold the lock as recover does (an OS lock on the file), from one process that outlives
    // the wait and says when it holds it.
    let lock = env.repo.join(".git/git-exp/recover.lock");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    std::fs::write(&lock, "4242\n").unwrap();
    let hold = "import fcntl, sys, time\nf = open(sys.argv[1], 'a')\nfcntl.flock(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(120)\n";
    let Ok(mut holder) = Command::new("python3").args(["-c", hold]).arg(&lock).stdout(Stdio::piped()).spawn() else {
        crate::common::missing_tool("a_second_recover_waits_for_the_lock", "python3 is not installed");
        return;
    };
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(holder.stdout.take().unwrap()), &mut line).unwrap();
    assert_eq!(line.trim(), "locked");
    let out = env.run(["recover"]);
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(out.failure(1).trim(), "error: another git exp recover is running (pid 4242)");
    assert!(env.run(["recover"]).stderr.contains("No crashed runs"));
}

/// This process's start time, field 22 of /proc/self/stat (Linux).
fn own_start_time() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    stat.rsplit_once(')')?.1.split_whitespace().nth(19)?.parse().ok()
}

#[test]
fn a_reused_pid_does_not_keep_a_dead_run_running() {
    let Some(start) = own_start_time() else {
        crate::common::missing_tool("a_reused_pid_does_not_keep_a_dead_run_running", "no /proc start times");
        return;
    };
    let env = TestEnv::with_commit();
    let id = crashed_run(&env, 0);
    let state_file = env.repo.join(".git/git-exp/spool").join(&id).join("state.json");
    let mut state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    assert!(state["pid_start"].is_u64(), "the spool records its start time: {state}");
    // The run's pid now belongs to a live process (this test)...
    state["pid"] = std::process::id().into();
    state["child_pid"] = serde_json::Value::Null;
    state["child_start"] = serde_json::Value::Null;

    // ... that started at the recorded time: it is the run's process, alive.
    state["pid_start"] = start.into();
    std::fs::write(&state_file, state.to_string()).unwrap();
    assert_eq!(status(&env, &id), "running");
    assert!(env.run(["recover"]).stderr.contains("No crashed runs"));
    let out = env.run(["recover", &id]);
    assert!(out.stderr.contains("is running, not crashed; left as it is"), "{out}");

    // ... that started at another time: the pid was reused, the run is dead.
    state["pid_start"] = (start + 1).into();
    std::fs::write(&state_file, state.to_string()).unwrap();
    assert_eq!(status(&env, &id), "crashed");
    let before = commits(&env, &id);
    let out = env.run(["recover"]);
    assert!(out.stderr.contains(&format!("Recovered run {id}")), "{out}");
    assert_eq!(commits(&env, &id), before + 1);
}

#[test]
fn a_command_that_outlives_its_git_exp_is_not_committed_until_it_ends() {
    let env = TestEnv::with_commit();
    let stop = env.root.join("stop");
    let script = format!(
        // git-exp notes the command's pid right after starting it: kill it only once it has.
        r#"d=$(dirname "$GIT_EXP_METRICS"); until grep -q '"child_pid":[0-9]' "$d/state.json"; do sleep 0.02; done; kill -9 $PPID; while [ ! -e '{}' ]; do sleep 0.05; done; echo '{{"late": 1}}' >> "$GIT_EXP_METRICS""#,
        stop.display()
    );
    let out = env.run(["run", "--", "sh", "-c", &script]);
    assert_eq!(out.code, -1, "{out}");
    let id = env.run_ids()[0].clone();
    assert_eq!(status(&env, &id), "running", "its command still runs");
    assert!(env.run(["recover"]).stderr.contains("No crashed runs"));

    let state_file = env.repo.join(".git/git-exp/spool").join(&id).join("state.json");
    let state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(state_file).unwrap()).unwrap();
    let child = state["child_pid"].as_u64().unwrap();
    std::fs::write(&stop, "").unwrap();
    // The orphan is reaped by init; wait until it is gone.
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(format!("/proc/{child}/stat")).is_ok_and(|s| !s.contains(") Z")) {
        assert!(Instant::now() < deadline, "the command never ended");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(status(&env, &id), "crashed");
    env.run(["recover"]).success();
    // What the command logged after git-exp died is in the record.
    let run = env.run(["show", &id, "--format", "json"]).json();
    assert_eq!(run["metrics"]["late"]["count"], 1, "{run}");
}

#[test]
fn recover_removes_the_spool_of_a_run_already_committed() {
    let env = TestEnv::with_commit();
    let id = crashed_run(&env, 0);
    let spool = env.repo.join(".git/git-exp/spool").join(&id);
    let copy = env.root.join("spool-copy");
    let status = Command::new("cp").arg("-a").arg(&spool).arg(&copy).status().unwrap();
    assert!(status.success());
    env.run(["recover"]).success();
    let recovered = commits(&env, &id);
    // As if a recover died after its commit, before removing the spool.
    let status = Command::new("cp").arg("-a").arg(&copy).arg(&spool).status().unwrap();
    assert!(status.success());
    let out = env.run(["recover"]);
    assert!(out.stderr.contains(&format!("Removed the leftover spool of run {id}")), "{out}");
    assert!(!spool.exists());
    assert_eq!(commits(&env, &id), recovered, "nothing committed again");
}
