//! The user's commits, as diffs and `nbdiff` name them: resolving revisions, walking ancestors,
//! and whether this (maybe shallow) clone has a commit.

use super::{Result, Store};
use crate::git::Oid;

impl Store {
    /// Resolves a revision (`HEAD`, `main~2`, a sha) to a commit; the error names `spec`.
    pub fn resolve_commit(&self, spec: &str) -> Result<Oid> {
        Ok(self.repo.rev_parse_commit(spec)?)
    }

    /// Returns the blob a `rev:path` expression names.
    pub fn resolve_blob(&self, spec: &str) -> Result<Vec<u8>> {
        Ok(self.repo.rev_parse_blob(spec)?)
    }

    /// Returns the parents of `commit`.
    pub fn parents(&self, commit: Oid) -> Result<Vec<Oid>> {
        Ok(self.repo.commit_info(commit)?.parents)
    }

    /// True when this repository has the object `id` (a shallow clone may lack old commits).
    #[must_use]
    pub fn has_object(&self, id: Oid) -> bool {
        self.repo.has_object(id)
    }

    /// Returns the best common ancestor of two commits, if they have one.
    pub fn merge_base(&self, a: Oid, b: Oid) -> Result<Option<Oid>> {
        Ok(self.repo.merge_base(a, b)?)
    }

    /// Returns `start` and its first-parent ancestors, at most `limit` commits.
    #[must_use]
    pub fn first_parent_ancestors(&self, start: Oid, limit: usize) -> Vec<Oid> {
        self.repo.ancestors(start, limit)
    }

    /// True when `ancestor` is reachable from `descendant`.
    #[must_use]
    pub fn is_ancestor(&self, ancestor: Oid, descendant: Oid) -> bool {
        self.repo.is_ancestor(ancestor, descendant)
    }

    /// True for a shallow clone, whose history ends early.
    #[must_use]
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }
}
