//! Making a git branch from a run's code.

use super::record::{RECORD_DIR, shell_join};
use super::{Error, Result, Run, Store};
use crate::git::{self, Oid, TreeEdit};

impl Store {
    /// Creates `refs/heads/<name>` at a new commit holding the run's code (without .git-exp/),
    /// with the run's base as parent when this repository has it. Never touches HEAD or the
    /// working tree.
    pub fn branch_from_run(&self, run: &Run, name: &str) -> Result<Oid> {
        let repo = &self.repo;
        let reference = format!("refs/heads/{name}");
        if repo.find_ref(&reference).map_err(|_| Error::InvalidRefName { name: name.into() })?.is_some() {
            return Err(Error::BranchExists { name: name.into() });
        }
        let tree =
            repo.write_tree(repo.commit_info(run.commit)?.tree, &[TreeEdit::Remove { path: RECORD_DIR.into() }])?;
        let r = &run.record;
        let parents: Vec<Oid> = self.base(run)?.commit().into_iter().collect();
        let mut message = format!("Code of run {} ({})\n", r.id, r.name);
        if !r.command.is_empty() {
            message.push_str(&format!("\n{}\n", shell_join(&r.command)));
        }
        message.push_str(&format!("\ngit-exp-run: {}\n", r.id));
        let commit = repo.write_commit(tree, &parents, &message, crate::clock::now().as_second())?;
        repo.cas_ref(&reference, None, commit, &format!("git-exp: branch from run {}", r.id)).map_err(|e| match e {
            git::Error::RefExists { .. } => Error::BranchExists { name: name.into() },
            git::Error::Git { .. } => Error::InvalidRefName { name: name.into() },
            other => other.into(),
        })?;
        Ok(commit)
    }
}
