//! The tables of `git exp metrics` (terminal, CSV, TSV, Markdown), written row by row.

use std::io::Write;

use anstyle::Style;

use super::EachRow;
use crate::format::stored;
use crate::store::Row;
use crate::ui::{Format, PlainRows, Widths};

/// The rows `key, step, value, time` (no key column for one key), written as they are read. The
/// terminal layout needs the widths first: one extra pass over the stored files measures them.
pub(super) fn write(
    out: &mut dyn Write,
    header: Style,
    format: Format,
    keys: &[String],
    each_row: &EachRow<'_>,
) -> anyhow::Result<()> {
    let leads = keys.len() > 1;
    let columns: &[&str] = if leads { &["key", "step", "value", "time"] } else { &["step", "value", "time"] };
    // People read six significant digits with the exponent kept; csv/tsv keep every digit.
    let human = matches!(format, Format::Table | Format::Md);
    let first = usize::from(leads);
    let mut texts = Texts::default();
    let mut widths = Widths::of_columns(columns);
    if format == Format::Table {
        for key in keys {
            let mut measured_key = !leads;
            each_row(key, &mut |row| {
                if !measured_key {
                    widths.measure(&[key]);
                    measured_key = true;
                }
                for (n, cell) in texts.of(&row, human).iter().enumerate() {
                    widths.measure_cell(first + n, cell);
                }
                Ok(())
            })?;
        }
    }
    let mut rows = PlainRows::new(format, columns, widths, leads, header, out)?;
    let mut written = Ok(());
    for key in keys {
        rows.lead(key);
        written = each_row(key, &mut |row| Ok(rows.row(&texts.of(&row, human))?));
        if written.is_err() {
            break;
        }
    }
    // The rows before an error are printed with it.
    let finished = rows.finish();
    written?;
    Ok(finished?)
}

/// The cells of the row being written, when they are not the stored texts themselves.
#[derive(Default)]
struct Texts {
    step: String,
    value: String,
    time: String,
}

impl Texts {
    /// The cells `step, value, time` of `row`: a stored row's own texts where they are what the
    /// format prints (always for csv/tsv; for people, a value of up to six digits, or one of more
    /// rounded from its text), else formatted from the point.
    fn of<'a>(&'a mut self, row: &Row<'a>, human: bool) -> [&'a str; 3] {
        match row {
            Row::Stored(stored) => {
                let value = if !human {
                    stored.value
                } else {
                    match stored::number_of_exact(stored.value, &mut self.value) {
                        Some(stored::Number::Same) => stored.value,
                        Some(stored::Number::Rounded) => &self.value,
                        None => {
                            self.value = crate::format::number(stored.value());
                            &self.value
                        }
                    }
                };
                [stored.step, value, stored.time]
            }
            Row::Parsed(point) => {
                self.step = point.step.to_string();
                self.value = if human { crate::format::number(point.value) } else { crate::format::exact(point.value) };
                self.time = format!("{:.3}", point.time);
                [&self.step, &self.value, &self.time]
            }
        }
    }
}
