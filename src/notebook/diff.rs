//! The notebook diff: aligned cells in display order, each with what changed in its source,
//! outputs, metadata and execution count. It borrows the notebooks and owns only the line diffs
//! of changed parts, so unchanged cells and images cost nothing beyond a comparison.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::align::{Matching, align};
use super::lines::LineDiff;
use super::model::{Cell, Image, MimeBundle, MimeData, Notebook, Output, OutputKind};
use super::text::{canonical_json, strip_ansi};

/// Which parts of a notebook the diff compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Cell outputs (on by default).
    pub outputs: bool,
    /// Notebook, cell and output metadata, except volatile keys (off by default).
    pub metadata: bool,
    /// Volatile metadata too: kernel, timing, widget state, collapsed/scrolled (off by default).
    pub volatile_metadata: bool,
    /// Execution counts of cells and outputs (off by default).
    pub execution_count: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self { outputs: true, metadata: false, volatile_metadata: false, execution_count: false }
    }
}

/// Notebook-level metadata that changes with every kernel, machine or save, not with content.
const VOLATILE_NOTEBOOK_KEYS: &[&str] =
    &["kernelspec", "language_info", "widgets", "varInspector", "toc", "vscode", "colab", "interpreter"];
/// Cell and output metadata that records view state or timing.
const VOLATILE_CELL_KEYS: &[&str] =
    &["collapsed", "scrolled", "execution", "ExecuteTime", "jupyter", "trusted", "papermill", "vscode", "widgets"];

/// Whether a cell or output was added, deleted, changed or kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Unchanged,
    Added,
    Deleted,
    Modified,
}

/// The diff of two notebooks.
#[derive(Debug)]
pub struct NotebookDiff<'a> {
    pub old: &'a Notebook,
    pub new: &'a Notebook,
    /// Every cell of both notebooks once, in the new notebook's order, deleted cells where
    /// they stood.
    pub cells: Vec<CellDiff<'a>>,
    /// The notebook metadata diff, when metadata is compared and differs.
    pub metadata: Option<LineDiff>,
    /// Differences that the options hid.
    pub ignored: Ignored,
}

/// Counts of cells whose differences the options hid, for a hint such as "execution counts
/// differ; `--include execution-count` shows them".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ignored {
    pub outputs: usize,
    pub metadata: usize,
    pub execution_count: usize,
}

impl Ignored {
    pub fn any(&self) -> bool {
        self.outputs + self.metadata + self.execution_count > 0
    }
}

/// One cell of the diff.
#[derive(Debug)]
pub struct CellDiff<'a> {
    pub status: Status,
    /// True when the cell changed place relative to the other cells (and may also be modified).
    pub moved: bool,
    /// 0-based index and cell in the old notebook.
    pub old: Option<(usize, &'a Cell)>,
    /// 0-based index and cell in the new notebook.
    pub new: Option<(usize, &'a Cell)>,
    /// Source diff, when the source changed.
    pub source: Option<LineDiff>,
    /// The outputs of both sides aligned, when outputs are compared and differ.
    pub outputs: Vec<OutputDiff<'a>>,
    pub metadata: Option<LineDiff>,
    pub attachments_changed: bool,
    /// The attachments that differ, by name: added (no old), deleted (no new) or changed.
    pub attachments: Vec<AttachmentDiff<'a>>,
    /// Old and new cell id, when both sides have one and they differ (the cell was paired by
    /// content).
    pub id: Option<(&'a str, &'a str)>,
    /// Old and new execution counts, when they are compared and differ.
    pub execution_count: Option<(Option<i64>, Option<i64>)>,
    /// The new cell, or the old one if deleted.
    current: &'a Cell,
}

impl<'a> CellDiff<'a> {
    /// The cell as it is now, or as it was if deleted.
    pub fn cell(&self) -> &'a Cell {
        self.current
    }

    /// What happened to the cell in words: `added`, `moved from cell 3 and modified`, ...;
    /// empty for an unchanged cell that stayed in place.
    pub fn describe(&self) -> String {
        match (self.status, self.moved.then_some(self.old).flatten()) {
            (Status::Added, _) => "added".to_owned(),
            (Status::Deleted, _) => "deleted".to_owned(),
            (Status::Modified, Some((from, _))) => format!("moved from cell {} and modified", from + 1),
            (Status::Unchanged, Some((from, _))) => format!("moved from cell {}", from + 1),
            (Status::Modified, None) => "modified".to_owned(),
            (Status::Unchanged, None) => String::new(),
        }
    }

    /// Returns true when the cell appears in a diff listing (changed or moved).
    pub fn is_change(&self) -> bool {
        self.status != Status::Unchanged || self.moved
    }

    pub fn kind_changed(&self) -> bool {
        matches!((self.old, self.new), (Some((_, a)), Some((_, b))) if a.kind != b.kind)
    }
}

/// One attachment of a markdown cell that differs between the sides.
#[derive(Debug)]
pub struct AttachmentDiff<'a> {
    pub name: &'a str,
    pub old: Option<&'a MimeBundle>,
    pub new: Option<&'a MimeBundle>,
}

/// The attachments that differ, in the new cell's order, then the deleted ones.
fn diff_attachments<'a>(old: &'a [(String, MimeBundle)], new: &'a [(String, MimeBundle)]) -> Vec<AttachmentDiff<'a>> {
    let find = |list: &'a [(String, MimeBundle)], name: &str| list.iter().find(|(n, _)| n == name).map(|(_, b)| b);
    let mut out: Vec<AttachmentDiff<'a>> = new
        .iter()
        .filter_map(|(name, bundle)| {
            let before = find(old, name);
            (before != Some(bundle)).then_some(AttachmentDiff { name, old: before, new: Some(bundle) })
        })
        .collect();
    out.extend(old.iter().filter(|(name, _)| find(new, name).is_none()).map(|(name, bundle)| AttachmentDiff {
        name,
        old: Some(bundle),
        new: None,
    }));
    out
}

/// One output of a cell, aligned with its counterpart.
#[derive(Debug)]
pub struct OutputDiff<'a> {
    pub status: Status,
    pub old: Option<(usize, &'a Output)>,
    pub new: Option<(usize, &'a Output)>,
    /// What differs, part by part (empty for unchanged outputs).
    pub parts: Vec<PartDiff<'a>>,
    current: &'a Output,
}

impl<'a> OutputDiff<'a> {
    /// The new output, or the old one if deleted.
    pub fn output(&self) -> &'a Output {
        self.current
    }

    fn added(j: usize, output: &'a Output) -> Self {
        Self { status: Status::Added, old: None, new: Some((j, output)), parts: vec![], current: output }
    }

    fn deleted(i: usize, output: &'a Output) -> Self {
        Self { status: Status::Deleted, old: Some((i, output)), new: None, parts: vec![], current: output }
    }
}

/// A differing part of an output: its text, one mime type, its metadata.
#[derive(Debug)]
pub struct PartDiff<'a> {
    /// `text` (stream), `traceback` (error), a mime type, `metadata` or `execution_count`.
    pub name: String,
    pub change: PartChange<'a>,
}

#[derive(Debug)]
pub enum PartChange<'a> {
    /// Text compared line by line (JSON values pretty-printed with sorted keys first).
    Text(LineDiff),
    /// Binary data compared by digest; `None` on the side that lacks it.
    Binary { old: Option<&'a Image>, new: Option<&'a Image> },
}

/// Diffs two notebooks.
pub fn diff<'a>(old: &'a Notebook, new: &'a Notebook, options: &Options) -> NotebookDiff<'a> {
    let matching = align(&old.cells, &new.cells);
    let mut ignored = Ignored::default();
    let cells = order(&matching)
        .into_iter()
        .filter_map(|(i, j)| {
            let old_cell = i.map(|i| (i, &old.cells[i]));
            let new_cell = j.map(|j| (j, &new.cells[j]));
            let current = new_cell.or(old_cell)?.1;
            let moved = j.is_some_and(|j| matching.moved[j]);
            Some(diff_cell(old_cell, new_cell, current, moved, options, &mut ignored))
        })
        .collect();
    let metadata = compare_metadata(&old.metadata, &new.metadata, VOLATILE_NOTEBOOK_KEYS, options, &mut ignored);
    NotebookDiff { old, new, cells, metadata, ignored }
}

impl NotebookDiff<'_> {
    /// Returns true when the notebooks differ in the compared parts.
    pub fn has_changes(&self) -> bool {
        self.metadata.is_some() || self.cells.iter().any(CellDiff::is_change)
    }

    /// Counts cells by what happened to them.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for cell in &self.cells {
            match cell.status {
                Status::Unchanged => s.unchanged += 1,
                Status::Added => s.added += 1,
                Status::Deleted => s.deleted += 1,
                Status::Modified => s.modified += 1,
            }
            s.moved += usize::from(cell.moved);
        }
        s
    }
}

/// Cell counts of a diff; `moved` overlaps with `modified` and `unchanged`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub added: usize,
    pub deleted: usize,
    pub modified: usize,
    pub moved: usize,
    pub unchanged: usize,
}

/// Lists `(old, new)` index pairs in display order: the new notebook's order, each deleted cell
/// right after the cell that preceded it in the old notebook; moved cells show where they are now.
fn order(matching: &Matching) -> Vec<(Option<usize>, Option<usize>)> {
    let mut out = Vec::with_capacity(matching.old_to_new.len().max(matching.new_to_old.len()));
    let mut next_old = 0;
    let flush = |out: &mut Vec<_>, next_old: &mut usize, until: usize| {
        while *next_old < until {
            if matching.old_to_new[*next_old].is_none() {
                out.push((Some(*next_old), None));
            }
            *next_old += 1;
        }
    };
    for (j, old) in matching.new_to_old.iter().enumerate() {
        if let Some(i) = *old
            && !matching.moved[j]
        {
            flush(&mut out, &mut next_old, i);
            next_old = i + 1;
        }
        out.push((*old, Some(j)));
    }
    flush(&mut out, &mut next_old, matching.old_to_new.len());
    out
}

fn diff_cell<'a>(
    old: Option<(usize, &'a Cell)>,
    new: Option<(usize, &'a Cell)>,
    current: &'a Cell,
    moved: bool,
    options: &Options,
    ignored: &mut Ignored,
) -> CellDiff<'a> {
    let mut diff = CellDiff {
        status: Status::Unchanged,
        moved,
        old,
        new,
        source: None,
        outputs: Vec::new(),
        metadata: None,
        attachments_changed: false,
        attachments: Vec::new(),
        id: None,
        execution_count: None,
        current,
    };
    let (a, b) = match (old, new) {
        (Some((_, a)), Some((_, b))) => (a, b),
        (None, _) => {
            diff.status = Status::Added;
            return diff;
        }
        (_, None) => {
            diff.status = Status::Deleted;
            return diff;
        }
    };
    if a.source != b.source {
        diff.source = Some(LineDiff::new(&a.source, &b.source));
    }
    diff.attachments_changed = a.attachments != b.attachments;
    if diff.attachments_changed {
        diff.attachments = diff_attachments(&a.attachments, &b.attachments);
    }
    if let (Some(x), Some(y)) = (a.id.as_deref(), b.id.as_deref())
        && x != y
    {
        diff.id = Some((x, y));
    }
    if a.outputs != b.outputs {
        if options.outputs {
            diff.outputs = diff_outputs(&a.outputs, &b.outputs, options);
        }
        // Outputs that differ only in ignored parts (execution counts, metadata) produce no parts.
        if !diff.outputs.iter().any(|o| o.status != Status::Unchanged) {
            diff.outputs.clear();
            ignored.outputs += usize::from(!options.outputs);
        }
    }
    if a.execution_count != b.execution_count {
        if options.execution_count {
            diff.execution_count = Some((a.execution_count, b.execution_count));
        } else {
            ignored.execution_count += 1;
        }
    }
    diff.metadata = compare_metadata(&a.metadata, &b.metadata, VOLATILE_CELL_KEYS, options, ignored);
    let changed = diff.source.is_some()
        || a.kind != b.kind
        || diff.attachments_changed
        || diff.id.is_some()
        || !diff.outputs.is_empty()
        || diff.metadata.is_some()
        || diff.execution_count.is_some();
    if changed {
        diff.status = Status::Modified;
    }
    diff
}

/// Drops volatile keys unless asked for; borrows when there is nothing to drop.
fn filter_metadata<'m>(
    metadata: &'m Map<String, Value>,
    volatile: &[&str],
    options: &Options,
) -> Cow<'m, Map<String, Value>> {
    if options.volatile_metadata || !volatile.iter().any(|k| metadata.contains_key(*k)) {
        return Cow::Borrowed(metadata);
    }
    Cow::Owned(
        metadata.iter().filter(|(k, _)| !volatile.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect(),
    )
}

/// Diffs two metadata maps as the options ask; a difference they hide is counted in `ignored`.
fn compare_metadata(
    a: &Map<String, Value>,
    b: &Map<String, Value>,
    volatile: &[&str],
    options: &Options,
    ignored: &mut Ignored,
) -> Option<LineDiff> {
    if a == b {
        return None;
    }
    let (a, b) = (filter_metadata(a, volatile, options), filter_metadata(b, volatile, options));
    if !options.metadata || a == b {
        ignored.metadata += 1;
        return None;
    }
    let text =
        |m: &Map<String, Value>| if m.is_empty() { String::new() } else { canonical_json(&Value::Object(m.clone())) };
    Some(LineDiff::new(&text(&a), &text(&b)))
}

/// Aligns two output lists (equal outputs first, then same-type outputs in order) and diffs
/// the pairs part by part.
fn diff_outputs<'a>(old: &'a [Output], new: &'a [Output], options: &Options) -> Vec<OutputDiff<'a>> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let equal = equal_pairs(old, new);
    for (ei, ej) in equal.into_iter().chain([(old.len(), new.len())]) {
        // The gap before this pair: same-type outputs pair up in order, the rest come and go.
        while i < ei || j < ej {
            if i < ei && j < ej && same_kind(&old[i], &new[j]) {
                out.push(diff_output((i, &old[i]), (j, &new[j]), options));
                i += 1;
                j += 1;
            } else if i < ei {
                out.push(OutputDiff::deleted(i, &old[i]));
                i += 1;
            } else {
                out.push(OutputDiff::added(j, &new[j]));
                j += 1;
            }
        }
        if ei < old.len() && ej < new.len() {
            out.push(diff_output((ei, &old[ei]), (ej, &new[ej]), options));
            i = ei + 1;
            j = ej + 1;
        }
    }
    out
}

/// Longest common subsequence of equal outputs. Cells have few outputs; past a size where the
/// table would be costly, outputs are paired by position only.
fn equal_pairs(old: &[Output], new: &[Output]) -> Vec<(usize, usize)> {
    let (n, m) = (old.len(), new.len());
    if n * m > 10_000 {
        return Vec::new();
    }
    let mut table = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[at(i, j)] = if old[i] == new[j] {
                table[at(i + 1, j + 1)] + 1
            } else {
                table[at(i + 1, j)].max(table[at(i, j + 1)])
            };
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if old[i] == new[j] {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if table[at(i + 1, j)] >= table[at(i, j + 1)] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

fn same_kind(a: &Output, b: &Output) -> bool {
    match (&a.kind, &b.kind) {
        (OutputKind::Stream { name: x, .. }, OutputKind::Stream { name: y, .. }) => x == y,
        _ => a.output_type() == b.output_type(),
    }
}

fn diff_output<'a>(old: (usize, &'a Output), new: (usize, &'a Output), options: &Options) -> OutputDiff<'a> {
    let (a, b) = (old.1, new.1);
    let mut parts = Vec::new();
    let mut text_part = |name: &str, x: &str, y: &str| {
        if x != y {
            let diff = LineDiff::new(&strip_ansi(x), &strip_ansi(y));
            parts.push(PartDiff { name: name.to_owned(), change: PartChange::Text(diff) });
        }
    };
    match (&a.kind, &b.kind) {
        (OutputKind::Stream { text: x, .. }, OutputKind::Stream { text: y, .. }) => text_part("text", x, y),
        (OutputKind::Error { .. }, OutputKind::Error { .. }) => text_part("traceback", &error_text(a), &error_text(b)),
        (OutputKind::Other { fields: x, .. }, OutputKind::Other { fields: y, .. }) if x != y => {
            text_part("fields", &canonical_json(x), &canonical_json(y));
        }
        _ => {}
    }
    for (mime, data) in &a.data.0 {
        match b.data.get(mime) {
            Some(other) if other == data => {}
            other => parts.push(mime_part(mime, Some(data), other)),
        }
    }
    for (mime, data) in &b.data.0 {
        if a.data.get(mime).is_none() {
            parts.push(mime_part(mime, None, Some(data)));
        }
    }
    if options.execution_count && a.execution_count != b.execution_count {
        let show = |c: Option<i64>| c.map_or_else(|| "null".to_owned(), |c| c.to_string());
        let diff = LineDiff::new(&show(a.execution_count), &show(b.execution_count));
        parts.push(PartDiff { name: "execution_count".into(), change: PartChange::Text(diff) });
    }
    // Hidden output metadata is not counted: the cell's outputs are, as one difference.
    if let Some(diff) = compare_metadata(&a.metadata, &b.metadata, VOLATILE_CELL_KEYS, options, &mut Ignored::default())
    {
        parts.push(PartDiff { name: "metadata".into(), change: PartChange::Text(diff) });
    }
    let status = if parts.is_empty() { Status::Unchanged } else { Status::Modified };
    OutputDiff { status, old: Some(old), new: Some(new), parts, current: new.1 }
}

fn mime_part<'a>(mime: &str, old: Option<&'a MimeData>, new: Option<&'a MimeData>) -> PartDiff<'a> {
    let image = |d: Option<&'a MimeData>| match d {
        Some(MimeData::Image(image)) => Some(image),
        _ => None,
    };
    let change = if image(old).is_some() || image(new).is_some() {
        PartChange::Binary { old: image(old), new: image(new) }
    } else {
        let text = |d: Option<&MimeData>| match d {
            Some(data) => mime_text(data).into_owned(),
            None => String::new(),
        };
        PartChange::Text(LineDiff::new(&strip_ansi(&text(old)), &strip_ansi(&text(new))))
    };
    PartDiff { name: mime.to_owned(), change }
}

/// The text a mime value is compared and shown as.
pub fn mime_text(data: &MimeData) -> Cow<'_, str> {
    match data {
        MimeData::Text(text) => Cow::Borrowed(text),
        MimeData::Json(value) => Cow::Owned(canonical_json(value)),
        MimeData::Image(image) => Cow::Owned(format!("<{} bytes of base64>", image.base64_len)),
    }
}

/// An error output as text: the traceback, headed by `ename: evalue` unless the traceback
/// already says it (Python's always ends with that line; printing it twice is noise).
pub fn error_text(output: &Output) -> String {
    let OutputKind::Error { ename, evalue, traceback } = &output.kind else {
        return String::new();
    };
    let head = format!("{ename}: {evalue}");
    let said = traceback.iter().any(|t| strip_ansi(t).lines().any(|l| l.trim_end() == head.trim_end()));
    let mut lines: Vec<&str> = Vec::with_capacity(traceback.len() + 1);
    if !said {
        lines.push(&head);
    }
    lines.extend(traceback.iter().map(String::as_str));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notebook::parse;

    fn notebook(cells: &str) -> Notebook {
        parse(format!(r#"{{"nbformat": 4, "nbformat_minor": 4, "metadata": {{}}, "cells": [{cells}]}}"#).as_bytes())
            .expect("test notebook parses")
    }

    fn code(source: &str, count: u32, stdout: &str) -> String {
        format!(
            r#"{{"cell_type": "code", "source": "{source}", "execution_count": {count}, "metadata": {{"scrolled": {}}},
                "outputs": [{{"output_type": "stream", "name": "stdout", "text": "{stdout}"}}]}}"#,
            count.is_multiple_of(2)
        )
    }

    /// Lists cells as `old->new status` in display order.
    fn show(diff: &NotebookDiff<'_>) -> Vec<String> {
        let side = |s: Option<(usize, &Cell)>| s.map_or("_".to_owned(), |(i, _)| i.to_string());
        diff.cells
            .iter()
            .map(|c| format!("{}->{} {:?}{}", side(c.old), side(c.new), c.status, if c.moved { "*" } else { "" }))
            .collect()
    }

    #[test]
    fn deleted_cells_show_where_they_stood() {
        let old = notebook(&[code("a = 1", 1, ""), code("gone()", 2, ""), code("b = 2", 3, "")].join(","));
        let new = notebook(&[code("a = 1", 1, ""), code("b = 2", 3, ""), code("new()", 4, "")].join(","));
        let diff = diff(&old, &new, &Options::default());
        assert_eq!(show(&diff), ["0->0 Unchanged", "1->_ Deleted", "2->1 Unchanged", "_->2 Added"]);
        assert_eq!(diff.summary(), Summary { added: 1, deleted: 1, modified: 0, moved: 0, unchanged: 2 });
    }

    #[test]
    fn noise_is_counted_not_shown() {
        let old = notebook(&code("x = 1", 1, "1"));
        let new = notebook(&code("x = 1", 2, "1"));
        let quiet = diff(&old, &new, &Options::default());
        assert!(!quiet.has_changes());
        assert_eq!(quiet.ignored, Ignored { outputs: 0, metadata: 1, execution_count: 1 });
        let all = Options { outputs: true, metadata: true, volatile_metadata: true, execution_count: true };
        let loud = diff(&old, &new, &all);
        assert_eq!(show(&loud), ["0->0 Modified"]);
        assert_eq!(loud.cells[0].execution_count, Some((Some(1), Some(2))));
        assert!(loud.cells[0].metadata.is_some(), "scrolled is volatile, shown with --include all");

        let changed_output = notebook(&code("x = 1", 1, "2"));
        let no_outputs = Options { outputs: false, ..Options::default() };
        let hidden = diff(&old, &changed_output, &no_outputs);
        assert!(!hidden.has_changes());
        assert_eq!(hidden.ignored.outputs, 1);
    }
}
