//! Differences between two trees (which files changed) and between two texts (unified diffs).

use std::collections::BTreeMap;

use gix::bstr::ByteSlice as _;
use gix::objs::tree::EntryKind;

use super::{Error, Oid, Repo, Result};

/// One side of a changed path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffEntry {
    pub id: Oid,
    pub kind: FileKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Executable,
    Link,
    /// A submodule: `id` is the commit it points at.
    Submodule,
}

/// A path whose content differs between two trees; `None` on the side where it is absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeChange {
    pub path: String,
    pub old: Option<DiffEntry>,
    pub new: Option<DiffEntry>,
}

impl Repo {
    /// Lists the files that differ between trees `old` and `new`, sorted by path, leaving out
    /// every path equal to or below one of `exclude`. Subtrees with the same id on both sides
    /// are not read, so a small change in a large repository costs little.
    pub fn diff_trees(&self, old: Oid, new: Oid, exclude: &[&str]) -> Result<Vec<TreeChange>> {
        let mut out = Vec::new();
        self.diff_subtrees(Some(old), Some(new), "", exclude, &mut out)?;
        Ok(out)
    }

    fn diff_subtrees(
        &self,
        old: Option<Oid>,
        new: Option<Oid>,
        prefix: &str,
        exclude: &[&str],
        out: &mut Vec<TreeChange>,
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        let old_entries = old.map(|id| self.tree_entries(id)).transpose()?.unwrap_or_default();
        let new_entries = new.map(|id| self.tree_entries(id)).transpose()?.unwrap_or_default();
        let mut names: Vec<&String> = old_entries.keys().chain(new_entries.keys()).collect();
        names.sort();
        names.dedup();
        for name in names {
            let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
            if exclude.iter().any(|e| path == *e || path.strip_prefix(e).is_some_and(|rest| rest.starts_with('/'))) {
                continue;
            }
            let (a, b) = (old_entries.get(name).copied(), new_entries.get(name).copied());
            if a == b {
                continue;
            }
            // A directory on one side and a file on the other: the files below the directory
            // are added or removed, and the file is added or removed.
            let tree = |e: Option<(EntryKind, Oid)>| e.filter(|(k, _)| *k == EntryKind::Tree).map(|(_, id)| id);
            let file = |e: Option<(EntryKind, Oid)>| e.and_then(|(k, id)| Some(DiffEntry { id, kind: file_kind(k)? }));
            if tree(a).is_some() || tree(b).is_some() {
                self.diff_subtrees(tree(a), tree(b), &path, exclude, out)?;
            }
            let (fa, fb) = (file(a), file(b));
            if fa.is_some() || fb.is_some() {
                out.push(TreeChange { path, old: fa, new: fb });
            }
        }
        if prefix.is_empty() {
            out.sort_by(|x, y| x.path.cmp(&y.path));
        }
        Ok(())
    }

    /// Returns true in a shallow clone, whose history stops short of the first commit.
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow().unwrap_or(false)
    }

    /// Returns the tree at `path` inside `tree`, if there is a directory there.
    pub fn subtree(&self, tree: Oid, path: &str) -> Result<Option<Oid>> {
        let tree_obj = self.repo.find_tree(tree).map_err(|e| Error::git(format!("cannot read tree {tree}"), &e))?;
        let entry =
            tree_obj.lookup_entry_by_path(path).map_err(|e| Error::git(format!("cannot look up `{path}`"), &e))?;
        Ok(entry.filter(|e| e.mode().kind() == EntryKind::Tree).map(|e| e.object_id()))
    }

    fn tree_entries(&self, id: Oid) -> Result<BTreeMap<String, (EntryKind, Oid)>> {
        let tree = self.repo.find_tree(id).map_err(|e| Error::git(format!("cannot read tree {id}"), &e))?;
        let decoded = tree.decode().map_err(|e| Error::git(format!("cannot decode tree {id}"), &e))?;
        Ok(decoded
            .entries
            .iter()
            .map(|e| (e.filename.to_str_lossy().into_owned(), (e.mode.kind(), e.oid.to_owned())))
            .collect())
    }
}

fn file_kind(kind: EntryKind) -> Option<FileKind> {
    match kind {
        EntryKind::Blob => Some(FileKind::File),
        EntryKind::BlobExecutable => Some(FileKind::Executable),
        EntryKind::Link => Some(FileKind::Link),
        EntryKind::Commit => Some(FileKind::Submodule),
        EntryKind::Tree => None,
    }
}

/// A unified diff of two texts, with its line counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextDiff {
    /// `--- a/path`, `+++ b/path` and the hunks; empty when the texts are equal.
    pub patch: String,
    pub insertions: usize,
    pub deletions: usize,
}

/// Returns the unified diff (3 lines of context) from `old` to `new`, labelled with git's
/// `a/`/`b/` names, or `/dev/null` for a side that does not exist.
pub fn unified_diff(old: Option<&str>, new: Option<&str>, path: &str) -> TextDiff {
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        // Pathological inputs (huge generated files) give up on minimality rather than time.
        .timeout(std::time::Duration::from_secs(2))
        .diff_lines(old.unwrap_or(""), new.unwrap_or(""));
    let (mut insertions, mut deletions) = (0, 0);
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => insertions += 1,
            similar::ChangeTag::Delete => deletions += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    if insertions == 0 && deletions == 0 {
        return TextDiff { patch: String::new(), insertions, deletions };
    }
    let label = |side: Option<&str>, prefix: &str| match side {
        Some(_) => format!("{prefix}/{path}"),
        None => "/dev/null".to_owned(),
    };
    let patch = diff.unified_diff().context_radius(3).header(&label(old, "a"), &label(new, "b")).to_string();
    TextDiff { patch, insertions, deletions }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::TreeEdit;

    #[test]
    fn tree_diff_skips_excluded_paths_and_handles_type_changes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let status = std::process::Command::new("git").args(["init", "-q"]).current_dir(dir.path()).status();
        assert!(status.expect("git runs").success());
        let repo = Repo::discover(dir.path()).expect("repo opens");
        let blob = |text: &str| repo.write_blob(text.as_bytes()).expect("blob");
        let file = |path: &str, text: &str| TreeEdit::File { path: path.into(), blob: blob(text) };
        let old = repo
            .write_tree(
                repo.empty_tree(),
                &[
                    file("a.txt", "a"),
                    file("dir/b.txt", "b"),
                    file("dir/sub/c.txt", "c"),
                    file("x", "file"),
                    file(".git-exp/run.toml", "1"),
                ],
            )
            .expect("tree");
        let new = repo
            .write_tree(
                old,
                &[
                    file("a.txt", "a2"),
                    TreeEdit::Remove { path: "dir/sub".into() },
                    TreeEdit::Remove { path: "x".into() },
                    file("x/y.txt", "y"),
                    file(".git-exp/run.toml", "2"),
                    file("new.txt", "n"),
                ],
            )
            .expect("tree");
        let changes = repo.diff_trees(old, new, &[".git-exp"]).expect("diff");
        let summary: Vec<String> = changes
            .iter()
            .map(|c| {
                format!(
                    "{}{}{}",
                    c.path,
                    if c.old.is_some() { " old" } else { "" },
                    if c.new.is_some() { " new" } else { "" }
                )
            })
            .collect();
        assert_eq!(summary, ["a.txt old new", "dir/sub/c.txt old", "new.txt new", "x old", "x/y.txt new"]);
        assert!(repo.diff_trees(old, old, &[]).expect("diff").is_empty());
        assert_eq!(repo.diff_trees(old, new, &[]).expect("diff").len(), 6, "the record counts when not excluded");
        assert!(repo.subtree(new, "dir").expect("lookup").is_some());
        assert_eq!(repo.subtree(new, "a.txt").expect("lookup"), None);
    }

    #[test]
    fn unified_diff_of_changed_added_and_equal_texts() {
        let changed = unified_diff(Some("a\nb\nc\n"), Some("a\nB\nc\nd\n"), "x.py");
        assert_eq!(changed.patch, "--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n");
        assert_eq!((changed.insertions, changed.deletions), (2, 1));
        let added = unified_diff(None, Some("new\n"), "n.py");
        assert_eq!(added.patch, "--- /dev/null\n+++ b/n.py\n@@ -0,0 +1 @@\n+new\n");
        let same = unified_diff(Some("same\n"), Some("same\n"), "s.py");
        assert_eq!(same, TextDiff { patch: String::new(), insertions: 0, deletions: 0 });
        let no_newline = unified_diff(Some("a"), Some("b"), "t");
        assert!(no_newline.patch.contains("\\ No newline at end of file"), "{}", no_newline.patch);
    }
}
