//! Reading other trackers' histories: each source (MLflow today; TensorBoard beside it) turns
//! what it finds into [`ForeignRun`]s, one at a time, so a large history streams. Writing them as
//! git-exp runs is `capture::imported`'s job; readers only read, and treat everything they read
//! as untrusted: sizes are bounded, artifact paths are checked with `relpath`, and a run that
//! cannot be read is reported by name while the others are read on.

pub mod mlflow;

use std::path::PathBuf;

use jiff::Timestamp;

use crate::store::record::Status;

/// Longest param or tag value read (MLflow's own limits are 6,000 and 8,000 characters).
pub const MAX_VALUE_BYTES: u64 = 1 << 20;
/// Most metric points read for one run; a larger run is refused rather than exhausting memory.
pub const MAX_POINTS_PER_RUN: usize = 5_000_000;
/// Most params, tags or metric keys read for one run.
pub const MAX_KEYS_PER_RUN: usize = 100_000;

/// One metric point as the source recorded it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub step: i64,
    pub value: f64,
    /// Unix seconds.
    pub time: f64,
}

/// A run of another tracker, read and checked, ready to be recorded.
#[derive(Debug, Clone, Default)]
pub struct ForeignRun {
    /// `mlflow:<run id>`: what `imported_from` records, and how a second import finds it.
    pub origin: String,
    pub run_id: String,
    pub name: Option<String>,
    pub experiment: Option<String>,
    pub status: Option<Status>,
    pub started: Option<Timestamp>,
    pub ended: Option<Timestamp>,
    pub user: Option<String>,
    /// Params as the source wrote them (MLflow params are strings).
    pub params: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    /// Metric series by key (keys as the source wrote them: not yet normalised).
    pub metrics: Vec<(String, Vec<Point>)>,
    /// Local directories whose files are the run's artifacts, each with the path prefix its
    /// files get in the manifest (`""` for the run's own artifacts).
    pub artifact_dirs: Vec<(String, PathBuf)>,
    /// Artifacts that could not be read (a remote artifact store, a missing directory).
    pub warnings: Vec<String>,
}

impl ForeignRun {
    /// The value of tag `key`.
    #[must_use]
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// A run that could not be read: named, with why.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{what}: {why}")]
pub struct Unreadable {
    pub what: String,
    pub why: String,
}

impl Unreadable {
    pub fn new(what: impl Into<String>, why: impl std::fmt::Display) -> Self {
        Self { what: what.into(), why: why.to_string() }
    }
}

/// A source of foreign runs: a store of another tracker, read one run at a time.
pub trait Reader {
    /// Identifiers of the runs to import, in the source's order (cheap: no run is read yet).
    fn run_ids(&self) -> anyhow::Result<Vec<String>>;
    /// Reads run `id`, the `index`th of [`Reader::run_ids`].
    fn read(&self, index: usize, id: &str) -> Result<ForeignRun, Unreadable>;
    /// What a run's `imported_from` is for `id`, to find runs already imported without reading them.
    fn origin(&self, id: &str) -> String;
}

/// Milliseconds since the epoch as a timestamp, when they are a plausible one.
#[must_use]
pub fn millis(ms: i64) -> Option<Timestamp> {
    Timestamp::from_millisecond(ms).ok()
}
