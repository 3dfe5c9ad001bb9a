//! Setting up repositories rather than reading one: the demo's fresh repository and the
//! `nbdiff` git diff driver. Free functions, as there is no store yet (or none needed).

use std::path::Path;

use super::Result;
use crate::git::{DiffDriver, DriverChange, Scope};

/// Creates a repository in `dir` (branch `main`) and commits every file in it with `message`.
pub fn init_with_commit(dir: &Path, message: &str) -> Result<()> {
    crate::git::init_repository(dir)?;
    Ok(crate::git::commit_all(dir, message)?)
}

/// Registers the diff `driver` for the repository around `dir`, or globally. Idempotent.
pub fn install_diff_driver(dir: &Path, scope: Scope, driver: &DiffDriver<'_>) -> Result<DriverChange> {
    Ok(crate::git::install_diff_driver(dir, scope, driver)?)
}

/// Removes what [`install_diff_driver`] added.
pub fn uninstall_diff_driver(dir: &Path, scope: Scope, driver: &DiffDriver<'_>) -> Result<DriverChange> {
    Ok(crate::git::uninstall_diff_driver(dir, scope, driver)?)
}
