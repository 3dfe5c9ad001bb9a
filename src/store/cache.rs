//! The listing cache: run commit id → record, in one file under `<git common dir>/git-exp/cache/`.
//! Keyed by commit id, so it can never be stale, only incomplete; deleting it is always safe.
//!
//! JSON lines (a header line, then one `[commit, record]` per line) so that a large cache is
//! parsed on all cores: parsing is most of what `git exp ls` does over 10,000 runs.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;

use rayon::prelude::*;

use super::record::RunRecord;
use crate::git::Oid;

pub const FILE: &str = "cache/runs-v2.jsonl";
const HEADER: &str = r#"{"git-exp-cache":2}"#;

/// Below this many lines, threads cost more than they save.
const PARALLEL_LINES: usize = 512;

/// Loads the cache; a missing, unreadable or outdated file is an empty cache, and a line that
/// does not parse is left out (its run is read from git again).
pub fn load(store_dir: &Path) -> HashMap<Oid, RunRecord> {
    let Ok(bytes) = std::fs::read(store_dir.join(FILE)) else { return HashMap::new() };
    let mut lines = bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty());
    if lines.next() != Some(HEADER.as_bytes()) {
        return HashMap::new();
    }
    let lines: Vec<&[u8]> = lines.collect();
    let parse = |line: &&[u8]| {
        let (oid, record): (String, RunRecord) = serde_json::from_slice(line).ok()?;
        Some((Oid::from_hex(oid.as_bytes()).ok()?, record))
    };
    if lines.len() >= PARALLEL_LINES {
        lines.par_iter().filter_map(parse).collect()
    } else {
        lines.iter().filter_map(parse).collect()
    }
}

/// Replaces the cache with `entries`. Failing to write it only costs speed, so errors are
/// returned for the caller to ignore.
pub fn save<'a>(store_dir: &Path, entries: impl Iterator<Item = (Oid, &'a RunRecord)>) -> std::io::Result<()> {
    let path = store_dir.join(FILE);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // Unique temp name: concurrent listings may both rewrite the cache; the last rename wins.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    writeln!(out, "{HEADER}")?;
    for (oid, record) in entries {
        serde_json::to_writer(&mut out, &(oid.to_string(), record)).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_data().ok();
    std::fs::rename(tmp, &path)?;
    super::index::remove_abandoned_temps(&path);
    Ok(())
}

/// Where each record of the cache file starts, so that a few records are read without parsing
/// them all: `ls --format json` of 100,000 runs reads them a batch at a time, from here rather
/// than from their commits (about 50× faster). About 30 bytes a run in memory.
#[derive(Debug, Default)]
pub struct Offsets {
    path: std::path::PathBuf,
    offsets: HashMap<Oid, u64>,
}

impl Offsets {
    /// Scans the cache file once (one line in memory at a time); a missing or outdated file
    /// gives no offsets, so every record is read from git.
    #[must_use]
    pub fn scan(store_dir: &Path) -> Self {
        use std::io::BufRead as _;
        let path = store_dir.join(FILE);
        let mut offsets = HashMap::new();
        let Ok(file) = std::fs::File::open(&path) else { return Self::default() };
        let mut reader = std::io::BufReader::new(file);
        let mut line = Vec::new();
        let mut at = 0u64;
        let mut first = true;
        while let Ok(n) = reader.read_until(b'\n', &mut line) {
            if n == 0 {
                break;
            }
            if first {
                if line.trim_ascii_end() != HEADER.as_bytes() {
                    return Self::default();
                }
                first = false;
            } else if let Some(hex) = line.get(2..42).filter(|_| line.starts_with(b"[\""))
                && let Ok(oid) = Oid::from_hex(hex)
            {
                offsets.insert(oid, at);
            }
            at += n as u64;
            line.clear();
        }
        Self { path, offsets }
    }

    /// The records of `commits` found in the cache, in order; `None` where a record is absent
    /// or its line does not parse (the caller reads it from git).
    #[must_use]
    pub fn read(&self, commits: &[Oid]) -> Vec<Option<RunRecord>> {
        if self.offsets.is_empty() {
            return vec![None; commits.len()];
        }
        if commits.len() >= PARALLEL_LINES {
            // A rebuild of the indexes from the cache: parse on all cores, in order.
            let parts: Vec<Vec<Option<RunRecord>>> =
                commits.par_chunks(PARALLEL_LINES / 4).map(|part| self.read_in_order(part)).collect();
            return parts.into_iter().flatten().collect();
        }
        self.read_in_order(commits)
    }

    fn read_in_order(&self, commits: &[Oid]) -> Vec<Option<RunRecord>> {
        use std::io::{BufRead as _, Seek as _};
        let Ok(file) = std::fs::File::open(&self.path) else { return vec![None; commits.len()] };
        let mut reader = std::io::BufReader::new(file);
        let mut line = Vec::new();
        commits
            .iter()
            .map(|commit| {
                let at = *self.offsets.get(commit)?;
                reader.seek(std::io::SeekFrom::Start(at)).ok()?;
                line.clear();
                reader.read_until(b'\n', &mut line).ok()?;
                // The file may have been replaced since the scan: the line must be this commit's.
                let (oid, record): (String, RunRecord) = serde_json::from_slice(&line).ok()?;
                (Oid::from_hex(oid.as_bytes()).ok()? == *commit).then_some(record)
            })
            .collect()
    }
}

/// Adds `entries` at the end of the cache (one write per line, so a concurrent reader sees whole
/// lines or a torn last line, which it skips); a missing cache is created with its header.
pub fn append<'a>(store_dir: &Path, entries: impl Iterator<Item = (Oid, &'a RunRecord)>) -> std::io::Result<()> {
    let path = store_dir.join(FILE);
    if !path.exists() {
        return save(store_dir, entries);
    }
    let mut out = std::fs::OpenOptions::new().append(true).open(&path)?;
    let mut line = Vec::new();
    for (oid, record) in entries {
        line.clear();
        serde_json::to_writer(&mut line, &(oid.to_string(), record)).map_err(std::io::Error::other)?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> RunRecord {
        let text = super::super::record::tests::EXAMPLE.replacen("id = \"", &format!("id = \"{id}"), 1);
        RunRecord::from_toml(&text).expect("the example record parses")
    }

    #[test]
    fn records_are_read_by_offset_and_appended() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (a, b, c) = (
            Oid::from_bytes_or_panic(&[1; 20]),
            Oid::from_bytes_or_panic(&[2; 20]),
            Oid::from_bytes_or_panic(&[3; 20]),
        );
        let (ra, rb, rc) = (record("a"), record("b"), record("c"));
        save(dir.path(), [(a, &ra), (b, &rb)].into_iter()).expect("saved");
        append(dir.path(), [(c, &rc)].into_iter()).expect("appended");
        // A torn last line (a writer cut off) is skipped, never misread.
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(FILE))
            .and_then(|mut f| f.write_all(b"[\"0303"))
            .expect("torn line");
        let offsets = Offsets::scan(dir.path());
        let missing = Oid::from_bytes_or_panic(&[9; 20]);
        let read = offsets.read(&[c, missing, a]);
        assert_eq!(read, vec![Some(rc), None, Some(ra)]);
        assert_eq!(load(dir.path()).len(), 3);
    }
}
