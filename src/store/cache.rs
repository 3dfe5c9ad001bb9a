//! The listing cache: run commit id → record, in one JSON file under
//! `<git common dir>/git-exp/cache/`. Keyed by commit id, so it can never be stale, only
//! incomplete; deleting it is always safe.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::record::RunRecord;
use crate::git::Oid;

pub const FILE: &str = "cache/runs-v1.json";

#[derive(Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    entries: Vec<(String, RunRecord)>,
}

const VERSION: u32 = 1;

/// Loads the cache; a missing, unreadable or outdated file is an empty cache.
pub fn load(store_dir: &Path) -> HashMap<Oid, RunRecord> {
    let Ok(bytes) = std::fs::read(store_dir.join(FILE)) else {
        return HashMap::new();
    };
    match serde_json::from_slice::<CacheFile>(&bytes) {
        Ok(file) if file.version == VERSION => file
            .entries
            .into_iter()
            .filter_map(|(oid, record)| Some((Oid::from_hex(oid.as_bytes()).ok()?, record)))
            .collect(),
        _ => HashMap::new(),
    }
}

/// Replaces the cache with `entries`. Failing to write it only costs speed, so errors are
/// returned for the caller to ignore.
pub fn save<'a>(store_dir: &Path, entries: impl Iterator<Item = (Oid, &'a RunRecord)>) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct CacheFileRef<'a> {
        version: u32,
        entries: Vec<(String, &'a RunRecord)>,
    }
    let path = store_dir.join(FILE);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let file = CacheFileRef { version: VERSION, entries: entries.map(|(oid, r)| (oid.to_string(), r)).collect() };
    let bytes = serde_json::to_vec(&file).map_err(std::io::Error::other)?;
    // Unique temp name: concurrent listings may both rewrite the cache; the last rename wins.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}
