//! The run page's code and notebook sections: the snapshot against its base commit, through the
//! diff module (unified patches; notebooks cell by cell) and the notebook engine (each changed
//! notebook rendered and diffed on a page of its own).

use serde::Serialize;

use super::{Context, Error};
use crate::diff::{CodeOptions, FileStatus, diff_tree_code};
use crate::notebook;
use crate::store::Oid;
use crate::store::{Run, Store};

/// A run page shows at most this many patch lines; the rest is `git diff` away.
const MAX_PATCH_LINES: usize = 4000;

#[derive(Debug, Default, Serialize)]
pub struct CodeView {
    pub files: Vec<FileView>,
    pub insertions: usize,
    pub deletions: usize,
    /// Why there is nothing (or not everything) to show.
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

#[derive(Serialize)]
struct NotebookPage<'a> {
    site: &'a super::SiteInfo,
    root: &'static str,
    canonical: Option<String>,
    run_id: &'a str,
    run_name: &'a str,
    path: &'a str,
    fragment: String,
}

/// The base commit's tree, or why there is none to compare with.
fn base_tree(store: &Store, run: &Run) -> Result<Oid, String> {
    let base = store.base(run).map_err(|e| e.to_string())?;
    base.tree(store).ok_or_else(|| base.note().unwrap_or_default())
}

/// Returns the code section and the notebook list of a run page, writing a page per changed
/// notebook (`runs/<id>/notebook-<n>.html`) and adding it to `files`.
pub fn sections(
    ctx: &Context<'_>,
    store: &Store,
    run: &Run,
    tree: Oid,
    files: &mut Vec<String>,
) -> Result<(CodeView, Vec<NotebookView>), Error> {
    let base = match base_tree(store, run) {
        Ok(base) => base,
        Err(note) => return Ok((CodeView { note: Some(note), ..CodeView::default() }, Vec::new())),
    };
    let id = run.id().as_str();
    let old_label = run.record.base.as_deref().map_or("(empty)".to_owned(), |b| b[..b.len().min(12)].to_owned());
    let sides = Sides {
        trees: (base, tree),
        labels: (old_label, format!("run {id}")),
        run: (id, run.record.name.as_str()),
        pages: (format!("runs/{id}/notebook-"), format!("{id}/notebook-")),
    };
    between(ctx, store, &sides, files)
}

/// Two trees to diff, for a page: their labels in notebook diffs, the run the page is about
/// (id, name), and where notebook pages go (the path prefix, and the link prefix from the page).
pub struct Sides<'a> {
    pub trees: (Oid, Oid),
    pub labels: (String, String),
    pub run: (&'a str, &'a str),
    pub pages: (String, String),
}

/// The code diff from one tree to another, through the diff module, with a page for each
/// notebook that differs (rendered cell by cell by the notebook engine).
pub fn between(
    ctx: &Context<'_>,
    store: &Store,
    sides: &Sides<'_>,
    files: &mut Vec<String>,
) -> Result<(CodeView, Vec<NotebookView>), Error> {
    let (base, tree) = sides.trees;
    let diff = diff_tree_code(store, base, tree, &CodeOptions::default())
        .map_err(|e| Error::Template(format!("cannot diff run {}: {e}", sides.run.0)))?;
    let mut view = CodeView { insertions: diff.insertions, deletions: diff.deletions, ..CodeView::default() };
    let mut budget = MAX_PATCH_LINES;
    let mut notebooks = Vec::new();
    for file in diff.files {
        let change = match file.status {
            FileStatus::Added => "added",
            FileStatus::Deleted => "deleted",
            FileStatus::Modified => "modified",
        };
        if file.path.ends_with(".ipynb") {
            notebooks.push(notebook_page(ctx, store, sides, &file.path, notebooks.len() + 1, files)?);
        }
        let lines: Vec<&str> = file.patch.lines().collect();
        let shown = lines.len().min(budget);
        budget -= shown;
        let note = match (file.note, shown < lines.len()) {
            (note, false) => note,
            (_, true) => Some(format!("{} more lines not shown: git diff shows them", lines.len() - shown)),
        };
        let patch = lines[..shown].iter().map(|l| PatchLine { kind: line_kind(l), text: (*l).to_owned() }).collect();
        view.files.push(FileView { change, path: file.path, note, patch });
    }
    Ok((view, notebooks))
}

fn line_kind(line: &str) -> &'static str {
    if line.starts_with("+++") || line.starts_with("---") {
        "header"
    } else if line.starts_with('+') {
        "add"
    } else if line.starts_with('-') {
        "remove"
    } else if line.starts_with("@@") {
        "hunk"
    } else {
        "context"
    }
}

/// Renders one notebook of `sides` (an added notebook against an empty one) through the
/// notebook engine, on a page of its own. HTML outputs stay in sandboxed frames.
fn notebook_page(
    ctx: &Context<'_>,
    store: &Store,
    sides: &Sides<'_>,
    path: &str,
    n: usize,
    files: &mut Vec<String>,
) -> Result<NotebookView, Error> {
    const EMPTY: &[u8] = br#"{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#;
    let (base, tree) = sides.trees;
    let (old, new) = (store.read_file(base, path)?, store.read_file(tree, path)?);
    let Some(new) = new else {
        return Ok(NotebookView { path: path.to_owned(), summary: "deleted".into(), href: None });
    };
    let parsed = notebook::parse(old.as_deref().unwrap_or(EMPTY)).and_then(|o| Ok((o, notebook::parse(&new)?)));
    let (old_nb, new_nb) = match parsed {
        Ok(pair) => pair,
        Err(e) => return Ok(NotebookView { path: path.to_owned(), summary: format!("not readable: {e}"), href: None }),
    };
    let diff = notebook::diff(&old_nb, &new_nb, &notebook::Options::default());
    let s = diff.summary();
    let summary = format!(
        "{}: {} added, {} deleted, {} modified, {} unchanged cells",
        if old.is_some() { "modified" } else { "added" },
        s.added,
        s.deleted,
        s.modified,
        s.unchanged
    );
    let labels =
        notebook::Labels { old: format!("{}:{path}", sides.labels.0), new: format!("{}:{path}", sides.labels.1) };
    let page_path = format!("{}{n}.html", sides.pages.0);
    let page = NotebookPage {
        site: ctx.info,
        root: "../../",
        canonical: ctx.canonical(&page_path),
        run_id: sides.run.0,
        run_name: sides.run.1,
        path,
        fragment: notebook::render_html_fragment(&diff, &labels),
    };
    let html = ctx.options.templates.render("notebook.html", &page)?;
    ctx.site.write(&page_path, html.as_bytes())?;
    files.push(page_path);
    Ok(NotebookView { path: path.to_owned(), summary, href: Some(format!("{}{n}.html", sides.pages.1)) })
}
