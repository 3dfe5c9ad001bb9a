use crate::commands::{Ctx, ExitStatus};
use crate::store::{Point, RunSpec};
use crate::ui::{Cell, Format, Table, Ui};

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
    let mut series: Vec<(String, Vec<Point>)> = Vec::new();
    for key in keys {
        let points = files.points(&key)?;
        series.push((key, points));
    }
    if ui.format() == Format::Json {
        let object: serde_json::Map<String, serde_json::Value> =
            series.iter().map(|(k, p)| (k.clone(), serde_json::to_value(p).unwrap_or_default())).collect();
        ui.print_json(&object)?;
        return Ok(ExitStatus::Success);
    }
    let with_key = series.len() > 1;
    let mut table = Table { columns: vec![], rows: vec![] };
    if with_key {
        table.columns.push("key".into());
    }
    table.columns.extend(["step", "value", "time"].map(String::from));
    // People read six significant digits with the exponent kept; csv/tsv keep every digit.
    let fmt = match ui.format() {
        Format::Table | Format::Md => crate::format::number,
        _ => crate::format::exact,
    };
    for (key, points) in &series {
        for p in points {
            let mut row = Vec::with_capacity(4);
            if with_key {
                row.push(Cell::text(key.clone()));
            }
            row.push(Cell::new(p.step.into(), p.step.to_string()));
            row.push(Cell::new(serde_json::Value::Null, fmt(p.value)));
            row.push(Cell::new(serde_json::Value::Null, format!("{:.3}", p.time)));
            table.rows.push(row);
        }
    }
    ui.print_table(&table)?;
    Ok(ExitStatus::Success)
}
