//! Listing runs: every run ref, its record from the cache or the commit, newest first.

use std::io::IsTerminal as _;

use rayon::prelude::*;

use super::index::{self, Entry};
use super::{Error, Result, Run, RunRecord, Store, cache, read_record_with};
use super::{RUNS_PREFIX, TRASH_PREFIX};
use crate::git::Oid;

/// Runs found under a ref namespace, and warnings about refs that could not be read.
pub struct Listing {
    /// Newest first.
    pub runs: Vec<Run>,
    /// One line per run that was skipped or read with a problem.
    pub warnings: Vec<String>,
}

/// Reading more misses than this in one listing is worth spreading over threads.
const PARALLEL_MISSES: usize = 64;
/// Reading this many runs from git takes seconds: worth a progress bar.
const PROGRESS_MISSES: usize = 2000;

impl Store {
    /// Lists the recorded runs, newest first.
    pub fn list(&self) -> Result<Listing> {
        self.list_prefix(RUNS_PREFIX, false)
    }

    /// Lists the runs in the trash, newest first.
    pub fn list_trash(&self) -> Result<Listing> {
        self.list_prefix(TRASH_PREFIX, true)
    }

    fn list_prefix(&self, prefix: &str, in_trash: bool) -> Result<Listing> {
        let ref_list = self.repo.ref_list(prefix)?;
        let refs: Vec<(String, Oid)> =
            (0..ref_list.len()).map(|n| (ref_list.name(n).to_owned(), ref_list.targets()[n])).collect();
        let mut cached = if in_trash { Default::default() } else { cache::load(self.dir()) };
        let misses: Vec<&(String, Oid)> = refs.iter().filter(|(_, oid)| !cached.contains_key(oid)).collect();
        let fresh = read_runs(self, &misses);

        let mut warnings = Vec::new();
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
                Err(message) => warnings.push(message),
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
            // The index is a few fields of the same runs: writing it now saves the next
            // single-run command from reading them again.
            let entries: Vec<Entry> = runs.iter().map(|r| Entry::from_record(r.commit, &r.record)).collect();
            let _ = index::save(self.dir(), &entries, &ref_list);
        }
        Ok(Listing { runs, warnings })
    }
}

/// Reads the records of `refs` from their commits, on all cores when there are many, with a
/// progress bar on a terminal when there are very many (a rebuild).
pub(super) fn read_runs(store: &Store, refs: &[&(String, Oid)]) -> Vec<(String, Oid, Result<RunRecord, String>)> {
    let bar = progress_bar(refs.len());
    let fresh = read_runs_with(store, refs, &bar);
    bar.finish_and_clear();
    fresh
}

/// A bar for reading `count` runs: shown on a terminal when there are very many, else hidden.
pub(super) fn progress_bar(count: usize) -> indicatif::ProgressBar {
    if count >= PROGRESS_MISSES && std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(count as u64).with_message("reading runs");
        if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {eta}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    }
}

/// [`read_runs`] advancing a bar the caller owns (one bar over several calls).
pub(super) fn read_runs_with(
    store: &Store,
    refs: &[&(String, Oid)],
    bar: &indicatif::ProgressBar,
) -> Vec<(String, Oid, Result<RunRecord, String>)> {
    let read = |repo: &crate::git::Repo, (name, oid): &(String, Oid)| {
        bar.inc(1);
        (name.clone(), *oid, read_record_with(repo, *oid).map_err(|e| describe(name, e)))
    };
    if refs.len() >= PARALLEL_MISSES {
        let shared = store.repo.shared();
        refs.par_iter().map_init(|| shared.open(), |repo, r| read(repo, r)).collect()
    } else {
        refs.iter().map(|r| read(&store.repo, r)).collect()
    }
}

fn describe(reference: &str, err: Error) -> String {
    match err {
        Error::BadRecord { detail, .. } => format!("skipping {reference}: {detail}"),
        other => format!("skipping {reference}: {other}"),
    }
}
