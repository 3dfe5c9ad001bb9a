use crate::capture::{self, Request};
use crate::commands::run::RecordArgs;
use crate::commands::{Ctx, ExitStatus};
use crate::ui::{Ui, UsageError};

/// Record a run without executing anything
///
/// Commits the working tree as it is now, with params and metric values, as a completed run:
/// for notebooks, manual checkpoints and results computed elsewhere.
///
/// Examples:
///   git exp snapshot -m "notebook checkpoint"
///   git exp snapshot -n tuned -p lr=0.05 --metric acc=0.91 --metric loss=0.2
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub record: RecordArgs,
    /// A note stored with the run
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,
    /// A metric value as KEY=NUMBER, stored at step 0 (can be repeated)
    #[arg(long = "metric", value_name = "KEY=NUMBER", value_parser = parse_metric)]
    pub metrics: Vec<(String, f64)>,
}

fn parse_metric(text: &str) -> Result<(String, f64), String> {
    let (key, value) = text.split_once('=').ok_or_else(|| format!("`{text}` is not a metric: expected KEY=NUMBER"))?;
    // Checked here, normalised (with its warning) by `cmd_snapshot`.
    crate::store::record::normalise_metric_key(key)?;
    let number = match value.trim() {
        "nan" => f64::NAN,
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        v => v.parse().map_err(|_| format!("metric `{key}`: `{value}` is not a number"))?,
    };
    Ok((key.to_owned(), number))
}

/// The metrics under their keys after the shared key rule; each changed key is said once, as
/// `git exp run` says it.
fn normalised(ui: &mut Ui, metrics: &[(String, f64)]) -> Vec<(String, f64)> {
    let mut warned = std::collections::BTreeSet::new();
    metrics
        .iter()
        .map(|(raw, value)| {
            // parse_metric has checked that the rule accepts the key.
            let key = crate::store::record::normalise_metric_key(raw).map_or_else(|_| raw.clone(), |k| k.into_owned());
            if key != *raw && warned.insert(raw.clone()) {
                let _ = writeln!(ui.status(), "git-exp: metric key {raw:?} recorded as {key:?}");
            }
            (key, *value)
        })
        .collect()
}

pub fn cmd_snapshot(ui: &mut Ui, ctx: &Ctx, args: &SnapshotArgs) -> anyhow::Result<ExitStatus> {
    let (params, grids) = args.record.params(ctx)?;
    if let Some((key, _)) = grids.first() {
        return Err(UsageError::new(format!("`-p {key}=[…]` sweeps runs; a snapshot records one set of params")).into());
    }
    if args.record.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(UsageError::new("a run name cannot be empty").into());
    }
    let store = ctx.store()?;
    let request = Request {
        name: args.record.name.clone(),
        tags: args.record.tags.clone(),
        note: args.message.clone().unwrap_or_default(),
        params,
        dir: ctx.cwd.clone(),
        ..Request::default()
    };
    let (run, notices) = capture::snapshot(&store, &request, &normalised(ui, &args.metrics))?;
    store.maintain();
    for notice in notices {
        ui.warn(notice);
    }
    writeln!(ui.status(), "Recorded snapshot {} ({}): {}", run.id(), crate::ui::visible(&run.record.name), run.commit)?;
    writeln!(ui.out(), "{}", run.id())?;
    Ok(ExitStatus::Success)
}
