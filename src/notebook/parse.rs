//! Reading nbformat 4 and 3 JSON into [`Notebook`]. Tolerant where notebooks in the wild vary
//! (string or list `source`, missing ids, unknown cell and output types, odd value types), strict
//! only where the document is plainly not a notebook.

use serde_json::{Map, Value};

use super::Error;
use super::model::{Cell, CellKind, Image, MimeBundle, MimeData, Notebook, Output, OutputKind, is_binary_mime};

/// Parses a notebook from its file bytes.
pub fn parse(bytes: &[u8]) -> Result<Notebook, Error> {
    // A UTF-8 byte order mark is legal in notebooks saved by some Windows editors.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        // What Python's json accepts and serde_json does not (NaN, lone surrogates, deep
        // nesting) is rewritten, only on this slow path; other errors stay as they were.
        Err(e) => match super::tolerant::rewrite(bytes) {
            Some(rewritten) => serde_json::from_slice(&rewritten).map_err(|_| Error::from_json(&e))?,
            None => return Err(Error::from_json(&e)),
        },
    };
    let Value::Object(mut top) = value else {
        return Err(Error::not_a_notebook(format!("the document is {}, not an object", kind_of(&value))));
    };
    let nbformat = top.get("nbformat").and_then(Value::as_u64);
    let nbformat_minor = top.get("nbformat_minor").and_then(Value::as_u64).unwrap_or(0);
    let metadata = take_object(&mut top, "metadata");
    let has_worksheets = top.contains_key("worksheets");
    let cells = match (top.shift_remove("cells"), top.shift_remove("worksheets")) {
        (Some(Value::Array(cells)), _) => parse_cells(cells, false)?,
        (None, Some(Value::Array(sheets))) => {
            let mut cells = Vec::new();
            for sheet in sheets {
                if let Value::Object(mut sheet) = sheet
                    && let Some(Value::Array(sheet_cells)) = sheet.shift_remove("cells")
                {
                    cells.extend(parse_cells(sheet_cells, true)?);
                }
            }
            cells
        }
        (Some(other), _) => {
            return Err(Error::not_a_notebook(format!("`cells` is {}, not a list", kind_of(&other))));
        }
        (None, _) => {
            return Err(Error::not_a_notebook("it has no `cells` list (nbformat 4) nor `worksheets` (nbformat 3)"));
        }
    };
    let nbformat = nbformat.unwrap_or(if has_worksheets { 3 } else { 4 });
    Ok(Notebook { nbformat, nbformat_minor, metadata, cells })
}

fn parse_cells(cells: Vec<Value>, v3: bool) -> Result<Vec<Cell>, Error> {
    cells
        .into_iter()
        .enumerate()
        .map(|(index, cell)| match cell {
            Value::Object(cell) => Ok(parse_cell(cell, v3)),
            other => Err(Error::not_a_notebook(format!("cell {} is {}, not an object", index + 1, kind_of(&other)))),
        })
        .collect()
}

fn parse_cell(mut cell: Map<String, Value>, v3: bool) -> Cell {
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
    let outputs = match cell.shift_remove("outputs") {
        Some(Value::Array(outputs)) => outputs.into_iter().map(|o| parse_output(o, v3)).collect(),
        _ => Vec::new(),
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

fn parse_output(output: Value, v3: bool) -> Output {
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
                parse_bundle(take_bundle(&mut output), false)
            };
            if output_type == "display_data" { OutputKind::DisplayData } else { OutputKind::ExecuteResult }
        }
        _ => {
            output.shift_remove("output_type");
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
            let data = match value {
                Value::String(_) | Value::Array(_) if is_binary_mime(&mime) => {
                    MimeData::Image(Image::new(text_of(value)))
                }
                Value::String(text) => MimeData::Text(text),
                Value::Array(ref items) if items.iter().all(Value::is_string) => MimeData::Text(text_of(value)),
                other => MimeData::Json(other),
            };
            (mime, data)
        })
        .collect();
    MimeBundle(entries)
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

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
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
