use crate::commands::{Ctx, ExitStatus};
use crate::config::Config;
use crate::store::{FileChange, RunSpec};
use crate::ui::Ui;

/// Put a run's code into the working tree
///
/// Files the run had are written, tracked files it did not have are deleted; untracked files
/// are left alone and the index is not touched, so `git diff` shows what changed. Refuses to
/// overwrite uncommitted work unless --force.
///
/// Examples:
///   git exp apply brave-otter
///   git exp apply @ --force
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ApplyArgs {
    /// Run: id, id prefix (4+), name, `@` or `@~N`
    pub run: RunSpec,
    /// Overwrite files with uncommitted changes
    #[arg(long)]
    pub force: bool,
}

pub fn cmd_apply(ui: &mut Ui, ctx: &Ctx, args: &ApplyArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let run = store.resolve(&args.run)?;
    let options = Config::load(Some(store.worktree_root()?))?.snapshot_options()?;
    let status = ui.status();
    let changed = store.apply_run(&run, &options, args.force, &mut |change, path| {
        let mark = match change {
            FileChange::Added => 'A',
            FileChange::Modified => 'M',
            FileChange::Deleted => 'D',
        };
        writeln!(status, "{mark} {path}")
    })?;
    if changed == 0 {
        writeln!(ui.status(), "The working tree already has the code of run {} ({}).", run.id(), run.record.name)?;
    } else {
        writeln!(
            ui.status(),
            "Applied the code of run {} ({}) to {}; `git diff` shows the changes.",
            run.id(),
            run.record.name,
            crate::format::count(changed, "file", None)
        )?;
    }
    Ok(ExitStatus::Success)
}
