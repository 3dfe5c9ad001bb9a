use crate::commands::{Ctx, ExitStatus};
use crate::store::RunSpec;
use crate::ui::{Ui, UsageError};

/// Rename a run
///
/// Examples:
///   git exp rename @ lr-sweep-best
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct RenameArgs {
    /// Run: id, id prefix (4+), name, `@` or `@~N`
    pub run: RunSpec,
    /// The new name
    pub name: String,
}

pub fn cmd_rename(ui: &mut Ui, ctx: &Ctx, args: &RenameArgs) -> anyhow::Result<ExitStatus> {
    let name = args.name.trim();
    if name.is_empty() || name.contains('\n') {
        return Err(UsageError::new(format!("`{}` is not a name: names are one non-empty line", args.name)).into());
    }
    let store = ctx.store()?;
    let run = store.resolve(&args.run)?;
    let old = run.record.name.clone();
    let run = store.update_run(run.id(), "rename", &[], |record| record.name = name.to_owned())?;
    writeln!(
        ui.status(),
        "Renamed {} from {} to {}.",
        run.id(),
        crate::ui::visible(&old),
        crate::ui::visible(&run.record.name)
    )?;
    Ok(ExitStatus::Success)
}
