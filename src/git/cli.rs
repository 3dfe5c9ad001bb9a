//! The few things done with the user's own `git` binary rather than gix: creating the demo
//! repository and its first commit (porcelain that gix does not offer in one call).

use std::path::Path;
use std::process::{Command, Stdio};

use super::{Error, Repo, Result};

fn git(dir: &Path, args: &[&str], identity: bool) -> Result<()> {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir).args(args).env("LC_ALL", "C").stdin(Stdio::null()).stdout(Stdio::null());
    if identity {
        // Without a configured identity `git commit` refuses; use git-exp's fallback, as run commits do.
        for var in ["GIT_AUTHOR", "GIT_COMMITTER"] {
            cmd.env(format!("{var}_NAME"), "git-exp").env(format!("{var}_EMAIL"), "git-exp@localhost");
        }
    }
    let out = cmd.stderr(Stdio::piped()).output().map_err(|e| Error::io("cannot run git", e))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::Git {
            what: format!("`git {}` failed", args.join(" ")),
            detail: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// Creates a repository in `dir` with branch `main`.
pub fn init_repository(dir: &Path) -> Result<()> {
    git(dir, &["init", "-q", "-b", "main"], false)
}

/// Commits every file of the work tree (`git add -A && git commit`).
pub fn commit_all(dir: &Path, message: &str) -> Result<()> {
    git(dir, &["add", "-A"], false)?;
    let identity = Repo::discover(dir)?.repo.committer().is_none();
    git(dir, &["commit", "-q", "-m", message], identity)
}
