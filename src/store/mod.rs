//! The run store: run refs, run commits, the record inside them, run-spec resolution and the
//! listing cache and the run index. Everything above it speaks in [`Run`]s.

pub mod base;
mod branch;
mod cache;
mod checkout;
mod details;
mod error;
mod history;
mod index;
pub mod lindex;
mod list;
mod merge;
pub mod record;
mod remote;
mod resolve;
mod series;
pub mod setup;
mod spec;
pub mod spool;
mod trash;
mod tree;
pub mod view;
mod workspace;
mod write;

use std::path::{Path, PathBuf};

pub use details::RunDetails;
pub use error::Error;
pub use index::Entry as RunEntry;
pub use merge::Integrated;
pub use record::{Artifact, ArtifactManifest, MetricSummary, RunRecord, Status};
#[cfg(test)]
pub use series::read_rows; // the export of `git exp metrics` is tested on series texts
pub use series::{Point, Row, parse_series, series_file_name};
pub use spec::RunSpec;
pub use trash::BlobsInUse;
pub use write::{NewRun, RecordFile};

// The git types the layers above see: values and ids, never the repository handle, so every git
// operation goes through a `Store` method (the layering test enforces it).
pub use crate::git::{
    CodeSnapshot, DiffDriver, DiffEntry, FileChange, FileKind, Oid, RefOutcome, Scope, Skipped, SnapshotOptions,
    SubmoduleState, TreeChange, unified_diff,
};

use crate::git::Repo;
use crate::ids::RunId;

pub type Result<T, E = Error> = std::result::Result<T, E>;

pub const RUNS_PREFIX: &str = "refs/git-exp/runs/";
pub const TRASH_PREFIX: &str = "refs/git-exp/trash/";

/// Loose run refs past this are packed (about 0.1 s per 1,000; listing 10k loose refs costs
/// ~100 ms more than packed ones, measured with gix).
const LOOSE_REFS_BEFORE_PACKING: usize = 1000;

/// A recorded run: the commit its ref points at and the record in it.
#[derive(Debug, Clone)]
pub struct Run {
    pub commit: Oid,
    pub record: RunRecord,
    /// The status after checking a `running` run's spool: `crashed` if its process is gone.
    pub status: Status,
    pub in_trash: bool,
}

impl Run {
    #[must_use]
    pub fn id(&self) -> &RunId {
        &self.record.id
    }

    /// The run as JSON for `--format json`: the record's fields (FORMAT.md names) with the
    /// shown status, the duration in seconds and the commit id.
    #[must_use]
    pub fn to_json(&self, now: jiff::Timestamp) -> serde_json::Value {
        serde_json::to_value(self.json_view(now)).unwrap_or_default()
    }

    /// What [`Run::to_json`] returns, serialisable without building a JSON tree: listing
    /// 10,000 runs writes them straight out.
    #[must_use]
    pub fn json_view(&self, now: jiff::Timestamp) -> RunJson<'_> {
        let record = if self.status == self.record.status {
            std::borrow::Cow::Borrowed(&self.record)
        } else {
            std::borrow::Cow::Owned(RunRecord { status: self.status, ..self.record.clone() })
        };
        RunJson {
            record,
            duration: self.record.duration(now),
            commit: self.commit.to_string(),
            in_trash: self.in_trash,
        }
    }

    #[must_use]
    pub fn ref_name(&self) -> String {
        let prefix = if self.in_trash { TRASH_PREFIX } else { RUNS_PREFIX };
        format!("{prefix}{}", self.record.id)
    }
}

/// A store handle that is `Sync`: call [`SharedStore::open_caching`] once per worker thread.
#[derive(Clone)]
pub struct SharedStore {
    repo: crate::git::SharedRepo,
    dir: PathBuf,
}

impl SharedStore {
    /// Opens a store for a worker that reads the trees and series of many runs: with caches of
    /// decoded objects and of pack delta bases, up to `bytes` each ([`crate::git::SharedRepo::open_caching`]).
    #[must_use]
    pub fn open_caching(&self, bytes: usize) -> Store {
        Store {
            repo: self.repo.open_caching(bytes),
            dir: self.dir.clone(),
            cache_offsets: Default::default(),
            read_alone: Default::default(),
        }
    }
}

/// A run as `--format json` shows it.
#[derive(serde::Serialize)]
pub struct RunJson<'a> {
    #[serde(flatten)]
    record: std::borrow::Cow<'a, RunRecord>,
    duration: f64,
    commit: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    in_trash: bool,
}

/// The repository plus git-exp's own directory inside its common dir.
pub struct Store {
    repo: Repo,
    dir: PathBuf,
    /// Where the listing cache's records are, scanned on first use (`read_rows`).
    cache_offsets: std::sync::OnceLock<cache::Offsets>,
    /// How many records `read_rows` read from git without scanning the listing cache.
    read_alone: std::sync::atomic::AtomicUsize,
}

impl Store {
    /// Opens the store of the repository that contains `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        let repo = Repo::discover(dir)?;
        let store_dir = repo.common_dir().join("git-exp");
        Ok(Self { repo, dir: store_dir, cache_offsets: Default::default(), read_alone: Default::default() })
    }

    /// Returns a handle worker threads can each open their own store from.
    #[must_use]
    pub fn shared(&self) -> SharedStore {
        SharedStore { repo: self.repo.shared(), dir: self.dir.clone() }
    }

    /// `<git common dir>/git-exp`.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    #[must_use]
    pub fn blob_dir(&self) -> PathBuf {
        self.dir.join("blobs")
    }

    #[must_use]
    pub fn spool_root(&self) -> PathBuf {
        self.dir.join("spool")
    }

    #[must_use]
    pub fn spool_dir(&self, id: &RunId) -> PathBuf {
        self.spool_root().join(id.as_str())
    }

    /// Reads and parses `.git-exp/run.toml` from a run commit.
    pub fn read_record(&self, commit: Oid) -> Result<RunRecord> {
        read_record_with(&self.repo, commit)
    }

    /// Packs run refs once many are loose, and lets `git gc --auto` pack loose objects: listing
    /// stays fast as runs accumulate. Called after recording; failures only cost speed.
    pub fn maintain(&self) {
        if self.repo.loose_ref_count(RUNS_PREFIX.trim_end_matches('/')) > LOOSE_REFS_BEFORE_PACKING {
            let _ = self.repo.pack_refs(RUNS_PREFIX);
        }
        self.repo.gc_auto_in_background();
    }

    /// Returns the status to show: a `running` run whose process is gone is `crashed`.
    #[must_use]
    pub fn effective_status(&self, record: &RunRecord) -> Status {
        if record.status == Status::Running && !spool::is_alive(&self.spool_dir(&record.id)) {
            Status::Crashed
        } else {
            record.status
        }
    }

    /// Returns the file at `path` (relative to the repository root) in a run's tree.
    pub fn read_run_file(&self, run: &Run, path: &str) -> Result<Option<Vec<u8>>> {
        let tree = self.repo.commit_info(run.commit)?.tree;
        Ok(self.repo.read_path(tree, path)?)
    }

    /// Returns the artifact manifest of a run (empty if it has none).
    pub fn artifacts(&self, run: &Run) -> Result<ArtifactManifest> {
        match self.read_run_file(run, record::ARTIFACTS_TOML)? {
            None => Ok(ArtifactManifest::default()),
            Some(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                toml::from_str(&text).map_err(|e| Error::BadRecord {
                    reference: run.ref_name(),
                    detail: format!("artifacts.toml: {}", e.message()),
                })
            }
        }
    }
}

fn read_record_with(repo: &Repo, commit: Oid) -> Result<RunRecord> {
    let tree = repo.commit_info(commit)?.tree;
    let bytes = repo.read_path(tree, record::RUN_TOML)?.ok_or_else(|| Error::BadRecord {
        reference: commit.to_string(),
        detail: "no .git-exp/run.toml in the commit".into(),
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::BadRecord { reference: commit.to_string(), detail: "run.toml is not UTF-8".into() })?;
    RunRecord::from_toml(&text).map_err(|e| Error::BadRecord { reference: commit.to_string(), detail: e.to_string() })
}

/// The submodules of the work tree at `root`: path, the commit recorded for each, the commit
/// checked out in it and whether it has local changes (read with git; empty without
/// `.gitmodules`).
pub fn submodules(root: &Path) -> Vec<SubmoduleState> {
    crate::git::submodules(root)
}

/// The user's git settings named by `keys` (`core.pager`, `color.ui`) for a command started in
/// `dir`, inside a repository or not; unset or unreadable ones are `None`.
pub fn git_settings(dir: &Path, keys: &[&str]) -> Vec<Option<String>> {
    crate::git::config_strings(dir, keys)
}
