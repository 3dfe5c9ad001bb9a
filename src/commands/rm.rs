use crate::commands::{Ctx, ExitStatus};
use crate::store::RunSpec;
use crate::ui::Ui;

/// Move runs to the trash
///
/// The run's ref moves to refs/git-exp/trash/<id>: `git exp restore` brings it back, and
/// `git exp gc` deletes trash older than 30 days.
///
/// Examples:
///   git exp rm @
///   git exp rm k3m9 brave-otter
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct RmArgs {
    /// Runs: id, id prefix (4+), name, `@` or `@~N`
    #[arg(required = true)]
    pub runs: Vec<RunSpec>,
}

pub fn cmd_rm(ui: &mut Ui, ctx: &Ctx, args: &RmArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    // Resolve all first, so that `@ @~1` means what it meant before anything moved.
    let runs = args.runs.iter().map(|spec| store.resolve(spec)).collect::<Result<Vec<_>, _>>()?;
    for run in &runs {
        store.trash(run)?;
        writeln!(
            ui.status(),
            "Moved run {} ({}) to the trash; `git exp restore {}` brings it back.",
            run.id(),
            crate::ui::visible(&run.record.name),
            run.id()
        )?;
    }
    Ok(ExitStatus::Success)
}
