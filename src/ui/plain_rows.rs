//! Rows of numbers written at the speed of copying them: `git exp metrics` of a million points.
//! [`RowWriter`] does per-row work that numbers never need (a csv writer's quoting, a `String` per
//! terminal row, markdown escapes); here a cell of plain characters is copied into one buffer,
//! and only other cells (a metric key, given once per series) go the general way. The bytes are
//! those of [`RowWriter`], which the tests check.

use std::borrow::Cow;
use std::io::{self, Write};

use anstyle::Style;
use unicode_width::UnicodeWidthStr as _;

use super::escape::visible_lines;
use super::table::escape_markdown_cell;
use super::{Format, RowWriter, Widths};

/// Output is handed to the stream in pieces of about this size.
const PIECE: usize = 64 * 1024;

/// A cell that reads the same in every format, one byte one column: no delimiter, quote,
/// markdown character, control character or space can be in it.
fn is_plain(cell: &str) -> bool {
    !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
}

impl Widths {
    /// Widens `column` to fit `cell`, as [`Widths::measure`] does (without its work for a plain
    /// cell, one column per byte).
    pub fn measure_cell(&mut self, column: usize, cell: &str) {
        let width = if is_plain(cell) { cell.len() } else { visible_lines(cell).width() };
        if let Some(widest) = self.0.get_mut(column) {
            *widest = (*widest).max(width);
        }
    }
}

/// Writes the header at once, then rows of a leading cell (set by [`Self::lead`], once for many
/// rows) and plain cells, in a terminal table, CSV, TSV or Markdown, as [`RowWriter`] does.
pub struct PlainRows<'a> {
    format: Format,
    widths: Vec<usize>,
    out: &'a mut dyn Write,
    buf: Vec<u8>,
    /// The leading cell as written, with what follows it before the next cell.
    lead: Vec<u8>,
    leads: bool,
}

impl<'a> PlainRows<'a> {
    /// `leads`: whether the first column is the leading cell (set by [`Self::lead`]).
    pub fn new(
        format: Format,
        columns: &[&str],
        widths: Widths,
        leads: bool,
        header: Style,
        out: &'a mut dyn Write,
    ) -> io::Result<Self> {
        RowWriter::new(format, columns, widths.clone(), header, &mut *out)?.finish()?;
        Ok(Self { format, widths: widths.0, out, buf: Vec::with_capacity(PIECE + 256), lead: Vec::new(), leads })
    }

    /// The leading cell of the rows that follow (any text).
    pub fn lead(&mut self, cell: &str) {
        self.lead.clear();
        let text = self.cell(cell);
        self.lead.extend_from_slice(text.as_bytes());
        self.lead.extend_from_slice(self.after(0, &text).as_bytes());
    }

    /// One row: the leading cell, then `cells`.
    pub fn row(&mut self, cells: &[&str]) -> io::Result<()> {
        let first = usize::from(self.leads);
        if !cells.iter().all(|c| is_plain(c)) {
            return self.general_row(cells);
        }
        if self.format == Format::Md {
            self.buf.extend_from_slice(b"| ");
        }
        if self.leads {
            self.buf.extend_from_slice(&self.lead);
        }
        for (n, cell) in cells.iter().enumerate() {
            self.buf.extend_from_slice(cell.as_bytes());
            if n + 1 < cells.len() {
                let column = first + n;
                match self.format {
                    Format::Csv => self.buf.push(b','),
                    Format::Tsv => self.buf.push(b'\t'),
                    Format::Md => self.buf.extend_from_slice(b" | "),
                    Format::Table | Format::Json => {
                        let pad = self.widths.get(column).copied().unwrap_or(0).saturating_sub(cell.len()) + 2;
                        self.buf.resize(self.buf.len() + pad, b' ');
                    }
                }
            }
        }
        if self.format == Format::Md {
            self.buf.extend_from_slice(b" |");
        }
        self.buf.push(b'\n');
        self.spill()
    }

    /// Writes what is buffered; also what a failed export printed before its error.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()
    }

    fn spill(&mut self) -> io::Result<()> {
        if self.buf.len() >= PIECE {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// A row with a cell that is not plain, cell by cell as [`RowWriter`] writes it.
    fn general_row(&mut self, cells: &[&str]) -> io::Result<()> {
        let first = usize::from(self.leads);
        let mut line = String::new();
        if self.format == Format::Md {
            line.push_str("| ");
        }
        if self.leads {
            line.push_str(&String::from_utf8_lossy(&self.lead));
        }
        for (n, cell) in cells.iter().enumerate() {
            let text = self.cell(cell);
            line.push_str(&text);
            if n + 1 < cells.len() {
                line.push_str(&self.after(first + n, &text));
            }
        }
        match self.format {
            Format::Md => line.push_str(" |"),
            Format::Table | Format::Json => line.truncate(line.trim_end().len()),
            Format::Csv | Format::Tsv => {}
        }
        line.push('\n');
        self.buf.extend_from_slice(line.as_bytes());
        self.spill()
    }

    /// A cell as the format writes it: quoted for CSV and TSV where needed, escaped for Markdown,
    /// control characters shown for the terminal.
    fn cell<'c>(&self, cell: &'c str) -> Cow<'c, str> {
        match self.format {
            Format::Csv | Format::Tsv => {
                let delimiter = if self.format == Format::Csv { b',' } else { b'\t' };
                // The csv writer's own quoting: a record of the cell and an empty one is the
                // cell as written, the delimiter and the newline.
                let mut writer = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
                match writer.write_record([cell, ""]).ok().and_then(|()| writer.into_inner().ok()) {
                    Some(record) => {
                        Cow::Owned(String::from_utf8_lossy(&record[..record.len().saturating_sub(2)]).into_owned())
                    }
                    None => Cow::Borrowed(cell),
                }
            }
            Format::Md => Cow::Owned(escape_markdown_cell(cell)),
            Format::Table | Format::Json => visible_lines(cell),
        }
    }

    /// What follows a written cell of `column` before the next one.
    fn after(&self, column: usize, text: &str) -> Cow<'static, str> {
        match self.format {
            Format::Csv => Cow::Borrowed(","),
            Format::Tsv => Cow::Borrowed("\t"),
            Format::Md => Cow::Borrowed(" | "),
            Format::Table | Format::Json => {
                let width = self.widths.get(column).copied().unwrap_or(0);
                Cow::Owned(" ".repeat(width.saturating_sub(text.width()) + 2))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain and other cells, with and without a leading cell, as `RowWriter` writes them.
    #[test]
    fn rows_match_the_row_writer() {
        let rows: [&[&'static str]; 5] = [
            &["0", "0.5", "1.000"],
            &["-12", "nan", "NaN"],
            &["", "a b", "x|y"],
            &["é", "1e+16", ""],
            &["7", "\u{1b}", "1"],
        ];
        for format in [Format::Table, Format::Csv, Format::Tsv, Format::Md] {
            for lead in [None, Some("train/loss"), Some("a,b | \"c\"")] {
                let columns: &[&str] =
                    if lead.is_some() { &["key", "step", "value", "time"] } else { &["step", "value", "time"] };
                let full =
                    |row: &[&'static str]| lead.iter().copied().chain(row.iter().copied()).collect::<Vec<&str>>();
                let mut widths = Widths::of_columns(columns);
                rows.iter().for_each(|r| widths.measure(&full(r)));

                let mut expected = Vec::new();
                let mut writer = RowWriter::new(format, columns, widths.clone(), Style::new(), &mut expected).unwrap();
                rows.iter().for_each(|r| writer.row(&full(r)).unwrap());
                writer.finish().unwrap();

                let mut written = Vec::new();
                let mut plain =
                    PlainRows::new(format, columns, widths, lead.is_some(), Style::new(), &mut written).unwrap();
                if let Some(lead) = lead {
                    plain.lead(lead);
                }
                rows.iter().for_each(|r| plain.row(r).unwrap());
                plain.finish().unwrap();
                assert_eq!(
                    String::from_utf8(written).unwrap(),
                    String::from_utf8(expected).unwrap(),
                    "{format:?} {lead:?}"
                );
            }
        }
    }
}
