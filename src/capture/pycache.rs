//! The cache of Python environments (`<git common dir>/git-exp/cache/python-envs-v1.json`), so
//! that recording the packages of an environment seen before costs a few `stat`s, not a Python
//! start. An entry is keyed by the interpreter's path, its file's size and mtime and the mtime of
//! every site-packages directory: installing, removing or upgrading a package adds or renames an
//! entry there and so changes the directory's mtime. Written by write-then-rename, so a crash or a
//! concurrent run leaves the old file or the new one, never half of one; always safe to delete.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use super::pyenv::{self, Interpreter, PythonEnv};

const FILE: &str = "python-envs-v1.json";
/// Environments kept; the least recently used go first.
const MAX_ENTRIES: usize = 32;
/// A larger file is not ours (or not sane): it is ignored and replaced.
const MAX_FILE_BYTES: u64 = 32 << 20;

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    interpreter: String,
    /// Size and mtime (ns) of the interpreter's file, links followed.
    stamp: (u64, u64),
    /// Each site-packages directory with its mtime (ns).
    site: Vec<(String, u64)>,
    version: String,
    executable: String,
    prefix: String,
    packages: Vec<(String, String)>,
    /// Unix seconds of the last use, for eviction.
    used: u64,
}

fn mtime_ns(path: &Path) -> Option<u64> {
    let meta = std::fs::metadata(path).ok()?;
    u64::try_from(meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos()).ok()
}

fn stamp(path: &Path) -> Option<(u64, u64)> {
    Some((std::fs::metadata(path).ok()?.len(), mtime_ns(path)?))
}

fn read(dir: &Path) -> CacheFile {
    let path = dir.join(FILE);
    if std::fs::metadata(&path).ok().is_none_or(|m| m.len() > MAX_FILE_BYTES) {
        return CacheFile::default();
    }
    std::fs::read(&path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
}

fn write(dir: &Path, mut cache: CacheFile) {
    cache.entries.sort_by_key(|e| std::cmp::Reverse(e.used));
    cache.entries.truncate(MAX_ENTRIES);
    let Ok(bytes) = serde_json::to_vec(&cache) else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!("{FILE}.{}.tmp", std::process::id()));
    // A failed write costs the next run a Python start, nothing else.
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, dir.join(FILE)).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

fn now() -> u64 {
    u64::try_from(crate::clock::now().as_second()).unwrap_or(0)
}

/// The environment of `interpreter`: from the cache when nothing changed, else probed (one
/// Python start and a scan of its site-packages) and cached. `None` when it cannot run.
pub fn environment(cache_dir: &Path, interpreter: &Interpreter) -> Option<PythonEnv> {
    let key = interpreter.path.to_string_lossy().into_owned();
    let current = stamp(&interpreter.path)?;
    let mut cache = read(cache_dir);
    let hit = cache.entries.iter_mut().find(|e| {
        e.interpreter == key
            && e.stamp == current
            && e.site.iter().all(|(dir, mtime)| mtime_ns(Path::new(dir)) == Some(*mtime))
    });
    if let Some(entry) = hit {
        let env = to_env(entry, interpreter);
        // Refresh the use time now and then only: a write per run would cost more than the hit.
        if now().saturating_sub(entry.used) > 3600 {
            entry.used = now();
            write(cache_dir, cache);
        }
        return Some(env);
    }
    let probe = pyenv::probe(&interpreter.path)?;
    let site: Vec<(String, u64)> =
        probe.site.iter().filter_map(|dir| Some((dir.clone(), mtime_ns(Path::new(dir))?))).collect();
    let dirs: Vec<String> = site.iter().map(|(d, _)| d.clone()).collect();
    let entry = Entry {
        interpreter: key.clone(),
        stamp: current,
        site,
        version: probe.version,
        executable: probe.executable,
        prefix: probe.prefix,
        packages: pyenv::packages(&dirs),
        used: now(),
    };
    let env = to_env(&entry, interpreter);
    cache.entries.retain(|e| e.interpreter != key);
    cache.entries.push(entry);
    write(cache_dir, cache);
    Some(env)
}

fn to_env(entry: &Entry, interpreter: &Interpreter) -> PythonEnv {
    PythonEnv {
        executable: entry.executable.clone(),
        version: entry.version.clone(),
        prefix: entry.prefix.clone(),
        source: interpreter.source.to_owned(),
        site_packages: entry.site.iter().map(|(d, _)| d.clone()).collect(),
        packages: entry.packages.clone(),
    }
}

/// The cache directory of a store: `<git common dir>/git-exp/cache`.
#[must_use]
pub fn dir(store_dir: &Path) -> PathBuf {
    store_dir.join("cache")
}
