use crate::commands::{Ctx, ExitStatus};
use crate::store::RunSpec;
use crate::ui::{Ui, UsageError};

/// Create a branch whose tip has a run's code
///
/// The branch's commit has the run's code (without .git-exp/) and the run's base as parent, so
/// `git diff <base> <branch>` shows what the run changed. HEAD and the working tree stay as
/// they are; check the branch out when you like.
///
/// Examples:
///   git exp branch brave-otter try-lr-0.1
///   git switch try-lr-0.1
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct BranchArgs {
    /// Run: id, id prefix (4+), name, `@` or `@~N`
    pub run: RunSpec,
    /// Name of the new branch
    pub name: String,
}

pub fn cmd_branch(ui: &mut Ui, ctx: &Ctx, args: &BranchArgs) -> anyhow::Result<ExitStatus> {
    let name = args.name.strip_prefix("refs/heads/").unwrap_or(&args.name);
    let store = ctx.store()?;
    let run = store.resolve(&args.run)?;
    let commit = store.branch_from_run(&run, name).map_err(|e| {
        // A bad or taken name is the user's input: exit status 2, like other usage errors.
        if e.is_usage() { anyhow::Error::new(UsageError::new(e.to_string())) } else { e.into() }
    })?;
    let r = &run.record;
    writeln!(
        ui.status(),
        "Created branch {name} at {commit} with the code of run {} ({}).",
        r.id,
        crate::ui::visible(&r.name)
    )?;
    Ok(ExitStatus::Success)
}
