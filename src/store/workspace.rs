//! The repository around the store: its working tree, where the command started, HEAD, the
//! code snapshot a run records, and git configuration values.

use std::path::Path;

use super::{Error, Result, Store};
use crate::git::{CodeSnapshot, Head, SnapshotOptions};

impl Store {
    /// The working tree root, or `None` for a bare repository.
    #[must_use]
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// The working tree root; a bare repository is an error, for commands that need files.
    pub fn worktree_root(&self) -> Result<&Path> {
        self.repo.workdir().ok_or(Error::Git(crate::git::Error::Bare))
    }

    /// The working tree root, or the git directory of a bare repository: where relative paths
    /// the repository configures (`exp.blobs`, report output) start.
    #[must_use]
    pub fn root(&self) -> &Path {
        self.repo.workdir().unwrap_or(self.repo.common_dir())
    }

    /// The starting directory relative to the work tree root, `/`-separated, `.` at the root.
    #[must_use]
    pub fn prefix(&self) -> String {
        self.repo.prefix()
    }

    /// Returns HEAD's commit and branch.
    pub fn head(&self) -> Result<Head> {
        Ok(self.repo.head()?)
    }

    /// Snapshots the working tree as it is on disk, without touching the index or any ref.
    pub fn snapshot_code(&self, options: &SnapshotOptions) -> Result<CodeSnapshot> {
        Ok(self.repo.snapshot_code(options)?)
    }

    /// Returns the git configuration value `key`, if set.
    #[must_use]
    pub fn config_string(&self, key: &str) -> Option<String> {
        self.repo.config_string(key)
    }
}
