//! Writing a run's code into a directory: the user's working tree for `apply`, a fresh temporary
//! directory for `rerun --isolated`.
//!
//! A run is untrusted, so every path is checked with git's rules before anything is written,
//! and nothing is written through a symbolic link. In the working tree, uncommitted work is the
//! user's: `apply` refuses to overwrite it unless forced, and never deletes an untracked file.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::record::RECORD_DIR;
use super::{Result, Run, Store};
use crate::git::{FileChange, SnapshotOptions, TreeFile};

/// Why a run's code was not applied; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("cannot apply run {id}: {detail}")]
    UnsafePath { id: String, detail: String },
    #[error("applying run {id} would overwrite uncommitted changes in: {} (commit or stash them, or use --force)", paths.join(", "))]
    WouldOverwrite { id: String, paths: Vec<String> },
    #[error("cannot apply run {id}: `{}` is a symbolic link; refusing to write through it", link.display())]
    LinkInTheWay { id: String, link: PathBuf },
    #[error("cannot print what was applied")]
    Report(#[source] std::io::Error),
    #[error("cannot remove `{}`", path.display())]
    Remove {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Store {
    /// Makes the working tree hold the code of `run`: files the run had are written, tracked files
    /// it lacks are deleted, and the index is not touched, so `git diff` shows the change.
    /// `options` are the snapshot limits of `exp.toml` (what a run would record now).
    /// `on_change` hears each file as it is written or deleted; returns how many changed.
    pub fn apply_run(
        &self,
        run: &Run,
        options: &SnapshotOptions,
        force: bool,
        on_change: &mut dyn FnMut(FileChange, &str) -> std::io::Result<()>,
    ) -> Result<usize> {
        let root = self.worktree_root()?.to_owned();
        let run_tree = self.run_tree(run)?;
        let plan = self.plan_apply(run, run_tree, &root, options, force)?;
        let files: HashMap<String, TreeFile> =
            self.repo.list_files(run_tree)?.into_iter().map(|f| (f.path.clone(), f)).collect();
        for (change, path) in &plan {
            match files.get(path) {
                Some(file) => self.repo.write_file(file, &root)?,
                None => remove_if_present(&root.join(path))?,
            }
            on_change(*change, path).map_err(ApplyError::Report)?;
        }
        Ok(plan.len())
    }

    /// Returns the changes that take the working tree to `run_tree`, refusing (before anything is
    /// written) unsafe paths, links in the way and, unless `force`, uncommitted work at risk.
    fn plan_apply(
        &self,
        run: &Run,
        run_tree: crate::git::Oid,
        root: &Path,
        options: &SnapshotOptions,
        force: bool,
    ) -> Result<Vec<(FileChange, String)>> {
        let id = || run.id().to_string();
        // The working tree as a tree (what a run would snapshot now) against HEAD and the run.
        let code = self.repo.snapshot_code(options)?;
        let worktree = self.repo.write_tree(code.base_tree, &code.edits)?;
        let local: HashSet<String> =
            self.repo.changed_files(code.base_tree, worktree, RECORD_DIR)?.into_iter().map(|(_, p)| p).collect();
        let head_files: HashSet<String> = self.repo.list_files(code.base_tree)?.into_iter().map(|f| f.path).collect();
        let changes = self.repo.changed_files(worktree, run_tree, RECORD_DIR)?;
        // A run is untrusted: refuse it whole, before writing anything, if any path is unsafe.
        for (_, path) in &changes {
            crate::relpath::check(path).map_err(|e| ApplyError::UnsafePath { id: id(), detail: e.to_string() })?;
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
        if !at_risk.is_empty() && !force {
            at_risk.sort();
            return Err(ApplyError::WouldOverwrite { id: id(), paths: at_risk }.into());
        }
        // Refuse before writing anything if a link in the working tree is in the way (writing
        // refuses it too, file by file, but by then other files would be written).
        if let Some(link) = plan.iter().find_map(|(_, path)| crate::relpath::link_in_the_way(root, path)) {
            return Err(ApplyError::LinkInTheWay { id: id(), link }.into());
        }
        Ok(plan)
    }

    /// Writes the code of `run` (its tree without the record) into `dir` and returns the paths
    /// written, relative to `dir`.
    pub fn check_out_to(&self, run: &Run, dir: &Path) -> Result<Vec<String>> {
        Ok(self.repo.write_tree_to(self.run_tree(run)?, dir, RECORD_DIR)?)
    }
}

fn remove_if_present(path: &Path) -> Result<(), ApplyError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(ApplyError::Remove { path: path.to_owned(), source: e })
        }
        _ => Ok(()),
    }
}
