//! The code difference between two runs: their snapshots compared file by file, leaving out
//! the record in `.git-exp/`.

use serde::Serialize;

use crate::notebook;
use crate::store::Store;
use crate::store::record::RECORD_DIR;
use crate::store::{DiffEntry, FileKind, Oid, Run, TreeChange, unified_diff};

/// Files bigger than this are summarised, not diffed: a diff of them would not be read.
const MAX_DIFF_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Default)]
pub struct CodeOptions {
    /// Leave out the unified patches (`--stat`); line counts are still worked out.
    pub stat_only: bool,
}

/// The changed files, and the total lines added and removed in text files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CodeDiff {
    pub files: Vec<FileDiff>,
    pub insertions: usize,
    pub deletions: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Added,
    Deleted,
    Modified,
}

/// One changed file.
#[derive(Debug, Clone, Serialize)]
pub struct FileDiff {
    pub path: String,
    pub status: FileStatus,
    pub insertions: usize,
    pub deletions: usize,
    pub binary: bool,
    /// Shown in place of line counts: why there is no patch (binary, too large, not in this
    /// clone, submodule, mode change), or what happened to a notebook's cells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The unified diff (for a notebook, the notebook diff by cell), empty with `--stat` or when
    /// there is nothing to show.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub patch: String,
}

/// Compares the code snapshots of two runs.
pub fn diff_code(store: &Store, a: &Run, b: &Run, options: &CodeOptions) -> anyhow::Result<CodeDiff> {
    let tree_a = store.run_tree(a)?;
    let tree_b = store.run_tree(b)?;
    diff_tree_code(store, tree_a, tree_b, options)
}

/// Compares the code of two trees, leaving out the record (the report compares a run with its
/// base commit this way).
pub fn diff_tree_code(store: &Store, tree_a: Oid, tree_b: Oid, options: &CodeOptions) -> anyhow::Result<CodeDiff> {
    let changes = store.diff_trees(tree_a, tree_b, &[RECORD_DIR])?;
    let mut diff = CodeDiff::default();
    for change in changes {
        let file = file_diff(store, change, options);
        diff.insertions += file.insertions;
        diff.deletions += file.deletions;
        diff.files.push(file);
    }
    Ok(diff)
}

fn file_diff(store: &Store, change: TreeChange, options: &CodeOptions) -> FileDiff {
    let status = match (&change.old, &change.new) {
        (None, _) => FileStatus::Added,
        (_, None) => FileStatus::Deleted,
        _ => FileStatus::Modified,
    };
    let mut file = FileDiff {
        path: change.path,
        status,
        insertions: 0,
        deletions: 0,
        binary: false,
        note: None,
        patch: String::new(),
    };
    if let Some(note) = submodule_note(change.old, change.new) {
        file.note = Some(note);
        return file;
    }
    // Sizes from the object headers first, so that a file too large to diff (a 500 MB model) is
    // never read; a header that cannot be read (a partial clone) leaves it to the read below.
    let header_size = |side: &Option<DiffEntry>| side.as_ref().map_or(Some(0), |e| store.blob_size(e.id));
    if let [Some(old), Some(new)] = [header_size(&change.old), header_size(&change.new)]
        && (old > MAX_DIFF_BYTES as u64 || new > MAX_DIFF_BYTES as u64)
    {
        file.note = Some(format!("too large to diff ({old} → {new} bytes)"));
        return file;
    }
    let read = |side: Option<DiffEntry>| side.map(|e| store.read_blob(e.id)).transpose();
    // A partial clone may lack blobs: say so rather than fail the whole diff.
    let (Ok(old), Ok(new)) = (read(change.old), read(change.new)) else {
        file.note = Some("content not in this clone".into());
        return file;
    };
    let sizes = [&old, &new].map(|s| s.as_ref().map_or(0, Vec::len));
    if sizes.iter().any(|&n| n > MAX_DIFF_BYTES) {
        file.note = Some(format!("too large to diff ({} → {} bytes)", sizes[0], sizes[1]));
        return file;
    }
    if let (Some(old), Some(new)) = (&old, &new)
        && file.path.ends_with(".ipynb")
        && let Some((summary, patch)) = notebook_diff(&file.path, old, new)
    {
        file.insertions = count_lines(&patch, '+');
        file.deletions = count_lines(&patch, '-');
        file.note = Some(summary);
        if !options.stat_only {
            file.patch = patch;
        }
        return file;
    }
    // An absent side is an empty text; a binary side makes the whole file binary.
    let (Some(old_text), Some(new_text)) = (text_of(old.as_deref()), text_of(new.as_deref())) else {
        file.binary = true;
        file.note = Some(format!("binary file ({} → {} bytes)", sizes[0], sizes[1]));
        return file;
    };
    let text_diff = unified_diff(
        old.is_some().then_some(old_text.as_str()),
        new.is_some().then_some(new_text.as_str()),
        &file.path,
    );
    file.insertions = text_diff.insertions;
    file.deletions = text_diff.deletions;
    if text_diff.patch.is_empty() {
        file.note = Some("file mode changed".into());
    } else if !options.stat_only {
        file.patch = text_diff.patch;
    }
    file
}

/// Diffs two notebooks cell by cell through the notebook engine (the JSON lines would mostly
/// show execution counts and outputs); `None` if either side does not parse as a notebook.
fn notebook_diff(path: &str, old: &[u8], new: &[u8]) -> Option<(String, String)> {
    let (old, new) = (notebook::parse(old).ok()?, notebook::parse(new).ok()?);
    let diff = notebook::diff(&old, &new, &notebook::Options::default());
    if !diff.has_changes() {
        return Some(("notebook: no change beyond execution counts and volatile metadata".into(), String::new()));
    }
    let s = diff.summary();
    let counts = [(s.modified, "modified"), (s.added, "added"), (s.deleted, "deleted"), (s.moved, "moved")];
    let parts: Vec<String> = counts.iter().filter(|(n, _)| *n > 0).map(|(n, what)| format!("{n} {what}")).collect();
    let summary = if parts.is_empty() {
        "notebook: metadata changed".to_owned()
    } else {
        format!("notebook cells: {}", parts.join(", "))
    };
    let labels = notebook::Labels { old: format!("a/{path}"), new: format!("b/{path}") };
    let mut patch = Vec::new();
    notebook::render_terminal(&diff, &labels, &notebook::Palette::default(), &mut patch).ok()?;
    Some((summary, String::from_utf8_lossy(&patch).into_owned()))
}

/// Counts the lines of a patch that start with `sign`, leaving out the `---`/`+++` headers.
fn count_lines(patch: &str, sign: char) -> usize {
    patch.lines().filter(|l| l.starts_with(sign) && !l.starts_with("---") && !l.starts_with("+++")).count()
}

/// Text of a file (empty when absent), or `None` for binary content: a NUL byte in the first
/// 8000 bytes, as git decides.
fn text_of(bytes: Option<&[u8]>) -> Option<String> {
    let bytes = bytes.unwrap_or_default();
    if bytes.iter().take(8000).any(|&b| b == 0) {
        return None;
    }
    Some(String::from_utf8_lossy(bytes).into_owned())
}

fn submodule_note(old: Option<DiffEntry>, new: Option<DiffEntry>) -> Option<String> {
    let commit = |e: Option<DiffEntry>| e.filter(|e| e.kind == FileKind::Submodule).map(|e| short(&e.id.to_string()));
    match (commit(old), commit(new)) {
        (None, None) => None,
        (a, b) => {
            Some(format!("submodule {} → {}", a.unwrap_or_else(|| "none".into()), b.unwrap_or_else(|| "none".into())))
        }
    }
}

/// The first 7 characters of a commit id, as git shows them.
pub fn short(hex: &str) -> String {
    hex.chars().take(7).collect()
}
