//! Listing runs: every run ref, its record from the cache or the commit, newest first.

use rayon::prelude::*;

use super::{Error, Result, Run, RunSpec, Store, cache, read_record_with};
use super::{RUNS_PREFIX, TRASH_PREFIX};
use crate::git::Oid;

/// Runs found under a ref namespace, and warnings about refs that could not be read.
pub struct Listing {
    /// Newest first.
    pub runs: Vec<Run>,
    /// One line per run that was skipped or read with a problem.
    pub warnings: Vec<String>,
    /// Refs of runs that could not be read (and are not in `runs`): whatever they refer to is
    /// unknown, so nothing may be deleted on the grounds that no run needs it.
    pub unreadable: Vec<String>,
}

/// Reading more misses than this in one listing is worth spreading over threads.
const PARALLEL_MISSES: usize = 64;

impl Store {
    /// Lists the recorded runs, newest first.
    pub fn list(&self) -> Result<Listing> {
        self.list_prefix(RUNS_PREFIX, false)
    }

    /// Lists the runs in the trash, newest first.
    pub fn list_trash(&self) -> Result<Listing> {
        self.list_prefix(TRASH_PREFIX, true)
    }

    /// Finds the run a spec names among the recorded runs.
    pub fn resolve(&self, spec: &RunSpec) -> Result<Run> {
        let listing = self.list()?;
        spec.resolve(&listing.runs).cloned()
    }

    fn list_prefix(&self, prefix: &str, in_trash: bool) -> Result<Listing> {
        let refs = self.repo.refs_with_prefix(prefix)?;
        let mut cached = if in_trash { Default::default() } else { cache::load(self.dir()) };
        let misses: Vec<&(String, Oid)> = refs.iter().filter(|(_, oid)| !cached.contains_key(oid)).collect();

        let read = |repo: &crate::git::Repo, (name, oid): &(String, Oid)| {
            (name.clone(), *oid, read_record_with(repo, *oid).map_err(|e| describe(name, e)))
        };
        let fresh: Vec<_> = if misses.len() >= PARALLEL_MISSES {
            let shared = self.repo.shared();
            misses.par_iter().map_init(|| shared.open(), |repo, r| read(repo, r)).collect()
        } else {
            misses.iter().map(|r| read(&self.repo, r)).collect()
        };

        let mut warnings = Vec::new();
        let mut unreadable = Vec::new();
        let had_misses = !fresh.is_empty();
        for (name, oid, result) in fresh {
            match result {
                Ok(record) => {
                    let unknown = record.unknown_fields();
                    if !unknown.is_empty() {
                        warnings.push(format!(
                            "{name}: run.toml has fields this git-exp does not know: {}",
                            unknown.join(", ")
                        ));
                    }
                    cached.insert(oid, record);
                }
                Err(message) => {
                    warnings.push(message);
                    unreadable.push(name);
                }
            }
        }

        let stale = cached.len() != refs.len();
        let mut runs: Vec<Run> = refs
            .iter()
            .filter_map(|(_, oid)| {
                let record = cached.remove(oid)?;
                let status = self.effective_status(&record);
                Some(Run { commit: *oid, record, status, in_trash })
            })
            .collect();
        // Runs are large: sort keys, then move each run once (not once per comparison).
        runs.sort_by_cached_key(|r| (std::cmp::Reverse(r.record.started), r.record.id.clone()));

        let stale = stale || !cached.is_empty();
        if !in_trash && (had_misses || stale) {
            // Only entries of current refs are kept, so the cache never grows without bound.
            let _ = cache::save(self.dir(), runs.iter().map(|r| (r.commit, &r.record)));
        }
        Ok(Listing { runs, warnings, unreadable })
    }
}

fn describe(reference: &str, err: Error) -> String {
    match err {
        Error::BadRecord { detail, .. } => format!("skipping {reference}: {detail}"),
        other => format!("skipping {reference}: {other}"),
    }
}
