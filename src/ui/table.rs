//! One table model rendered as a terminal table, JSON, CSV, TSV or Markdown, into any writer.

use std::io::{self, Write};

use anstyle::Style;
use serde_json::Value;
use unicode_width::UnicodeWidthStr as _;

use super::Format;
use super::escape::visible_lines;

/// A table cell: the typed value (for JSON) and how it is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub value: Value,
    pub text: String,
}

impl Cell {
    pub fn new(value: Value, text: impl Into<String>) -> Self {
        Self { value, text: text.into() }
    }

    pub fn text(text: impl Into<String>) -> Self {
        let text = text.into();
        Self { value: Value::String(text.clone()), text }
    }
}

/// Rows of cells under named columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Cells longer than this are cut with an ellipsis in terminal tables, whatever the width.
const MAX_CELL: usize = 60;

/// Renders `table` as `format` into `out`; terminal tables are fitted to `width` when given.
pub fn render(
    table: &Table,
    format: Format,
    width: Option<usize>,
    header: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => render_terminal(table, width, header, out),
        Format::Json => render_json(table, out),
        Format::Csv => render_delimited(table, b',', out),
        Format::Tsv => render_delimited(table, b'\t', out),
        Format::Md => render_markdown(table, out),
    }
}

fn render_terminal(table: &Table, width: Option<usize>, header: Style, out: &mut dyn Write) -> io::Result<()> {
    let ncols = table.columns.len();
    if ncols == 0 {
        return Ok(());
    }
    // Cells come from runs: control characters are shown, never sent (newlines stay, so that
    // `truncate` still cuts a multi-line note at its first line).
    let columns: Vec<_> = table.columns.iter().map(|c| visible_lines(c)).collect();
    let rows: Vec<Vec<_>> = table.rows.iter().map(|r| r.iter().map(|c| visible_lines(&c.text)).collect()).collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| c.width()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width().min(MAX_CELL));
        }
    }
    if let Some(limit) = width {
        shrink_to_fit(&mut widths, &table.columns, limit);
    }
    let line = |cells: &mut dyn Iterator<Item = &str>, out: &mut dyn Write, style: Style| -> io::Result<()> {
        let mut text = String::new();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            let cell = truncate(cell, *w);
            text.push_str(&cell);
            if i + 1 < ncols {
                text.push_str(&" ".repeat(w - cell.width() + 2));
            }
        }
        writeln!(out, "{style}{}{style:#}", text.trim_end())
    };
    line(&mut columns.iter().map(|c| c.as_ref()), out, header)?;
    for row in &rows {
        line(&mut row.iter().map(|c| c.as_ref()), out, Style::new())?;
    }
    Ok(())
}

/// Narrows the widest columns first until the table fits `limit`, never below a column's header
/// or 6 characters.
fn shrink_to_fit(widths: &mut [usize], columns: &[String], limit: usize) {
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
    while total(widths) > limit {
        // An `id` column is never cut: a cut id cannot be copied into the next command.
        let Some((i, _)) = widths
            .iter()
            .enumerate()
            .filter(|(i, w)| columns[*i] != "id" && **w > columns[*i].width().max(6))
            .max_by_key(|(_, w)| **w)
        else {
            break;
        };
        widths[i] -= 1;
    }
}

/// Cuts `text` to `width` display columns, ending in `…` when cut; keeps only its first line.
pub fn truncate(text: &str, width: usize) -> String {
    let first = text.lines().next().unwrap_or("");
    let cut_lines = first.len() != text.trim_end_matches('\n').len();
    if first.width() <= width && !cut_lines {
        return first.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in first.chars() {
        let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

fn render_json(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<serde_json::Map<String, Value>> = table
        .rows
        .iter()
        .map(|row| table.columns.iter().cloned().zip(row.iter().map(|c| c.value.clone())).collect())
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rows)?;
    writeln!(out)
}

fn render_delimited(table: &Table, delimiter: u8, out: &mut dyn Write) -> io::Result<()> {
    // csv wraps write errors in its own type, which hides them from `is_broken_pipe`
    // (`git exp ls --format csv | head` must end quietly): unwrap them.
    let unwrap = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    };
    let mut writer = csv::WriterBuilder::new().delimiter(delimiter).from_writer(out);
    writer.write_record(&table.columns).map_err(unwrap)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(|c| c.text.as_str())).map_err(unwrap)?;
    }
    writer.flush()
}

fn render_markdown(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    let row = |cells: &mut dyn Iterator<Item = String>| format!("| {} |", cells.collect::<Vec<_>>().join(" | "));
    writeln!(out, "{}", row(&mut table.columns.iter().map(|c| escape_markdown_cell(c))))?;
    writeln!(out, "{}", row(&mut table.columns.iter().map(|_| "---".to_owned())))?;
    for cells in &table.rows {
        writeln!(out, "{}", row(&mut cells.iter().map(|c| escape_markdown_cell(&c.text))))?;
    }
    Ok(())
}

/// Escapes text for a GitHub-flavoured markdown table cell: no HTML, no pipes, no line breaks,
/// no emphasis or link syntax taken from user strings.
pub fn escape_markdown_cell(text: &str) -> String {
    // Control characters are shown first, so a pasted comment or a terminal never gets them.
    let text = super::escape::visible(text);
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        Table {
            columns: vec!["id".into(), "name".into(), "lr".into()],
            rows: vec![
                vec![Cell::text("k3m9x2qa"), Cell::text("brave|otter"), Cell::new(serde_json::json!(0.1), "0.1")],
                vec![Cell::text("z9z9z9z9"), Cell::text("<b>x</b>"), Cell::new(Value::Null, "")],
            ],
        }
    }

    fn rendered(format: Format, width: Option<usize>) -> String {
        let mut buf = Vec::new();
        render(&sample(), format, width, Style::new(), &mut buf).expect("writing to a Vec cannot fail");
        String::from_utf8(buf).expect("renderers write UTF-8")
    }

    #[test]
    fn terminal_table_aligns_columns() {
        assert_eq!(
            rendered(Format::Table, None),
            "id        name         lr\nk3m9x2qa  brave|otter  0.1\nz9z9z9z9  <b>x</b>\n"
        );
    }

    #[test]
    fn terminal_table_truncates_to_width() {
        let text = rendered(Format::Table, Some(22));
        assert!(text.lines().all(|l| l.width() <= 22), "{text}");
        assert!(text.contains('…'), "{text}");
        assert!(text.contains("k3m9x2qa") && text.contains("z9z9z9z9"), "ids are never cut:\n{text}");
    }

    #[test]
    fn csv_quotes_and_markdown_escapes() {
        assert_eq!(rendered(Format::Csv, None), "id,name,lr\nk3m9x2qa,brave|otter,0.1\nz9z9z9z9,<b>x</b>,\n");
        let md = rendered(Format::Md, None);
        assert!(md.contains("brave\\|otter"), "{md}");
        assert!(md.contains("&lt;b&gt;x&lt;/b&gt;"), "{md}");
    }

    #[test]
    fn a_closed_pipe_stays_a_broken_pipe_in_csv() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
        }
        // More rows than csv's buffer holds, so that a row's write is what fails.
        let mut big = sample();
        big.rows = big.rows.iter().cycle().take(2000).cloned().collect();
        let err = render(&big, Format::Csv, None, Style::new(), &mut Closed).expect_err("cannot write");
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn json_keeps_types() {
        let json: Value = serde_json::from_str(&rendered(Format::Json, None)).expect("valid json");
        assert_eq!(json[0]["lr"], serde_json::json!(0.1));
        assert_eq!(json[1]["lr"], Value::Null);
    }

    #[test]
    fn truncate_cuts_with_ellipsis() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(truncate("ab\ncd", 10), "ab…");
    }
}
