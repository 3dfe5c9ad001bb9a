//! The run index: per run only what resolving a run-spec needs (commit, id, name, start time,
//! status, tags), newest first, in one small binary file under `<git common dir>/git-exp/cache/`.
//!
//! Keyed by commit id like the listing cache, so it is never stale, only incomplete: every use
//! compares it with the run refs and reads only the runs it lacks. The file is replaced whole
//! (temp file + rename), so a crash leaves the previous one; a file that is truncated, has
//! another version or fails its CRC-32 is ignored and rebuilt. Layout: docs/FORMAT.md "Run index".

use std::io::Write as _;
use std::path::Path;

use jiff::Timestamp;

use super::lindex::Reader;
use super::record::{RunRecord, Status};
use crate::git::Oid;

pub const FILE: &str = "cache/runs-v3.idx";
const MAGIC: &[u8; 8] = b"gitexpix";
/// Bumped on any change of the layout; a reader ignores a file of any other version.
pub const VERSION: u32 = 1;

/// Caps that keep a corrupt length field from allocating gigabytes before the CRC is checked.
const MAX_RUNS: usize = 50_000_000;

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

/// Sorts newest first, as listings are (ties by id, so the order is the same everywhere).
pub fn sort_newest_first(entries: &mut [Entry]) {
    entries.sort_by(|a, b| b.started.cmp(&a.started).then_with(|| a.id.cmp(&b.id)));
}

/// Loads the index; `None` when it is missing or unusable (then it is rebuilt).
#[must_use]
pub fn load(store_dir: &Path) -> Option<Vec<Entry>> {
    decode(&std::fs::read(store_dir.join(FILE)).ok()?)
}

/// Replaces the index with `entries`. Failing to write it only costs speed, so errors are
/// returned for the caller to ignore.
pub fn save(store_dir: &Path, entries: &[Entry]) -> std::io::Result<()> {
    let path = store_dir.join(FILE);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // Unique temp name: two processes may both rewrite the index; the last rename wins, and
    // either content is right because readers check it against the refs.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(&encode(entries))?;
    file.sync_data().ok();
    drop(file);
    std::fs::rename(tmp, path)
}

/// The file's bytes: header, entries, then the CRC-32 of everything before it.
#[must_use]
pub fn encode(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + entries.len() * 64);
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
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Reads what [`encode`] wrote; `None` for anything else (truncated, garbage, other version).
#[must_use]
pub fn decode(bytes: &[u8]) -> Option<Vec<Entry>> {
    let (body, crc) = bytes.split_at_checked(bytes.len().checked_sub(4)?)?;
    if crc32fast::hash(body).to_le_bytes() != crc {
        return None;
    }
    let mut r = Reader::new(body);
    if r.take(MAGIC.len())? != MAGIC || r.u32()? != VERSION {
        return None;
    }
    let count = usize::try_from(r.u64()?).ok().filter(|&n| n <= MAX_RUNS)?;
    // Each entry takes at least 30 bytes: a bigger count is a lie, caught before allocating.
    if count > body.len() / 30 {
        return None;
    }
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let commit = crate::git::oid_from_bytes(r.bytes()?)?;
        let id = r.str().map(str::to_owned)?;
        let name = r.str().map(str::to_owned)?;
        let started = Timestamp::new(r.i64()?, r.i32()?).ok()?;
        let status = status_from(r.take(1)?[0])?;
        let tag_count = r.u32()? as usize;
        let tags = (0..tag_count).map(|_| r.str().map(str::to_owned)).collect::<Option<Vec<_>>>()?;
        entries.push(Entry { commit, id, name, started, status, tags });
    }
    r.at_end().then_some(entries)
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

    #[test]
    fn round_trips_and_rejects_damage() {
        let entries = vec![entry(2, &["best", "ünïcode"]), entry(1, &[])];
        let bytes = encode(&entries);
        assert_eq!(decode(&bytes), Some(entries));
        assert_eq!(decode(&encode(&[])), Some(vec![]));
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
}
