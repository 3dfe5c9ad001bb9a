//! Finding event files: TensorBoard's own rule is a file name containing `tfevents`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// How many directory entries one search looks at, at most: a working tree with a huge data
/// directory must not keep the end of a run waiting.
const MAX_ENTRIES: usize = 500_000;

/// True for a TensorBoard event file name (`events.out.tfevents.<time>.<host>…`).
#[must_use]
pub fn is_event_file(name: &str) -> bool {
    name.contains("tfevents")
}

/// The event files found under a directory.
#[derive(Debug, Default)]
pub struct Found {
    /// Sorted paths.
    pub files: Vec<PathBuf>,
    /// The search stopped at [`MAX_ENTRIES`] entries.
    pub cut_short: bool,
}

/// Event files under `root`, recursively; `.git` directories and symbolic links are skipped.
/// With `since`, only files modified at or after it.
#[must_use]
pub fn find_event_files(root: &Path, since: Option<SystemTime>) -> Found {
    let mut found = Found::default();
    let mut stack = vec![root.to_owned()];
    let mut seen = 0usize;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES {
                found.cut_short = true;
                found.files.sort();
                return found;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name();
            if kind.is_dir() && name != ".git" {
                stack.push(entry.path());
            } else if kind.is_file() && is_event_file(&name.to_string_lossy()) {
                let recent = since.is_none_or(|since| {
                    entry.metadata().and_then(|m| m.modified()).is_ok_and(|modified| modified >= since)
                });
                if recent {
                    found.files.push(entry.path());
                }
            }
        }
    }
    found.files.sort();
    found
}

/// Event files grouped by the directory holding them (one TensorBoard "run" each), in order.
#[must_use]
pub fn group_by_dir(files: &[PathBuf]) -> BTreeMap<PathBuf, Vec<PathBuf>> {
    let mut groups: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for file in files {
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        groups.entry(dir).or_default().push(file.clone());
    }
    groups
}

/// `path` relative to `root`, `/`-separated; `.` for `root` itself.
#[must_use]
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.is_empty() { ".".to_owned() } else { parts.join("/") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_event_files_and_groups_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for path in ["a/events.out.tfevents.1.h", "a/b/events.out.tfevents.2.h", "a/notes.txt", ".git/x.tfevents"] {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
            std::fs::write(path, b"").expect("write");
        }
        let found = find_event_files(root, None);
        assert_eq!(found.files.len(), 2, "{:?}", found.files);
        let groups = group_by_dir(&found.files);
        let names: Vec<String> = groups.keys().map(|d| relative(root, d)).collect();
        assert_eq!(names, ["a", "a/b"]);
        assert_eq!(relative(root, root), ".");
        // Compared with real file times.
        #[allow(clippy::disallowed_methods)]
        let later = SystemTime::now() + std::time::Duration::from_secs(3600);
        assert!(find_event_files(root, Some(later)).files.is_empty());
    }
}
