//! `git exp metrics`: a run's series at full resolution. Rows git-exp wrote are copied from the
//! stored file where the output prints the same text (`store::Row::Stored`); others are parsed and
//! printed as before, so the output is the same either way, at close to the speed of the file.

mod json;
mod rows;

use crate::commands::{Ctx, ExitStatus};
use crate::store::RunSpec;
use crate::ui::{Format, Ui};

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
    // Streamed: a series is read a piece of its stored file at a time and written at once, so
    // memory stays that of a piece whatever the number of points.
    let each_row =
        |key: &str, each: &mut dyn FnMut(crate::store::Row<'_>) -> anyhow::Result<()>| files.for_each_row(key, each);
    match ui.format() {
        Format::Json => json::write(ui.out(), &keys, &each_row)?,
        format => {
            let header = ui.style(anstyle::Style::new().bold());
            rows::write(ui.out(), header, format, &keys, &each_row)?;
        }
    }
    Ok(ExitStatus::Success)
}

/// Calls its second argument with every row of series `key` in order.
type EachRow<'a> = dyn Fn(&str, &mut dyn FnMut(crate::store::Row<'_>) -> anyhow::Result<()>) -> anyhow::Result<()> + 'a;

#[cfg(test)]
mod tests;
