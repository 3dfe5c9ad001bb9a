//! The listing index: per run what `ls` filters, sorts and picks columns on (id, name, status,
//! times, branch, tags, flattened params as typed values, metric rollups), with params and
//! metric keys in one dictionary, in `<git common dir>/git-exp/cache/listing-v1.idx`.
//!
//! `ls` reads it in one go and decodes rows on demand, so it holds no record per run; it reads
//! whole records only for the rows it prints. Keyed by commit like the other caches: never
//! stale, only incomplete. Every use compares it with the run refs; runs it lacks are read
//! (from git) and appended, rows of removed runs dropped, and the file replaced whole (temp
//! file + rename), so a crash leaves the previous one. A file that is truncated, fails its
//! CRC-32, has another version or a row that does not decode is ignored and rebuilt.

mod format;

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;

pub(super) use format::Reader;
pub use format::{Param, Rollups, RowData};

use super::record::{RunRecord, Status};
use super::{RUNS_PREFIX, Result, Run, Store, cache, index, list, spool};
use crate::git::Oid;
use crate::ids::RunId;

pub const FILE: &str = "cache/listing-v1.idx";

/// Past this many runs missing from the index, the listing cache (whole records, slower to
/// parse and large in memory) is read first: converting a repository of an older git-exp then
/// reads no run from git. It happens once.
const SEED_FROM_CACHE: usize = 64;

/// Runs read from git at once while building: their records are dropped once encoded, so a
/// rebuild of 100,000 runs never holds more than this many.
const READ_CHUNK: usize = 1024;

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
        let row = self.raw_row(n)?;
        let len = usize::from(*row.first()?);
        crate::git::oid_from_bytes(row.get(1..1 + len)?)
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
        let refs = self.repo.refs_with_prefix(RUNS_PREFIX)?;
        let loaded = ListingIndex::load(self.dir());
        let was_valid = loaded.is_some();
        let old = loaded.unwrap_or_else(ListingIndex::empty);

        let mut at: HashMap<Oid, usize> = HashMap::with_capacity(old.len());
        for n in 0..old.len() {
            if let Some(commit) = old.commit(n) {
                at.insert(commit, n);
            }
        }
        let mut misses: Vec<&(String, Oid)> = refs.iter().filter(|(_, oid)| !at.contains_key(oid)).collect();
        let kept = refs.len() - misses.len();
        if misses.is_empty() && was_valid && kept == old.len() {
            return Ok(IndexedListing { index: old, warnings: Vec::new() });
        }

        let mut dict = format::KeyDict::from_keys(old.keys.clone());
        let mut new_rows: Vec<Vec<u8>> = Vec::new();
        let mut warnings = Vec::new();
        if misses.len() >= SEED_FROM_CACHE {
            let cached = cache::load(self.dir());
            misses.retain(|(_, oid)| match cached.get(oid) {
                Some(record) => {
                    new_rows.push(format::encode_row(*oid, record, &mut dict));
                    false
                }
                None => true,
            });
        }
        let bar = list::progress_bar(misses.len());
        for chunk in misses.chunks(READ_CHUNK) {
            for (name, oid, result) in list::read_runs_with(self, chunk, &bar) {
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
            .iter()
            .filter_map(|(_, oid)| at.get(oid).and_then(|&n| old.raw_row(n)))
            .chain(new_rows.iter().map(Vec::as_slice))
            .collect();
        sort_newest_first(&mut rows, dict_len(&dict));
        let bytes = format::encode_file(dict.keys(), &rows);
        // Failing to write only costs speed next time.
        let _ = save(self.dir(), &bytes);
        let index = ListingIndex::parse(bytes).ok_or_else(|| super::Error::BadRecord {
            reference: FILE.to_owned(),
            detail: "the listing index just built does not read back (a bug)".to_owned(),
        })?;
        // The run index is a few fields of the same rows: writing it now saves the next
        // single-run command from reading the new runs again.
        let entries: Vec<index::Entry> =
            (0..index.len()).filter_map(|n| index.row(n)).map(|row| row_entry(&row)).collect();
        let _ = index::save(self.dir(), &entries);
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
            .map(|(commit, result)| {
                result.map(|record| {
                    let status = self.effective_status(&record);
                    Run { commit, record, status, in_trash: false }
                })
            })
            .collect()
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
    format::Layout { keys: Vec::new(), rows: Vec::new() }
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

fn save(store_dir: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = store_dir.join(FILE);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // Unique temp name: two processes may both rewrite the index; the last rename wins, and
    // either content is right because readers check it against the refs.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_data().ok();
    drop(file);
    std::fs::rename(tmp, path)
}
