//! Tables written row by row, for tables too long to hold: `git exp metrics` of a series with a
//! million points. The terminal layout needs every column's width before the first row, so the
//! caller measures the rows in a first pass ([`Widths`]); nothing is fitted, folded or hidden,
//! which is what `table` does with a table it holds. The other formats need no widths.

use std::io::{self, Write};

use anstyle::Style;
use unicode_width::UnicodeWidthStr as _;

use super::Format;
use super::escape::visible_lines;
use super::table::escape_markdown_cell;

/// Column widths for the terminal layout: the widest of the name and every cell.
#[derive(Debug, Clone)]
pub struct Widths(pub(super) Vec<usize>);

impl Widths {
    pub fn of_columns(columns: &[&str]) -> Self {
        Self(columns.iter().map(|c| visible_lines(c).width()).collect())
    }

    pub fn measure(&mut self, cells: &[&str]) {
        for (width, cell) in self.0.iter_mut().zip(cells) {
            *width = (*width).max(visible_lines(cell).width());
        }
    }
}

enum Sink<'a> {
    Delimited(Box<csv::Writer<&'a mut dyn Write>>),
    Plain(&'a mut dyn Write),
}

/// Writes the header at once, then one row per call; text as `table` renders it for the same
/// format (a terminal table, CSV, TSV or Markdown; JSON is the caller's own shape).
pub struct RowWriter<'a> {
    format: Format,
    widths: Widths,
    sink: Sink<'a>,
}

impl<'a> RowWriter<'a> {
    pub fn new(
        format: Format,
        columns: &[&str],
        widths: Widths,
        header: Style,
        out: &'a mut dyn Write,
    ) -> io::Result<Self> {
        let sink = match format {
            Format::Csv | Format::Tsv => {
                let delimiter = if format == Format::Csv { b',' } else { b'\t' };
                Sink::Delimited(Box::new(csv::WriterBuilder::new().delimiter(delimiter).from_writer(out)))
            }
            Format::Table | Format::Json | Format::Md => Sink::Plain(out),
        };
        let mut writer = Self { format, widths, sink };
        writer.write(columns, header)?;
        if format == Format::Md {
            writer.write(&vec!["---"; columns.len()], Style::new())?;
        }
        Ok(writer)
    }

    pub fn row(&mut self, cells: &[&str]) -> io::Result<()> {
        self.write(cells, Style::new())
    }

    pub fn finish(mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Delimited(writer) => writer.flush(),
            Sink::Plain(out) => out.flush(),
        }
    }

    fn write(&mut self, cells: &[&str], style: Style) -> io::Result<()> {
        match &mut self.sink {
            // csv wraps write errors in its own type; a closed pipe must stay an io::Error.
            Sink::Delimited(writer) => writer.write_record(cells).map_err(|e| match e.into_kind() {
                csv::ErrorKind::Io(io) => io,
                other => io::Error::other(format!("{other:?}")),
            }),
            Sink::Plain(out) if self.format == Format::Md => {
                let cells: Vec<String> = cells.iter().map(|c| escape_markdown_cell(c)).collect();
                writeln!(out, "| {} |", cells.join(" | "))
            }
            Sink::Plain(out) => {
                let mut text = String::new();
                for (n, (cell, width)) in cells.iter().zip(&self.widths.0).enumerate() {
                    let cell = visible_lines(cell);
                    text.push_str(&cell);
                    if n + 1 < cells.len() {
                        text.push_str(&" ".repeat(width.saturating_sub(cell.width()) + 2));
                    }
                }
                writeln!(out, "{style}{}{style:#}", text.trim_end())
            }
        }
    }
}

/// A JSON array written one element at a time, byte for byte as `serde_json::to_writer_pretty`
/// writes the whole array (two spaces of indent), for listings too long to hold.
pub struct JsonArray<'a> {
    out: &'a mut dyn Write,
    empty: bool,
    element: Vec<u8>,
}

impl<'a> JsonArray<'a> {
    pub fn new(out: &'a mut dyn Write) -> io::Result<Self> {
        out.write_all(b"[")?;
        Ok(Self { out, empty: true, element: Vec::new() })
    }

    pub fn element(&mut self, value: &impl serde::Serialize) -> io::Result<()> {
        self.element.clear();
        serde_json::to_writer_pretty(&mut self.element, value).map_err(io::Error::from)?;
        self.out.write_all(if self.empty { b"\n" } else { b",\n" })?;
        self.empty = false;
        // Pretty JSON escapes newlines inside strings: every newline here is between tokens,
        // where the whole array's writer would indent one level more.
        for (n, line) in self.element.split(|&b| b == b'\n').enumerate() {
            if n > 0 {
                self.out.write_all(b"\n")?;
            }
            self.out.write_all(b"  ")?;
            self.out.write_all(line)?;
        }
        Ok(())
    }

    /// Closes the array, with the trailing newline `print_json` writes.
    pub fn finish(self) -> io::Result<()> {
        self.out.write_all(if self.empty { b"]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::{Cell, Table};

    /// Streamed JSON reads exactly as the whole array pretty-printed.
    #[test]
    fn json_elements_match_the_whole_array() {
        let empty: Vec<serde_json::Value> = vec![];
        let values = vec![
            serde_json::json!({"a": [1, {"b": "x\ny"}], "c": {}, "d": []}),
            serde_json::json!("text"),
            serde_json::json!({"e": null}),
        ];
        for array in [&empty, &values[..1].to_vec(), &values] {
            let mut streamed = Vec::new();
            let mut writer = JsonArray::new(&mut streamed).unwrap();
            array.iter().for_each(|v| writer.element(v).unwrap());
            writer.finish().unwrap();
            let mut whole = serde_json::to_vec_pretty(array).unwrap();
            whole.push(b'\n');
            assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(whole).unwrap());
        }
    }

    /// Streamed rows read exactly as the same table rendered whole.
    #[test]
    fn rows_match_the_whole_table() {
        let columns = ["key", "step", "value"];
        let rows = [["loss", "0", "0.5"], ["accuracy|x", "10", "-1e-07"]];
        for format in [Format::Table, Format::Csv, Format::Tsv, Format::Md] {
            let mut widths = Widths::of_columns(&columns);
            rows.iter().for_each(|r| widths.measure(r));
            let mut streamed = Vec::new();
            let mut writer = RowWriter::new(format, &columns, widths, Style::new(), &mut streamed).unwrap();
            rows.iter().for_each(|r| writer.row(r).unwrap());
            writer.finish().unwrap();

            let table = Table {
                columns: columns.map(String::from).to_vec(),
                rows: rows.iter().map(|r| r.iter().map(|c| Cell::text(*c)).collect()).collect(),
            };
            let mut whole = Vec::new();
            crate::ui::table::render_fitted(
                &table,
                format,
                None,
                crate::ui::table::Fit::Plain,
                Style::new(),
                &mut whole,
            )
            .unwrap();
            assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(whole).unwrap(), "{format:?}");
        }
    }
}
