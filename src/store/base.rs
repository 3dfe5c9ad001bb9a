//! A run's base commit: where its code diff starts. The record only names it, and a shallow clone
//! or a run fetched without its history may lack it, so every view asks here and says the same.

use super::{Result, Run, Store};
use crate::git::{CodeSnapshot, Oid};

/// Where a run's code starts, as far as this repository knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// The run recorded no base (made in a repository without commits): its code starts from the
    /// empty tree.
    Empty,
    /// The base commit and its tree.
    Commit { commit: Oid, tree: Oid },
    /// The record names a base this repository does not have (or a malformed one, as written).
    Missing { base: String },
}

impl Base {
    /// The tree to compare the run's code with, if there is one.
    #[must_use]
    pub fn tree(&self, store: &Store) -> Option<Oid> {
        match self {
            Base::Empty => Some(store.repo.empty_tree()),
            Base::Commit { tree, .. } => Some(*tree),
            Base::Missing { .. } => None,
        }
    }

    /// The base commit, when this repository has it.
    #[must_use]
    pub fn commit(&self) -> Option<Oid> {
        match self {
            Base::Commit { commit, .. } => Some(*commit),
            Base::Empty | Base::Missing { .. } => None,
        }
    }

    /// Why there is no code diff, for a missing base: one wording for `show`, `report` and JSON.
    #[must_use]
    pub fn note(&self) -> Option<String> {
        match self {
            Base::Missing { base } => Some(format!("base commit {base} is not in this repository (shallow clone?)")),
            Base::Empty | Base::Commit { .. } => None,
        }
    }
}

impl Store {
    /// Looks up the base commit `run` records. A missing base is a value, not an error: the rest of
    /// the run still shows.
    pub fn base(&self, run: &Run) -> Result<Base> {
        let Some(base) = run.record.base.as_deref() else { return Ok(Base::Empty) };
        match Oid::from_hex(base.as_bytes()).ok().filter(|b| self.repo.has_object(*b)) {
            Some(commit) => Ok(Base::Commit { commit, tree: self.repo.commit_info(commit)?.tree }),
            None => Ok(Base::Missing { base: base.to_owned() }),
        }
    }
}

impl Store {
    /// The code of an imported run: the tree of `commit` when it names a commit this repository
    /// has (returned with its full id), else the empty tree and `None`: the run has no code.
    pub fn imported_code(&self, commit: Option<&str>) -> Result<(CodeSnapshot, Option<Oid>)> {
        let found = commit
            .filter(|hex| hex.len() == 40)
            .and_then(|hex| Oid::from_hex(hex.as_bytes()).ok())
            .filter(|oid| self.repo.has_object(*oid))
            .and_then(|oid| self.repo.commit_info(oid).ok().map(|info| (oid, info.tree)));
        let (tree, commit) = match found {
            Some((commit, tree)) => (tree, Some(commit)),
            None => (self.repo.empty_tree(), None),
        };
        Ok((CodeSnapshot { base_tree: tree, edits: vec![], skipped: vec![], large: vec![] }, commit))
    }

    /// The code of run `id` as a snapshot, with its record: for a run recorded beside it with
    /// the same code (an MLflow run nested in the command of a git-exp run).
    pub fn code_of_run(&self, id: &crate::ids::RunId) -> Result<(CodeSnapshot, super::RunRecord)> {
        let Some(tip) = self.repo.find_ref(&super::write::ref_name(id))? else {
            return Err(super::Error::InTrash { id: id.to_string() });
        };
        let code = CodeSnapshot { base_tree: self.commit_tree(tip)?, edits: vec![], skipped: vec![], large: vec![] };
        Ok((code, self.read_record(tip)?))
    }
}
