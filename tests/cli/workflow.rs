//! Entry points, sweeps, isolated runs, reruns, apply and branch.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::TestEnv;

const EXP_TOML: &str = r#"
[entry.train]
command = "python3 show.py --lr {lr} --epochs {epochs} --data {data}"
params = { lr = { type = "float", default = 0.01, min = 0 }, epochs = { type = "int", default = 10 }, data = { type = "path", default = "data/train.csv" } }

[entry.slow]
command = ["python3", "slow.py", "{i}"]
params = { i = { type = "int" } }
"#;

const SHOW: &str = "import os, sys\nprint(' '.join(sys.argv[1:]))\nprint(open('version.txt').read().strip())\n";

fn env_with_entries() -> TestEnv {
    let env = TestEnv::with_commit();
    env.write("exp.toml", EXP_TOML);
    env.write("show.py", SHOW);
    env.write("version.txt", "v1\n");
    env.write(
        "slow.py",
        "import sys, time\nif sys.argv[1] == '2': sys.exit(4)\ntime.sleep(float(sys.argv[1]) * 0.1)\n",
    );
    env.git(["add", "."]);
    env.git(["commit", "-q", "-m", "entries"]);
    env
}

fn runs(env: &TestEnv) -> Vec<serde_json::Value> {
    env.run(["ls", "--format", "json"]).json().as_array().unwrap().clone()
}

#[test]
fn entry_points_type_default_and_validate_params() {
    let env = env_with_entries();
    let out = env.run(["run", "train", "-p", "lr=1"]);
    assert_eq!(out.success(), "--lr 1.0 --epochs 10 --data data/train.csv\nv1\n");
    let run = &runs(&env)[0];
    assert_eq!(run["entry"], "train");
    assert_eq!(run["params"], serde_json::json!({"data": "data/train.csv", "epochs": 10, "lr": 1.0}));
    assert_eq!(run["command_template"][1], "show.py");

    let out = env.run(["run", "train", "-p", "lr=-1", "-p", "epochs=x", "-p", "bs=3"]);
    let err = out.failure(2);
    assert!(err.starts_with("error: entry `train` has no param `bs`; param `epochs` must be an int, not `x`; param `lr` must be at least 0.0, not -1.0\nhint: params of entry `train`:\n"), "{out}");
    assert!(err.contains("  epochs  int    default 10"), "{out}");
    let out = env.run(["run", "slow"]);
    assert!(out.failure(2).contains("entry `slow` needs param `i` (-p i=…)"), "{out}");
    let out = env.run(["run", "trian"]);
    assert!(
        out.failure(2).contains(
            "error: there is no entry point `trian` in exp.toml\nhint: entry points in exp.toml: train, slow"
        ),
        "{out}"
    );
    assert!(env.run(["run"]).failure(2).contains("nothing to run"));
    assert!(env.run(["run", "train", "--", "true"]).failure(2).contains("not both"));
    assert_eq!(runs(&env).len(), 1, "rejected before anything ran");
}

#[test]
fn sweeps_run_the_grid_with_one_sweep_id() {
    let env = env_with_entries();
    let out = env.run([
        "run",
        "train",
        "-p",
        "lr=[0.1,0.01]",
        "-p",
        "epochs=[1,2]",
        "-j",
        "2",
        "-n",
        "grid",
        "--format",
        "json",
    ]);
    let summary = out.json();
    assert_eq!(summary.as_array().unwrap().len(), 4, "{out}");
    assert_eq!(summary[3]["params.lr"], 0.01);
    assert_eq!(summary[3]["params.epochs"], 2);
    assert!(out.stderr.contains("Sweep ") && out.stderr.contains("[4/4] completed"), "{out}");
    let all = runs(&env);
    let sweep = all[0]["sweep"].as_str().unwrap();
    assert!(all.iter().all(|r| r["sweep"] == sweep && r["status"] == "completed"));
    let mut combos: Vec<String> = all
        .iter()
        .map(|r| format!("{} {} {}", r["name"].as_str().unwrap(), r["params"]["lr"], r["params"]["epochs"]))
        .collect();
    combos.sort();
    assert_eq!(combos, ["grid-1 0.1 1", "grid-2 0.1 2", "grid-3 0.01 1", "grid-4 0.01 2"]);
    env.fsck();
}

#[test]
fn fail_fast_stops_starting_runs() {
    let env = env_with_entries();
    let out = env.run(["run", "slow", "-p", "i=[1,2,3,4]", "--fail-fast", "--format", "json"]);
    assert_eq!(out.code, 1, "{out}");
    let statuses: Vec<String> =
        out.json().as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap().to_owned()).collect();
    assert_eq!(statuses, ["completed", "failed", "not started", "not started"]);
}

#[test]
fn ctrl_c_stops_a_sweep() {
    let env = env_with_entries();
    let child = env
        .cmd()
        .args(["run", "slow", "-p", "i=[100,100,100,100]", "-j", "2", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while runs(&env).len() < 2 {
        assert!(Instant::now() < deadline, "the sweep never started two runs");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = summary.as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["interrupted", "interrupted", "not started", "not started"]);
    assert!(runs(&env).iter().all(|r| r["status"] == "interrupted"));
}

#[test]
fn isolated_runs_use_the_snapshot_and_discard_stray_outputs() {
    let env = env_with_entries();
    env.write("version.txt", "v2 uncommitted\n");
    env.write("write.py", "open('stray.txt', 'w').write('x')\nprint(open('version.txt').read().strip())\n");
    let before = env.user_state();
    let out = env.run(["run", "--isolate", "--", "python3", "write.py"]);
    assert_eq!(out.success(), "v2 uncommitted\n");
    assert!(
        out.stderr.contains(
            "discarded what the command wrote outside $GIT_EXP_ARTIFACTS in the isolated checkout: stray.txt"
        ),
        "{out}"
    );
    assert!(!env.repo.join("stray.txt").exists());
    assert_eq!(env.user_state(), before);

    let out = env.run(["run", "--isolate", "--keep", "--", "python3", "write.py"]);
    let kept =
        out.stderr.lines().find_map(|l| l.strip_prefix("warning: kept the isolated checkout in ")).unwrap().to_owned();
    assert!(std::path::Path::new(&kept).join("stray.txt").is_file(), "{out}");
    std::fs::remove_dir_all(kept).unwrap();
}

#[test]
fn rerun_uses_the_old_code_and_params_with_overrides() {
    let env = env_with_entries();
    env.run(["run", "-p", "lr=0.5", "--", "python3", "show.py", "{lr}"]).success();
    let first = runs(&env)[0]["id"].as_str().unwrap().to_owned();
    env.write("version.txt", "v2\n");
    let out = env.run(["rerun", &first, "-p", "lr=0.25"]);
    assert_eq!(out.success(), "0.25\nv1\n", "old code, new param");
    let rerun = &runs(&env)[0];
    assert_eq!(rerun["rerun_of"], first.as_str());
    assert_eq!(rerun["params"]["lr"], 0.25);
    let id = rerun["id"].as_str().unwrap();
    assert_eq!(env.git(["show", &format!("refs/git-exp/runs/{id}:version.txt")]), "v1\n");

    env.run(["run", "train", "-p", "epochs=3"]).success();
    env.write("version.txt", "v3\n");
    let out = env.run(["rerun", "@", "-p", "epochs=4"]);
    assert_eq!(out.success(), "--lr 0.01 --epochs 4 --data data/train.csv\nv2\n", "{out}");
    let out = env.run(["rerun", "@", "-p", "epochs=x"]);
    assert!(out.failure(2).contains("param `epochs` must be an int"), "{out}");
}

#[test]
fn apply_restores_code_and_protects_local_work() {
    let env = env_with_entries();
    env.write("version.txt", "v2\n");
    env.write("extra.py", "untracked, part of the run\n");
    std::fs::remove_file(env.repo.join("show.py")).unwrap();
    env.run(["snapshot", "-n", "v2"]).success();
    env.git(["checkout", "-q", "--", "."]);
    std::fs::remove_file(env.repo.join("extra.py")).unwrap();
    env.write("mine.txt", "my untracked notes\n");
    let index_before = std::fs::read(env.repo.join(".git/index")).unwrap();

    let out = env.run(["apply", "v2"]);
    assert!(
        out.stderr.contains("M version.txt") && out.stderr.contains("A extra.py") && out.stderr.contains("D show.py"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(env.repo.join("version.txt")).unwrap(), "v2\n");
    assert!(!env.repo.join("show.py").exists());
    assert_eq!(
        std::fs::read_to_string(env.repo.join("mine.txt")).unwrap(),
        "my untracked notes\n",
        "untracked files stay"
    );
    assert_eq!(std::fs::read(env.repo.join(".git/index")).unwrap(), index_before, "the index is not touched");

    env.git(["checkout", "-q", "--", "."]);
    env.write("version.txt", "local edit\n");
    let out = env.run(["apply", "v2"]);
    assert!(out.failure(1).contains("would overwrite uncommitted changes in: version.txt"), "{out}");
    assert_eq!(std::fs::read_to_string(env.repo.join("version.txt")).unwrap(), "local edit\n");
    env.run(["apply", "v2", "--force"]).success();
    assert_eq!(std::fs::read_to_string(env.repo.join("version.txt")).unwrap(), "v2\n");
}

#[test]
fn branch_holds_the_run_code_without_the_record() {
    let env = env_with_entries();
    env.write("version.txt", "v3\n");
    env.run(["snapshot", "-n", "v3"]).success();
    let head = env.git(["rev-parse", "HEAD"]);
    let before = env.user_state();
    let out = env.run(["branch", "v3", "try-v3"]);
    assert!(out.stderr.contains("Created branch try-v3"), "{out}");
    assert_eq!(env.git(["show", "try-v3:version.txt"]), "v3\n");
    assert_eq!(env.git(["rev-parse", "try-v3^"]), head, "parent is the run's base");
    assert!(!env.git(["ls-tree", "-r", "--name-only", "try-v3"]).contains(".git-exp"));
    let after = env.user_state();
    assert_eq!(
        after
            .replace(&format!("refs/heads/try-v3 {}", env.git(["rev-parse", "try-v3"]).trim()), "")
            .replace("\n\n", "\n"),
        before.replace("\n\n", "\n")
    );
    assert!(env.run(["branch", "v3", "try-v3"]).failure(2).contains("branch `try-v3` already exists"));
    assert!(env.run(["branch", "v3", "bad..name"]).failure(2).contains("not a valid branch name"));
    env.fsck();
}
