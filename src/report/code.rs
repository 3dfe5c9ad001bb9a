//! The run page's code and notebook sections: what the snapshot changed against its base.
//!
//! Interim: lists the changed files. The unified patches come from the diff module and the
//! notebook diffs from the notebook engine once those are merged (they are not copied here).

use serde::Serialize;

use crate::git::{FileChange, Oid};
use crate::store::record::RECORD_DIR;
use crate::store::{Run, Store};

#[derive(Debug, Default, Serialize)]
pub struct CodeView {
    pub files: Vec<FileView>,
    pub insertions: usize,
    pub deletions: usize,
    /// Why there is nothing to compare (no base in this clone).
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FileView {
    pub change: &'static str,
    pub path: String,
    pub note: Option<String>,
    pub patch: Vec<PatchLine>,
}

#[derive(Debug, Serialize)]
pub struct PatchLine {
    pub kind: &'static str,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct NotebookView {
    pub path: String,
    pub summary: String,
    pub href: Option<String>,
}

/// The base commit's tree, or why there is none to compare with.
fn base_tree(store: &Store, run: &Run) -> Result<Oid, String> {
    match run.record.base.as_deref() {
        None => Ok(store.repo.empty_tree()),
        Some(base) => match Oid::from_hex(base.as_bytes()).ok().filter(|b| store.repo.has_object(*b)) {
            Some(base) => store.repo.commit_info(base).map(|c| c.tree).map_err(|e| e.to_string()),
            None => Err(format!("The base commit {base} is not in this repository (a shallow clone?).")),
        },
    }
}

/// Returns the code section and the notebook list of a run page.
pub fn sections(store: &Store, run: &Run, tree: Oid) -> Result<(CodeView, Vec<NotebookView>), super::Error> {
    let base = match base_tree(store, run) {
        Ok(base) => base,
        Err(note) => return Ok((CodeView { note: Some(note), ..CodeView::default() }, Vec::new())),
    };
    let changes = store.repo.changed_files(base, tree, RECORD_DIR)?;
    let mut notebooks = Vec::new();
    let files = changes
        .into_iter()
        .map(|(change, path)| {
            let change = match change {
                FileChange::Added => "added",
                FileChange::Modified => "modified",
                FileChange::Deleted => "deleted",
            };
            if path.ends_with(".ipynb") {
                notebooks.push(NotebookView { path: path.clone(), summary: format!("({change})"), href: None });
            }
            FileView { change, path, note: None, patch: Vec::new() }
        })
        .collect();
    Ok((CodeView { files, ..CodeView::default() }, notebooks))
}
