//! Isolated runs: the command runs in a temporary checkout of the run's own snapshot, so that the
//! working tree is free to change meanwhile and nothing from it leaks into the run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Context as _;

use crate::store::{Run, Store};

/// A temporary checkout of a run's code (without `.git-exp/`).
pub struct Checkout {
    dir: PathBuf,
    /// Size and modification time of every file as checked out, to find what the command wrote.
    written: HashMap<PathBuf, (u64, Option<SystemTime>)>,
}

impl Checkout {
    /// Writes the code of `run` into a new directory under the system's temporary directory (not
    /// inside `.git`, where git commands of the program would not find a work tree).
    pub fn create(store: &Store, run: &Run) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("git-exp-{}", run.id()));
        let paths = store
            .check_out_to(run, &dir)
            .with_context(|| format!("cannot check out the code of run {} into {}", run.id(), dir.display()))?;
        let written = paths.into_iter().map(|p| dir.join(p)).map(|p| (p.clone(), stamp(&p))).collect();
        Ok(Self { dir, written })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Removes the checkout (or keeps it with `keep`) and returns notices about what the command
    /// left there: outside `$GIT_EXP_ARTIFACTS` it is not recorded.
    pub fn finish(self, keep: bool) -> anyhow::Result<Vec<String>> {
        let mut changed = Vec::new();
        walk(&self.dir, &mut |path| {
            if self.written.get(path) != Some(&stamp(path)) {
                changed.push(path.strip_prefix(&self.dir).unwrap_or(path).to_string_lossy().into_owned());
            }
        });
        changed.sort();
        let mut notices = Vec::new();
        if keep {
            notices.push(format!("kept the isolated checkout in {}", self.dir.display()));
        } else {
            std::fs::remove_dir_all(&self.dir).with_context(|| format!("cannot remove {}", self.dir.display()))?;
            if !changed.is_empty() {
                let shown: Vec<&str> = changed.iter().take(5).map(String::as_str).collect();
                let more = changed.len().saturating_sub(5);
                let more = if more > 0 { format!(" and {more} more") } else { String::new() };
                notices.push(format!(
                    "discarded what the command wrote outside $GIT_EXP_ARTIFACTS in the isolated checkout: {}{more} \
                     (--keep keeps the checkout)",
                    shown.join(", ")
                ));
            }
        }
        Ok(notices)
    }
}

fn stamp(path: &Path) -> (u64, Option<SystemTime>) {
    std::fs::symlink_metadata(path).map(|m| (m.len(), m.modified().ok())).unwrap_or((0, None))
}

fn walk(dir: &Path, visit: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, visit),
            Ok(_) => visit(&path),
            Err(_) => {}
        }
    }
}
