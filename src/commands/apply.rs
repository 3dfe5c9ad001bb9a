use std::collections::HashSet;

use crate::commands::{Ctx, ExitStatus};
use crate::config::Config;
use crate::git::FileChange;
use crate::store::RunSpec;
use crate::store::record::RECORD_DIR;
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
    let repo = &store.repo;
    let root = repo.workdir().ok_or(crate::git::Error::Bare)?.to_owned();

    // The working tree as a tree (what a run would snapshot now) against HEAD and the run.
    let code = repo.snapshot_code(&Config::load(Some(&root))?.snapshot_options()?)?;
    let worktree = repo.write_tree(code.base_tree, &code.edits)?;
    let run_tree = repo.commit_info(run.commit)?.tree;
    let local: HashSet<String> =
        repo.changed_files(code.base_tree, worktree, RECORD_DIR)?.into_iter().map(|(_, p)| p).collect();
    let head_files: HashSet<String> = repo.list_files(code.base_tree)?.into_iter().map(|f| f.path).collect();
    let changes = repo.changed_files(worktree, run_tree, RECORD_DIR)?;
    // A run is untrusted: refuse it whole, before writing anything, if any path is unsafe.
    for (_, path) in &changes {
        crate::relpath::check(path).map_err(|e| anyhow::anyhow!("cannot apply run {}: {e}", run.id()))?;
    }

    let mut plan = Vec::new();
    let mut at_risk = Vec::new();
    for (change, path) in changes {
        // Untracked files the run lacks are the user's: never deleted.
        if change == FileChange::Deleted && !head_files.contains(&path) {
            continue;
        }
        let unseen = change == FileChange::Added && root.join(&path).symlink_metadata().is_ok();
        if local.contains(&path) || unseen {
            at_risk.push(path.clone());
        }
        plan.push((change, path));
    }
    if !at_risk.is_empty() && !args.force {
        at_risk.sort();
        anyhow::bail!(
            "applying run {} would overwrite uncommitted changes in: {} (commit or stash them, or use --force)",
            run.id(),
            at_risk.join(", ")
        );
    }
    let files: std::collections::HashMap<String, crate::git::TreeFile> =
        repo.list_files(run_tree)?.into_iter().map(|f| (f.path.clone(), f)).collect();
    // Refuse before writing anything if a link in the working tree is in the way (writing
    // refuses it too, file by file, but by then other files would be written).
    if let Some(link) = plan.iter().find_map(|(_, path)| crate::relpath::link_in_the_way(&root, path)) {
        anyhow::bail!(
            "cannot apply run {}: `{}` is a symbolic link; refusing to write through it",
            run.id(),
            link.display()
        );
    }
    for (change, path) in &plan {
        match files.get(path) {
            Some(file) => repo.write_file(file, &root)?,
            None => std::fs::remove_file(root.join(path))
                .or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) })?,
        }
        let mark = match change {
            FileChange::Added => 'A',
            FileChange::Modified => 'M',
            FileChange::Deleted => 'D',
        };
        writeln!(ui.status(), "{mark} {path}")?;
    }
    if plan.is_empty() {
        writeln!(ui.status(), "The working tree already has the code of run {} ({}).", run.id(), run.record.name)?;
    } else {
        writeln!(
            ui.status(),
            "Applied the code of run {} ({}) to {}; `git diff` shows the changes.",
            run.id(),
            run.record.name,
            crate::format::count(plan.len(), "file", None)
        )?;
    }
    Ok(ExitStatus::Success)
}
