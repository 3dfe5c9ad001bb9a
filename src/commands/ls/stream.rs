//! Printing chosen runs one by one, for listings too long to hold: whole records are read in
//! batches (on all cores) and printed as they come, so memory stays bounded at any number of
//! runs. Used for `--format json` of whole runs, and for csv, tsv and json with `--columns`.

use serde_json::{Map, Value as Json};

use super::Columns;
use crate::query::{self, Candidate, CellStyle, Field};
use crate::store::{Run, Store};
use crate::ui::{Format, Ui, Widths};

/// Runs whose whole record is read at once: enough to keep every core busy, few enough that a
/// batch of large records stays small.
const BATCH: usize = 256;

/// What is printed row by row.
pub(super) enum Stream {
    /// `--format json` without column options: every run whole.
    WholeRuns,
    /// csv, tsv or json with `--columns`: these fields.
    Fields(Vec<Field>),
}

pub(super) type Chosen<'a> = Box<dyn Iterator<Item = Result<Candidate<'a>, String>> + 'a>;

impl Stream {
    /// The streamed form of these options, if they have one: a terminal or Markdown table
    /// needs every row first (widths), and so do default columns and `--hide-unchanged`.
    pub(super) fn of(columns: &Columns, format: Format, hide_unchanged: bool) -> Option<Self> {
        match columns {
            Columns::Whole => Some(Stream::WholeRuns),
            Columns::Given(fields) if !hide_unchanged && matches!(format, Format::Csv | Format::Tsv | Format::Json) => {
                Some(Stream::Fields(fields.clone()))
            }
            _ => None,
        }
    }

    pub(super) fn print(
        self,
        ui: &mut Ui,
        store: &Store,
        chosen: Chosen<'_>,
        now: jiff::Timestamp,
    ) -> anyhow::Result<()> {
        let mut warnings = Vec::new();
        let format = ui.format();
        match self {
            Stream::WholeRuns => {
                let mut array = ui.json_array()?;
                resolve(
                    store,
                    chosen,
                    |_| true,
                    &mut warnings,
                    |candidate| match candidate {
                        Candidate::Whole(run) => array.element(&run.json_view(now)),
                        Candidate::Row(_) => Ok(()),
                    },
                )?;
                array.finish()?;
            }
            Stream::Fields(fields) if format == Format::Json => {
                let style = CellStyle::machine();
                let names: Vec<String> = fields.iter().map(Field::to_string).collect();
                let mut array = ui.json_array()?;
                let needs_whole = |run: &query::IndexedRun<'_>| fields.iter().any(|f| run.value(f, now).is_none());
                resolve(store, chosen, needs_whole, &mut warnings, |candidate| {
                    let object: Map<String, Json> = names
                        .iter()
                        .zip(&fields)
                        .map(|(name, f)| (name.clone(), query::field_cell(&candidate.value(f, now), f, &style).value))
                        .collect();
                    array.element(&object)
                })?;
                array.finish()?;
            }
            Stream::Fields(fields) => {
                let style = CellStyle::machine();
                let names: Vec<String> = fields.iter().map(Field::to_string).collect();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                // Widths matter only for the terminal layout, never streamed.
                let mut writer = ui.row_writer(&names, Widths::of_columns(&names))?;
                let needs_whole = |run: &query::IndexedRun<'_>| fields.iter().any(|f| run.value(f, now).is_none());
                resolve(store, chosen, needs_whole, &mut warnings, |candidate| {
                    let cells: Vec<String> =
                        fields.iter().map(|f| query::field_cell(&candidate.value(f, now), f, &style).text).collect();
                    let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                    writer.row(&cells)
                })?;
                writer.finish()?;
            }
        }
        for warning in warnings {
            ui.warn(warning);
        }
        Ok(())
    }
}

/// Every chosen run, in order, for printing a table of `fields`: as its row of the listing
/// index where the row answers them all (or as it came), else whole; runs that cannot be read
/// are warnings. Reading no record keeps `ls --columns … --limit 20` off the object store: at
/// 100,000 runs, looking 20 records up in the pack faulted in about 8 MiB.
pub(super) fn candidates<'a>(
    ui: &mut Ui,
    store: &Store,
    chosen: Chosen<'a>,
    fields: &[Field],
    now: jiff::Timestamp,
) -> anyhow::Result<Vec<Candidate<'a>>> {
    let mut warnings = Vec::new();
    let mut runs = Vec::new();
    let needs_whole = |run: &query::IndexedRun<'_>| fields.iter().any(|f| run.value(f, now).is_none());
    resolve(store, chosen, needs_whole, &mut warnings, |candidate| {
        runs.push(candidate);
        Ok(())
    })?;
    for warning in warnings {
        ui.warn(warning);
    }
    Ok(runs)
}

/// Every chosen run held whole, in order, for printing a table; runs that cannot be read are
/// warnings.
pub(super) fn whole_runs(
    ui: &mut Ui,
    store: &Store,
    chosen: Chosen<'_>,
    mut each: impl FnMut(Run) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut warnings = Vec::new();
    resolve(
        store,
        chosen,
        |_| true,
        &mut warnings,
        |candidate| match candidate {
            Candidate::Whole(run) => each(*run),
            Candidate::Row(_) => Ok(()),
        },
    )?;
    for warning in warnings {
        ui.warn(warning);
    }
    Ok(())
}

/// Hands each chosen run to `each` in order: as its row, or whole where `needs_whole` says the
/// row is not enough (read in batches of [`BATCH`]).
fn resolve<'a>(
    store: &Store,
    chosen: Chosen<'a>,
    needs_whole: impl Fn(&query::IndexedRun<'_>) -> bool,
    warnings: &mut Vec<String>,
    mut each: impl FnMut(Candidate<'a>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut batch = Vec::with_capacity(BATCH);
    for item in chosen {
        match item {
            Ok(candidate) => batch.push(candidate),
            Err(message) => warnings.push(message),
        }
        if batch.len() == BATCH {
            flush(store, &mut batch, &needs_whole, warnings, &mut each)?;
        }
    }
    flush(store, &mut batch, &needs_whole, warnings, &mut each)
}

fn flush<'a>(
    store: &Store,
    batch: &mut Vec<Candidate<'a>>,
    needs_whole: &impl Fn(&query::IndexedRun<'_>) -> bool,
    warnings: &mut Vec<String>,
    each: &mut impl FnMut(Candidate<'a>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let wanted: Vec<_> = batch
        .iter()
        .filter_map(|c| match c {
            Candidate::Row(run) if needs_whole(run) => Some((run.row.commit, run.row.id.to_owned())),
            _ => None,
        })
        .collect();
    let mut read = store.read_rows(&wanted).into_iter();
    for candidate in batch.drain(..) {
        let candidate = match candidate {
            Candidate::Row(run) if needs_whole(&run) => match read.next() {
                Some(Ok(whole)) => Candidate::Whole(Box::new(whole)),
                Some(Err(message)) => {
                    warnings.push(message);
                    continue;
                }
                // `read_rows` answers every run asked for; nothing to print otherwise.
                None => continue,
            },
            other => other,
        };
        each(candidate)?;
    }
    Ok(())
}
