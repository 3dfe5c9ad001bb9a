//! Run diffs: what changed between two runs (params, metrics, status, duration, code,
//! environment, artifacts), picking runs for git revisions, `--fail-if` gates, and rendering
//! as text, markdown and JSON. `compare` tables for any number of runs live here too.

mod code;
mod compare;
mod env;
mod error;
mod gate;
mod goals;
mod markdown;
mod pick;
mod review;
mod text;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::Serialize;

pub use code::{CodeDiff, CodeOptions, FileStatus, diff_tree_code};
pub use compare::compare_table;
pub use env::EnvChange;
pub use error::Error;
pub use gate::{Check, CheckOutcome, GateOptions, closest, evaluate_checks};
pub use goals::{Goal, GoalArg, Verdict, merge_goals};
pub use markdown::{MarkdownOptions, render_markdown};
pub use pick::{Located, Pick, PickOptions, SideSpec, locate, parse_sides, pick_runs};
pub use review::{CiEnv, review_sides};
pub use text::{Palette, render_text};

use crate::query::{Field, Rollup, flat_param_keys, lookup_param};
use crate::store::{Artifact, Run, Store};

/// Everything that differs between run A and run B.
#[derive(Debug, Clone, Serialize)]
pub struct RunDiff {
    pub a: Side,
    pub b: Side,
    /// Params added, removed or changed (equal ones are left out), by key.
    pub params: Vec<ParamChange>,
    /// Every metric of either run, by key.
    pub metrics: Vec<MetricChange>,
    /// Files whose content differs between the two snapshots, `.git-exp/` left out.
    pub code: CodeDiff,
    pub env: Vec<EnvChange>,
    pub artifacts: Vec<ArtifactChange>,
}

/// One run of a diff, as people identify it.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub id: String,
    pub name: String,
    pub commit: String,
    pub status: String,
    /// Seconds.
    pub duration: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// The run was recorded with uncommitted changes: its code is not its base commit's.
    pub dirty: bool,
    /// What the run is a run of: an entry point, a command or a snapshot.
    pub kind: String,
    /// Why this run was chosen, when a git revision chose it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picked: Option<String>,
}

impl Side {
    pub fn new(run: &Run, now: Timestamp, picked: Option<String>) -> Self {
        Self {
            id: run.record.id.to_string(),
            name: run.record.name.clone(),
            commit: run.commit.to_string(),
            status: run.status.to_string(),
            duration: run.record.duration(now),
            base: run.record.base.clone(),
            branch: run.record.branch.clone(),
            dirty: run.record.dirty,
            kind: pick::run_kind(run),
            picked,
        }
    }
}

/// A param present in either run with different values; `None` where it is absent.
#[derive(Debug, Clone, Serialize)]
pub struct ParamChange {
    pub key: String,
    pub a: Option<toml::Value>,
    pub b: Option<toml::Value>,
}

/// One metric's rollups in both runs.
#[derive(Debug, Clone, Serialize)]
pub struct MetricChange {
    pub key: String,
    /// Which way the metric should go, from exp.toml's `[metrics]` or `--goal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal: Option<Goal>,
    pub rollups: Vec<RollupChange>,
}

impl MetricChange {
    pub fn changed(&self) -> bool {
        self.rollups.iter().any(RollupChange::changed)
    }
}

/// A rollup of a metric in A and B, with B − A and that change relative to |A|.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RollupChange {
    #[serde(serialize_with = "rollup_name")]
    pub rollup: Rollup,
    #[serde(serialize_with = "opt_float")]
    pub a: Option<f64>,
    #[serde(serialize_with = "opt_float")]
    pub b: Option<f64>,
    #[serde(serialize_with = "opt_float")]
    pub delta: Option<f64>,
    /// (B − A) / |A|; absent when A is 0 or either side is missing.
    #[serde(serialize_with = "opt_float")]
    pub relative: Option<f64>,
    /// Better or worse by the metric's goal; absent without a goal or a change to judge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
}

impl RollupChange {
    pub fn new(rollup: Rollup, a: Option<f64>, b: Option<f64>, goal: Option<Goal>) -> Self {
        let (delta, relative) = delta(a, b);
        // `count` has no direction: more values logged is neither better nor worse.
        let verdict = goal.filter(|_| rollup != Rollup::Count).and_then(|g| g.judge(delta));
        Self { rollup, a, b, delta, relative, verdict }
    }

    /// True unless both sides hold the same value (NaN equals NaN here: nothing changed).
    pub fn changed(&self) -> bool {
        match (self.a, self.b) {
            (Some(a), Some(b)) => !(a == b || (a.is_nan() && b.is_nan())),
            (None, None) => false,
            _ => true,
        }
    }
}

/// Returns B − A and (B − A) / |A|.
pub fn delta(a: Option<f64>, b: Option<f64>) -> (Option<f64>, Option<f64>) {
    match (a, b) {
        (Some(a), Some(b)) => {
            let d = b - a;
            (Some(d), (a != 0.0 && a.is_finite() && d.is_finite()).then(|| d / a.abs()))
        }
        _ => (None, None),
    }
}

/// An artifact added, removed or changed (by content hash).
#[derive(Debug, Clone, Serialize)]
pub struct ArtifactChange {
    pub path: String,
    pub a: Option<Artifact>,
    pub b: Option<Artifact>,
}

/// Rollups a diff shows for a metric: only `last` when neither run logged more than one value
/// (all rollups would be that value), else last, min, max and mean.
pub fn rollups_for(a: Option<u64>, b: Option<u64>) -> &'static [Rollup] {
    if a.unwrap_or(0) <= 1 && b.unwrap_or(0) <= 1 {
        &[Rollup::Last]
    } else {
        &[Rollup::Last, Rollup::Min, Rollup::Max, Rollup::Mean]
    }
}

/// Options of a diff beyond the two runs.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    pub code: CodeOptions,
    /// Metric goals, by key.
    pub goals: std::collections::BTreeMap<String, Goal>,
}

/// Computes the diff from run `a` to run `b`.
pub fn diff_runs(
    store: &Store,
    a: &Run,
    b: &Run,
    picked: [Option<String>; 2],
    options: &DiffOptions,
    now: Timestamp,
) -> anyhow::Result<RunDiff> {
    let [picked_a, picked_b] = picked;
    Ok(RunDiff {
        a: Side::new(a, now, picked_a),
        b: Side::new(b, now, picked_b),
        params: param_changes(a, b),
        metrics: metric_changes(a, b, &options.goals),
        code: code::diff_code(store, a, b, &options.code)?,
        env: env::diff_env(store, a, b)?,
        artifacts: artifact_changes(&store.artifacts(a)?.artifacts, &store.artifacts(b)?.artifacts),
    })
}

/// Params whose flattened values differ.
pub fn param_changes(a: &Run, b: &Run) -> Vec<ParamChange> {
    let mut keys = BTreeSet::new();
    flat_param_keys(&a.record.params, &mut keys);
    flat_param_keys(&b.record.params, &mut keys);
    keys.into_iter()
        .filter_map(|key| {
            let va = lookup_param(&a.record.params, &key);
            let vb = lookup_param(&b.record.params, &key);
            (!same_param(va, vb)).then(|| ParamChange { key, a: va.cloned(), b: vb.cloned() })
        })
        .collect()
}

/// Integers and floats of equal value are the same param (`-p lr=1` then `lr=1.0`).
fn same_param(a: Option<&toml::Value>, b: Option<&toml::Value>) -> bool {
    match (a, b) {
        (Some(toml::Value::Integer(i)), Some(toml::Value::Float(f)))
        | (Some(toml::Value::Float(f)), Some(toml::Value::Integer(i))) => *i as f64 == *f,
        _ => a == b,
    }
}

/// Every metric of either run with the rollups worth showing.
pub fn metric_changes(a: &Run, b: &Run, goals: &std::collections::BTreeMap<String, Goal>) -> Vec<MetricChange> {
    let keys: BTreeSet<&String> = a.record.metrics.keys().chain(b.record.metrics.keys()).collect();
    keys.into_iter()
        .map(|key| {
            let (ma, mb) = (a.record.metrics.get(key), b.record.metrics.get(key));
            let goal = goals.get(key.as_str()).copied();
            let rollups = rollups_for(ma.map(|m| m.count), mb.map(|m| m.count))
                .iter()
                .map(|&r| RollupChange::new(r, ma.map(|m| r.of(m)), mb.map(|m| r.of(m)), goal))
                .collect();
            MetricChange { key: key.clone(), goal, rollups }
        })
        .collect()
}

fn artifact_changes(a: &[Artifact], b: &[Artifact]) -> Vec<ArtifactChange> {
    let paths: BTreeSet<&String> = a.iter().chain(b).map(|x| &x.path).collect();
    paths
        .into_iter()
        .filter_map(|path| {
            let find = |list: &[Artifact]| list.iter().find(|x| &x.path == path).cloned();
            let (fa, fb) = (find(a), find(b));
            let same = matches!((&fa, &fb), (Some(x), Some(y)) if x.sha256 == y.sha256);
            (!same).then(|| ArtifactChange { path: path.clone(), a: fa, b: fb })
        })
        .collect()
}

impl RunDiff {
    /// True if anything a reviewer would care about differs: params, metrics, status, code,
    /// environment or artifacts. Ids, names, times and durations always differ and do not count.
    pub fn has_differences(&self) -> bool {
        !self.params.is_empty()
            || self.metrics.iter().any(MetricChange::changed)
            || self.a.status != self.b.status
            || !self.code.files.is_empty()
            || !self.env.is_empty()
            || !self.artifacts.is_empty()
    }

    /// The field a metric rollup is named by in `--fail-if` and tables (`metrics.acc:max`).
    pub fn metric_field(key: &str, rollup: Rollup) -> Field {
        Field::Metric { key: key.to_owned(), rollup, explicit: true }
    }
}

fn rollup_name<S: serde::Serializer>(rollup: &Rollup, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(rollup.as_str())
}

/// Floats as in FORMAT.md: finite ones as numbers, others as "nan", "inf", "-inf".
fn opt_float<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        None => s.serialize_none(),
        Some(v) => crate::store::record::float::serialize(v, s),
    }
}
