use serde::Serialize;
use serde::ser::{SerializeMap as _, SerializeSeq as _};

use crate::commands::{Ctx, ExitStatus};
use crate::store::{Point, RunSeries, RunSpec};
use crate::ui::{Format, Ui, Widths};

/// Export metric series at full resolution
///
/// With one key the columns are step, value, time; with several, a key column comes first.
/// Without keys, every series of the run is exported.
///
/// Examples:
///   git exp metrics @ train/loss --format csv > loss.csv
///   git exp metrics brave-otter loss acc --format json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct MetricsArgs {
    /// Run: id, id prefix (4+), name, `@` or `@~N`
    pub run: RunSpec,
    /// Metric keys [default: all]
    pub keys: Vec<String>,
}

pub fn cmd_metrics(ui: &mut Ui, ctx: &Ctx, args: &MetricsArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let run = store.resolve(&args.run)?;
    let keys: Vec<String> =
        if args.keys.is_empty() { run.record.metrics.keys().cloned().collect() } else { args.keys.clone() };
    if let Some(missing) = keys.iter().find(|k| !run.record.metrics.contains_key(*k)) {
        let known: Vec<&str> = run.record.metrics.keys().map(String::as_str).collect();
        let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
        anyhow::bail!("run {} ({}) has no metric `{missing}` (it has: {known})", run.id(), run.record.name);
    }
    let files = store.run_series(&run)?;
    // Streamed: a series is read one point at a time from its stored file and written at once,
    // so memory stays the size of that file whatever the number of points.
    match ui.format() {
        Format::Json => {
            let mut json = serde_json::Serializer::pretty(ui.out());
            StreamedSeries { files: &files, keys: &keys }.serialize(&mut json).map_err(std::io::Error::from)?;
            writeln!(ui.out())?;
        }
        format => write_rows(ui, &files, &keys, format)?,
    }
    Ok(ExitStatus::Success)
}

/// The rows `key, step, value, time` (no key column for one key), written as they are read. The
/// terminal layout needs the widths first: one extra pass over the stored files measures them.
fn write_rows(ui: &mut Ui, files: &RunSeries<'_>, keys: &[String], format: Format) -> anyhow::Result<()> {
    let columns: &[&str] = if keys.len() > 1 { &["key", "step", "value", "time"] } else { &["step", "value", "time"] };
    // People read six significant digits with the exponent kept; csv/tsv keep every digit.
    let value = match format {
        Format::Table | Format::Md => crate::format::number,
        _ => crate::format::exact,
    };
    let cells = |key: &str, p: Point| {
        let row = [key.to_owned(), p.step.to_string(), value(p.value), format!("{:.3}", p.time)];
        let skip = 4 - columns.len();
        row.into_iter().skip(skip).collect::<Vec<String>>()
    };
    let mut widths = Widths::of_columns(columns);
    if format == Format::Table {
        for key in keys {
            files.for_each_point(key, |p| {
                widths.measure(&cells(key, p).iter().map(String::as_str).collect::<Vec<_>>());
                Ok::<_, anyhow::Error>(())
            })?;
        }
    }
    let mut rows = ui.row_writer(columns, widths)?;
    for key in keys {
        files.for_each_point(key, |p| {
            rows.row(&cells(key, p).iter().map(String::as_str).collect::<Vec<_>>())?;
            Ok::<_, anyhow::Error>(())
        })?;
    }
    rows.finish()?;
    Ok(())
}

/// `{"key": [{"step", "value", "time"}, …], …}` serialised while the files are read.
struct StreamedSeries<'a> {
    files: &'a RunSeries<'a>,
    keys: &'a [String],
}

impl Serialize for StreamedSeries<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.keys.len()))?;
        for key in self.keys {
            map.serialize_entry(key, &StreamedPoints { files: self.files, key })?;
        }
        map.end()
    }
}

struct StreamedPoints<'a> {
    files: &'a RunSeries<'a>,
    key: &'a str,
}

/// An error while streaming a series into a serializer: the store's (a bad file) or the
/// serializer's own (a closed pipe, kept as it is so that it still ends quietly).
enum Streaming<E> {
    Store(crate::store::Error),
    Write(E),
}

impl<E> From<crate::store::Error> for Streaming<E> {
    fn from(error: crate::store::Error) -> Self {
        Self::Store(error)
    }
}

impl Serialize for StreamedPoints<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        let streamed =
            self.files.for_each_point(self.key, |point| seq.serialize_element(&point).map_err(Streaming::Write));
        match streamed {
            Ok(()) => seq.end(),
            Err(Streaming::Write(error)) => Err(error),
            Err(Streaming::Store(error)) => Err(serde::ser::Error::custom(error)),
        }
    }
}
