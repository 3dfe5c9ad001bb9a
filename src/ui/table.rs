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

/// Text cells are first cut no shorter than this, so statuses and dates stay whole while long
/// names and notes give way; only when dropping numbers did not help are they cut further.
const TEXT_FLOOR: usize = 16;

/// How a terminal table may be fitted to the width, beyond cutting text (docs/OUTPUT.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Cut text, then hide columns of numbers from the right.
    Plain,
    /// Rows are runs: a column with the same value in every row folds first into an
    /// `all runs: …` line above the table.
    Runs,
}

/// Renders `table` as `format` into `out`; terminal tables are fitted to `width` when given,
/// as `fit` allows.
pub fn render_fitted(
    table: &Table,
    format: Format,
    width: Option<usize>,
    fit: Fit,
    header: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => render_terminal(table, width, fit, header, out),
        Format::Json => render_json(table, out),
        Format::Csv => render_delimited(table, b',', out),
        Format::Tsv => render_delimited(table, b'\t', out),
        Format::Md => render_markdown(table, out),
    }
}

/// What a column holds, for fitting: ids and numbers are never cut, text may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A cut id cannot be copied into the next command.
    Id,
    /// A cut number reads as another number (`1.1470577…` as 1.15).
    Number,
    Text,
}

fn kind(table: &Table, column: usize) -> Kind {
    if table.columns[column] == "id" {
        return Kind::Id;
    }
    let cells = || table.rows.iter().filter_map(|r| r.get(column));
    // A number's text may be a formatted one (`1.5e-6`, `nan`) or, for durations, `2s`: the typed
    // value says it is a number; cells without a typed value count when their text reads as one.
    let numeric = |c: &Cell| c.value.is_number() || c.text.trim().parse::<f64>().is_ok();
    let filled = |c: &&Cell| !c.text.is_empty();
    if cells().any(|c| filled(&c)) && cells().filter(filled).all(numeric) { Kind::Number } else { Kind::Text }
}

/// A system series (`sys/rss_bytes`, `metrics.sys/gpu_util:max`): the least useful numbers.
fn is_system(column: &str) -> bool {
    column.strip_prefix("metrics.").unwrap_or(column).starts_with("sys/")
}

/// Which columns a terminal table shows, how wide, and the lines that say what was left out.
#[derive(Debug, Default, PartialEq)]
struct Layout {
    shown: Vec<usize>,
    widths: Vec<usize>,
    /// `all runs: status completed, dataset digits`, above the table.
    folded: Vec<usize>,
    /// Columns left out, named below the table.
    hidden: Vec<usize>,
}

/// Fits columns to `limit`, least useful first: constant columns fold (for [`Fit::Runs`]),
/// system series go, long text is cut to `TEXT_FLOOR`, columns of numbers go from the right,
/// and last any text is cut down to its header. Ids and numbers are never cut.
fn layout(table: &Table, cells: &[Vec<String>], headers: &[String], limit: Option<usize>, fit: Fit) -> Layout {
    let n = headers.len();
    let kinds: Vec<Kind> = (0..n).map(|i| kind(table, i)).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in cells {
        for (i, cell) in row.iter().enumerate().take(n) {
            let w = cell.lines().next().unwrap_or("").width();
            widths[i] = widths[i].max(if kinds[i] == Kind::Text { w.min(MAX_CELL) } else { w });
        }
    }
    let mut layout = Layout { shown: (0..n).collect(), widths, ..Layout::default() };
    let Some(limit) = limit else { return layout };
    let total = |l: &Layout| l.shown.iter().map(|&i| l.widths[i]).sum::<usize>() + 2 * l.shown.len().saturating_sub(1);
    if fit == Fit::Runs && cells.len() >= 2 && total(&layout) > limit {
        let constant = |i: usize| kinds[i] != Kind::Id && cells.iter().all(|r| r.get(i) == cells[0].get(i));
        layout.folded = layout.shown.iter().copied().filter(|&i| constant(i)).collect();
        layout.shown.retain(|i| !layout.folded.contains(i));
    }
    let hide_from_right = |layout: &mut Layout, pick: &dyn Fn(usize) -> bool| {
        while total(layout) > limit {
            let Some(at) = layout.shown.iter().rposition(|&i| pick(i)) else { break };
            let column = layout.shown.remove(at);
            layout.hidden.push(column);
        }
    };
    hide_from_right(&mut layout, &|i| kinds[i] == Kind::Number && is_system(&table.columns[i]));
    cut_text(&mut layout, &kinds, headers, limit, TEXT_FLOOR);
    hide_from_right(&mut layout, &|i| kinds[i] == Kind::Number);
    cut_text(&mut layout, &kinds, headers, limit, 1);
    layout.hidden.sort_unstable();
    layout
}

/// Narrows the widest text columns first until the table fits `limit`, never below `floor`, the
/// column's header or 6 characters.
fn cut_text(layout: &mut Layout, kinds: &[Kind], headers: &[String], limit: usize, floor: usize) {
    let total = |l: &Layout| l.shown.iter().map(|&i| l.widths[i]).sum::<usize>() + 2 * l.shown.len().saturating_sub(1);
    while total(layout) > limit {
        let Some(&i) = layout
            .shown
            .iter()
            .filter(|&&i| kinds[i] == Kind::Text && layout.widths[i] > floor.max(headers[i].width()).max(6))
            .max_by_key(|&&i| layout.widths[i])
        else {
            break;
        };
        layout.widths[i] -= 1;
    }
}

fn render_terminal(
    table: &Table,
    width: Option<usize>,
    fit: Fit,
    header: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    if table.columns.is_empty() {
        return Ok(());
    }
    // Cells come from runs: control characters are shown, never sent (newlines stay, so that
    // `truncate` still cuts a multi-line note at its first line).
    let columns: Vec<String> = table.columns.iter().map(|c| visible_lines(c).into_owned()).collect();
    let rows: Vec<Vec<String>> =
        table.rows.iter().map(|r| r.iter().map(|c| visible_lines(&c.text).into_owned()).collect()).collect();
    let layout = layout(table, &rows, &columns, width, fit);
    if !layout.folded.is_empty() {
        let first = rows.first().map(Vec::as_slice).unwrap_or_default();
        let values: Vec<String> = layout
            .folded
            .iter()
            .map(|&i| match first.get(i).map(|c| truncate(c, MAX_CELL)) {
                Some(value) if !value.is_empty() => format!("{} {value}", columns[i]),
                _ => format!("{} (none)", columns[i]),
            })
            .collect();
        writeln!(out, "all runs: {}", values.join(", "))?;
    }
    let line = |cells: &[String], out: &mut dyn Write, style: Style| -> io::Result<()> {
        let mut text = String::new();
        for (n, &i) in layout.shown.iter().enumerate() {
            let w = layout.widths[i];
            let cell = cells.get(i).map_or(String::new(), |c| truncate(c, w));
            text.push_str(&cell);
            if n + 1 < layout.shown.len() {
                text.push_str(&" ".repeat(w.saturating_sub(cell.width()) + 2));
            }
        }
        writeln!(out, "{style}{}{style:#}", text.trim_end())
    };
    line(&columns, out, header)?;
    for row in &rows {
        line(row, out, Style::new())?;
    }
    if !layout.hidden.is_empty() {
        let names: Vec<&str> = layout.hidden.iter().map(|&i| columns[i].as_str()).collect();
        let count = crate::format::count(names.len(), "column", None);
        writeln!(out, "({count} hidden to fit the width: {})", names.join(", "))?;
    }
    Ok(())
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
        render_fitted(&sample(), format, width, Fit::Plain, Style::new(), &mut buf)
            .expect("writing to a Vec cannot fail");
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
        // The table fits; the note under it is a sentence and may wrap.
        assert!(text.lines().filter(|l| !l.starts_with('(')).all(|l| l.width() <= 22), "{text}");
        // Short names stay whole: the number column goes, and says so.
        assert!(text.ends_with("(1 column hidden to fit the width: lr)\n"), "{text}");
        let text = rendered(Format::Table, Some(16));
        assert!(text.contains("brave…"), "{text}");
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
        let err =
            render_fitted(&big, Format::Csv, None, Fit::Plain, Style::new(), &mut Closed).expect_err("cannot write");
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn json_keeps_types() {
        let json: Value = serde_json::from_str(&rendered(Format::Json, None)).expect("valid json");
        assert_eq!(json[0]["lr"], serde_json::json!(0.1));
        assert_eq!(json[1]["lr"], Value::Null);
    }

    /// Three runs: a long name, a constant status, two metrics and a system series.
    fn runs() -> Table {
        let num = |v: f64| Cell::new(serde_json::json!(v), crate::format::number(v));
        let row = |id: &str, name: &str, acc: f64, rss: f64, loss: f64| {
            vec![Cell::text(id), Cell::text(name), Cell::text("completed"), num(acc), num(rss), num(loss)]
        };
        Table {
            columns: ["id", "name", "status", "acc", "sys/rss_bytes", "loss"].map(String::from).to_vec(),
            rows: vec![
                row("k3m9x2qa", "a-rather-long-experiment-name", 0.912345678, 123456789.0, 1.1470577e-6),
                row("z9z9z9z9", "short", 0.5, 223456789.0, 2.5e-9),
                row("a1b2c3d4", "mid-length-name", 0.75, 323456789.0, 0.25),
            ],
        }
    }

    fn fitted(table: &Table, width: usize, fit: Fit) -> String {
        let mut buf = Vec::new();
        render_fitted(table, Format::Table, Some(width), fit, Style::new(), &mut buf).expect("writing to a Vec");
        String::from_utf8(buf).expect("renderers write UTF-8")
    }

    #[test]
    fn a_table_that_fits_is_left_whole() {
        let text = fitted(&runs(), 200, Fit::Runs);
        assert!(!text.contains('…') && !text.contains("all runs") && !text.contains("hidden"), "{text}");
        assert!(text.contains("1.14706e-6") && text.contains("sys/rss_bytes"), "{text}");
    }

    #[test]
    fn constant_columns_fold_first_for_runs() {
        let text = fitted(&runs(), 80, Fit::Runs);
        assert!(text.starts_with("all runs: status completed\n"), "{text}");
        assert!(!text.lines().nth(1).unwrap_or("").contains("status"), "{text}");
        // A plain table (compare's) keeps its constant columns.
        assert!(fitted(&runs(), 80, Fit::Plain).lines().next().unwrap_or("").contains("status"));
    }

    #[test]
    fn system_series_go_before_text_is_cut() {
        let text = fitted(&runs(), 80, Fit::Plain);
        assert!(!text.lines().next().unwrap_or("").contains("sys/"), "{text}");
        assert!(text.ends_with("(1 column hidden to fit the width: sys/rss_bytes)\n"), "{text}");
        assert!(text.contains("a-rather-long-experiment-name"), "the name was cut before it had to be:\n{text}");
    }

    #[test]
    fn long_text_is_cut_then_numbers_go_from_the_right_never_cut() {
        let text = fitted(&runs(), 52, Fit::Runs);
        assert!(text.lines().all(|l| l.width() <= 52), "{text}");
        assert!(text.contains("a-rather-long-exper…"), "{text}");
        assert!(text.contains("1.14706e-6") && text.contains("0.912346"), "numbers stay whole:\n{text}");
        let text = fitted(&runs(), 40, Fit::Runs);
        assert!(text.contains("(2 columns hidden to fit the width: sys/rss_bytes, loss)"), "{text}");
        assert!(text.contains("0.912346") && text.contains("k3m9x2qa"), "{text}");
    }

    #[test]
    fn truncate_cuts_with_ellipsis() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(truncate("ab\ncd", 10), "ab…");
    }
}
