//! Recording runs of other trackers (`crate::import`) as git-exp runs: one commit whose code is
//! the run's git commit when this repository has it (else no code, said by `no_code`), whose
//! record holds what the tracker said, and whose metrics and artifacts are stored as a recorded
//! run's are.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::Context as _;

use super::metrics::SeriesSet;
use super::spool::metric_files;
use crate::blobs::BlobStore;
use crate::ids::IdSource;
use crate::import::ForeignRun;
use crate::store::record::{Artifact, ArtifactManifest, MlflowInfo, RunRecord, SCHEMA, Status};
use crate::store::{NewRun, RecordFile, Run, Store};

/// Most artifact files read for one run.
const MAX_ARTIFACTS_PER_RUN: usize = 100_000;

/// Metric keys already reported as normalised: each is reported once, when first seen.
#[derive(Default)]
pub struct KeyNotices {
    seen: HashSet<String>,
}

impl KeyNotices {
    /// The key to record for `key`, and a warning the first time a key is normalised.
    pub fn key(&mut self, key: &str) -> Result<(String, Option<String>), String> {
        let normal = crate::store::record::normalise_metric_key(key)?;
        if normal == key {
            return Ok((key.to_owned(), None));
        }
        let notice = self
            .seen
            .insert(key.to_owned())
            .then(|| format!("metric key \"{}\" recorded as \"{normal}\"", key.escape_debug()));
        Ok((normal.into_owned(), notice))
    }
}

/// Records `run` as a new git-exp run. `warn` gets one-line notices as they arise.
pub fn record(
    store: &Store,
    run: &ForeignRun,
    keys: &mut KeyNotices,
    warn: &mut dyn FnMut(String),
) -> anyhow::Result<Run> {
    let (code, base) = store.imported_code(run.tag("mlflow.source.git.commit"))?;
    let mut ids = IdSource::new();
    let mut record = base_record(&mut ids, run);
    record.base = base.map(|b| b.to_string());
    record.no_code = base.is_none();
    write(store, ids, record, &code, run, keys, warn)
}

/// Records `run`, an MLflow run made by the command of git-exp run `by` but not merged into it,
/// as a run of its own with the code, base and command of `by`.
pub fn record_beside(
    store: &Store,
    run: &ForeignRun,
    by: &crate::ids::RunId,
    keys: &mut KeyNotices,
    warn: &mut dyn FnMut(String),
) -> anyhow::Result<Run> {
    let (code, parent) = store.code_of_run(by)?;
    let mut ids = IdSource::new();
    let mut record = base_record(&mut ids, run);
    record.imported_from = None;
    record.base = parent.base;
    record.branch = parent.branch;
    record.dirty = parent.dirty;
    record.cwd = parent.cwd;
    record.command = parent.command;
    record.host = parent.host;
    if let Some(info) = record.mlflow.as_mut() {
        info.recorded_by = Some(by.to_string());
    }
    write(store, ids, record, &code, run, keys, warn)
}

fn write(
    store: &Store,
    mut ids: IdSource,
    mut record: RunRecord,
    code: &crate::store::CodeSnapshot,
    run: &ForeignRun,
    keys: &mut KeyNotices,
    warn: &mut dyn FnMut(String),
) -> anyhow::Result<Run> {
    let series = series_of(run, keys, warn);
    record.metrics = series.summaries();
    let mut files = metric_files(store, &series)?;
    drop(series);
    let manifest = store_artifacts(&BlobStore::new(store.blob_dir()), run)?;
    if !manifest.artifacts.is_empty() {
        let text = toml::to_string(&manifest).context("cannot write artifacts.toml")?;
        files.push(RecordFile { path: "artifacts.toml".into(), blob: store.write_blob(text.as_bytes())? });
    }
    for warning in &run.warnings {
        warn(format!("{}: {warning}", run.origin));
    }
    Ok(store.create_run(&mut ids, NewRun { record, code, files, named: true })?)
}

/// The record of an imported run, without code or metrics.
pub fn base_record(ids: &mut IdSource, run: &ForeignRun) -> RunRecord {
    let started = run.started.or(run.ended).unwrap_or_else(crate::clock::now);
    RunRecord {
        schema: SCHEMA,
        id: ids.run_id(),
        name: run.name.clone().unwrap_or_else(|| ids.name()),
        status: run.status.unwrap_or(Status::Crashed),
        command: vec![],
        command_template: vec![],
        entry: None,
        cwd: ".".into(),
        started,
        ended: run.ended.filter(|e| *e >= started).or(Some(started)),
        exit_code: None,
        signal: None,
        base: None,
        branch: None,
        dirty: false,
        tags: tags(run),
        note: run.tag("mlflow.note.content").unwrap_or_default().to_owned(),
        sweep: None,
        rerun_of: None,
        malformed_metric_lines: 0,
        skipped: vec![],
        output: None,
        host: crate::store::record::Host { user: run.user.clone().unwrap_or_default(), ..Default::default() },
        params: params(run),
        metrics: BTreeMap::new(),
        imported_from: Some(run.origin.clone()),
        imported_digest: None,
        no_code: false,
        mlflow: run.origin.starts_with("mlflow:").then(|| info(run)),
        extra: toml::Table::new(),
    }
}

/// The `[mlflow]` table: ids, experiment and every tag verbatim.
pub fn info(run: &ForeignRun) -> MlflowInfo {
    MlflowInfo {
        run_id: run.run_id.clone(),
        experiment: run.experiment.clone(),
        parent_run_id: run.tag("mlflow.parentRunId").map(str::to_owned),
        recorded_by: None,
        tags: run.tags.iter().cloned().collect(),
    }
}

/// The user's MLflow tags (not `mlflow.*`) as git-exp tags: `key=value`, or `key` when the value
/// is empty. A tag git-exp cannot hold (a comma or newline) stays only in `[mlflow] tags`.
pub fn tags(run: &ForeignRun) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (key, value) in run.tags.iter().filter(|(k, _)| !k.starts_with("mlflow.")) {
        let tag = if value.is_empty() { key.clone() } else { format!("{key}={value}") };
        if !tag.trim().is_empty() && !tag.contains([',', '\n']) && tag.len() <= 200 && !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// MLflow params are strings; one that reads as an integer, a finite float or a boolean is
/// recorded as that, so `--where 'params.lr < 0.01'` works; any other stays a string.
pub fn params(run: &ForeignRun) -> BTreeMap<String, toml::Value> {
    run.params.iter().map(|(k, v)| (k.clone(), param_value(v))).collect()
}

fn param_value(text: &str) -> toml::Value {
    if let Ok(n) = text.parse::<i64>() {
        return toml::Value::Integer(n);
    }
    if let Ok(x) = text.parse::<f64>()
        && x.is_finite()
        && text.chars().any(|c| c.is_ascii_digit())
    {
        return toml::Value::Float(x);
    }
    match text {
        "True" | "true" => toml::Value::Boolean(true),
        "False" | "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(text.to_owned()),
    }
}

/// The run's metric series, keys normalised; a key that cannot be is dropped with a warning.
pub fn series_of(run: &ForeignRun, keys: &mut KeyNotices, warn: &mut dyn FnMut(String)) -> SeriesSet {
    let mut series = SeriesSet::default();
    add_series(&mut series, run, "", keys, warn);
    series
}

/// Adds the run's series to `series`, each key after `prefix`.
pub fn add_series(
    series: &mut SeriesSet,
    run: &ForeignRun,
    prefix: &str,
    keys: &mut KeyNotices,
    warn: &mut dyn FnMut(String),
) {
    for (key, points) in &run.metrics {
        let full = format!("{prefix}{key}");
        match keys.key(&full) {
            Ok((key, notice)) => {
                if let Some(notice) = notice {
                    warn(notice);
                }
                for p in points {
                    series.add(&key, Some(p.step), p.value, p.time);
                }
            }
            Err(why) => warn(format!("{}: metric dropped: {why}", run.origin)),
        }
    }
}

/// Stores the files of the run's artifact directories; every path is checked first.
fn store_artifacts(blobs: &BlobStore, run: &ForeignRun) -> anyhow::Result<ArtifactManifest> {
    let mut manifest = ArtifactManifest::default();
    for (path, file) in artifact_files(run)? {
        let stored = blobs.put_file(&file).with_context(|| format!("cannot store artifact `{path}`"))?;
        manifest.artifacts.push(Artifact { path, sha256: stored.sha256, size: stored.size });
    }
    manifest.artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    manifest.artifacts.dedup_by(|a, b| a.path == b.path);
    Ok(manifest)
}

/// `(artifact path, file)` for every regular file of the run's artifact directories. A path
/// that `git exp artifacts -o` would refuse fails the run; links are not followed.
pub fn artifact_files(run: &ForeignRun) -> anyhow::Result<Vec<(String, std::path::PathBuf)>> {
    let mut out = Vec::new();
    for (prefix, dir) in &run.artifact_dirs {
        let mut stack = vec![dir.clone()];
        while let Some(current) = stack.pop() {
            let entries = std::fs::read_dir(&current).with_context(|| format!("cannot read {}", current.display()))?;
            for entry in entries.flatten() {
                let file = entry.path();
                let kind = entry.file_type()?;
                if kind.is_dir() {
                    stack.push(file);
                    continue;
                }
                if !kind.is_file() {
                    continue;
                }
                let path = artifact_path(prefix, dir, &file)?;
                out.push((path, file));
                if out.len() > MAX_ARTIFACTS_PER_RUN {
                    anyhow::bail!("more than {MAX_ARTIFACTS_PER_RUN} artifact files");
                }
            }
        }
    }
    Ok(out)
}

fn artifact_path(prefix: &str, dir: &Path, file: &Path) -> anyhow::Result<String> {
    let rel = file.strip_prefix(dir).unwrap_or(file);
    let rel = rel.to_str().with_context(|| format!("artifact name {} is not UTF-8", rel.display()))?;
    let path = if prefix.is_empty() { rel.to_owned() } else { format!("{prefix}/{rel}") };
    crate::relpath::check(&path)?;
    Ok(path)
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Imported {
    pub new: Vec<crate::ids::RunId>,
    /// Runs imported before (their `imported_from` is already recorded, here or in the trash).
    pub already: usize,
    /// One line per run that could not be read or recorded, naming it.
    pub skipped: Vec<String>,
}

/// Imports every run of `reader` that is not imported yet, one at a time (so memory stays that
/// of one run). `tick` is called once per run, for a progress bar; `warn` gets notices at once.
pub fn import_all(
    store: &Store,
    reader: &dyn crate::import::Reader,
    tick: &mut dyn FnMut(u64, u64),
    warn: &mut dyn FnMut(String),
) -> anyhow::Result<Imported> {
    let mut known: HashSet<String> = HashSet::new();
    for listing in [store.list()?, store.list_trash()?] {
        known.extend(listing.runs.into_iter().filter_map(|r| r.record.imported_from));
    }
    let ids = reader.run_ids()?;
    let total = ids.len() as u64;
    let mut keys = KeyNotices::default();
    let mut out = Imported::default();
    for (index, id) in ids.iter().enumerate() {
        tick(index as u64, total);
        if known.contains(&reader.origin(id)) {
            out.already += 1;
            continue;
        }
        let run = match reader.read(index, id) {
            Ok(run) => run,
            Err(e) => {
                out.skipped.push(e.to_string());
                continue;
            }
        };
        match record(store, &run, &mut keys, warn) {
            Ok(recorded) => {
                known.insert(run.origin.clone());
                out.new.push(recorded.id().clone());
            }
            Err(e) => out.skipped.push(format!("{}: {e:#}", run.origin)),
        }
    }
    tick(total, total);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mlflow_params_read_typed_when_they_are_numbers_or_booleans() {
        assert_eq!(param_value("3"), toml::Value::Integer(3));
        assert_eq!(param_value("0.01"), toml::Value::Float(0.01));
        assert_eq!(param_value("1e-3"), toml::Value::Float(0.001));
        assert_eq!(param_value("True"), toml::Value::Boolean(true));
        for text in ["adam", "nan", "inf", "", "0.1,0.2"] {
            assert_eq!(param_value(text), toml::Value::String(text.into()), "{text}");
        }
    }

    #[test]
    fn user_tags_become_key_value_tags_and_system_tags_stay_in_the_table() {
        let run = ForeignRun {
            tags: vec![
                ("mlflow.runName".into(), "x".into()),
                ("team".into(), "nlp".into()),
                ("flag".into(), String::new()),
                ("bad".into(), "a,b".into()),
            ],
            ..ForeignRun::default()
        };
        assert_eq!(tags(&run), ["team=nlp", "flag"]);
        assert_eq!(info(&run).tags.len(), 4);
    }

    #[test]
    fn unsafe_artifact_paths_are_refused() {
        let dir = Path::new("/x");
        assert!(artifact_path("models/..", dir, Path::new("/x/a")).is_err());
        assert!(artifact_path("", dir, Path::new("/x/.git/config")).is_err());
        assert_eq!(artifact_path("models/m", dir, Path::new("/x/MLmodel")).unwrap(), "models/m/MLmodel");
    }
}
