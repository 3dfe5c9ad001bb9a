use crate::capture;
use crate::commands::{Ctx, ExitStatus};
use crate::config::Config;
use crate::store::{RunSpec, Status};
use crate::ui::Ui;

/// Commit the runs whose git-exp process died
///
/// A run that is still `running` but whose process is gone (killed, machine rebooted) shows as
/// `crashed`. `recover` commits every metric, output line and artifact its spool received, with
/// status `crashed`.
///
/// Examples:
///   git exp recover
///   git exp recover k3m9x2qa
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct RecoverArgs {
    /// Runs to recover [default: every crashed run]
    pub runs: Vec<RunSpec>,
}

pub fn cmd_recover(ui: &mut Ui, ctx: &Ctx, args: &RecoverArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let config = Config::load(store.workdir())?;
    let listing = store.list()?;
    let runs: Vec<_> = if args.runs.is_empty() {
        listing.runs.iter().filter(|r| r.record.status == Status::Running && r.status == Status::Crashed).collect()
    } else {
        args.runs.iter().map(|s| s.resolve(&listing.runs)).collect::<Result<_, _>>()?
    };
    let mut recovered = 0;
    for run in runs {
        if run.status != Status::Crashed || run.record.status != Status::Running {
            ui.warn(format!("run {} ({}) is {}, not crashed; left as it is", run.id(), run.record.name, run.status));
            continue;
        }
        let (run, notices) = capture::recover(&store, &config, run)?;
        for notice in notices {
            ui.warn(notice);
        }
        let points: u64 = run.record.metrics.values().map(|m| m.count).sum();
        let bytes = run.record.output.as_ref().map_or(0, |o| o.bytes);
        writeln!(
            ui.status(),
            "Recovered run {} ({}): {points} metric points, {bytes} bytes of output.",
            run.id(),
            run.record.name
        )?;
        recovered += 1;
    }
    if recovered == 0 && args.runs.is_empty() {
        writeln!(ui.status(), "No crashed runs to recover.")?;
    }
    Ok(ExitStatus::Success)
}
