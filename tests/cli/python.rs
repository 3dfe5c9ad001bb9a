//! The Python helper (python/git_exp/): its own unittest suite, and end to end with git-exp.

use std::path::Path;

use crate::common::TestEnv;

fn python_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/python"))
}

#[test]
fn python_unit_tests_pass() {
    let out = std::process::Command::new("python3")
        .args(["-m", "unittest", "discover", "-s", "tests"])
        .current_dir(python_dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("OK"), "{stderr}");
}

#[test]
fn helper_logs_metrics_and_artifacts_inside_a_run_and_is_a_no_op_outside() {
    let env = TestEnv::with_commit();
    env.write(
        "train.py",
        "import git_exp\nrun = git_exp.init()\nlr = run.params.get('lr', 0.01)\n\
         for i in range(3):\n    run.log({'loss': lr / (i + 1)}, step=i)\n\
         open('model.pt', 'w').write('w')\nrun.artifact('model.pt')\nprint('lr', lr)\n",
    );
    env.write(".gitignore", "model.pt\n");
    let out = env
        .cmd()
        .args(["run", "-p", "lr=0.5", "--", "python3", "train.py"])
        .env("PYTHONPATH", python_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "lr 0.5\n");
    let run = &env.run(["ls", "--format", "json"]).json()[0];
    assert_eq!(run["metrics"]["loss"]["count"], 3);
    assert_eq!(run["metrics"]["loss"]["last"], 0.5 / 3.0);
    let artifacts = env.run(["artifacts", "@", "--format", "json"]).json();
    assert_eq!(artifacts[0]["path"], "model.pt");

    // The same program without git-exp: runs unchanged, prints what it would log.
    let plain = std::process::Command::new("python3")
        .arg("train.py")
        .current_dir(&env.repo)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("PYTHONPATH", python_dir())
        .output()
        .unwrap();
    assert!(plain.status.success());
    assert_eq!(String::from_utf8_lossy(&plain.stdout), "lr 0.01\n");
    assert!(String::from_utf8_lossy(&plain.stderr).contains("[git-exp] step=2 loss="));
}

#[test]
fn snapshot_from_python_records_a_run() {
    let env = TestEnv::with_commit();
    let bin = assert_cmd::cargo::cargo_bin!("git-exp");
    let script = format!(
        "import git_exp\nprint(git_exp.snapshot(message='after tuning', params={{'lr': 0.05}}, metrics={{'acc': 0.91}}, git_exp={:?}))\n",
        bin.display().to_string()
    );
    // The hermetic environment of a git-exp call (clock, seed, git config), for the helper's call.
    let hermetic = env.cmd();
    let out = std::process::Command::new("python3")
        .args(["-c", &script])
        .current_dir(&env.repo)
        .envs(hermetic.get_envs().filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))))
        .env("PYTHONPATH", python_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let run = env.run(["show", &id, "--format", "json"]).json();
    assert_eq!(run["note"], "after tuning");
    assert_eq!(run["params"]["lr"], 0.05);
    assert_eq!(run["metrics"]["acc"]["last"], 0.91);
}

#[test]
fn workflow_example_sweeps_through_its_entry_point() {
    let env = TestEnv::new();
    let example = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/workflow"));
    for name in ["exp.toml", "train.py", ".gitignore"] {
        std::fs::copy(example.join(name), env.repo.join(name)).unwrap();
    }
    env.git(["add", "."]);
    env.git(["commit", "-q", "-m", "example"]);
    let out = env
        .cmd()
        .args(["run", "train", "-p", "lr=[0.3,0.1]", "-p", "epochs=30", "-j", "2", "--format", "json"])
        .env("PYTHONPATH", python_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let runs = env.run(["ls", "--format", "json"]).json();
    assert_eq!(runs.as_array().unwrap().len(), 2);
    for run in runs.as_array().unwrap() {
        assert_eq!(run["entry"], "train");
        assert_eq!(run["metrics"]["loss"]["count"], 30);
        assert!(run["metrics"]["w"]["last"].as_f64().unwrap() > 2.5, "{run}");
    }
    assert_eq!(env.run(["artifacts", "@", "--format", "json"]).json()[0]["path"], "model.json");
    let out = env.run(["run", "train", "-p", "lr=2"]);
    assert!(out.failure(2).contains("param `lr` must be at most 1.0, not 2.0"), "{out}");
}
