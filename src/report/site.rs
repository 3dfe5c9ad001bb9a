//! The output directory. Files are grouped in units (a run's page and data, a comparison, the
//! index); a manifest remembers each unit's input key and files, so a later report skips units
//! whose key is unchanged, leaves their files untouched, and deletes files no unit wrote this
//! time. Only files this manifest lists are ever deleted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use super::Error;

pub const MANIFEST: &str = ".git-exp-report.json";

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    generator: String,
    units: BTreeMap<String, Unit>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Unit {
    key: String,
    files: Vec<String>,
}

/// What one report did to the directory.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

pub struct Site {
    root: PathBuf,
    previous: Manifest,
    current: Mutex<BTreeMap<String, Unit>>,
    written: AtomicUsize,
    unchanged: AtomicUsize,
}

impl Site {
    /// Opens `root` for writing a report: it must be new, empty, or hold an earlier report.
    pub fn open(root: &Path) -> Result<Self, Error> {
        let io = |what: &str| {
            let what = format!("{what} `{}`", root.display());
            move |source| Error::Io { what, source }
        };
        let manifest_path = root.join(MANIFEST);
        let previous = match std::fs::read(&manifest_path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
            Err(_) if root.exists() => {
                let mut entries = std::fs::read_dir(root).map_err(io("cannot read"))?;
                if entries.next().is_some() {
                    return Err(Error::NotASite(root.to_owned()));
                }
                Manifest::default()
            }
            Err(_) => {
                std::fs::create_dir_all(root).map_err(io("cannot create"))?;
                Manifest::default()
            }
        };
        Ok(Self {
            root: root.to_owned(),
            previous,
            current: Mutex::default(),
            written: AtomicUsize::new(0),
            unchanged: AtomicUsize::new(0),
        })
    }

    /// Returns true, and keeps the unit's files, when the last report wrote `unit` from the
    /// same `key` and its files are all still there.
    pub fn is_fresh(&self, unit: &str, key: &str) -> bool {
        let Some(old) = self.previous.units.get(unit) else { return false };
        if old.key != key || !old.files.iter().all(|f| self.root.join(f).is_file()) {
            return false;
        }
        self.unchanged.fetch_add(old.files.len(), Ordering::Relaxed);
        self.lock().insert(unit.to_owned(), old.clone());
        true
    }

    /// Records the files a unit consists of after writing them.
    pub fn record(&self, unit: &str, key: &str, files: Vec<String>) {
        self.lock().insert(unit.to_owned(), Unit { key: key.to_owned(), files });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Unit>> {
        // A poisoned lock means a worker panicked; the map itself is still consistent.
        self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The absolute path of a site file.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Writes `bytes` to `rel` unless the file already has exactly these bytes (so its mtime
    /// and any HTTP caching survive). Written beside the target, then renamed into place.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Error> {
        // Names are built from run ids and metric keys, both checked where they are read; this
        // is the last line, with git's own path rules, before anything from a run is written.
        let path = self.root.join(crate::relpath::check(rel)?);
        let counter = if write_if_changed(&path, bytes)? { &self.written } else { &self.unchanged };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Counts a file that was put in place by other means (an extracted blob).
    pub fn count_written(&self) {
        self.written.fetch_add(1, Ordering::Relaxed);
    }

    /// Deletes files the last report wrote and this one did not, and saves the manifest.
    pub fn finish(self) -> Result<Summary, Error> {
        let current = self.current.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        let kept: BTreeSet<&String> = current.values().flat_map(|u| &u.files).collect();
        let mut removed = 0;
        let mut dirs = BTreeSet::new();
        for file in self.previous.units.values().flat_map(|u| &u.files) {
            if kept.contains(file) || !is_plain_relative(file) {
                continue;
            }
            let path = self.root.join(file);
            if std::fs::remove_file(&path).is_ok() {
                removed += 1;
                dirs.extend(path.ancestors().skip(1).take_while(|d| *d != self.root).map(Path::to_owned));
            }
        }
        // Deepest first; `remove_dir` fails harmlessly on directories that still hold files.
        for dir in dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
        let manifest = Manifest { generator: super::GENERATOR.to_owned(), units: current };
        let mut json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Io {
            what: "cannot encode the report manifest".into(),
            source: std::io::Error::other(e),
        })?;
        json.push(b'\n');
        write_if_changed(&self.root.join(MANIFEST), &json)?;
        Ok(Summary { written: self.written.into_inner(), unchanged: self.unchanged.into_inner(), removed })
    }
}

/// Writes `bytes` to `path` unless it already holds them; returns whether it wrote.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|old| old == bytes)
    {
        return Ok(false);
    }
    let io = |what: &str| {
        let what = format!("{what} `{}`", path.display());
        move |source| Error::Io { what, source }
    };
    let tmp = temp_beside(path);
    // The directory usually exists already: created only when the write says it is missing,
    // rather than asked for before each of thousands of files.
    match std::fs::write(&tmp, bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(io("cannot create the directory of"))?;
            }
            std::fs::write(&tmp, bytes).map_err(io("cannot write"))?;
        }
        written => written.map_err(io("cannot write"))?,
    }
    std::fs::rename(&tmp, path).map_err(io("cannot write"))?;
    Ok(true)
}

/// A manifest from disk is input too: never delete outside the site.
fn is_plain_relative(path: &str) -> bool {
    !path.is_empty() && !path.starts_with('/') && path.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
}

fn temp_beside(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let thread = format!("{:?}", std::thread::current().id()).chars().filter(char::is_ascii_digit).collect::<String>();
    path.with_file_name(format!(".{name}.{}-{thread}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_foreign_non_empty_directory() {
        let dir = tempfile::tempdir().expect("temp");
        std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
        assert!(matches!(Site::open(dir.path()), Err(Error::NotASite(_))));
    }

    #[test]
    fn never_writes_outside_the_site_or_into_a_git_directory() {
        let parent = tempfile::tempdir().expect("temp");
        let root = parent.path().join("site");
        let site = Site::open(&root).expect("open");
        for rel in ["../outside.html", "/tmp/abs.html", "data/.git/config", "data/../../x", "a//b"] {
            assert!(matches!(site.write(rel, b"x"), Err(Error::UnsafePath(_))), "{rel}");
        }
        assert!(!parent.path().join("outside.html").exists());
        site.write("data/ok.csv", b"x").expect("a plain relative path is written");
    }

    #[test]
    fn keeps_fresh_units_and_removes_stale_files() {
        let dir = tempfile::tempdir().expect("temp");
        let site = Site::open(dir.path()).expect("open");
        site.write("runs/a.html", b"a").expect("write");
        site.write("runs/b.html", b"b").expect("write");
        site.record("run/a", "k1", vec!["runs/a.html".into()]);
        site.record("run/b", "k1", vec!["runs/b.html".into()]);
        assert_eq!(site.finish().expect("finish").written, 2);

        let site = Site::open(dir.path()).expect("reopen");
        assert!(site.is_fresh("run/a", "k1"));
        assert!(!site.is_fresh("run/a2", "k1"));
        let summary = site.finish().expect("finish");
        assert_eq!(summary.removed, 1);
        assert!(dir.path().join("runs/a.html").exists());
        assert!(!dir.path().join("runs/b.html").exists());
        assert!(!is_plain_relative("../x") && !is_plain_relative("/etc/passwd") && is_plain_relative("a/b.html"));
    }
}
