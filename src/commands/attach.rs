use crate::capture::{self, Request};
use crate::commands::run::RecordArgs;
use crate::commands::{Ctx, ExitStatus};
use crate::ui::{Ui, UsageError};

/// Record a run of a program that is already running (used by the Python helper)
///
/// What `git_exp.init()` starts when a Python program or notebook is not run by `git exp run`:
/// snapshots the code and commits a running run as `run` does, prints one JSON line on stdout
/// (`{"id", "name", "env"}`: the run protocol's variables for the program), then waits until the
/// program writes `$GIT_EXP_FINISH` or exits, and commits its params, metrics, output and
/// artifacts from the spool. A program that exits without writing the finish file is recorded as
/// crashed. The command after `--` is what the record shows as the run's command.
///
/// Examples:
///   git exp attach --pid 4242 -n notebook -- python train.py
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct AttachArgs {
    /// The process to follow: the run ends when it exits
    #[arg(long, value_name = "PID")]
    pub pid: u32,
    #[command(flatten)]
    pub record: RecordArgs,
    /// A note stored with the run
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,
    /// The program's command line, as recorded
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn cmd_attach(ui: &mut Ui, ctx: &Ctx, args: &AttachArgs) -> anyhow::Result<ExitStatus> {
    let (params, grids) = args.record.params(ctx)?;
    if let Some((key, _)) = grids.first() {
        return Err(
            UsageError::new(format!("`-p {key}=[…]` sweeps runs; an attached run has one set of params")).into()
        );
    }
    let store = ctx.store()?;
    let request = Request {
        name: args.record.name.clone(),
        tags: args.record.tags.clone(),
        note: args.message.clone().unwrap_or_default(),
        params,
        command: args.command.clone(),
        template: args.command.clone(),
        dir: ctx.cwd.clone(),
        ..Request::default()
    };
    let attached = capture::attach::attach(&store, request, args.pid)?;
    for notice in &attached.notices {
        ui.warn(notice);
    }
    let env: serde_json::Map<String, serde_json::Value> =
        attached.env().into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
    let hello = serde_json::json!({"id": attached.run.id().to_string(), "name": attached.run.record.name, "env": env});
    writeln!(ui.out(), "{hello}")?;
    writeln!(ui.status(), "Recording run {} ({})", attached.run.id(), crate::ui::visible(&attached.run.record.name))?;
    ui.flush();
    let (run, notices) = attached.supervise(&store)?;
    store.maintain();
    for notice in &notices {
        ui.warn(notice);
    }
    // The run is committed; the program that reads our stderr may be gone (a crash): a failed
    // status line is no failure of the command.
    let _ = writeln!(
        ui.status(),
        "Run {} ({}) {}: {}",
        run.id(),
        crate::ui::visible(&run.record.name),
        run.status,
        run.commit
    );
    Ok(ExitStatus::Success)
}
