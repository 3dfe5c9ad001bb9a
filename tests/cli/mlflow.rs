//! MLflow: stores made by real MLflow (`mlflow-skinny`, plus SQLAlchemy for the SQLite store)
//! imported with `git exp import --mlflow`, and an unchanged MLflow script under `git exp run`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{TestEnv, missing_tool};

/// Whether python3 can import `modules`; else the test is skipped (or fails on CI).
fn has_python_modules(test: &str, modules: &str) -> bool {
    let ok =
        Command::new("python3").args(["-c", &format!("import {modules}")]).output().is_ok_and(|o| o.status.success());
    if !ok {
        missing_tool(test, &format!("python3 cannot import {modules} (pip install mlflow-skinny sqlalchemy alembic)"));
    }
    ok
}

/// Makes an MLflow store at `uri` with real MLflow, running in `dir`: experiment `alpha` with a
/// run `outer` (git commit tag `commit`, params, a metric over three steps, a file, a directory
/// and a logged model) and its nested run `inner`; experiment `beta` with `other` (a commit this
/// repository lacks) and a failed run. Returns the MLflow run ids by name.
fn make_store(env: &TestEnv, dir: &Path, uri: &str, commit: &str) -> Value {
    std::fs::create_dir_all(dir.join("out/sub")).unwrap();
    std::fs::write(dir.join("out/model.txt"), "weights").unwrap();
    std::fs::write(dir.join("out/sub/cfg.json"), "{}").unwrap();
    let script = r#"
import json, sys, mlflow, mlflow.pyfunc
commit = sys.argv[1]
class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input):
        return model_input
ids = {}
mlflow.set_experiment("alpha")
with mlflow.start_run(run_name="outer") as run:
    ids["outer"] = run.info.run_id
    ids["outer_start"] = run.info.start_time
    mlflow.set_tag("mlflow.source.git.commit", commit)
    mlflow.set_tag("team", "vision")
    mlflow.log_params({"lr": "0.01", "optimizer": "adam", "layers": 3})
    for step in range(3):
        mlflow.log_metric("train loss", 1.0 / (step + 1), step=step, timestamp=1790000000000 + step * 1000)
    mlflow.log_artifact("out/model.txt")
    mlflow.log_artifacts("out/sub", artifact_path="config")
    mlflow.pyfunc.log_model(name="echo", python_model=Echo(), pip_requirements=[])
    with mlflow.start_run(run_name="inner", nested=True) as inner:
        ids["inner"] = inner.info.run_id
        mlflow.log_metric("acc", 0.75, step=5)
mlflow.set_experiment("beta")
with mlflow.start_run(run_name="other") as other:
    ids["other"] = other.info.run_id
    mlflow.set_tag("mlflow.source.git.commit", "0" * 40)
    mlflow.log_param("seed", 7)
run = mlflow.start_run(run_name="broken")
ids["broken"] = run.info.run_id
mlflow.end_run(status="FAILED")
print(json.dumps(ids))
"#;
    let mut cmd = Command::new("python3");
    env.hermetic(&mut cmd);
    let out = cmd
        .args(["-c", script, commit])
        .current_dir(dir)
        .env("MLFLOW_TRACKING_URI", uri)
        .env("MLFLOW_ALLOW_FILE_STORE", "true")
        .output()
        .unwrap();
    assert!(out.status.success(), "MLflow failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

/// The imported runs by name, from `ls --format json`.
fn runs_by_name(env: &TestEnv) -> std::collections::BTreeMap<String, Value> {
    let list = env.run(["ls", "--format", "json"]).json();
    list.as_array().unwrap().iter().map(|r| (r["name"].as_str().unwrap().to_owned(), r.clone())).collect()
}

/// Checks every field of the imported runs against what `make_store` logged.
fn check_imported(env: &TestEnv, ids: &Value, commit: &str) {
    let runs = runs_by_name(env);
    assert_eq!(runs.len(), 4, "{runs:#?}");
    let outer = &runs["outer"];
    assert_eq!(outer["imported_from"], format!("mlflow:{}", ids["outer"].as_str().unwrap()));
    assert_eq!(outer["status"], "completed");
    let started: jiff::Timestamp = outer["started"].as_str().unwrap().parse().unwrap();
    assert_eq!(started.as_millisecond(), ids["outer_start"].as_i64().unwrap());
    assert!(outer["ended"].as_str().unwrap() >= outer["started"].as_str().unwrap());
    assert_eq!(outer["base"], commit);
    assert!(outer.get("no_code").is_none(), "{outer}");
    assert_eq!(outer["params"]["lr"], 0.01);
    assert_eq!(outer["params"]["layers"], 3);
    assert_eq!(outer["params"]["optimizer"], "adam");
    assert_eq!(outer["tags"], serde_json::json!(["team=vision"]));
    assert_eq!(outer["mlflow"]["experiment"], "alpha");
    assert_eq!(outer["mlflow"]["tags"]["mlflow.runName"], "outer");
    assert_eq!(outer["metrics"]["train_loss"]["count"], 3);
    let id = outer["id"].as_str().unwrap();
    let series = env.run(["metrics", id, "train_loss", "--format", "json"]).json();
    let points: Vec<(i64, f64, f64)> = series["train_loss"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["step"].as_i64().unwrap(), p["value"].as_f64().unwrap(), p["time"].as_f64().unwrap()))
        .collect();
    assert_eq!(points, [(0, 1.0, 1_790_000_000.0), (1, 0.5, 1_790_000_001.0), (2, 1.0 / 3.0, 1_790_000_002.0)]);
    let artifacts = env.run(["artifacts", id, "--format", "json"]).json();
    let paths: Vec<&str> = artifacts.as_array().unwrap().iter().map(|a| a["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"model.txt") && paths.contains(&"config/cfg.json"), "{paths:?}");
    assert!(paths.contains(&"models/echo/MLmodel"), "the logged model is an artifact: {paths:?}");
    let out = env.root.join("extracted");
    env.run(["artifacts", id, "-o", out.to_str().unwrap()]).success();
    assert_eq!(std::fs::read_to_string(out.join("model.txt")).unwrap(), "weights");
    // Real git: the run's code is the commit MLflow named, its parent that commit.
    let reference = format!("refs/git-exp/runs/{id}");
    assert_eq!(env.git(["rev-parse", &format!("{reference}^")]).trim(), commit);
    assert_eq!(env.git(["show", &format!("{reference}:train.py")]), "print('hello')\n");

    let inner = &runs["inner"];
    assert_eq!(inner["mlflow"]["parent_run_id"], ids["outer"]);
    assert_eq!(inner["metrics"]["acc"]["last_step"], 5);
    let other = &runs["other"];
    assert_eq!(other["no_code"], true);
    assert!(other.get("base").is_none(), "{other}");
    assert_eq!(other["params"]["seed"], 7);
    assert_eq!(other["mlflow"]["experiment"], "beta");
    let tree =
        env.git(["ls-tree", "-r", "--name-only", &format!("refs/git-exp/runs/{}", other["id"].as_str().unwrap())]);
    assert!(tree.lines().all(|p| p.starts_with(".git-exp/")), "a run without code holds only its record: {tree}");
    assert_eq!(runs["broken"]["status"], "failed");
    env.fsck();
}

#[test]
fn an_mlflow_file_store_imports_field_by_field_once_and_skips_a_corrupt_run() {
    if !has_python_modules("an_mlflow_file_store_imports", "mlflow") {
        return;
    }
    let env = TestEnv::with_commit();
    let commit = env.git(["rev-parse", "HEAD"]).trim().to_owned();
    let dir = env.root.join("ml");
    let mlruns = dir.join("mlruns");
    let ids = make_store(&env, &dir, &format!("file://{}", mlruns.display()), &commit);
    // A run whose meta.yaml is broken, beside the good ones.
    let exp = std::fs::read_dir(&mlruns)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.join(ids["outer"].as_str().unwrap()).exists())
        .unwrap();
    let bad = exp.join("0123456789abcdef0123456789abcdef");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("meta.yaml"), "run_id: [unclosed\n").unwrap();
    let before = env.user_state();

    let first = env.run(["import", "--mlflow", mlruns.to_str().unwrap()]);
    let stderr = first.failure(1);
    assert!(stderr.contains("0123456789abcdef0123456789abcdef"), "the corrupt run is named: {stderr}");
    assert!(stderr.contains("Imported 4 runs from MLflow"), "{stderr}");
    check_imported(&env, &ids, &commit);

    let again = env.run(["import", "--mlflow", mlruns.to_str().unwrap()]);
    assert!(again.stderr.contains("Imported 0 runs from MLflow (4 already imported"), "{again}");
    assert_eq!(env.run_ids().len(), 4);
    assert_eq!(env.user_state(), before, "import leaves branches, index and working tree alone");
}

#[test]
fn an_mlflow_sqlite_store_imports_field_by_field_once() {
    if !has_python_modules("an_mlflow_sqlite_store_imports", "mlflow, sqlalchemy, alembic") {
        return;
    }
    let env = TestEnv::with_commit();
    let commit = env.git(["rev-parse", "HEAD"]).trim().to_owned();
    let dir = env.root.join("ml");
    std::fs::create_dir_all(&dir).unwrap();
    let uri = format!("sqlite:///{}", dir.join("mlflow.db").display());
    let ids = make_store(&env, &dir, &uri, &commit);
    env.run(["import", "--mlflow", &uri]).success();
    check_imported(&env, &ids, &commit);
    let again = env.run(["import", "--mlflow", &uri]);
    assert!(again.success().is_empty() && again.stderr.contains("Imported 0 runs"), "{again}");
    assert_eq!(env.run_ids().len(), 4);
}

#[test]
fn an_unchanged_mlflow_script_records_into_the_run() {
    if !has_python_modules("an_unchanged_mlflow_script_records_into_the_run", "mlflow") {
        return;
    }
    let env = TestEnv::with_commit();
    env.write(
        "train_mlflow.py",
        r#"import os, tempfile, mlflow
out = tempfile.mkdtemp()
with mlflow.start_run(run_name="from-mlflow"):
    mlflow.log_param("lr", 0.1)
    for step in range(3):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    mlflow.set_tag("team", "nlp")
    path = os.path.join(out, "weights.bin")
    open(path, "w").write("w")
    mlflow.log_artifact(path, artifact_path="ckpt")
    with mlflow.start_run(run_name="child", nested=True):
        mlflow.log_metric("acc", 0.9)
print("done")
"#,
    );
    env.git(["add", "."]);
    env.git(["commit", "-q", "-m", "script"]);
    let out = env.run(["run", "--", "python3", "train_mlflow.py"]);
    assert!(out.success().contains("done"), "{out}");
    assert!(out.stderr.contains("recorded as run"), "the nested run is announced: {out}");
    assert_eq!(env.git(["status", "--porcelain", "--untracked-files=all"]), "", "nothing is left in the worktree");

    let runs = runs_by_name(&env);
    let run = &runs["from-mlflow"];
    assert_eq!(run["params"]["lr"], 0.1);
    assert_eq!(run["metrics"]["loss"]["count"], 3);
    assert_eq!(run["metrics"]["loss"]["last"], 1.0 / 3.0);
    assert_eq!(run["tags"], serde_json::json!(["team=nlp"]));
    assert_eq!(run["command"], serde_json::json!(["python3", "train_mlflow.py"]));
    let id = run["id"].as_str().unwrap();
    let artifacts = env.run(["artifacts", id, "--format", "json"]).json();
    assert_eq!(artifacts[0]["path"], "ckpt/weights.bin");

    let child = &runs["child"];
    assert_eq!(child["mlflow"]["recorded_by"], id);
    assert_eq!(child["mlflow"]["parent_run_id"], run["mlflow"]["run_id"]);
    assert_eq!(child["metrics"]["acc"]["last"], 0.9);
    assert_eq!(child["base"], run["base"]);

    // A name given with -n wins over MLflow's.
    let named = env.run(["run", "-n", "mine", "--", "python3", "train_mlflow.py"]);
    named.success();
    assert!(runs_by_name(&env).contains_key("mine"));
}
