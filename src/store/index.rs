//! The run index: per run only what resolving a run-spec needs (commit, id, name, start time,
//! status, tags), newest first, in one small binary file under `<git common dir>/git-exp/cache/`.
//!
//! Keyed by commit id like the listing cache, so it is never stale, only incomplete: every use
//! compares it with the run refs and reads only the runs it lacks. The file ends with the row of
//! each run ref in the order of the ref names, as they were when it was written: when the refs
//! are the same, the comparison is one pass over both, with nothing decoded or allocated per
//! run. Entries are read from the file's bytes where they are. The file is replaced whole (temp
//! file + rename), so a crash leaves the previous one; a file that is truncated, has another
//! version or fails its CRC-32 is ignored and rebuilt. Layout: docs/FORMAT.md "Run index".

use std::io::Write as _;
use std::path::Path;

use jiff::Timestamp;

use super::lindex::Reader;
use super::record::{RunRecord, Status};
use crate::git::{Oid, RefList};

pub const FILE: &str = "cache/runs-v4.idx";
const MAGIC: &[u8; 8] = b"gitexpix";
/// Bumped on any change of the layout (with the file name); a reader ignores other versions.
pub const VERSION: u32 = 2;

/// Caps that keep a corrupt length field from allocating gigabytes before the CRC is checked.
const MAX_RUNS: usize = 50_000_000;
/// The smallest possible entry (empty commit, id, name, no tags): a larger count is a lie.
const MIN_ENTRY: usize = 29;

/// One run as the index holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub commit: Oid,
    pub id: String,
    pub name: String,
    pub started: Timestamp,
    pub status: Status,
    pub tags: Vec<String>,
}

impl Entry {
    #[must_use]
    pub fn from_record(commit: Oid, record: &RunRecord) -> Self {
        Self {
            commit,
            id: record.id.to_string(),
            name: record.name.clone(),
            started: record.started,
            status: record.status,
            tags: record.tags.clone(),
        }
    }
}

/// One run read from the file's bytes: what resolving a spec compares, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct EntryRef<'a> {
    pub commit: Oid,
    pub id: &'a str,
    pub name: &'a str,
}

/// Sorts newest first, as listings are (ties by id, so the order is the same everywhere).
pub fn sort_newest_first(entries: &mut [Entry]) {
    entries.sort_by(|a, b| b.started.cmp(&a.started).then_with(|| a.id.cmp(&b.id)));
}

/// The checked bytes of the file and where each entry starts.
pub struct RunIndex {
    bytes: Vec<u8>,
    starts: Vec<usize>,
    /// Where the row numbers in ref order start, and how many there are.
    order: (usize, usize),
}

impl RunIndex {
    /// Checks the file's bytes; `None` for anything but a whole file of this version.
    #[must_use]
    pub fn parse(bytes: Vec<u8>) -> Option<Self> {
        let (starts, order) = check(&bytes)?;
        Some(Self { bytes, starts, order })
    }

    /// How many runs it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// The `n`th run, newest first (it decodes: [`check`] read every entry).
    #[must_use]
    pub fn entry(&self, n: usize) -> Option<EntryRef<'_>> {
        let mut r = Reader::new(self.bytes.get(*self.starts.get(n)?..)?);
        Some(EntryRef { commit: crate::git::oid_from_bytes(r.bytes()?)?, id: r.str()?, name: r.str()? })
    }

    /// The `n`th run whole.
    #[must_use]
    pub fn owned(&self, n: usize) -> Option<Entry> {
        let mut r = Reader::new(self.bytes.get(*self.starts.get(n)?..)?);
        decode_entry(&mut r)
    }

    /// Whether it holds exactly the runs `refs` point at (the same commits under the same names
    /// in the same order as when it was written), checked without decoding any entry.
    #[must_use]
    pub fn matches(&self, refs: &RefList) -> bool {
        let (at, count) = self.order;
        count == refs.len()
            && refs.targets().iter().enumerate().all(|(n, target)| {
                let mut r = Reader::new(self.bytes.get(at + 4 * n..).unwrap_or_default());
                r.u32()
                    .and_then(|row| self.starts.get(row as usize))
                    .and_then(|&start| Reader::new(self.bytes.get(start..)?).bytes())
                    .is_some_and(|commit| commit == target.as_bytes())
            })
    }
}

/// Loads the index; `None` when it is missing or unusable (then it is rebuilt).
#[must_use]
pub fn load(store_dir: &Path) -> Option<RunIndex> {
    RunIndex::parse(std::fs::read(store_dir.join(FILE)).ok()?)
}

/// Replaces the index with `entries` (newest first) of the runs `refs` point at. Failing to
/// write it only costs speed, so errors are returned for the caller to ignore.
pub fn save(store_dir: &Path, entries: &[Entry], refs: &RefList) -> std::io::Result<()> {
    write_replacing(&store_dir.join(FILE), &encode(entries, refs))
}

/// Writes `bytes` to a temp file beside `path` and renames it over `path`, so that readers see
/// the old file or the new one, never a part.
pub(super) fn write_replacing(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // Unique temp name: two processes may both rewrite the file; the last rename wins, and
    // either content is right because readers check it against the refs.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_data().ok();
    drop(file);
    std::fs::rename(tmp, path)?;
    remove_abandoned_temps(path);
    Ok(())
}

/// Deletes the temp files (`<name>.tmp<pid>`) in the directory of `path`, the cache directory,
/// whose writer is no longer running: one killed between creating its temp file and renaming it
/// would otherwise leave up to a whole index or cache (20 to 70 MB at 100,000 runs) behind for
/// good. A live writer's file is left alone.
pub(super) fn remove_abandoned_temps(path: &Path) {
    let Some(Ok(entries)) = path.parent().map(std::fs::read_dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name.to_str().and_then(|n| n.rsplit_once(".tmp")).and_then(|(_, pid)| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && !crate::process::Process::of(pid).is_running()
        {
            // Gone already: another writer cleaned up first.
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// For each ref of `refs`, in order, the number of the entry of its commit (given each entry's
/// commit); a ref whose run has no entry (it could not be read) is left out, so such a file
/// never matches and the run is tried again.
pub(super) fn ref_order(commits: impl Iterator<Item = Oid>, refs: &RefList) -> Vec<u32> {
    let mut by_commit: Vec<(Oid, u32)> =
        commits.enumerate().map(|(n, c)| (c, u32::try_from(n).unwrap_or(u32::MAX))).collect();
    by_commit.sort_unstable();
    refs.targets()
        .iter()
        .filter_map(|target| {
            let at = by_commit.binary_search_by(|(c, _)| c.cmp(target)).ok()?;
            Some(by_commit[at].1)
        })
        .collect()
}

/// Appends the ref order section: its count, then each row number.
pub(super) fn put_order(out: &mut Vec<u8>, order: &[u32]) {
    out.extend_from_slice(&u64::try_from(order.len()).unwrap_or(u64::MAX).to_le_bytes());
    for row in order {
        out.extend_from_slice(&row.to_le_bytes());
    }
}

/// Reads the ref order section of a file with `rows` rows: where its numbers start and how many;
/// `None` if one is out of range.
pub(super) fn check_order(r: &mut Reader<'_>, rows: usize) -> Option<(usize, usize)> {
    let count = usize::try_from(r.u64()?).ok().filter(|&n| n <= MAX_RUNS)?;
    let at = r.position();
    for _ in 0..count {
        if r.u32()? as usize >= rows {
            return None;
        }
    }
    Some((at, count))
}

/// The file's bytes: header, entries, ref order, then the CRC-32 of everything before it.
#[must_use]
pub fn encode(entries: &[Entry], refs: &RefList) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + entries.len() * 64 + refs.len() * 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&u64::try_from(entries.len()).unwrap_or(u64::MAX).to_le_bytes());
    for entry in entries {
        put_bytes(&mut out, entry.commit.as_bytes());
        put_bytes(&mut out, entry.id.as_bytes());
        put_bytes(&mut out, entry.name.as_bytes());
        out.extend_from_slice(&entry.started.as_second().to_le_bytes());
        out.extend_from_slice(&entry.started.subsec_nanosecond().to_le_bytes());
        out.push(status_code(entry.status));
        out.extend_from_slice(&u32::try_from(entry.tags.len()).unwrap_or(u32::MAX).to_le_bytes());
        for tag in &entry.tags {
            put_bytes(&mut out, tag.as_bytes());
        }
    }
    put_order(&mut out, &ref_order(entries.iter().map(|e| e.commit), refs));
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Checks what [`encode`] wrote: every entry decodes, every row number is in range. Returns
/// where each entry starts and where the ref order is.
fn check(bytes: &[u8]) -> Option<(Vec<usize>, (usize, usize))> {
    let (body, crc) = bytes.split_at_checked(bytes.len().checked_sub(4)?)?;
    if crc32fast::hash(body).to_le_bytes() != crc {
        return None;
    }
    let mut r = Reader::new(body);
    if r.take(MAGIC.len())? != MAGIC || r.u32()? != VERSION {
        return None;
    }
    let count = usize::try_from(r.u64()?).ok().filter(|&n| n <= MAX_RUNS)?;
    if count > body.len() / MIN_ENTRY {
        return None;
    }
    let mut starts = Vec::with_capacity(count);
    for _ in 0..count {
        starts.push(r.position());
        skip_entry(&mut r)?;
    }
    let order = check_order(&mut r, count)?;
    r.at_end().then_some((starts, order))
}

/// Checks an entry as [`decode_entry`] reads it, copying nothing.
fn skip_entry(r: &mut Reader<'_>) -> Option<()> {
    crate::git::oid_from_bytes(r.bytes()?)?;
    r.str()?;
    r.str()?;
    Timestamp::new(r.i64()?, r.i32()?).ok()?;
    status_from(r.take(1)?[0])?;
    for _ in 0..r.u32()? {
        r.str()?;
    }
    Some(())
}

fn decode_entry(r: &mut Reader<'_>) -> Option<Entry> {
    let commit = crate::git::oid_from_bytes(r.bytes()?)?;
    let id = r.str().map(str::to_owned)?;
    let name = r.str().map(str::to_owned)?;
    let started = Timestamp::new(r.i64()?, r.i32()?).ok()?;
    let status = status_from(r.take(1)?[0])?;
    let tag_count = r.u32()? as usize;
    let tags = (0..tag_count).map(|_| r.str().map(str::to_owned)).collect::<Option<Vec<_>>>()?;
    Some(Entry { commit, id, name, started, status, tags })
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(bytes);
}

pub(super) fn status_code(status: Status) -> u8 {
    match status {
        Status::Running => 0,
        Status::Completed => 1,
        Status::Failed => 2,
        Status::Interrupted => 3,
        Status::Crashed => 4,
    }
}

pub(super) fn status_from(code: u8) -> Option<Status> {
    Some(match code {
        0 => Status::Running,
        1 => Status::Completed,
        2 => Status::Failed,
        3 => Status::Interrupted,
        4 => Status::Crashed,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u8, tags: &[&str]) -> Entry {
        Entry {
            commit: gix::ObjectId::from_bytes_or_panic(&[n; 20]),
            id: format!("abcd{n:04}"),
            name: format!("run-{n}"),
            started: Timestamp::new(1_795_000_000 + i64::from(n), 123_000_000).expect("valid time"),
            status: Status::Completed,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    fn refs(commits: &[u8]) -> RefList {
        commits
            .iter()
            .enumerate()
            .map(|(n, c)| (format!("refs/git-exp/runs/r{n:03}"), gix::ObjectId::from_bytes_or_panic(&[*c; 20])))
            .collect()
    }

    fn decode(bytes: &[u8]) -> Option<Vec<Entry>> {
        let index = RunIndex::parse(bytes.to_vec())?;
        (0..index.len()).map(|n| index.owned(n)).collect()
    }

    #[test]
    fn round_trips_and_rejects_damage() {
        let entries = vec![entry(2, &["best", "ünïcode"]), entry(1, &[])];
        let bytes = encode(&entries, &refs(&[1, 2]));
        assert_eq!(decode(&bytes), Some(entries.clone()));
        assert_eq!(decode(&encode(&[], &RefList::default())), Some(vec![]));
        // Every truncation and every flipped byte is caught.
        for cut in 0..bytes.len() {
            assert_eq!(decode(&bytes[..cut]), None, "cut at {cut}");
        }
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x40;
            assert_eq!(decode(&damaged), None, "flipped byte {at}");
        }
        assert_eq!(decode(b"garbage that is not an index"), None);
    }

    #[test]
    fn matches_only_the_refs_it_was_written_for() {
        let entries = vec![entry(2, &[]), entry(1, &[]), entry(3, &[])];
        let index = RunIndex::parse(encode(&entries, &refs(&[1, 2, 3]))).expect("reads");
        assert!(index.matches(&refs(&[1, 2, 3])));
        assert_eq!(index.entry(0).map(|e| e.id), Some("abcd0002"));
        for other in [&[1, 2][..], &[1, 2, 3, 3], &[2, 1, 3], &[1, 2, 4], &[]] {
            assert!(!index.matches(&refs(other)), "{other:?}");
        }
        // A ref whose run has no entry (unreadable) is left out of the order: never a match.
        let index = RunIndex::parse(encode(&entries[..2], &refs(&[1, 2, 3]))).expect("reads");
        assert!(!index.matches(&refs(&[1, 2, 3])));
    }
}
