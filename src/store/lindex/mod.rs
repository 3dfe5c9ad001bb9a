//! The listing index: per run what `ls` filters, sorts and picks columns on (id, name, status,
//! times, branch, tags, flattened params as typed values, metric rollups), with params and
//! metric keys in one dictionary, in `<git common dir>/git-exp/cache/listing-v3.idx`.
//!
//! `ls` reads it in one go and decodes rows on demand, so it holds no record per run; it prints
//! from rows too, and reads a whole record only for a printed run whose row lacks a column.
//! Keyed by commit like the other caches: never stale, only incomplete. Every use compares it with the run refs: the file ends with the row
//! of each run ref in ref name order as it was written, so when nothing changed the comparison
//! is one pass over the refs' targets and those rows' commits, no map. Runs it lacks are read
//! (from git) and added, rows of removed runs dropped, and the file replaced whole (temp file +
//! rename), so a crash leaves the previous one. A file that is truncated, fails its CRC-32, has
//! another version or a row that does not decode is ignored and rebuilt.

mod format;

use std::collections::HashMap;
use std::path::Path;

pub(super) use format::Reader;
pub use format::{Param, Rollups, RowData};

use super::record::{RunRecord, Status};
use super::{RUNS_PREFIX, Result, Run, Store, cache, index, list, spool};
use crate::git::{Oid, RefList};
use crate::ids::RunId;

pub const FILE: &str = "cache/listing-v3.idx";

/// The files of earlier versions of this index and of the run index (`index::FILE`), deleted
/// once this one is written: about 20 MB and 8 MB at 100,000 runs, never read again.
const OBSOLETE: [&str; 3] = ["cache/listing-v1.idx", "cache/listing-v2.idx", "cache/runs-v3.idx"];

/// Past this many runs missing from the index, the listing cache is looked in first (by offset,
/// a chunk of records at a time): converting a repository of an older git-exp then reads no run
/// from git. It happens once.
const SEED_FROM_CACHE: usize = 64;

/// Runs read (from the listing cache or from git) at once while building: their records are
/// dropped once encoded, so a rebuild of 100,000 runs never holds more than this many.
const READ_CHUNK: usize = 1024;

/// Records `read_rows` reads straight from git before it scans the listing cache instead.
const READ_ALONE: usize = 64;

/// The file's bytes, checked, with where each row is, and the keys (a few hundred at most in
/// practice: copied once so that a lookup neither re-checks UTF-8 nor compares strings per row).
pub struct ListingIndex {
    bytes: Vec<u8>,
    layout: format::Layout,
    keys: Vec<String>,
    key_ids: HashMap<String, u32>,
}

/// The index brought up to date with the refs, and what could not be read.
pub struct IndexedListing {
    pub index: ListingIndex,
    /// One line per run that was skipped or read with a problem (as `Store::list` gives them).
    pub warnings: Vec<String>,
}

impl ListingIndex {
    fn parse(bytes: Vec<u8>) -> Option<Self> {
        let layout = format::check(&bytes)?;
        let keys: Vec<String> = layout
            .keys
            .iter()
            .map(|&(start, len)| {
                bytes.get(start..start + len).and_then(|b| std::str::from_utf8(b).ok()).map(str::to_owned)
            })
            .collect::<Option<_>>()?;
        let key_ids = keys.iter().enumerate().map(|(n, k)| (k.clone(), u32::try_from(n).unwrap_or(u32::MAX))).collect();
        Some(Self { bytes, layout, keys, key_ids })
    }

    fn empty() -> Self {
        Self { bytes: Vec::new(), layout: empty_layout(), keys: Vec::new(), key_ids: HashMap::new() }
    }

    /// Whether it holds exactly the runs `refs` point at (the same commits under the same names
    /// in the same order as when it was written), checked without decoding a row.
    fn matches(&self, refs: &RefList) -> bool {
        let (at, count) = self.layout.order;
        count == refs.len()
            && refs.targets().iter().enumerate().all(|(n, target)| {
                let mut r = Reader::new(self.bytes.get(at + 4 * n..).unwrap_or_default());
                r.u32().and_then(|row| self.commit(row as usize)).is_some_and(|commit| commit == *target)
            })
    }

    fn load(store_dir: &Path) -> Option<Self> {
        Self::parse(std::fs::read(store_dir.join(FILE)).ok()?)
    }

    /// How many runs it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.layout.rows.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.layout.rows.is_empty()
    }

    /// The row of the `n`th run, newest first.
    #[must_use]
    pub fn row(&self, n: usize) -> Option<RowData<'_>> {
        let &(start, len) = self.layout.rows.get(n)?;
        format::decode_row(self.bytes.get(start..start + len)?, self.key_count())
    }

    /// The key a row's key number stands for.
    #[must_use]
    pub fn key(&self, id: u32) -> &str {
        self.keys.get(id as usize).map_or("", String::as_str)
    }

    /// The number of `key`, if any run has it.
    #[must_use]
    pub fn key_id(&self, key: &str) -> Option<u32> {
        self.key_ids.get(key).copied()
    }

    /// The commit of the `n`th row, read alone (comparing with the refs needs nothing else).
    fn commit(&self, n: usize) -> Option<Oid> {
        row_commit(self.raw_row(n)?)
    }

    /// What the run index holds of each run, newest first.
    pub(super) fn run_entries(&self) -> Vec<index::Entry> {
        (0..self.len()).filter_map(|n| self.row(n)).map(|row| row_entry(&row)).collect()
    }

    fn key_count(&self) -> u32 {
        u32::try_from(self.layout.keys.len()).unwrap_or(u32::MAX)
    }

    fn raw_row(&self, n: usize) -> Option<&[u8]> {
        let &(start, len) = self.layout.rows.get(n)?;
        self.bytes.get(start..start + len)
    }
}

impl Store {
    /// The listing index, brought up to date with the run refs.
    pub fn listing_index(&self) -> Result<IndexedListing> {
        let refs = self.repo.ref_list(RUNS_PREFIX)?;
        let old = match ListingIndex::load(self.dir()) {
            Some(index) if index.matches(&refs) => return Ok(IndexedListing { index, warnings: Vec::new() }),
            Some(index) => index,
            None => ListingIndex::empty(),
        };
        // Commit → row of the old file, sorted to be searched: only when something changed.
        let mut at: Vec<(Oid, usize)> = (0..old.len()).filter_map(|n| Some((old.commit(n)?, n))).collect();
        at.sort_unstable();
        let old_row = |oid: &Oid| at.binary_search_by(|(c, _)| c.cmp(oid)).ok().map(|i| at[i].1);
        let missing: Vec<(String, Oid)> = (0..refs.len())
            .filter(|&n| old_row(&refs.targets()[n]).is_none())
            .map(|n| (refs.name(n).to_owned(), refs.targets()[n]))
            .collect();
        let mut misses: Vec<&(String, Oid)> = missing.iter().collect();

        let mut dict = format::KeyDict::from_keys(old.keys.clone());
        let mut new_rows: Vec<Vec<u8>> = Vec::new();
        let mut warnings = Vec::new();
        if misses.len() >= SEED_FROM_CACHE {
            // Scanned here, not kept: the runs read from git below are appended to the cache.
            let offsets = cache::Offsets::scan(self.dir());
            let mut not_cached = Vec::new();
            for chunk in misses.chunks(READ_CHUNK) {
                let commits: Vec<Oid> = chunk.iter().map(|(_, oid)| *oid).collect();
                for (miss, record) in chunk.iter().zip(offsets.read(&commits)) {
                    match record {
                        Some(record) => new_rows.push(format::encode_row(miss.1, &record, &mut dict)),
                        None => not_cached.push(*miss),
                    }
                }
            }
            misses = not_cached;
        }
        let bar = list::progress_bar(misses.len());
        for chunk in misses.chunks(READ_CHUNK) {
            let fresh = list::read_runs_with(self, chunk, &bar);
            // Into the listing cache too: printing these runs whole (`ls --format json`) then
            // finds them there instead of in git.
            let _ = cache::append(self.dir(), fresh.iter().filter_map(|(_, c, r)| r.as_ref().ok().map(|r| (*c, r))));
            for (name, oid, result) in fresh {
                match result {
                    Ok(record) => {
                        warn_unknown(&name, &record, &mut warnings);
                        new_rows.push(format::encode_row(oid, &record, &mut dict));
                    }
                    Err(message) => warnings.push(message),
                }
            }
        }
        bar.finish_and_clear();

        let mut rows: Vec<&[u8]> = refs
            .targets()
            .iter()
            .filter_map(|oid| old_row(oid).and_then(|n| old.raw_row(n)))
            .chain(new_rows.iter().map(Vec::as_slice))
            .collect();
        sort_newest_first(&mut rows, dict_len(&dict));
        let order = index::ref_order(rows.iter().filter_map(|row| row_commit(row)), &refs);
        let bytes = format::encode_file(dict.keys(), &rows, &order);
        // Failing to write only costs speed next time.
        if index::write_replacing(&self.dir().join(FILE), &bytes).is_ok() {
            for file in OBSOLETE {
                let _ = std::fs::remove_file(self.dir().join(file));
            }
        }
        // The old file and the new rows are copied into `bytes`: free them before it is parsed.
        drop(rows);
        drop(new_rows);
        drop(old);
        drop(at);
        let index = ListingIndex::parse(bytes).ok_or_else(|| super::Error::BadRecord {
            reference: FILE.to_owned(),
            detail: "the listing index just built does not read back (a bug)".to_owned(),
        })?;
        // The run index is a few fields of the same rows: writing it now saves the next
        // single-run command from reading the new runs again.
        let _ = index::save(self.dir(), &index.run_entries(), &refs);
        Ok(IndexedListing { index, warnings })
    }

    /// The status to show for a row: a `running` run whose process is gone is `crashed`.
    #[must_use]
    pub fn row_status(&self, row: &RowData<'_>) -> Status {
        if row.status != Status::Running {
            return row.status;
        }
        // An id that is not a run id names no spool (and must not become a path).
        match RunId::parse(row.id) {
            Some(id) if spool::is_alive(&self.spool_dir(&id)) => Status::Running,
            _ => Status::Crashed,
        }
    }

    /// Reads the whole runs of `rows` (commits and ids) from git, on all cores when there are
    /// many, in the order given; a run that cannot be read is a warning line instead.
    #[must_use]
    pub fn read_rows(&self, rows: &[(Oid, String)]) -> Vec<std::result::Result<Run, String>> {
        use std::sync::atomic::Ordering;
        if rows.is_empty() {
            return Vec::new();
        }
        // A few records (`ls --limit 20` as a table) are read from their commits: finding them
        // in the listing cache first means scanning all of it (70 MB at 100,000 runs), several
        // times what reading 20 runs from git costs. Past `READ_ALONE` records in one command,
        // the scan pays for itself.
        if self.cache_offsets.get().is_none()
            && self.read_alone.fetch_add(rows.len(), Ordering::Relaxed) + rows.len() <= READ_ALONE
        {
            let refs: Vec<(String, Oid)> = rows.iter().map(|(oid, id)| (format!("{RUNS_PREFIX}{id}"), *oid)).collect();
            let refs: Vec<&(String, Oid)> = refs.iter().collect();
            // Not appended to the cache: without the scan, whether it has them is unknown.
            return list::read_runs(self, &refs)
                .into_iter()
                .map(|(_, commit, result)| result.map(|record| self.whole_run(commit, record)))
                .collect();
        }
        // The listing cache first (a seek and a parse), git for what it lacks; those are added
        // to the cache so the next listing finds them.
        let offsets = self.cache_offsets.get_or_init(|| cache::Offsets::scan(self.dir()));
        let commits: Vec<Oid> = rows.iter().map(|(oid, _)| *oid).collect();
        let cached = offsets.read(&commits);
        let misses: Vec<(String, Oid)> = rows
            .iter()
            .zip(&cached)
            .filter(|(_, record)| record.is_none())
            .map(|((oid, id), _)| (format!("{RUNS_PREFIX}{id}"), *oid))
            .collect();
        let refs: Vec<&(String, Oid)> = misses.iter().collect();
        let fresh: Vec<(Oid, std::result::Result<RunRecord, String>)> =
            list::read_runs(self, &refs).into_iter().map(|(_, commit, result)| (commit, result)).collect();
        if !fresh.is_empty() {
            let _ = cache::append(self.dir(), fresh.iter().filter_map(|(c, r)| r.as_ref().ok().map(|r| (*c, r))));
        }
        // In the order asked: a cached record where there is one, else the next one read.
        let mut fresh = fresh.into_iter();
        commits
            .into_iter()
            .zip(cached)
            .filter_map(|(commit, record)| match record {
                Some(record) => Some((commit, Ok(record))),
                None => fresh.next(),
            })
            .map(|(commit, result)| result.map(|record| self.whole_run(commit, record)))
            .collect()
    }

    fn whole_run(&self, commit: Oid, record: RunRecord) -> Run {
        let status = self.effective_status(&record);
        Run { commit, record, status, in_trash: false }
    }
}

fn row_entry(row: &RowData<'_>) -> index::Entry {
    index::Entry {
        commit: row.commit,
        id: row.id.to_owned(),
        name: row.name.to_owned(),
        started: row.started,
        status: row.status,
        tags: row.tags().map(str::to_owned).collect(),
    }
}

fn warn_unknown(name: &str, record: &RunRecord, warnings: &mut Vec<String>) {
    let unknown = record.unknown_fields();
    if !unknown.is_empty() {
        warnings.push(format!("{name}: run.toml has fields this git-exp does not know: {}", unknown.join(", ")));
    }
}

fn empty_layout() -> format::Layout {
    format::Layout { keys: Vec::new(), rows: Vec::new(), order: (0, 0) }
}

/// The commit a row starts with (its length byte, then the raw id).
fn row_commit(row: &[u8]) -> Option<Oid> {
    let len = usize::from(*row.first()?);
    crate::git::oid_from_bytes(row.get(1..1 + len)?)
}

fn dict_len(dict: &format::KeyDict) -> u32 {
    u32::try_from(dict.keys().len()).unwrap_or(u32::MAX)
}

/// Newest first, as listings are (ties by id, so the order is the same everywhere).
fn sort_newest_first(rows: &mut [&[u8]], key_count: u32) {
    // Rows were checked (old ones) or just encoded (new ones): each decodes.
    rows.sort_by_cached_key(|row| {
        format::decode_row(row, key_count).map(|r| (std::cmp::Reverse(r.started), r.id.to_owned()))
    });
}
