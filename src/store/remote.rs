//! Talking to git remotes and bundles for `push`, `fetch`, `pull`, `export` and `import`.

use std::path::Path;

use super::{Result, Store};
use crate::git::{FetchedRef, PushedRef};

impl Store {
    /// Checks that `remote` is a configured remote; the error names it.
    /// The configured remotes' names, sorted.
    #[must_use]
    pub fn remotes(&self) -> Vec<String> {
        self.repo.remotes()
    }

    pub fn check_remote(&self, remote: &str) -> Result<()> {
        Ok(self.repo.check_remote(remote)?)
    }

    /// Pushes `refspecs` to `remote` and returns what happened to each ref.
    pub fn push(&self, remote: &str, refspecs: &[String]) -> Result<Vec<PushedRef>> {
        Ok(self.repo.push(remote, refspecs)?)
    }

    /// Fetches `refspecs` from `remote` (a name, URL or bundle path).
    pub fn fetch(&self, remote: &str, refspecs: &[String]) -> Result<Vec<FetchedRef>> {
        Ok(self.repo.fetch(remote, refspecs)?)
    }

    /// Adds `refspec` to `remote`'s fetch refspecs; returns false when it was already there.
    pub fn add_fetch_refspec(&self, remote: &str, refspec: &str) -> Result<bool> {
        Ok(self.repo.add_fetch_refspec(remote, refspec)?)
    }

    /// Writes the git bundle `dest` holding `refs`.
    pub fn bundle_create(&self, dest: &Path, refs: &[String]) -> Result<()> {
        Ok(self.repo.bundle_create(dest, refs)?)
    }

    /// Checks that the git bundle `bundle` is complete for this repository.
    pub fn bundle_verify(&self, bundle: &Path) -> Result<()> {
        Ok(self.repo.bundle_verify(bundle)?)
    }
}
