use crate::capture;
use crate::commands::{Ctx, ExitStatus};
use crate::config::Config;
use crate::store::{RunSpec, Status};
use crate::ui::Ui;

/// Commit the runs whose git-exp process died
///
/// A run that is still `running` but whose process is gone (killed, machine rebooted) shows as
/// `crashed`. `recover` commits every metric, output line and artifact its spool received, with
/// status `crashed`. A run whose command still runs after git-exp died stays `running` until the
/// command ends. One recover at a time: a second one waits up to 10 seconds, then stops.
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
    // Held to the end: the listing, every commit and every spool removal happen under it, so two
    // recovers never commit a run twice nor read a spool the other is removing.
    let _lock = capture::RecoverLock::acquire(store.dir())?;
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
        if !capture::still_crashed(&store, run) {
            ui.warn(format!("run {} ({}) is no longer crashed; left as it is", run.id(), run.record.name));
            continue;
        }
        let Some((run, notices)) = capture::recover(&store, &config, run)? else {
            ui.warn(format!("run {} ({}) finished by itself meanwhile; left as it is", run.id(), run.record.name));
            continue;
        };
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
    if args.runs.is_empty() {
        for run in capture::remove_leftover_spools(&store, &listing.runs) {
            writeln!(
                ui.status(),
                "Removed the leftover spool of run {} ({}), already recorded.",
                run.id(),
                run.record.name
            )?;
        }
    }
    if recovered == 0 && args.runs.is_empty() {
        writeln!(ui.status(), "No crashed runs to recover.")?;
    }
    Ok(ExitStatus::Success)
}
