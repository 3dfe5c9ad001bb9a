//! The Python helper (python/git_exp/): its own unittest suite, and end to end with git-exp.

use std::path::Path;

use crate::common::{Outcome, TestEnv};

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
        // As without git-exp installed (else init() would record a run of this repository).
        .env("GIT_EXP_BIN", env.root.join("no-git-exp"))
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

/// `python3 ARGS` in `dir` with the hermetic environment of a git-exp call, the helper on
/// PYTHONPATH and this build's binary as `$GIT_EXP_BIN`: a program run without `git exp run`.
fn plain_python(env: &TestEnv, dir: &Path, args: &[&str]) -> Outcome {
    let hermetic = env.cmd();
    let out = std::process::Command::new("python3")
        .args(args)
        .current_dir(dir)
        .envs(hermetic.get_envs().filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))))
        .env("PYTHONPATH", python_dir())
        .env("GIT_EXP_BIN", assert_cmd::cargo::cargo_bin!("git-exp"))
        .output()
        .unwrap();
    Outcome::from_output(out)
}

#[test]
fn init_without_the_wrapper_records_a_real_run() {
    let env = TestEnv::with_commit();
    env.write(
        "fit.py",
        "import sys, git_exp\n\
         run = git_exp.init(config={'lr': 0.1, 'model': {'depth': 4, 'act': None}, 'layers': [64, 32]}, name='plain')\n\
         run.log({'train loss': 0.5})\nrun.log({'train loss': 0.25})\nrun.log_text('notes', 'hi')\n\
         print('hello from fit')\nprint('to stderr', file=sys.stderr)\n",
    );
    let out = plain_python(&env, &env.repo, &["fit.py"]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.stdout, "hello from fit\n");
    assert!(out.stderr.contains("git-exp: metric key \"train loss\" recorded as \"train_loss\""), "{out}");
    assert!(out.stderr.contains("Recording run"), "{out}");
    let runs = env.run(["ls", "--format", "json"]).json();
    assert_eq!(runs.as_array().unwrap().len(), 1, "{runs}");
    let id = runs[0]["id"].as_str().unwrap().to_owned();
    let run = env.run(["show", &id, "--format", "json"]).json();
    assert_eq!(run["name"], "plain");
    assert_eq!(run["status"], "completed");
    assert_eq!(run["exit_code"], 0);
    assert!(run["command"].to_string().contains("fit.py"), "{run}");
    assert_eq!(run["params"]["lr"], 0.1);
    assert_eq!(run["params"]["model"]["depth"], 4);
    assert_eq!(run["params"]["model"]["act"], "", "None is recorded as the empty string: {run}");
    assert_eq!(run["params"]["layers"], serde_json::json!([64, 32]));
    assert_eq!(run["metrics"]["train_loss"]["count"], 2);
    assert_eq!(run["metrics"]["train_loss"]["last"], 0.25);
    let tail = run["output_tail"].to_string();
    assert!(tail.contains("hello from fit") && tail.contains("to stderr"), "{run}");
    assert_eq!(run["artifacts"][0]["path"], "text/notes/0.txt");
    // The code snapshot holds the script; the record is plain git.
    let tree = env.git(["ls-tree", "-r", "--name-only", &format!("refs/git-exp/runs/{id}")]);
    assert!(tree.lines().any(|l| l == "fit.py"), "{tree}");
    assert!(env.run(["ls"]).success().contains("plain"));
}

#[test]
fn init_without_the_wrapper_records_failures_and_crashes() {
    let env = TestEnv::with_commit();
    env.write(
        "boom.py",
        "import git_exp\nrun = git_exp.init(name='boom')\nrun.log({'a': 1})\nraise SystemError('boom')\n",
    );
    let out = plain_python(&env, &env.repo, &["boom.py"]);
    assert_eq!(out.code, 1, "{out}");
    let run = env.run(["show", "boom", "--format", "json"]).json();
    assert_eq!((run["status"].as_str(), run["exit_code"].as_i64()), (Some("failed"), Some(1)), "{run}");
    assert!(run["output_tail"].to_string().contains("SystemError: boom"), "{run}");

    // Killed without a word: git-exp notices the process is gone and records a crash.
    env.write("killed.py", "import os, signal, git_exp\nrun = git_exp.init(name='killed')\nrun.log({'a': 1})\nos.kill(os.getpid(), signal.SIGKILL)\n");
    let out = plain_python(&env, &env.repo, &["killed.py"]);
    assert_ne!(out.code, 0, "{out}");
    // The supervisor polls the pid every 100 ms; give a loaded machine a minute.
    let mut status = String::new();
    for _ in 0..600 {
        status = env.run(["show", "killed", "--format", "json"]).json()["status"].as_str().unwrap_or("").to_owned();
        if status != "running" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(status, "crashed");
    let run = env.run(["show", "killed", "--format", "json"]).json();
    assert_eq!(run["metrics"]["a"]["count"], 1, "{run}");
}

#[test]
fn init_outside_a_repository_warns_and_logs_to_stderr() {
    let env = TestEnv::new();
    let outside = env.root.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("t.py"), "import git_exp\nrun = git_exp.init()\nrun.log({'loss': 1})\nprint('ok')\n")
        .unwrap();
    let out = plain_python(&env, &outside, &["t.py"]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.stdout, "ok\n");
    assert!(out.stderr.contains("git-exp: not recording:"), "{out}");
    assert!(out.stderr.contains("[git-exp] loss=1"), "{out}");
}

#[test]
fn params_logged_inside_git_exp_run_merge_under_the_given_ones() {
    let env = TestEnv::with_commit();
    env.write(
        "t.py",
        "import git_exp\nrun = git_exp.init()\nassert run.active and run.id\n\
         run.log_params({'lr': 0.1, 'model': {'depth': 4}, 'layers': [1, 2], 'act': None})\nrun.config['seed'] = 7\n",
    );
    let out = env
        .cmd()
        .args(["run", "-p", "lr=0.5", "--", "python3", "t.py"])
        .env("PYTHONPATH", python_dir())
        .env("GIT_EXP_BIN", assert_cmd::cargo::cargo_bin!("git-exp"))
        .output()
        .unwrap();
    let out = Outcome::from_output(out);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains("differ from the ones given to git-exp, which are kept: lr"), "{out}");
    let runs = env.run(["ls", "--format", "json"]).json();
    assert_eq!(runs.as_array().unwrap().len(), 1, "the helper joined the run: {runs}");
    let params = &runs[0]["params"];
    assert_eq!(params["lr"], 0.5);
    assert_eq!(params["model"]["depth"], 4);
    assert_eq!(params["layers"], serde_json::json!([1, 2]));
    assert_eq!(params["seed"], 7);
    let text = env.run(["show", "@"]).success().to_owned();
    assert!(text.contains("model.depth") || text.contains("depth"), "{text}");
}

#[test]
fn snapshot_from_python_keeps_get_params_types() {
    let env = TestEnv::with_commit();
    let script = "import git_exp\n\
         params = {'C': 1.0, 'class_weight': None, 'hidden_layer_sizes': [100, 50], 'kw': {'a': 1}, 'solver': 'lbfgs'}\n\
         print(git_exp.snapshot(params=params, metrics={'recall@10': 0.5}, git_exp=__import__('os').environ['GIT_EXP_BIN']))\n";
    let out = plain_python(&env, &env.repo, &["-c", script]);
    assert_eq!(out.code, 0, "{out}");
    let run = env.run(["show", out.stdout.trim(), "--format", "json"]).json();
    let params = &run["params"];
    assert_eq!(params["class_weight"], "");
    assert_eq!(params["hidden_layer_sizes"], serde_json::json!([100, 50]));
    assert_eq!(params["kw"]["a"], 1);
    assert_eq!(params["solver"], "lbfgs");
    assert_eq!(run["metrics"]["recall_10"]["last"], 0.5);
}

#[test]
fn a_notebook_executed_headless_records_a_run() {
    let env = TestEnv::with_commit();
    let probe = plain_python(&env, &env.repo, &["-c", "import nbclient, nbformat, ipykernel"]);
    if probe.code != 0 {
        crate::common::missing_tool(
            "a_notebook_executed_headless_records_a_run",
            "nbclient, nbformat or ipykernel is not installed",
        );
        return;
    }
    let driver = r#"
import nbformat, nbclient
cells = [
    "import git_exp\nrun = git_exp.init(name='nb', config={'lr': 0.01})",
    "for i in range(3):\n    run.log({'loss': 1 / (i + 1)})\nprint('cell output')",
    "run.finish()\nprint(run.id)",
]
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
nbformat.write(nb, 'analysis.ipynb')
nbclient.NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': '.'}}).execute()
# The cell's stderr has git-exp's status lines (forwarded by the helper); its stdout the id.
print(''.join(o.get('text', '') for o in nb.cells[2].outputs if o.get('name') == 'stdout').strip())
"#;
    let out = plain_python(&env, &env.repo, &["-c", driver]);
    assert_eq!(out.code, 0, "{out}");
    let id = out.stdout.trim().lines().last().unwrap_or_default().to_owned();
    let run = env.run(["show", &id, "--format", "json"]).json();
    assert_eq!(run["name"], "nb");
    assert_eq!(run["status"], "completed");
    assert!(run["command"].to_string().contains("ipykernel"), "{run}");
    assert_eq!(run["params"]["lr"], 0.01);
    assert_eq!(run["metrics"]["loss"]["count"], 3);
    assert!(run["output_tail"].to_string().contains("cell output"), "{run}");
    let tree = env.git(["ls-tree", "-r", "--name-only", &format!("refs/git-exp/runs/{id}")]);
    assert!(tree.lines().any(|l| l == "analysis.ipynb"), "{tree}");
}
