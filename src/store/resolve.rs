//! Finding one run without listing all of them: a full id through its ref, anything else
//! (an id prefix, a name, `@`, `@~N`) through the run index, brought up to date with the refs.

use std::collections::HashMap;

use super::index::{Entry, RunIndex};
use super::{RUNS_PREFIX, Result, Run, RunSpec, Store, cache, index, list};
use crate::git::Oid;

/// Past this many runs missing from the index, they are added through the listing index, which
/// looks in the listing cache first (reading runs from git is slower) and holds a chunk of
/// records at a time.
const SEED_FROM_CACHE: usize = 64;

impl Store {
    /// Finds the run a spec names among the recorded runs.
    pub fn resolve(&self, spec: &RunSpec) -> Result<Run> {
        if let Some(id) = spec.full_id()
            && let Some(commit) = self.repo.find_ref(&format!("{RUNS_PREFIX}{id}"))?
        {
            return self.run_at(commit);
        }
        let index = self.run_index_file()?;
        let entry = spec.resolve_in(index.len(), |n| index.entry(n))?;
        self.run_at(entry.commit)
    }

    /// Every recorded run's index entry, newest first; runs that cannot be read are left out,
    /// as `ls` leaves them out (and warns).
    pub fn run_index(&self) -> Result<Vec<Entry>> {
        let index = self.run_index_file()?;
        Ok((0..index.len()).filter_map(|n| index.owned(n)).collect())
    }

    /// The run index, brought up to date with the run refs.
    fn run_index_file(&self) -> Result<RunIndex> {
        let refs = self.repo.ref_list(RUNS_PREFIX)?;
        let loaded = match index::load(self.dir()) {
            Some(index) if index.matches(&refs) => return Ok(index),
            other => other,
        };
        let old = loaded.map(|i| (0..i.len()).filter_map(|n| i.owned(n)).collect::<Vec<_>>()).unwrap_or_default();
        let mut known: HashMap<Oid, Entry> = old.into_iter().map(|e| (e.commit, e)).collect();
        let names: Vec<(String, Oid)> = (0..refs.len())
            .filter(|&n| !known.contains_key(&refs.targets()[n]))
            .map(|n| (refs.name(n).to_owned(), refs.targets()[n]))
            .collect();
        if names.len() >= SEED_FROM_CACHE {
            // Many runs to add (a first use, a repository of an older git-exp): the listing
            // index reads them a chunk at a time, from the listing cache where it has them, and
            // writes this index as well.
            // (When the listing index was already up to date, it wrote nothing: this index is
            // made from its rows here.)
            let listed = self.listing_index()?;
            if let Some(index) = index::load(self.dir()).filter(|i| i.matches(&refs)) {
                return Ok(index);
            }
            let bytes = index::encode(&listed.index.run_entries(), &refs);
            let _ = index::write_replacing(&self.dir().join(index::FILE), &bytes);
            return RunIndex::parse(bytes).ok_or_else(read_back);
        }
        let misses: Vec<&(String, Oid)> = names.iter().collect();
        for (_, oid, record) in list::read_runs(self, &misses) {
            if let Ok(record) = record {
                known.insert(oid, Entry::from_record(oid, &record));
            }
        }

        let mut entries: Vec<Entry> = refs.targets().iter().filter_map(|oid| known.get(oid).cloned()).collect();
        index::sort_newest_first(&mut entries);
        // Entries of removed runs are dropped, so the index never grows without bound.
        let bytes = index::encode(&entries, &refs);
        let _ = index::write_replacing(&self.dir().join(index::FILE), &bytes);
        RunIndex::parse(bytes).ok_or_else(read_back)
    }

    /// Rebuilds the listing cache, the run index and the listing index from the run commits;
    /// returns how many runs they hold. All are only ever speed-ups, so deleting them first
    /// loses nothing. Runs are read a chunk at a time (`listing_index`), so memory does not grow
    /// with the number of runs beyond the index itself.
    pub fn reindex(&self) -> Result<usize> {
        for file in [cache::FILE, index::FILE, super::lindex::FILE] {
            let _ = std::fs::remove_file(self.dir().join(file));
        }
        Ok(self.listing_index()?.index.len())
    }

    /// The run whose ref points at `commit`.
    fn run_at(&self, commit: Oid) -> Result<Run> {
        let record = self.read_record(commit)?;
        let status = self.effective_status(&record);
        Ok(Run { commit, record, status, in_trash: false })
    }
}

fn read_back() -> super::Error {
    super::Error::BadRecord {
        reference: index::FILE.to_owned(),
        detail: "the run index just built does not read back (a bug)".to_owned(),
    }
}
