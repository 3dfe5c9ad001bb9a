//! Finding one run without listing all of them: a full id through its ref, anything else
//! (an id prefix, a name, `@`, `@~N`) through the run index, brought up to date with the refs.

use std::collections::HashMap;

use super::{RUNS_PREFIX, index::Entry};
use super::{Result, Run, RunSpec, Store, cache, index, list};
use crate::git::Oid;

/// Past this many runs missing from the index, the listing cache (whole records, slower to
/// parse) is read first: it usually has them, and reading runs from git is slower still.
const SEED_FROM_CACHE: usize = 64;

impl Store {
    /// Finds the run a spec names among the recorded runs.
    pub fn resolve(&self, spec: &RunSpec) -> Result<Run> {
        if let Some(id) = spec.full_id()
            && let Some(commit) = self.repo.find_ref(&format!("{RUNS_PREFIX}{id}"))?
        {
            return self.run_at(commit);
        }
        let entries = self.run_index()?;
        let entry = spec.resolve(&entries)?;
        self.run_at(entry.commit)
    }

    /// Every recorded run's index entry, newest first; runs that cannot be read are left out,
    /// as `ls` leaves them out (and warns).
    pub fn run_index(&self) -> Result<Vec<Entry>> {
        let refs = self.repo.refs_with_prefix(RUNS_PREFIX)?;
        let loaded = index::load(self.dir());
        let was_valid = loaded.is_some();
        let mut known: HashMap<Oid, Entry> = loaded.unwrap_or_default().into_iter().map(|e| (e.commit, e)).collect();
        let known_before = known.len();

        let mut misses: Vec<&(String, Oid)> = refs.iter().filter(|(_, oid)| !known.contains_key(oid)).collect();
        if misses.len() >= SEED_FROM_CACHE {
            let cached = cache::load(self.dir());
            misses.retain(|(_, oid)| match cached.get(oid) {
                Some(record) => {
                    known.insert(*oid, Entry::from_record(*oid, record));
                    false
                }
                None => true,
            });
        }
        let had_misses = !misses.is_empty();
        for (_, oid, record) in list::read_runs(self, &misses) {
            if let Ok(record) = record {
                known.insert(oid, Entry::from_record(oid, &record));
            }
        }

        let mut entries: Vec<Entry> = refs.iter().filter_map(|(_, oid)| known.get(oid).cloned()).collect();
        index::sort_newest_first(&mut entries);
        // Entries of removed runs are dropped, so the index never grows without bound.
        if !was_valid || had_misses || known_before != entries.len() {
            let _ = index::save(self.dir(), &entries);
        }
        Ok(entries)
    }

    /// Rebuilds the listing cache and the run index from the run commits; returns how many runs
    /// they hold. Both are only ever speed-ups, so deleting them first loses nothing.
    pub fn reindex(&self) -> Result<usize> {
        for file in [cache::FILE, index::FILE, super::lindex::FILE] {
            let _ = std::fs::remove_file(self.dir().join(file));
        }
        let listing = self.list()?;
        self.run_index()?;
        self.listing_index()?;
        Ok(listing.runs.len())
    }

    /// The run whose ref points at `commit`.
    fn run_at(&self, commit: Oid) -> Result<Run> {
        let record = self.read_record(commit)?;
        let status = self.effective_status(&record);
        Ok(Run { commit, record, status, in_trash: false })
    }
}
