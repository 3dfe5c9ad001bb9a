//! Emptying the trash, packing run refs and finding the blobs runs still refer to, for `gc`.

use std::collections::HashSet;

use rayon::prelude::*;

use super::{RUNS_PREFIX, Result, Run, Store, TRASH_PREFIX, record};
use crate::git::{Oid, Repo};

/// Runs read at a time when looking for the blobs they refer to: what is held at once.
const CHUNK: usize = 1024;

/// Which of some blob-store files the runs (recorded or in the trash) refer to.
pub enum BlobsInUse {
    /// Those of the files asked about that some run refers to.
    Known(HashSet<String>),
    /// These runs could not be read (a newer schema, a hand-broken record), so any file may be
    /// theirs.
    Unknown { unreadable: Vec<String> },
}

impl Store {
    /// When `run` went to the trash (Unix seconds), from its ref's reflog. A ref without one
    /// (reflogs expired, `core.logAllRefUpdates=false`, a copied repository) counts from its
    /// commit instead, so it still leaves the trash.
    pub fn trashed_at(&self, run: &Run) -> Result<i64> {
        match self.repo.reflog_time(&run.ref_name()) {
            Some(time) => Ok(time),
            None => Ok(self.repo.commit_info(run.commit)?.time),
        }
    }

    /// Deletes a run's ref for good, if it still points at the commit `run` was read from.
    pub fn purge(&self, run: &Run) -> Result<()> {
        Ok(self.repo.delete_ref(&run.ref_name(), run.commit)?)
    }

    /// Packs the loose run refs and returns how many were packed.
    pub fn pack_run_refs(&self) -> Result<usize> {
        Ok(self.repo.pack_refs(RUNS_PREFIX)?)
    }

    /// Which of the blob-store names `is_candidate` picks a recorded or trashed run refers to,
    /// through its artifact manifest or its stored output. Runs are read from their commits a
    /// chunk at a time on all cores and only the names asked about are kept, so memory grows
    /// with the candidates, not with the number of runs (100,000 whole records are about 700 MB).
    pub fn blobs_in_use(&self, is_candidate: impl Fn(&str) -> bool) -> Result<BlobsInUse> {
        let mut used = HashSet::new();
        let mut unreadable = Vec::new();
        let shared = self.repo.shared();
        for prefix in [RUNS_PREFIX, TRASH_PREFIX] {
            let refs = self.repo.ref_list(prefix)?;
            for start in (0..refs.len()).step_by(CHUNK) {
                let found: Vec<std::result::Result<Vec<String>, usize>> = (start..refs.len().min(start + CHUNK))
                    .into_par_iter()
                    .map_init(|| shared.open(), |repo, n| blobs_of(repo, refs.targets()[n]).ok_or(n))
                    .collect();
                for names in found {
                    match names {
                        Ok(names) => used.extend(names.into_iter().filter(|name| is_candidate(name))),
                        Err(n) => unreadable.push(refs.name(n).to_owned()),
                    }
                }
            }
        }
        Ok(if unreadable.is_empty() { BlobsInUse::Known(used) } else { BlobsInUse::Unknown { unreadable } })
    }
}

/// The blob-store names the run at `commit` refers to; `None` when its record or manifest
/// cannot be read. Both files are looked up in the record's directory, read once.
fn blobs_of(repo: &Repo, commit: Oid) -> Option<Vec<String>> {
    let tree = repo.commit_info(commit).ok()?.tree;
    let dir = repo.tree_at(tree, record::RECORD_DIR).ok()??;
    let record = repo.read_path(dir, file_name(record::RUN_TOML)).ok()??;
    let output = record::RunRecord::output_blob(std::str::from_utf8(&record).ok()?).ok()?;
    let mut names: Vec<String> = match repo.read_path(dir, file_name(record::ARTIFACTS_TOML)).ok()? {
        None => Vec::new(),
        Some(bytes) => {
            let manifest: record::ArtifactManifest = toml::from_str(&String::from_utf8_lossy(&bytes)).ok()?;
            manifest.artifacts.into_iter().map(|a| a.sha256).collect()
        }
    };
    names.extend(output);
    Some(names)
}

/// The last component of a path inside a run's tree.
fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}
