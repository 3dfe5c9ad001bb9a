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
    let mut seen = 0usize;
    walk(vec![root.to_owned()], since, &mut seen, &mut found, &mut |_| {}, &|_| false);
    found.files.sort();
    found
}

/// What a search saw under a directory: every directory it listed and every event file,
/// whatever its age. A later [`find_changed_event_files`] looks at these again instead of
/// listing every directory anew.
#[derive(Debug, Default)]
pub struct Seen {
    dirs: Vec<PathBuf>,
    files: Vec<PathBuf>,
    /// The search stopped at [`MAX_ENTRIES`] entries: what it saw is not everything.
    cut_short: bool,
}

impl Seen {
    /// Every event file under `root` (as [`find_event_files`] without `since`), and what was
    /// listed to find them.
    #[must_use]
    pub fn search(root: &Path) -> Self {
        let mut found = Found::default();
        let mut seen = Self::default();
        let mut count = 0usize;
        walk(vec![root.to_owned()], None, &mut count, &mut found, &mut |dir| seen.dirs.push(dir.to_owned()), &|_| {
            false
        });
        seen.files = found.files;
        seen.cut_short = found.cut_short;
        seen
    }

    /// The event files it saw.
    #[must_use]
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Whether it saw the whole tree, so that [`find_changed_event_files`] can start from it:
    /// not when it was cut short, nor when the root could not be listed (a `--tensorboard`
    /// directory the command makes).
    #[must_use]
    pub fn is_whole(&self) -> bool {
        !self.cut_short && !self.dirs.is_empty()
    }
}

/// Event files modified at or after `since` under the directories `seen` listed, as
/// [`find_event_files`] would find them under the same root, found with one `stat` per
/// directory instead of a listing: a directory whose entries changed (a file or directory made,
/// removed or renamed in it) has a modification time at or after `since`, and only it is
/// listed again, new directories in it searched whole; a file appended to has a new time of
/// its own. At the end of a run this is most of the cost of finding its event files, for a
/// working tree the run left as it was. `seen` must be whole ([`Seen::is_whole`]).
#[must_use]
pub fn find_changed_event_files(seen: &Seen, since: SystemTime) -> Found {
    let known: std::collections::HashSet<&Path> = seen.dirs.iter().map(PathBuf::as_path).collect();
    let changed = |path: &Path| {
        std::fs::symlink_metadata(path).ok().filter(std::fs::Metadata::is_dir).and_then(|m| m.modified().ok())
    };
    let mut found = Found::default();
    let mut count = 0usize;
    // Directories whose entries changed: listed again; below them, only new directories.
    let relist: Vec<PathBuf> =
        seen.dirs.iter().filter(|dir| changed(dir).is_some_and(|modified| modified >= since)).cloned().collect();
    walk(relist, Some(since), &mut count, &mut found, &mut |_| {}, &|dir| known.contains(dir));
    // Event files seen before, appended to or rewritten in place (their directory unchanged).
    for file in &seen.files {
        if std::fs::metadata(file).and_then(|m| m.modified()).is_ok_and(|modified| modified >= since) {
            found.files.push(file.clone());
        }
    }
    found.files.sort();
    found.files.dedup();
    found
}

fn modified_since(entry: &std::fs::DirEntry, since: SystemTime) -> bool {
    entry.metadata().and_then(|m| m.modified()).is_ok_and(|modified| modified >= since)
}

/// Lists the directories of `stack` and those below them (not `.git`, not through symbolic
/// links, not those `skip` names), adding event files (modified at or after `since`, if given)
/// to `found`, until `count` passes [`MAX_ENTRIES`]. `on_dir` is told each directory listed.
fn walk(
    mut stack: Vec<PathBuf>,
    since: Option<SystemTime>,
    count: &mut usize,
    found: &mut Found,
    on_dir: &mut dyn FnMut(&Path),
    skip: &dyn Fn(&Path) -> bool,
) {
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        on_dir(&dir);
        for entry in entries.flatten() {
            *count += 1;
            if *count > MAX_ENTRIES {
                found.cut_short = true;
                return;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name();
            if kind.is_dir() {
                let path = entry.path();
                if name != ".git" && !skip(&path) {
                    stack.push(path);
                }
            } else if kind.is_file()
                && is_event_file(&name.to_string_lossy())
                && since.is_none_or(|since| modified_since(&entry, since))
            {
                found.files.push(entry.path());
            }
        }
    }
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

    #[test]
    fn changed_event_files_are_found_without_listing_unchanged_directories() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        write("a/events.out.tfevents.old", "old");
        write("a/b/notes.txt", "");
        write("c/notes.txt", "");
        write("gone/events.out.tfevents.x", "");
        // Everything an hour old, directories too: as a tree the run did not touch.
        #[allow(clippy::disallowed_methods)]
        let now = SystemTime::now();
        let hour_ago = now - std::time::Duration::from_secs(3600);
        for path in [
            "",
            "a",
            "a/b",
            "c",
            "gone",
            "a/events.out.tfevents.old",
            "a/b/notes.txt",
            "c/notes.txt",
            "gone/events.out.tfevents.x",
        ] {
            std::fs::File::open(root.join(path)).and_then(|f| f.set_modified(hour_ago)).expect("set the time");
        }
        let seen = Seen::search(root);
        assert!(seen.is_whole());
        assert!(!Seen::search(&root.join("missing")).is_whole());
        assert_eq!(seen.files().len(), 2);
        let since = now - std::time::Duration::from_secs(2);
        assert!(find_changed_event_files(&seen, since).files.is_empty(), "nothing changed");

        // Appended to in place (its directory unchanged), made in an old directory, made in a new
        // directory two levels down, and a directory removed.
        std::fs::OpenOptions::new()
            .append(true)
            .open(root.join("a/events.out.tfevents.old"))
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"more"))
            .expect("append");
        write("c/events.out.tfevents.new", "");
        write("a/b/new/deep/events.out.tfevents.deep", "");
        std::fs::remove_dir_all(root.join("gone")).expect("rm");
        let found = find_changed_event_files(&seen, since);
        let names: Vec<String> = found.files.iter().map(|f| relative(root, f)).collect();
        assert_eq!(
            names,
            ["a/b/new/deep/events.out.tfevents.deep", "a/events.out.tfevents.old", "c/events.out.tfevents.new"]
        );
        assert_eq!(found.files, find_event_files(root, Some(since)).files, "as a whole search finds them");
    }
}
