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
    std::fs::rename(tmp, path)
}
