//! `--format json`: the diff as a stable JSON document for scripts (schema in docs/NBDIFF.md).
//! Unchanged cells are counted, not listed; text changes are unified-diff hunks.

use serde_json::{Map, Value, json};

use super::Labels;
use super::diff::{CellDiff, NotebookDiff, OutputDiff, PartChange, Status};
use super::lines::LineDiff;
use super::model::{Image, MimeBundle, MimeData, Output, OutputKind};
use sha2::{Digest as _, Sha256};

/// Context lines kept in JSON hunks, as in `git diff`.
const CONTEXT: usize = 3;

/// Returns the diff as a JSON value.
pub fn to_json(diff: &NotebookDiff<'_>, labels: &Labels) -> Value {
    let mut top = Map::new();
    top.insert("old".into(), labels.old.as_str().into());
    top.insert("new".into(), labels.new.as_str().into());
    top.insert("identical".into(), (!diff.has_changes()).into());
    let version = |nb: &super::Notebook| format!("{}.{}", nb.nbformat, nb.nbformat_minor);
    top.insert("nbformat".into(), json!({"old": version(diff.old), "new": version(diff.new)}));
    top.insert("summary".into(), json!(diff.summary()));
    if let Some(metadata) = &diff.metadata {
        top.insert("metadata".into(), hunks(metadata));
    }
    let cells: Vec<Value> = diff.cells.iter().filter(|c| c.is_change()).map(cell).collect();
    top.insert("cells".into(), cells.into());
    let ignored = diff.ignored;
    top.insert(
        "ignored".into(),
        json!({"outputs": ignored.outputs, "metadata": ignored.metadata, "execution_count": ignored.execution_count}),
    );
    Value::Object(top)
}

fn cell(cell: &CellDiff<'_>) -> Value {
    let shown = cell.cell();
    let mut obj = Map::new();
    obj.insert("status".into(), json!(cell.status));
    obj.insert("moved".into(), cell.moved.into());
    obj.insert("kind".into(), shown.kind.as_str().into());
    if let (Some((_, a)), Some(_)) = (cell.old, cell.new)
        && cell.kind_changed()
    {
        obj.insert("old_kind".into(), a.kind.as_str().into());
    }
    obj.insert("old_index".into(), json!(cell.old.map(|(i, _)| i)));
    obj.insert("new_index".into(), json!(cell.new.map(|(i, _)| i)));
    if let Some(id) = &shown.id {
        obj.insert("id".into(), id.as_str().into());
    }
    if let Some((old, _)) = cell.id {
        obj.insert("old_id".into(), old.into());
    }
    match cell.status {
        Status::Added | Status::Deleted => {
            obj.insert("source".into(), shown.source.as_str().into());
            obj.insert("outputs".into(), shown.outputs.iter().map(output_summary).collect());
        }
        _ => changed_parts(cell, &mut obj),
    }
    Value::Object(obj)
}

fn changed_parts(cell: &CellDiff<'_>, obj: &mut Map<String, Value>) {
    if let Some(source) = &cell.source {
        obj.insert("source".into(), hunks(source));
    }
    let outputs: Vec<Value> = cell.outputs.iter().filter(|o| o.status != Status::Unchanged).map(output).collect();
    if !outputs.is_empty() {
        obj.insert("outputs".into(), outputs.into());
    }
    if let Some(metadata) = &cell.metadata {
        obj.insert("metadata".into(), hunks(metadata));
    }
    if let Some((old, new)) = cell.execution_count {
        obj.insert("execution_count".into(), json!({"old": old, "new": new}));
    }
    if cell.attachments_changed {
        obj.insert("attachments_changed".into(), true.into());
        let summary = |bundle: Option<&MimeBundle>| {
            bundle.map(|b| b.0.iter().map(|(mime, data)| (mime.clone(), data_summary(data))).collect::<Map<_, _>>())
        };
        let list: Vec<Value> = cell
            .attachments
            .iter()
            .map(|a| json!({"name": a.name, "old": summary(a.old), "new": summary(a.new)}))
            .collect();
        obj.insert("attachments".into(), list.into());
    }
}

fn output(output: &OutputDiff<'_>) -> Value {
    let mut obj = Map::new();
    obj.insert("status".into(), json!(output.status));
    obj.insert("output_type".into(), output.output().output_type().into());
    obj.insert("old_index".into(), json!(output.old.map(|(i, _)| i)));
    obj.insert("new_index".into(), json!(output.new.map(|(i, _)| i)));
    match (output.status, output.old, output.new) {
        (Status::Added, _, Some((_, o))) | (Status::Deleted, Some((_, o)), _) => {
            obj.insert("output".into(), output_summary(o));
        }
        _ => {
            let parts: Vec<Value> = output
                .parts
                .iter()
                .map(|part| match &part.change {
                    PartChange::Text(diff) => json!({"name": part.name, "hunks": hunks(diff)["hunks"]}),
                    PartChange::Binary { old, new } => {
                        json!({"name": part.name, "old": old.map(image), "new": new.map(image)})
                    }
                })
                .collect();
            obj.insert("parts".into(), parts.into());
        }
    }
    Value::Object(obj)
}

/// An added or deleted output: its type, mime types, and text or image facts per mime type.
fn output_summary(output: &Output) -> Value {
    let mut data = Map::new();
    for (mime, value) in &output.data.0 {
        let v = match value {
            MimeData::Image(i) => image(i),
            MimeData::Text(t) => t.as_str().into(),
            MimeData::Json(j) => j.clone(),
        };
        data.insert(mime.clone(), v);
    }
    let mut obj = Map::new();
    obj.insert("output_type".into(), output.output_type().into());
    match &output.kind {
        OutputKind::Stream { name, text } => {
            obj.insert("name".into(), name.as_str().into());
            obj.insert("text".into(), text.as_str().into());
        }
        OutputKind::Error { ename, evalue, .. } => {
            obj.insert("ename".into(), ename.as_str().into());
            obj.insert("evalue".into(), evalue.as_str().into());
        }
        _ => {}
    }
    if !data.is_empty() {
        obj.insert("data".into(), Value::Object(data));
    }
    Value::Object(obj)
}

/// An image as facts, never its bytes: digest, decoded size, dimensions.
/// An attachment's value: images as [`image`], text by size and digest.
fn data_summary(data: &MimeData) -> Value {
    match data {
        MimeData::Image(i) => image(i),
        other => {
            let text = super::diff::mime_text(other);
            json!({"sha256": hex::encode(Sha256::digest(text.as_bytes())), "bytes": text.len()})
        }
    }
}

fn image(image: &Image) -> Value {
    let info = image.info();
    json!({
        "base64_sha256": hex::encode(image.digest),
        "bytes": info.bytes,
        "valid": info.valid,
        "width": info.size.map(|s| s.0),
        "height": info.size.map(|s| s.1),
    })
}

/// `{"hunks": [{old_start, old_lines, new_start, new_lines, lines: ["-a", "+b", " c"]}]}`.
fn hunks(diff: &LineDiff) -> Value {
    let hunks: Vec<Value> = diff
        .hunks(CONTEXT)
        .into_iter()
        .map(|h| {
            let lines: Vec<String> =
                diff.lines[h.lines.clone()].iter().map(|l| format!("{}{}", l.tag.sign(), l.text())).collect();
            json!({
                "old_start": h.old_start, "old_lines": h.old_len,
                "new_start": h.new_start, "new_lines": h.new_len,
                "lines": lines,
            })
        })
        .collect();
    json!({ "hunks": hunks })
}
