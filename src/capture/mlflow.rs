//! MLflow calls of an unchanged script under `git exp run`: when the user set no
//! `MLFLOW_TRACKING_URI`, the command gets a private file store in the run's spool
//! (`<git common dir>/git-exp/spool/<id>/mlruns`, outside the working tree), and when it ends
//! that store is read with the importer's reader and merged into the run.
//!
//! The rule for several MLflow runs in one process: the first top-level run (no
//! `mlflow.parentRunId`; by start time) merges into the git-exp run. Every other one (nested
//! runs, later top-level runs) is recorded as a git-exp run of its own with the same code and
//! command, its `[mlflow] recorded_by` naming the git-exp run and `parent_run_id` its MLflow
//! parent.

use std::collections::BTreeMap;
use std::path::Path;

use super::imported::{self, KeyNotices};
use super::metrics::SeriesSet;
use crate::ids::RunId;
use crate::import::{ForeignRun, Reader as _};
use crate::store::Store;
use crate::store::record::{MlflowInfo, RunRecord};

/// The private tracking store's directory inside the spool.
const MLRUNS_DIR: &str = "mlruns";

/// The variables that point MLflow at the spool, unless the user chose a tracking URI. MLflow 3
/// refuses a file store without `MLFLOW_ALLOW_FILE_STORE`; a SQLite store would need SQLAlchemy,
/// which `mlflow-skinny` lacks.
pub fn child_env(spool: &Path) -> Vec<(String, String)> {
    if std::env::var_os("MLFLOW_TRACKING_URI").is_some() {
        return vec![];
    }
    let mut env = vec![("MLFLOW_TRACKING_URI".to_owned(), format!("file://{}", spool.join(MLRUNS_DIR).display()))];
    if std::env::var_os("MLFLOW_ALLOW_FILE_STORE").is_none() {
        env.push(("MLFLOW_ALLOW_FILE_STORE".to_owned(), "true".to_owned()));
    }
    env
}

/// What the merged MLflow run adds to the git-exp run's record.
#[derive(Debug, Default)]
pub struct Merged {
    name: Option<String>,
    params: BTreeMap<String, toml::Value>,
    tags: Vec<String>,
    note: String,
    info: Option<MlflowInfo>,
}

impl Merged {
    /// Applies the merge to the final record. Params given with `-p` win over MLflow's; a name
    /// given with `-n` wins over MLflow's run name.
    pub fn apply(&self, record: &mut RunRecord, keep_name: bool) {
        if !keep_name && let Some(name) = &self.name {
            record.name.clone_from(name);
        }
        for (key, value) in &self.params {
            record.params.entry(key.clone()).or_insert_with(|| value.clone());
        }
        for tag in &self.tags {
            if !record.tags.contains(tag) {
                record.tags.push(tag.clone());
            }
        }
        if record.note.is_empty() {
            record.note.clone_from(&self.note);
        }
        if self.info.is_some() {
            record.mlflow.clone_from(&self.info);
        }
    }
}

/// Reads the spool's MLflow store, if the command made one: the first top-level run's metrics go
/// into `series` and its artifacts into the spool's artifacts; other runs are recorded beside
/// run `id`. Problems are notices: the command's own record never fails for them.
pub fn merge(store: &Store, id: &RunId, spool: &Path, series: &mut SeriesSet, notices: &mut Vec<String>) -> Merged {
    let dir = spool.join(MLRUNS_DIR);
    if !dir.is_dir() {
        return Merged::default();
    }
    let runs = match read_all(&dir, notices) {
        Ok(runs) => runs,
        Err(e) => {
            notices.push(format!("cannot read the MLflow runs of the command: {e:#}"));
            return Merged::default();
        }
    };
    let main = runs.iter().position(|r| r.tag("mlflow.parentRunId").is_none()).unwrap_or(0);
    let mut keys = KeyNotices::default();
    let mut merged = Merged::default();
    for (i, run) in runs.iter().enumerate() {
        let mut warn = |w: String| notices.push(w);
        if i == main {
            imported::add_series(series, run, "", &mut keys, &mut warn);
            move_artifacts(run, spool, &mut warn);
            merged = Merged {
                name: run.name.clone(),
                params: imported::params(run),
                tags: imported::tags(run),
                note: run.tag("mlflow.note.content").unwrap_or_default().to_owned(),
                info: Some(imported::info(run)),
            };
        } else {
            match imported::record_beside(store, run, id, &mut keys, &mut warn) {
                Ok(beside) => warn(format!(
                    "MLflow run {} ({}) recorded as run {}",
                    run.run_id,
                    run.name.as_deref().unwrap_or("unnamed"),
                    beside.id()
                )),
                Err(e) => warn(format!("MLflow run {} not recorded: {e:#}", run.run_id)),
            }
        }
    }
    merged
}

/// Every run of the store, oldest first.
fn read_all(dir: &Path, notices: &mut Vec<String>) -> anyhow::Result<Vec<ForeignRun>> {
    let source = crate::import::mlflow::open(&dir.to_string_lossy(), dir)?;
    let mut runs = Vec::new();
    for (index, run_id) in source.run_ids()?.iter().enumerate() {
        match source.read(index, run_id) {
            Ok(run) => runs.push(run),
            Err(e) => notices.push(format!("skipped {e}")),
        }
    }
    runs.sort_by_key(|r| r.started);
    Ok(runs)
}

/// Moves the run's artifacts into the spool's artifacts directory (one file system: a rename).
/// A file the command also wrote to `$GIT_EXP_ARTIFACTS` keeps that version.
fn move_artifacts(run: &ForeignRun, spool: &Path, warn: &mut dyn FnMut(String)) {
    let root = spool.join(crate::store::spool::ARTIFACTS_DIR);
    let files = match imported::artifact_files(run) {
        Ok(files) => files,
        Err(e) => return warn(format!("MLflow artifacts not recorded: {e:#}")),
    };
    for (path, file) in files {
        let moved = crate::relpath::prepare(&root, &path).map_err(anyhow::Error::from).and_then(|dest| {
            if dest.symlink_metadata().is_ok() {
                anyhow::bail!("$GIT_EXP_ARTIFACTS has a file there too; that one is kept");
            }
            std::fs::rename(&file, &dest).or_else(|_| std::fs::copy(&file, &dest).map(|_| ()))?;
            Ok(())
        });
        if let Err(e) = moved {
            warn(format!("MLflow artifact `{path}` not recorded: {e:#}"));
        }
    }
}
