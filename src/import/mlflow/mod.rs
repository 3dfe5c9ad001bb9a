//! MLflow's two local stores: the file store (`mlruns/`: one directory per experiment and run,
//! `meta.yaml`, `params/`, `tags/`, `metrics/`, `artifacts/`) and the SQL store in SQLite
//! (`sqlite:///mlflow.db`: tables `experiments`, `runs`, `params`, `tags`, `metrics`,
//! `logged_models`), as MLflow's `file_store.py` and `dbmodels/models.py` lay them out.

mod file_store;
mod sqlite;

use std::path::{Path, PathBuf};

use super::{ForeignRun, Unreadable};
use crate::store::record::Status;

/// An MLflow tracking store on this machine.
pub enum Source {
    Files(file_store::FileStore),
    Sqlite(sqlite::SqliteStore),
}

/// Where the store is, from what the user typed: `sqlite:///abs/path.db` (`sqlite:///rel.db`
/// relative to `cwd`), `file:///abs/mlruns`, or a plain path to an `mlruns/` directory.
pub fn open(location: &str, cwd: &Path) -> anyhow::Result<Source> {
    if let Some(rest) = location.strip_prefix("sqlite://") {
        // `sqlite:///x.db` is relative, `sqlite:////abs/x.db` absolute (SQLAlchemy's rule).
        let path = rest.strip_prefix('/').unwrap_or(rest);
        return Ok(Source::Sqlite(sqlite::SqliteStore::open(&cwd.join(path))?));
    }
    if location.contains("://") && !location.starts_with("file://") {
        anyhow::bail!(
            "MLflow store `{location}` is not local: give an mlruns/ directory or a sqlite:/// URI \
             (for a tracking server, run `mlflow migrate` or copy its backend store first)"
        );
    }
    Ok(Source::Files(file_store::FileStore::open(&cwd.join(local_path(location)))?))
}

impl crate::import::Reader for Source {
    fn run_ids(&self) -> anyhow::Result<Vec<String>> {
        match self {
            Source::Files(store) => Ok(store.runs.iter().map(|r| r.id.clone()).collect()),
            Source::Sqlite(store) => store.run_ids(),
        }
    }

    fn origin(&self, id: &str) -> String {
        format!("mlflow:{id}")
    }

    fn read(&self, index: usize, id: &str) -> Result<ForeignRun, Unreadable> {
        let what = format!("MLflow run {}", id.escape_debug());
        let run = match self {
            Source::Files(store) => store.read(index),
            Source::Sqlite(store) => store.read(id),
        };
        run.map_err(|e| Unreadable::new(what, format!("{e:#}")))
    }
}

/// The local path of a `file://` URI or a plain path.
fn local_path(location: &str) -> PathBuf {
    PathBuf::from(location.strip_prefix("file://").unwrap_or(location))
}

/// MLflow's run status (`RunStatus`: an integer in the file store, a name in SQL) as a git-exp
/// status. A run MLflow still calls running or scheduled never finished as far as anyone knows:
/// `crashed`, as `git exp recover` would call it.
fn status(name: &str) -> Option<Status> {
    match name {
        "FINISHED" | "3" => Some(Status::Completed),
        "FAILED" | "4" => Some(Status::Failed),
        "KILLED" | "5" => Some(Status::Interrupted),
        "RUNNING" | "SCHEDULED" | "1" | "2" => Some(Status::Crashed),
        _ => None,
    }
}

/// The artifact directories of a run: its own (`artifact_uri`) and, for MLflow 3, its logged
/// models (`models/<name>/`). A URI that is not local is a warning, not an error: the rest of
/// the run still imports.
fn artifact_dir(uri: &str, relative_to: &Path, warnings: &mut Vec<String>) -> Option<PathBuf> {
    if uri.contains("://") && !uri.starts_with("file://") {
        warnings.push(format!("artifacts at `{}` are not local and were not imported", crate::redact::url(uri)));
        return None;
    }
    let path = relative_to.join(local_path(uri));
    path.is_dir().then_some(path)
}

fn finish(mut run: ForeignRun) -> ForeignRun {
    run.origin = format!("mlflow:{}", run.run_id);
    if run.name.is_none() {
        run.name = run.tag("mlflow.runName").map(str::to_owned);
    }
    run
}

/// MLflow run ids are 32 lowercase hex digits (older ones may differ, so only the characters are
/// checked: an id becomes part of `imported_from` and of messages).
fn check_run_id(id: &str) -> anyhow::Result<()> {
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        anyhow::bail!("run id `{}` is not an MLflow run id", id.escape_debug());
    }
    Ok(())
}
