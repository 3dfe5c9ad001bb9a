use crate::commands::{Ctx, ExitStatus};
use crate::ui::{Format, Ui};

/// List runs, newest first, from every branch
///
/// Examples:
///   git exp ls
///   git exp ls --format json | jq '.[0].params'
///   git exp ls --branch main --limit 5
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct LsArgs {
    /// Show only runs started on this branch
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Show at most N runs
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<usize>,
}

pub fn cmd_ls(ui: &mut Ui, ctx: &Ctx, args: &LsArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let listing = store.list()?;
    for warning in &listing.warnings {
        ui.warn(warning);
    }
    let runs: Vec<_> = listing
        .runs
        .iter()
        .filter(|r| args.branch.as_ref().is_none_or(|b| r.record.branch.as_ref() == Some(b)))
        .take(args.limit.unwrap_or(usize::MAX))
        .collect();
    if ui.format() == Format::Json {
        let now = crate::clock::now();
        let json: Vec<_> = runs.iter().map(|r| r.to_json(now)).collect();
        ui.print_json(&json)?;
        return Ok(ExitStatus::Success);
    }
    for run in runs {
        writeln!(ui.out(), "{} {} {}", run.record.id, run.record.name, run.status)?;
    }
    Ok(ExitStatus::Success)
}
