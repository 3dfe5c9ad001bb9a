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

/// A submodule as it is checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmoduleState {
    /// Relative to the superproject's root.
    pub path: String,
    /// The commit the superproject's index records for it.
    pub recorded: String,
    /// The commit checked out in it (`None` when it is not checked out).
    pub commit: Option<String>,
    /// Changed or untracked files in it.
    pub dirty: bool,
}

/// Runs git in `dir` and returns its stdout; `None` when it fails.
fn git_stdout(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The submodules of the work tree at `root`, with the commit each has checked out and whether
/// it has local changes. Read with the `git` binary (one call, plus one per submodule), and only
/// when `.gitmodules` exists, so a project without submodules pays nothing.
pub fn submodules(root: &Path) -> Vec<SubmoduleState> {
    if !root.join(".gitmodules").is_file() {
        return Vec::new();
    }
    // Gitlinks in the index: `160000 <id> <stage>\t<path>`.
    let Some(listing) = git_stdout(root, &["ls-files", "--stage", "-z"]) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for record in listing.split('\0').filter(|r| r.starts_with("160000 ")) {
        let Some((meta, path)) = record.split_once('\t') else { continue };
        let Some(recorded) = meta.split(' ').nth(1) else { continue };
        let dir = root.join(path);
        // A submodule that is not checked out has an empty directory and no `.git`.
        let commit = if dir.join(".git").exists() {
            git_stdout(&dir, &["rev-parse", "--verify", "-q", "HEAD"]).map(|s| s.trim().to_owned())
        } else {
            None
        };
        let dirty = commit.is_some()
            && git_stdout(&dir, &["status", "--porcelain", "--ignore-submodules=none"]).is_some_and(|s| !s.is_empty());
        out.push(SubmoduleState { path: path.to_owned(), recorded: recorded.to_owned(), commit, dirty });
        if out.len() >= 1000 {
            break;
        }
    }
    out
}
