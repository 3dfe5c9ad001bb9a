use crate::commands::{Ctx, ExitStatus};
use crate::store::RunSpec;
use crate::ui::Ui;

/// Bring runs back from the trash
///
/// Examples:
///   git exp restore k3m9x2qa
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct RestoreArgs {
    /// Runs in the trash: id, id prefix (4+) or name
    #[arg(required = true)]
    pub runs: Vec<RunSpec>,
}

pub fn cmd_restore(ui: &mut Ui, ctx: &Ctx, args: &RestoreArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let trash = store.list_trash()?;
    let runs = args.runs.iter().map(|spec| spec.resolve(&trash.runs)).collect::<Result<Vec<_>, _>>()?;
    for run in runs {
        store.restore(run)?;
        writeln!(ui.status(), "Restored run {} ({}).", run.id(), crate::ui::visible(&run.record.name))?;
    }
    Ok(ExitStatus::Success)
}
