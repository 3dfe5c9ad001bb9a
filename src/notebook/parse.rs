//! Reading nbformat 4 and 3 JSON into [`Notebook`]. Tolerant where notebooks in the wild vary
//! (string or list `source`, missing ids, unknown cell and output types, odd value types), strict
//! only where the document is plainly not a notebook.

use serde_json::{Map, Value};

use super::Error;
use super::document::{self, Cells, Document, Sheets};
use super::model::{Cell, CellKind, Image, MimeBundle, MimeData, Notebook, Output, OutputKind, is_binary_mime};

/// Parses a notebook from its file bytes.
pub fn parse(bytes: &[u8]) -> Result<Notebook, Error> {
    parse_with(bytes, false)
}

/// Parses a notebook keeping of each image only its digest, size and validity (as
/// [`Notebook::drop_image_data`]), cell by cell as it is read: what the text and JSON renderings
/// need, at a peak memory near the file's size instead of twice it.
pub fn parse_lean(bytes: &[u8]) -> Result<Notebook, Error> {
    parse_with(bytes, true)
}

/// [`parse_lean`] reading as it goes, so that the file's bytes are never all in memory (a
/// buffer of the reader's size is). It reads strict JSON only: on an error, read the bytes and
/// call [`parse_lean`], which also reads what Python's json accepts and names the error.
pub fn parse_lean_from(mut reader: impl std::io::BufRead) -> Result<Notebook, Error> {
    if reader.fill_buf().is_ok_and(|buffer| buffer.starts_with(b"\xEF\xBB\xBF")) {
        reader.consume(3);
    }
    let document = document::read_from(reader, &Builder { lean: true }).map_err(|e| Error::from_json(&e))?;
    notebook(document)
}

fn parse_with(bytes: &[u8], lean: bool) -> Result<Notebook, Error> {
    // A UTF-8 byte order mark is legal in notebooks saved by some Windows editors.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let convert = Builder { lean };
    let document = match document::read(bytes, &convert) {
        Ok(document) => document,
        // What Python's json accepts and serde_json does not (NaN, lone surrogates, deep
        // nesting) is rewritten, only on this slow path; other errors stay as they were.
        Err(e) => match super::tolerant::rewrite(bytes) {
            Some(rewritten) => document::read(&rewritten, &convert).map_err(|_| Error::from_json(&e))?,
            None => return Err(Error::from_json(&e)),
        },
    };
    notebook(document)
}

/// The notebook a document read holds, or why it is not one.
fn notebook(document: Document) -> Result<Notebook, Error> {
    let top = match document {
        Document::Object(top) => *top,
        Document::Not(what) => {
            return Err(Error::not_a_notebook(format!("the document is {what}, not an object")));
        }
    };
    let nbformat = top.nbformat.as_ref().and_then(Value::as_u64);
    let nbformat_minor = top.nbformat_minor.as_ref().and_then(Value::as_u64).unwrap_or(0);
    let metadata = as_object(top.metadata.unwrap_or(Value::Null));
    let has_worksheets = top.worksheets.is_some();
    let cells = match (top.cells, top.worksheets) {
        (Some(cells), _) => list(cells)?,
        (None, Some(Sheets::List(sheets))) => {
            let mut cells = Vec::new();
            for sheet in sheets {
                cells.extend(list(sheet)?);
            }
            cells
        }
        (None, _) => {
            return Err(Error::not_a_notebook("it has no `cells` list (nbformat 4) nor `worksheets` (nbformat 3)"));
        }
    };
    let nbformat = nbformat.unwrap_or(if has_worksheets { 3 } else { 4 });
    Ok(Notebook { nbformat, nbformat_minor, metadata, cells })
}

/// The rules document.rs reads a notebook with.
struct Builder {
    /// Keep of each image only its digest, length and what decoding tells.
    lean: bool,
}

impl document::Build for Builder {
    fn cell(&self, cell: Map<String, Value>, outputs: Option<Vec<Output>>, v3: bool) -> Cell {
        let mut cell = parse_cell(cell, outputs, v3);
        if self.lean {
            cell.drop_image_data();
        }
        cell
    }

    fn output(&self, output: Value, data: Option<MimeBundle>) -> Output {
        parse_output(output, data, false)
    }

    fn mime(&self, mime: &str, value: Value) -> MimeData {
        mime_data(mime, value)
    }

    fn image(&self, base64: &str) -> Image {
        Image::from_text(base64, !self.lean)
    }
}

/// The cells of a `cells` list, or why it is not a notebook's.
fn list(cells: Cells) -> Result<Vec<Cell>, Error> {
    match cells {
        Cells::List(cells) => Ok(cells),
        Cells::NotAList(what) => Err(Error::not_a_notebook(format!("`cells` is {what}, not a list"))),
        Cells::BadCell(index, what) => {
            Err(Error::not_a_notebook(format!("cell {} is {what}, not an object", index + 1)))
        }
    }
}

/// One cell; `outputs` when they were read already (document.rs), else from `cell`.
fn parse_cell(mut cell: Map<String, Value>, outputs: Option<Vec<Output>>, v3: bool) -> Cell {
    let type_name = cell.get("cell_type").and_then(Value::as_str).unwrap_or("unknown").to_owned();
    let mut kind = CellKind::from_name(&type_name);
    let mut source =
        if v3 && kind == CellKind::Code { take_text(&mut cell, "input") } else { take_text(&mut cell, "source") };
    if v3 && type_name == "heading" {
        // nbformat 3 heading cells became markdown `#` lines in version 4.
        let level = cell.get("level").and_then(Value::as_u64).unwrap_or(1).clamp(1, 6);
        source = format!("{} {source}", "#".repeat(level as usize));
        kind = CellKind::Markdown;
    }
    let count_key = if v3 { "prompt_number" } else { "execution_count" };
    let execution_count = cell.get(count_key).and_then(Value::as_i64);
    let outputs = match (outputs, cell.shift_remove("outputs")) {
        (Some(outputs), _) => outputs,
        (None, Some(Value::Array(outputs))) => outputs.into_iter().map(|o| parse_output(o, None, v3)).collect(),
        (None, _) => Vec::new(),
    };
    let attachments = match cell.shift_remove("attachments") {
        Some(Value::Object(map)) => {
            map.into_iter().map(|(name, bundle)| (name, parse_bundle(as_object(bundle), false))).collect()
        }
        _ => Vec::new(),
    };
    Cell {
        id: cell.get("id").and_then(Value::as_str).map(str::to_owned),
        kind,
        source,
        execution_count,
        metadata: take_object(&mut cell, "metadata"),
        outputs,
        attachments,
    }
}

/// One output; `data` when its bundle was read already (document.rs), else from `output`.
fn parse_output(output: Value, data: Option<MimeBundle>, v3: bool) -> Output {
    if let Value::String(_) = output {
        // Not nbformat, but Python's json and some tools write `"outputs": ["text"]`: show the
        // text rather than an empty object.
        let kind = OutputKind::Other { output_type: "string".to_owned(), fields: output };
        return Output { kind, execution_count: None, data: MimeBundle::default(), metadata: Map::new() };
    }
    let mut output = as_object(output);
    let output_type = output.get("output_type").and_then(Value::as_str).unwrap_or("unknown").to_owned();
    let metadata = take_object(&mut output, "metadata");
    let execution_count = output.get(if v3 { "prompt_number" } else { "execution_count" }).and_then(Value::as_i64);
    let read_bundle = data;
    let mut data = MimeBundle::default();
    let kind = match output_type.as_str() {
        "stream" => {
            let name_key = if v3 { "stream" } else { "name" };
            let name = output.get(name_key).and_then(Value::as_str).unwrap_or("stdout").to_owned();
            OutputKind::Stream { name, text: take_text(&mut output, "text") }
        }
        "error" | "pyerr" => OutputKind::Error {
            ename: take_text(&mut output, "ename"),
            evalue: take_text(&mut output, "evalue"),
            traceback: match output.shift_remove("traceback") {
                Some(Value::Array(lines)) => lines.into_iter().map(text_of).collect(),
                Some(other) => vec![text_of(other)],
                None => Vec::new(),
            },
        },
        "display_data" | "execute_result" | "pyout" => {
            data = if v3 {
                output.shift_remove("output_type");
                output.shift_remove("prompt_number");
                parse_bundle(output, true)
            } else {
                match read_bundle {
                    Some(bundle) => bundle,
                    None => parse_bundle(take_bundle(&mut output), false),
                }
            };
            if output_type == "display_data" { OutputKind::DisplayData } else { OutputKind::ExecuteResult }
        }
        _ => {
            output.shift_remove("output_type");
            if let Some(bundle) = read_bundle {
                // An unknown output type shows its fields as JSON, `data` among them.
                output.insert("data".to_owned(), bundle_json(bundle));
            }
            OutputKind::Other { output_type, fields: Value::Object(output) }
        }
    };
    Output { kind, execution_count, data, metadata }
}

/// Reads a mime bundle; nbformat 3 used short keys (`png`, `html`) beside the other fields.
fn parse_bundle(map: Map<String, Value>, v3: bool) -> MimeBundle {
    let entries = map
        .into_iter()
        .map(|(key, value)| {
            let mime = if v3 { v3_mime(&key).map_or(key, str::to_owned) } else { key };
            let data = mime_data(&mime, value);
            (mime, data)
        })
        .collect();
    MimeBundle(entries)
}

/// One mime bundle entry: base64 for binary types, text for strings, JSON for the rest.
fn mime_data(mime: &str, value: Value) -> MimeData {
    match value {
        Value::String(_) | Value::Array(_) if is_binary_mime(mime) => MimeData::Image(Image::new(text_of(value))),
        Value::String(text) => MimeData::Text(text),
        Value::Array(ref items) if items.iter().all(Value::is_string) => MimeData::Text(text_of(value)),
        other => MimeData::Json(other),
    }
}

/// A bundle read for an output of unknown type, back as JSON: texts as strings, images as
/// their base64 text, or their digest when the text was not kept.
fn bundle_json(bundle: MimeBundle) -> Value {
    let entries = bundle.0.into_iter().map(|(mime, data)| {
        let value = match data {
            MimeData::Text(text) => Value::String(text),
            MimeData::Json(value) => value,
            MimeData::Image(image) if image.base64_len == image.base64.len() => Value::String(image.base64),
            MimeData::Image(image) => Value::String(format!("sha256:{}", hex::encode(image.digest))),
        };
        (mime, value)
    });
    Value::Object(entries.collect())
}

fn v3_mime(key: &str) -> Option<&'static str> {
    Some(match key {
        "text" => "text/plain",
        "html" => "text/html",
        "markdown" => "text/markdown",
        "latex" => "text/latex",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpeg" => "image/jpeg",
        "pdf" => "application/pdf",
        "json" => "application/json",
        "javascript" => "application/javascript",
        _ => return None,
    })
}

// `shift_remove` keeps the other keys in file order (mime types are shown in that order).
fn take_object(map: &mut Map<String, Value>, key: &str) -> Map<String, Value> {
    as_object(map.shift_remove(key).unwrap_or(Value::Null))
}

/// An output's `data`; a bare string (or list of strings) there is taken as its `text/plain`.
fn take_bundle(output: &mut Map<String, Value>) -> Map<String, Value> {
    match output.shift_remove("data") {
        Some(text @ Value::String(_)) => Map::from_iter([("text/plain".to_owned(), text)]),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            Map::from_iter([("text/plain".to_owned(), Value::Array(items))])
        }
        other => as_object(other.unwrap_or(Value::Null)),
    }
}

fn as_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn take_text(map: &mut Map<String, Value>, key: &str) -> String {
    map.shift_remove(key).map(text_of).unwrap_or_default()
}

/// nbformat's multi-line strings: a string, or a list of strings to concatenate. Anything else
/// is kept as its JSON text rather than dropped.
fn text_of(value: Value) -> String {
    match value {
        Value::String(text) => text,
        Value::Null => String::new(),
        Value::Array(items) => {
            let mut text = String::new();
            for item in items {
                match item {
                    Value::String(s) => text.push_str(&s),
                    other => text.push_str(&other.to_string()),
                }
            }
            text
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::ImageInfo;
    use super::*;

    fn error(text: &str) -> String {
        parse(text.as_bytes()).map(|_| String::new()).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn rejects_what_is_not_a_notebook() {
        let cases = [
            ("{\n \"cells\": [\n  {,", "invalid JSON at line 3, column 4: key must be a string"),
            ("", "invalid JSON at line 1, column 0: EOF while parsing a value"),
            ("[]", "not a Jupyter notebook: the document is a list, not an object"),
            ("{}", "not a Jupyter notebook: it has no `cells` list (nbformat 4) nor `worksheets` (nbformat 3)"),
            ("{\"cells\": 3}", "not a Jupyter notebook: `cells` is a number, not a list"),
            ("{\"cells\": [{}, 7]}", "not a Jupyter notebook: cell 2 is a number, not an object"),
            ("\u{feff}{\"cells\": []}", ""),
        ];
        for (text, expected) in cases {
            assert_eq!(error(text), expected, "{text:?}");
        }
        // Nesting deeper than serde_json's limit is read as Python's json reads it (tolerant.rs).
        let deep =
            format!("{{\"cells\": [], \"metadata\": {{\"x\": {}{}}}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(error(&deep), "");
        let fine = format!("{{\"cells\": [], \"metadata\": {{\"x\": {}{}}}}}", "[".repeat(125), "]".repeat(125));
        assert_eq!(error(&fine), "");
    }

    #[test]
    fn reads_v4_leniently() {
        let nb = parse(
            br##"{"nbformat": 4, "nbformat_minor": 5, "metadata": {"language_info": {"name": "julia"}}, "cells": [
              {"cell_type": "code", "id": "a", "source": ["x = 1\n", "y"], "execution_count": 3, "metadata": {},
               "outputs": [{"output_type": "execute_result", "execution_count": 3, "metadata": {},
                            "data": {"text/plain": ["1\n", "2"], "application/json": {"b": 1}, "image/png": "iVBO\nRw==\n"}},
                           {"output_type": "future", "payload": 1}]},
              {"cell_type": "markdown", "source": "# T", "attachments": {"a.png": {"image/png": "iVBORw=="}}},
              {"cell_type": "mystery", "source": null}
            ]}"##,
        )
        .unwrap();
        assert_eq!(nb.language(), "julia");
        let code = &nb.cells[0];
        assert_eq!((code.id.as_deref(), code.source.as_str(), code.execution_count), (Some("a"), "x = 1\ny", Some(3)));
        let output = &code.outputs[0];
        assert_eq!(output.data.get("text/plain"), Some(&MimeData::Text("1\n2".into())));
        assert!(matches!(output.data.get("application/json"), Some(MimeData::Json(_))));
        let Some(MimeData::Image(image)) = output.data.get("image/png") else { panic!("image expected") };
        assert_eq!(image.base64, "iVBORw==", "whitespace removed");
        assert_eq!(code.outputs[1].output_type(), "future");
        assert_eq!(nb.cells[1].attachments[0].0, "a.png");
        assert_eq!(nb.cells[2].kind, CellKind::Other("mystery".into()));
        assert_eq!(nb.cells[2].source, "");
    }

    /// The lean reading (images hashed straight from the document, text not kept) tells the
    /// same as reading everything and dropping the text after, and outputs of unknown types
    /// keep their `data`.
    #[test]
    fn lean_reading_keeps_what_the_diff_needs() {
        let text = br#"{"nbformat": 4, "nbformat_minor": 5, "cells": [
          {"cell_type": "code", "source": "x", "outputs": [
            {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo=", "text/plain": "p"}},
            {"output_type": "display_data", "metadata": {}, "data": {"image/png": ["iVBO\n", "Rw=="]}},
            {"output_type": "display_data", "data": "bare"},
            {"output_type": "later", "data": {"image/gif": "R0lGODlh", "text/plain": ["a", "b"]}}]}]}"#;
        let full = parse(text).unwrap();
        let lean = parse_lean(text).unwrap();
        let images = |nb: &Notebook| -> Vec<(String, usize, ImageInfo)> {
            let outputs = nb.cells[0].outputs.iter().take(2);
            let data = outputs.flat_map(|o| o.data.0.iter());
            data.filter_map(|(_, d)| match d {
                MimeData::Image(image) => Some((image.short_digest(), image.base64_len, image.info())),
                _ => None,
            })
            .collect()
        };
        assert_eq!(images(&lean), images(&full));
        assert_eq!(images(&full).len(), 2);
        let Some(MimeData::Image(image)) = lean.cells[0].outputs[0].data.get("image/png") else { panic!("image") };
        assert!(image.base64.is_empty(), "the lean reading keeps no base64 text");
        assert_eq!(full.cells[0].outputs[2].data.get("text/plain"), Some(&MimeData::Text("bare".into())));
        let OutputKind::Other { fields, .. } = &full.cells[0].outputs[3].kind else { panic!("unknown output") };
        assert_eq!(fields["data"], serde_json::json!({"image/gif": "R0lGODlh", "text/plain": "ab"}));
        let OutputKind::Other { fields, .. } = &lean.cells[0].outputs[3].kind else { panic!("unknown output") };
        assert!(fields["data"]["image/gif"].as_str().is_some_and(|s| s.starts_with("sha256:")));
    }

    /// Reading as it goes (from a reader) gives what reading the bytes gives, byte order mark
    /// included, and refuses what only the tolerant reading accepts (the caller then reads the
    /// bytes).
    #[test]
    fn reading_as_it_goes_equals_reading_the_bytes() {
        let text = "\u{feff}{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": [\"a\\n\", \"b\"], \"outputs\": [{\"output_type\": \"display_data\", \"data\": {\"image/png\": \"iVBORw==\"}}]}]}";
        let streamed = parse_lean_from(std::io::BufReader::with_capacity(8, text.as_bytes())).unwrap();
        assert_eq!(streamed, parse_lean(text.as_bytes()).unwrap());
        assert_eq!(streamed.cells[0].source, "a\nb");
        let nan = br#"{"cells": [], "metadata": {"x": NaN}}"#;
        assert!(parse_lean_from(&nan[..]).is_err());
        assert!(parse_lean(nan).is_ok());
    }

    #[test]
    fn converts_v3() {
        let nb = parse(
            br#"{"nbformat": 3, "metadata": {}, "worksheets": [{"cells": [
              {"cell_type": "heading", "level": 3, "source": "Title"},
              {"cell_type": "code", "input": ["a\n", "b"], "prompt_number": 4, "outputs": [
                {"output_type": "pyout", "prompt_number": 4, "text": "42", "png": "iVBORw==", "metadata": {}},
                {"output_type": "stream", "stream": "stderr", "text": ["warn\n"]},
                {"output_type": "pyerr", "ename": "E", "evalue": "v", "traceback": ["t1", "t2"]}]}
            ]}]}"#,
        )
        .unwrap();
        assert_eq!(nb.nbformat, 3);
        assert_eq!((nb.cells[0].kind.clone(), nb.cells[0].source.as_str()), (CellKind::Markdown, "### Title"));
        let code = &nb.cells[1];
        assert_eq!((code.source.as_str(), code.execution_count), ("a\nb", Some(4)));
        assert_eq!(code.outputs[0].output_type(), "execute_result");
        assert_eq!(code.outputs[0].execution_count, Some(4));
        let mimes: Vec<&str> = code.outputs[0].data.0.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(mimes, ["text/plain", "image/png"]);
        assert_eq!(code.outputs[1].kind, OutputKind::Stream { name: "stderr".into(), text: "warn\n".into() });
        assert_eq!(code.outputs[2].label(), "error E");
    }
}
