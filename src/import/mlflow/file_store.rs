//! MLflow's file store: `<root>/<experiment id>/meta.yaml` names an experiment;
//! `<root>/<experiment id>/<run id>/` holds a run (`meta.yaml`, `params/<key>`, `tags/<key>`,
//! `metrics/<key>` with lines `<ms> <value> <step>`, `artifacts/`); keys with `/` are
//! sub-directories. MLflow 3 keeps logged models in `<experiment id>/models/<model id>/`
//! (`meta.yaml` with `source_run_id`, `artifacts/`). `.trash/` holds deleted experiments.

use std::collections::HashMap;
use std::io::{BufRead as _, Read as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Deserialize;

use super::{artifact_dir, check_run_id, finish, status};
use crate::import::{ForeignRun, MAX_KEYS_PER_RUN, MAX_POINTS_PER_RUN, MAX_VALUE_BYTES, Point, millis};

/// Largest `meta.yaml` read.
const MAX_META_BYTES: u64 = 1 << 20;
/// Directories of an experiment that are not runs.
const NOT_RUNS: &[&str] = &["models", "traces", "datasets", "tags"];

/// A file store, its runs found (not yet read).
pub struct FileStore {
    pub runs: Vec<RunDir>,
}

/// Where a run is, and what its experiment says.
pub struct RunDir {
    pub id: String,
    dir: PathBuf,
    experiment: Option<String>,
}

#[derive(Deserialize)]
struct ExperimentMeta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    lifecycle_stage: Option<String>,
}

#[derive(Deserialize)]
struct RunMeta {
    run_id: String,
    #[serde(default)]
    run_name: Option<String>,
    #[serde(default)]
    status: Option<serde_norway::Value>,
    #[serde(default)]
    start_time: Option<i64>,
    #[serde(default)]
    end_time: Option<i64>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    lifecycle_stage: Option<String>,
}

#[derive(Deserialize)]
struct ModelMeta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    model_id: Option<String>,
    #[serde(default)]
    source_run_id: Option<String>,
}

impl FileStore {
    /// Finds the runs of the store at `root` (an `mlruns/` directory), oldest experiment first.
    pub fn open(root: &Path) -> anyhow::Result<Self> {
        let experiments = sorted_dirs(root).with_context(|| format!("cannot read MLflow store {}", root.display()))?;
        let mut runs = Vec::new();
        for exp in experiments {
            let Ok(meta) = read_yaml::<ExperimentMeta>(&exp.join("meta.yaml")) else { continue };
            if meta.lifecycle_stage.as_deref() == Some("deleted") {
                continue;
            }
            for dir in sorted_dirs(&exp).unwrap_or_default() {
                let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                if NOT_RUNS.contains(&name.as_str()) || !dir.join("meta.yaml").exists() {
                    continue;
                }
                runs.push(RunDir { id: name, dir, experiment: meta.name.clone() });
            }
        }
        if runs.is_empty() && !root.join("0").exists() && !root.join(".trash").exists() {
            anyhow::bail!("{} is not an MLflow file store (no experiment directories)", root.display());
        }
        Ok(Self { runs })
    }

    /// Reads the run at `index` of `runs`.
    pub fn read(&self, index: usize) -> anyhow::Result<ForeignRun> {
        let at = self.runs.get(index).context("no such run")?;
        let meta: RunMeta = read_yaml(&at.dir.join("meta.yaml"))?;
        check_run_id(&meta.run_id)?;
        if meta.run_id != at.id {
            anyhow::bail!("meta.yaml names run `{}`, not its directory", meta.run_id.escape_debug());
        }
        let mut run = ForeignRun {
            run_id: meta.run_id.clone(),
            name: meta.run_name.filter(|n| !n.is_empty()),
            experiment: at.experiment.clone(),
            status: meta.status.as_ref().and_then(status_text).and_then(|s| status(&s)),
            started: meta.start_time.and_then(millis),
            ended: meta.end_time.and_then(millis),
            user: meta.user_id.filter(|u| !u.is_empty()),
            ..ForeignRun::default()
        };
        if meta.lifecycle_stage.as_deref() == Some("deleted") {
            anyhow::bail!("it was deleted in MLflow");
        }
        run.params = read_values(&at.dir.join("params"))?;
        run.tags = read_values(&at.dir.join("tags"))?;
        run.metrics = read_metrics(&at.dir.join("metrics"))?;
        // The store may have moved since MLflow wrote `artifact_uri`: the run's own directory is
        // where its artifacts are now.
        let own = at.dir.join("artifacts");
        if own.is_dir() {
            run.artifact_dirs.push((String::new(), own));
        }
        if let Some(exp_dir) = at.dir.parent() {
            run.artifact_dirs.extend(logged_models(exp_dir, &run.run_id, &mut run.warnings));
        }
        Ok(finish(run))
    }
}

fn status_text(value: &serde_norway::Value) -> Option<String> {
    match value {
        serde_norway::Value::Number(n) => Some(n.to_string()),
        serde_norway::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// The sub-directories of `dir`, sorted by name; links are not followed.
fn sorted_dirs(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    out.sort();
    Ok(out)
}

fn read_bounded(path: &Path, limit: u64) -> anyhow::Result<String> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut text = String::new();
    file.take(limit + 1).read_to_string(&mut text).with_context(|| format!("{} is not UTF-8 text", path.display()))?;
    if text.len() as u64 > limit {
        anyhow::bail!("{} is larger than {limit} bytes", path.display());
    }
    Ok(text)
}

fn read_yaml<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = read_bounded(path, MAX_META_BYTES)?;
    serde_norway::from_str(&text).with_context(|| format!("{} is not a valid meta.yaml", path.display()))
}

/// The regular files below `dir` as `(key, path)`, the key `/`-separated; none when `dir` is
/// absent. Links and other non-files are refused: a store is plain files.
fn key_files(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current)?.flatten() {
            let path = entry.path();
            let kind = entry.file_type()?;
            let key = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                out.push((key, path));
            } else {
                anyhow::bail!("`{}` is not a regular file", path.display());
            }
            if out.len() + stack.len() > MAX_KEYS_PER_RUN {
                anyhow::bail!("{} has more than {MAX_KEYS_PER_RUN} entries", dir.display());
            }
        }
    }
    out.sort();
    Ok(out)
}

fn read_values(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    key_files(dir)?.into_iter().map(|(key, path)| Ok((key, read_bounded(&path, MAX_VALUE_BYTES)?))).collect()
}

/// Each metric file: lines `<timestamp ms> <value> [<step>]` (step 0 when absent, as MLflow
/// reads them). A point repeated exactly is read once: MLflow 3's file store appends the run's
/// metrics again when a model is logged, where the SQL store's primary key keeps one.
fn read_metrics(dir: &Path) -> anyhow::Result<Vec<(String, Vec<Point>)>> {
    let mut total = 0usize;
    let mut out = Vec::new();
    for (key, path) in key_files(dir)? {
        let file = std::fs::File::open(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut points = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.with_context(|| format!("{} is not text", path.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            let point = parse_point(&line).with_context(|| format!("{} line {}", path.display(), n + 1))?;
            if !seen.insert((point.step, point.value.to_bits(), point.time.to_bits())) {
                continue;
            }
            points.push(point);
            total += 1;
            if total > MAX_POINTS_PER_RUN {
                anyhow::bail!("more than {MAX_POINTS_PER_RUN} metric points");
            }
        }
        out.push((key, points));
    }
    Ok(out)
}

fn parse_point(line: &str) -> anyhow::Result<Point> {
    let mut words = line.split_whitespace();
    let (Some(ms), Some(value)) = (words.next(), words.next()) else {
        anyhow::bail!("expected `<timestamp> <value> <step>`");
    };
    let ms: i64 = ms.parse().context("bad timestamp")?;
    let value: f64 = value.parse().context("bad value")?;
    let step: i64 = words.next().map_or(Ok(0), str::parse).context("bad step")?;
    Ok(Point { step, value, time: ms as f64 / 1000.0 })
}

/// The logged models (MLflow 3) whose source is run `run_id`, as `models/<name>/` artifacts.
fn logged_models(exp_dir: &Path, run_id: &str, warnings: &mut Vec<String>) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for dir in sorted_dirs(&exp_dir.join("models")).unwrap_or_default() {
        let Ok(meta) = read_yaml::<ModelMeta>(&dir.join("meta.yaml")) else { continue };
        if meta.source_run_id.as_deref() != Some(run_id) {
            continue;
        }
        let name = meta.name.or(meta.model_id).unwrap_or_else(|| "model".into());
        let count = names.entry(name.clone()).or_default();
        *count += 1;
        let prefix = if *count == 1 { format!("models/{name}") } else { format!("models/{name}-{count}") };
        match artifact_dir("artifacts", &dir, warnings) {
            Some(path) => out.push((prefix, path)),
            None => warnings.push(format!("logged model `{}` has no artifacts directory", name.escape_debug())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_lines_read_with_and_without_a_step() {
        assert_eq!(parse_point("1790000000000 0.5 3").unwrap(), Point { step: 3, value: 0.5, time: 1_790_000_000.0 });
        assert_eq!(parse_point("1000 nan").unwrap().step, 0);
        assert!(parse_point("1000 nan").unwrap().value.is_nan());
        assert!(parse_point("x 1 2").is_err());
        assert!(parse_point("1000").is_err());
    }

    #[test]
    fn a_directory_without_experiments_is_not_a_store() {
        let dir = tempfile::tempdir().unwrap();
        assert!(FileStore::open(dir.path()).is_err());
        assert!(FileStore::open(&dir.path().join("absent")).is_err());
    }
}
