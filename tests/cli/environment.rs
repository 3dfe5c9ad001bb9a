//! What a run records about its surroundings: the snapshot's default excludes and its warning on
//! large files, the Python that ran (`uv run`, the helper's report), its packages, lock files and
//! submodules; and metric keys normalised by the shared rule, `--scrape` on framework output.

use std::path::Path;

use crate::common::{TestEnv, missing_tool};

fn show(env: &TestEnv, id: &str, path: &str) -> String {
    env.git(["show", &format!("refs/git-exp/runs/{id}:{path}")])
}

fn tree(env: &TestEnv, id: &str) -> Vec<String> {
    env.git(["ls-tree", "-r", "--name-only", &format!("refs/git-exp/runs/{id}")])
        .lines()
        .filter(|l| !l.starts_with(".git-exp/"))
        .map(String::from)
        .collect()
}

#[test]
fn tracker_folders_stay_out_of_snapshots_unless_asked_and_large_files_are_named() {
    let env = TestEnv::with_commit();
    for path in [
        "mlruns/0/meta.yaml",
        "wandb/run-1/files/config.yaml",
        "lightning_logs/version_0/hparams.yaml",
        "ckpt/last.ckpt",
        "runs/exp1/events.out.tfevents.1700000000.host",
        "outputs/2026-11-23/10-00-00/.hydra/config.yaml",
        "multirun/2026-11-23/0/log.txt",
        "nb/.ipynb_checkpoints/a-checkpoint.ipynb",
        "src/__pycache__/model.cpython-311.pyc",
        "src/new.py",
    ] {
        env.write(path, "x\n");
    }
    env.write("data.bin", &"d".repeat(1_200_000));
    let out = env.run(["run", "--", "true"]);
    out.success();
    let id = env.run_ids()[0].clone();
    let files = tree(&env, &id);
    assert_eq!(files, ["README.md", "data.bin", "src/model.py", "src/new.py", "train.py"], "{out}");
    let warning = "warning: large untracked files were stored with the code: data.bin (1.1 MiB)";
    assert!(out.stderr.contains(warning), "{out}");

    env.write("exp.toml", "[snapshot]\ninclude = [\"wandb\"]\nwarn_size = \"2MiB\"\n");
    let out = env.run(["run", "--", "true"]);
    assert!(!out.success().contains("large untracked"), "{out}");
    assert!(!out.stderr.contains("large untracked"), "{out}");
    let files = tree(&env, &env.run_ids()[0]);
    assert!(files.contains(&"wandb/run-1/files/config.yaml".to_owned()), "{files:?}");
    assert!(!files.iter().any(|f| f.starts_with("mlruns/")), "{files:?}");

    env.write("exp.toml", "[snapshot]\ndefault_excludes = false\n");
    env.run(["run", "--", "true"]).success();
    let files = tree(&env, &env.run_ids()[0]);
    assert!(files.contains(&"mlruns/0/meta.yaml".to_owned()) && files.contains(&"ckpt/last.ckpt".to_owned()));
}

#[test]
fn metric_keys_are_normalised_with_one_warning_at_once() {
    let env = TestEnv::with_commit();
    let script = "for i in 1 2 3; do echo '{\"train loss\": 1, \"recall@10\": 0.5}' >> \"$GIT_EXP_METRICS\"; done; \
                  echo '{\"a//b\": 1}' >> \"$GIT_EXP_METRICS\"";
    let out = env.run(["run", "--", "sh", "-c", script]);
    out.success();
    let warning = "git-exp: metric key \"train loss\" recorded as \"train_loss\"\n";
    assert_eq!(out.stderr.matches(warning).count(), 1, "{out}");
    assert_eq!(out.stderr.matches("recorded as \"recall_10\"").count(), 1, "{out}");
    let run = &env.run(["ls", "--format", "json"]).json()[0];
    assert_eq!(run["metrics"]["train_loss"]["count"], 3, "{run}");
    assert_eq!(run["metrics"]["recall_10"]["count"], 3, "{run}");
    assert_eq!(run["malformed_metric_lines"], 1, "a key the rule cannot repair is still dropped");

    let out = env.run(["snapshot", "--metric", "top k@5=0.5"]);
    out.success();
    assert!(out.stderr.contains("git-exp: metric key \"top k@5\" recorded as \"top_k_5\""), "{out}");
    assert_eq!(env.run(["ls", "--format", "json"]).json()[0]["metrics"]["top_k_5"]["last"], 0.5);
    let out = env.run(["snapshot", "--metric", "../x=1"]);
    assert!(out.failure(2).contains("`..` segment"), "{out}");
}

#[test]
fn scrape_reads_hugging_face_dicts_and_progress_bars_on_stderr() {
    let env = TestEnv::with_commit();
    env.write(
        "t.py",
        r#"
import sys
print("{'loss': 0.6934, 'learning_rate': 5e-05, 'epoch': 0.5}")
print("{'eval_recall@10': 0.25, 'step': 40, 'epoch': 1.0}")
bar = "Epoch 0: {p}%|##| {i}/2 [00:01<00:00, 2.0it/s, train_acc={a}, v_num=0]"
sys.stderr.write(bar.format(p=50, i=1, a=0.5) + "\r" + bar.format(p=50, i=1, a=0.5) + "\r")
sys.stderr.write(bar.format(p=100, i=2, a=0.75) + "\n")
"#,
    );
    let out = env.run(["run", "--scrape", "--", "python3", "t.py"]);
    out.success();
    let run = &env.run(["ls", "--format", "json"]).json()[0];
    assert_eq!(run["metrics"]["loss"]["last"], 0.6934, "{run}");
    assert_eq!(run["metrics"]["learning_rate"]["last"], 5e-5, "{run}");
    assert_eq!(run["metrics"]["epoch"]["count"], 2, "{run}");
    assert_eq!(run["metrics"]["eval_recall_10"]["last_step"], 40, "{run}");
    assert_eq!(run["metrics"]["train_acc"]["count"], 2, "a redrawn bar is one point: {run}");
    assert_eq!(run["metrics"]["train_acc"]["last"], 0.75, "{run}");
    assert!(run["metrics"].get("v_num").is_none(), "{run}");
    assert!(out.stderr.contains("metric key \"eval_recall@10\" recorded as \"eval_recall_10\""), "{out}");
}

#[test]
fn lock_files_in_the_snapshot_are_noted_by_blob() {
    let env = TestEnv::with_commit();
    env.write("uv.lock", "version = 1\n");
    env.write("requirements-dev.txt", "pytest\n");
    env.write("sub/environment.yml", "name: x\n");
    env.run_in(&env.repo.join("sub"), &[], ["run", "--", "true"]).success();
    let id = env.run_ids()[0].clone();
    let locks = show(&env, &id, ".git-exp/env/lockfiles.toml");
    let blob = |path: &str| env.git(["rev-parse", &format!("refs/git-exp/runs/{id}:{path}")]).trim().to_owned();
    for path in ["uv.lock", "requirements-dev.txt", "sub/environment.yml"] {
        assert!(locks.contains(&format!("\"{path}\" = \"{}\"", blob(path))), "{path}: {locks}");
    }
}

#[test]
fn submodules_are_recorded_with_their_commit_and_dirtiness_and_diffed() {
    let env = TestEnv::with_commit();
    let lib = env.root.join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    env.git_in(&lib, ["init", "-q"]);
    std::fs::write(lib.join("lib.py"), "V = 1\n").unwrap();
    env.git_in(&lib, ["add", "."]);
    env.git_in(&lib, ["commit", "-q", "-m", "v1"]);
    env.git(["-c", "protocol.file.allow=always", "submodule", "add", "-q", lib.to_str().unwrap(), "libs/lib"]);
    env.git(["commit", "-q", "-m", "add lib"]);
    let sub = env.repo.join("libs/lib");
    let recorded = env.git_in(&sub, ["rev-parse", "HEAD"]).trim().to_owned();
    env.run(["run", "--", "true"]).success();

    std::fs::write(sub.join("lib.py"), "V = 2\n").unwrap();
    env.git_in(&sub, ["commit", "-q", "-am", "v2"]);
    std::fs::write(sub.join("lib.py"), "V = 3\n").unwrap();
    let moved = env.git_in(&sub, ["rev-parse", "HEAD"]).trim().to_owned();
    env.run(["run", "--", "true"]).success();

    let id = env.run_ids()[0].clone();
    let text = show(&env, &id, ".git-exp/env/submodules.toml");
    let table: toml::Table = toml::from_str(&text).unwrap();
    let entry = &table["libs/lib"];
    assert_eq!(entry["commit"].as_str(), Some(moved.as_str()), "{text}");
    assert_eq!(entry["recorded"].as_str(), Some(recorded.as_str()), "{text}");
    assert_eq!(entry["dirty"].as_bool(), Some(true), "{text}");

    let diff = env.run(["diff", "@~1", "@"]);
    let out = diff.success();
    let line = |key: &str| out.lines().find(|l| l.contains(key)).unwrap_or_default().to_owned();
    assert!(line("submodules.toml  libs/lib.commit").ends_with(&format!("{recorded} → {moved}")), "{diff}");
    assert!(line("submodules.toml  libs/lib.dirty").ends_with("false → true"), "{diff}");
}

/// A project run with `uv run`: the record names the project's `.venv`, not the Python on
/// `PATH`, and lists what is installed there (read from its site-packages, cached per state).
#[test]
fn uv_run_records_the_project_environment() {
    if which("uv").is_none() {
        return missing_tool("uv_run_records_the_project_environment", "uv is not installed");
    }
    let env = TestEnv::with_commit();
    env.write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\n");
    env.write(".gitignore", ".venv/\n");
    let uv = [("UV_OFFLINE", "1"), ("UV_NO_PROGRESS", "1")];
    let run = |env: &TestEnv| {
        let out = env.run_in(&env.repo, &uv, ["run", "--", "uv", "run", "python", "-c", "print('ran')"]);
        assert!(out.success().contains("ran"), "{out}");
        env.run_ids()[0].clone()
    };
    let id = run(&env);
    let python = show(&env, &id, ".git-exp/env/python.toml");
    let table: toml::Table = toml::from_str(&python).unwrap();
    assert_eq!(table["source"].as_str(), Some("uv run"), "{python}");
    let prefix = table["prefix"].as_str().unwrap();
    assert_eq!(Path::new(prefix), env.repo.join(".venv"), "{python}");
    let site = table["site_packages"][0].as_str().unwrap().to_owned();
    assert!(site.starts_with(prefix), "{python}");

    // A package appears in the venv: the cache sees the directory change.
    let dist = Path::new(&site).join("fakepkg-1.2.3.dist-info");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("METADATA"), "Metadata-Version: 2.1\nName: fakepkg\nVersion: 1.2.3\n").unwrap();
    let id = run(&env);
    let freeze = show(&env, &id, ".git-exp/env/pip-freeze.txt");
    assert!(freeze.contains("fakepkg==1.2.3\n"), "{freeze}");
}

/// The helper reports the Python it runs in through `$GIT_EXP_ENV_OUT`; that report wins.
#[test]
fn the_helper_report_replaces_the_probed_python() {
    let env = TestEnv::with_commit();
    let python_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/python");
    env.write("t.py", "import sys, git_exp\ngit_exp.init()\nprint(sys.executable)\n");
    let out = env.run_in(&env.repo, &[("PYTHONPATH", python_dir)], ["run", "--", "python3", "t.py"]);
    let executable = out.success().trim().to_owned();
    let id = env.run_ids()[0].clone();
    let table: toml::Table = toml::from_str(&show(&env, &id, ".git-exp/env/python.toml")).unwrap();
    assert_eq!(table["source"].as_str(), Some("helper"));
    assert_eq!(table["executable"].as_str(), Some(executable.as_str()));

    let script = "echo '{\"python\": {\"executable\": \"/x\", \"version\": \"3.12.1\", \"packages\": [[\"b\", \"2\"], [\"a\", \"1\"]]}}' > \"$GIT_EXP_ENV_OUT\"";
    env.run(["run", "--", "sh", "-c", script]).success();
    let id = env.run_ids()[0].clone();
    assert_eq!(show(&env, &id, ".git-exp/env/pip-freeze.txt"), "a==1\nb==2\n");
    let out = env.run(["run", "--", "sh", "-c", "echo 'not json' > \"$GIT_EXP_ENV_OUT\""]);
    assert!(out.success().is_empty() && out.stderr.contains("$GIT_EXP_ENV_OUT is not a valid report"), "{out}");
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| p.is_file())
}
