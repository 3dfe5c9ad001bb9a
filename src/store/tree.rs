//! Reading and writing the objects of runs: a run's tree, the files in it, blobs, and how two
//! trees differ. Callers name files by their path in the run; object ids stay opaque.

use super::{Result, Run, Store};
use crate::git::{FileChange, Oid, TreeChange};

impl Store {
    /// Returns the tree of a run's commit, where its record, metrics, output and code live.
    pub fn run_tree(&self, run: &Run) -> Result<Oid> {
        self.commit_tree(run.commit)
    }

    /// Returns the tree of `commit`.
    pub fn commit_tree(&self, commit: Oid) -> Result<Oid> {
        Ok(self.repo.commit_info(commit)?.tree)
    }

    /// Returns the file at `path` in `tree`, or `None` when there is none.
    pub fn read_file(&self, tree: Oid, path: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.repo.read_path(tree, path)?)
    }

    /// Returns the files directly in directory `dir` of `tree` (`""` for the root), by name.
    pub fn files_in(&self, tree: Oid, dir: &str) -> Result<Vec<(String, Oid)>> {
        Ok(self.repo.files_in(tree, dir)?)
    }

    /// Returns the bytes of blob `id`.
    pub fn read_blob(&self, id: Oid) -> Result<Vec<u8>> {
        Ok(self.repo.read_blob(id)?)
    }

    /// Returns the size of blob `id` without reading it, or `None` when it is not here.
    pub fn blob_size(&self, id: Oid) -> Option<u64> {
        self.repo.blob_size(id)
    }

    /// Writes `data` as a blob, for a file of a run being recorded.
    pub fn write_blob(&self, data: &[u8]) -> Result<Oid> {
        Ok(self.repo.write_blob(data)?)
    }

    /// No code at all (the empty tree, no base): what an imported run records, as the code that
    /// wrote it is unknown.
    pub fn no_code(&self) -> Result<crate::git::CodeSnapshot> {
        Ok(self.imported_code(None)?.0)
    }

    /// Returns the directory `path` of `tree` as a tree, or the empty tree when it is absent.
    pub fn subtree_or_empty(&self, tree: Oid, path: &str) -> Result<Oid> {
        Ok(self.repo.subtree(tree, path)?.unwrap_or_else(|| self.repo.empty_tree()))
    }

    /// Returns the files that differ between two trees, leaving out paths under `exclude`.
    pub fn diff_trees(&self, old: Oid, new: Oid, exclude: &[&str]) -> Result<Vec<TreeChange>> {
        Ok(self.repo.diff_trees(old, new, exclude)?)
    }

    /// Returns the paths changed from `from` to `to`, outside the directory `skip`.
    pub fn changed_files(&self, from: Oid, to: Oid, skip: &str) -> Result<Vec<(FileChange, String)>> {
        Ok(self.repo.changed_files(from, to, skip)?)
    }
}
