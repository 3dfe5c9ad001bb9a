//! `safe.directory`: git refuses a repository owned by another user unless the global or system
//! config lists it (CVE-2022-24765: a hostile `.git/config` could run commands). gix opens such
//! a repository with reduced trust instead; git-exp writes refs and objects and runs hooks'
//! neighbours, so it refuses where git refuses. Only when gix reports reduced trust is `git`
//! asked, so git's own rules decide (`*`, paths, `/*` prefixes, an empty value that resets the
//! list, `SUDO_UID` for root) and the common case costs nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{Error, Result};

/// Fails with [`Error::DubiousOwnership`] when git would refuse the repository at `dir`.
pub(super) fn check(dir: &Path) -> Result<()> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["rev-parse", "--git-dir"])
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Error::Io { what: "cannot run git to check safe.directory".into(), source: e })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    match dubious_path(&stderr) {
        Some(path) => Err(Error::DubiousOwnership { path }),
        // Another refusal is left to the commands that follow, which name it.
        None => Ok(()),
    }
}

/// The path in git's `fatal: detected dubious ownership in repository at '<path>'`.
fn dubious_path(stderr: &str) -> Option<PathBuf> {
    stderr.lines().find_map(|line| {
        let rest = line.strip_prefix("fatal: detected dubious ownership in repository at '")?;
        Some(PathBuf::from(rest.strip_suffix('\'')?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_path_from_gits_refusal() {
        // As git 2.47 prints it.
        let stderr = "fatal: detected dubious ownership in repository at '/srv/repo'\n\
                      To add an exception for this directory, call:\n\n\
                      \tgit config --global --add safe.directory /srv/repo\n";
        assert_eq!(dubious_path(stderr), Some(PathBuf::from("/srv/repo")));
        assert_eq!(dubious_path("fatal: not a git repository\n"), None);
    }
}
