//! Moving refs over the network with the user's own `git` (as jj's git_subprocess.rs does), so
//! SSH keys, credential helpers, proxies and `insteadOf` rewrites work exactly as for `git push`.
//!
//! Every flag is there for a reason:
//! - `--porcelain` gives a machine-readable line per ref (for fetch since git 2.41; with an
//!   older git the fetched refs are found by listing the destinations before and after);
//! - `--no-write-fetch-head`: run fetches must not disturb the user's `FETCH_HEAD`;
//! - `--atomic` on push: either every run ref moves on the remote or none does;
//! - `LC_MESSAGES=C`: stderr is matched against git's English messages;
//! - stdin is null: a credential prompt fails instead of hanging a script (the terminal
//!   prompt of `GIT_ASKPASS`/SSH still works, it does not read stdin).

use std::path::Path;
use std::process::{Command, Stdio};

use super::{Error, Oid, Repo, Result};
use crate::redact;

/// The oldest git supported: Ubuntu 22.04's, the base of many CUDA images.
const MIN_GIT: (u32, u32) = (2, 34);

/// The first git with `fetch --porcelain`.
const FETCH_PORCELAIN: (u32, u32) = (2, 41);

/// Tests set this to a version (`2.34.1`) to take the paths of an older git with a newer one.
const FORCE_VERSION_VAR: &str = "GIT_EXP_FORCE_GIT_VERSION";

/// What happened to one ref in a push or fetch, from git's porcelain flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefOutcome {
    /// ` ` fast-forward.
    FastForward,
    /// `+` forced update.
    Forced,
    /// `*` new ref.
    New,
    /// `-` deleted (pruned).
    Deleted,
    /// `=` up to date.
    UpToDate,
    /// `!` rejected or failed.
    Rejected,
    /// `t` tag update (fetch only).
    TagUpdate,
}

impl RefOutcome {
    fn from_flag(flag: char) -> Option<Self> {
        Some(match flag {
            ' ' => Self::FastForward,
            '+' => Self::Forced,
            '*' => Self::New,
            '-' => Self::Deleted,
            '=' => Self::UpToDate,
            '!' => Self::Rejected,
            't' => Self::TagUpdate,
            _ => return None,
        })
    }
}

/// One line of `git push --porcelain`: `<flag>\t<from>:<to>\t<summary> (<reason>)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRef {
    pub outcome: RefOutcome,
    /// The remote ref.
    pub name: String,
    /// `non-fast-forward`, `fetch first`, `atomic push failed`, …
    pub reason: Option<String>,
}

/// One line of `git fetch --porcelain`: `<flag> <old> <new> <local ref>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedRef {
    pub outcome: RefOutcome,
    pub old: Option<Oid>,
    pub new: Option<Oid>,
    /// The local ref that was updated.
    pub name: String,
}

/// Parses `git push --porcelain` stdout.
pub fn parse_push(stdout: &str) -> Vec<PushedRef> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut fields = line.splitn(3, '\t');
            let outcome = RefOutcome::from_flag(fields.next()?.chars().next()?)?;
            let (_, to) = fields.next()?.split_once(':')?;
            let summary = fields.next().unwrap_or("");
            let reason = summary.find('(').map(|i| summary[i + 1..].trim_end_matches(')').to_owned());
            Some(PushedRef { outcome, name: to.to_owned(), reason })
        })
        .collect()
}

/// Parses `git fetch --porcelain` stdout.
pub fn parse_fetch(stdout: &str) -> Vec<FetchedRef> {
    let oid = |hex: &str| Oid::from_hex(hex.as_bytes()).ok().filter(|id| !id.is_null());
    stdout
        .lines()
        .filter_map(|line| {
            let outcome = RefOutcome::from_flag(line.chars().next()?)?;
            let mut fields = line.get(2..)?.split(' ');
            let old = oid(fields.next()?);
            let new = oid(fields.next()?);
            let name = fields.next()?.to_owned();
            Some(FetchedRef { outcome, old, new, name })
        })
        .collect()
}

/// What a fetch did to the destination refs, from listings before and after it (for a git
/// without `fetch --porcelain`). A moved ref is reported as forced: without the history walk
/// that git did, a fast-forward cannot be told apart, and no caller needs to.
fn ref_changes(
    before: &std::collections::BTreeMap<String, Oid>,
    after: &std::collections::BTreeMap<String, Oid>,
) -> Vec<FetchedRef> {
    let mut changes: Vec<FetchedRef> = after
        .iter()
        .map(|(name, new)| {
            let old = before.get(name).copied();
            let outcome = match old {
                None => RefOutcome::New,
                Some(old) if old == *new => RefOutcome::UpToDate,
                Some(_) => RefOutcome::Forced,
            };
            FetchedRef { outcome, old, new: Some(*new), name: name.clone() }
        })
        .collect();
    changes.extend(before.iter().filter(|(name, _)| !after.contains_key(*name)).map(|(name, old)| FetchedRef {
        outcome: RefOutcome::Deleted,
        old: Some(*old),
        new: None,
        name: name.clone(),
    }));
    changes
}

/// Turns git's stderr after a failed network command into a typed error. The remote and git's
/// words are redacted (`redact`): git drops userinfo from the URLs it prints, but not every
/// remote helper does, and a query string keeps its tokens.
pub fn classify_failure(remote: &str, stderr: &str) -> Error {
    let remote = &*redact::url(remote);
    let stderr = &*redact::urls_in(stderr);
    let detail = stderr
        .lines()
        .map(|l| l.trim_start_matches("fatal: ").trim_start_matches("error: ").trim())
        .find(|l| !l.is_empty())
        .unwrap_or("git exited with an error")
        .to_owned();
    let lower = stderr.to_ascii_lowercase();
    let auth = ["authentication failed", "permission denied", "could not read username", "403", "401"];
    if auth.iter().any(|m| lower.contains(m)) {
        return Error::RemoteAuth { remote: remote.to_owned(), detail };
    }
    let unreachable = [
        "does not appear to be a git repository",
        "could not resolve host",
        "connection refused",
        "connection timed out",
        "could not read from remote repository",
        "unable to access",
        "repository not found",
        "not found",
    ];
    if unreachable.iter().any(|m| lower.contains(m)) {
        return Error::RemoteUnreachable { remote: remote.to_owned(), detail };
    }
    Error::Git { what: format!("git could not talk to `{remote}`"), detail }
}

/// Parses `git version 2.47.3` (also `2.39.2.windows.1`, `2.45.GIT`).
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().strip_prefix("git version ")?.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.trim_end_matches(|c: char| !c.is_ascii_digit()).parse().ok()?))
}

impl Repo {
    fn git_command(&self) -> Command {
        let mut cmd = Command::new("git");
        let dir = self.workdir().unwrap_or(self.common_dir());
        cmd.current_dir(dir)
            .env("LC_MESSAGES", "C")
            .env_remove("LANGUAGE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // gix may have been opened with GIT_DIR; pass the repository explicitly so the child agrees.
        cmd.arg("--git-dir").arg(self.repo.git_dir());
        cmd
    }

    fn run_git(&self, args: &[&str]) -> Result<std::process::Output> {
        self.git_command().args(args).output().map_err(|e| Error::io("cannot run git (is it installed?)", e))
    }

    /// Checks that the installed git can do what we ask of it; returns its version.
    pub fn require_git(&self) -> Result<(u32, u32)> {
        let text = match std::env::var(FORCE_VERSION_VAR) {
            Ok(forced) => format!("git version {forced}"),
            Err(_) => String::from_utf8_lossy(&self.run_git(&["version"])?.stdout).into_owned(),
        };
        match parse_version(&text) {
            Some(v) if v >= MIN_GIT => Ok(v),
            _ => Err(Error::GitTooOld { found: text.trim().to_owned() }),
        }
    }

    /// `<oid> <ref>` of every ref below the destinations of `refspecs`, as git sees them.
    fn destination_refs(&self, refspecs: &[String]) -> Result<std::collections::BTreeMap<String, Oid>> {
        let mut args = vec!["for-each-ref".to_owned(), "--format=%(objectname) %(refname)".to_owned()];
        // `+src/*:dst/*` lists `dst/`; for-each-ref takes the prefix as a pattern.
        args.extend(refspecs.iter().filter_map(|spec| {
            let dst = spec.split_once(':')?.1;
            Some(dst.trim_end_matches('*').to_owned())
        }));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.run_git(&args)?;
        if !out.status.success() {
            return Err(Error::Git {
                what: "cannot list refs".into(),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| {
                let (oid, name) = line.split_once(' ')?;
                Some((name.to_owned(), Oid::from_hex(oid.as_bytes()).ok()?))
            })
            .collect())
    }

    /// Returns the names of the configured remotes.
    pub fn remotes(&self) -> Vec<String> {
        let mut names: Vec<String> = self.repo.remote_names().iter().map(|n| n.to_string()).collect();
        names.sort();
        names
    }

    /// Checks that `remote` is a configured remote or something git takes as a URL or path.
    pub fn check_remote(&self, remote: &str) -> Result<()> {
        if self.remotes().iter().any(|r| r == remote) || looks_like_url(remote) {
            Ok(())
        } else {
            Err(Error::UnknownRemote { remote: redact::url(remote).into_owned(), known: self.remotes() })
        }
    }

    /// Pushes `refspecs` atomically; returns git's per-ref report. A rejection is an error
    /// ([`Error::PushRejected`]) that names the refs and why.
    pub fn push(&self, remote: &str, refspecs: &[String]) -> Result<Vec<PushedRef>> {
        self.require_git()?;
        self.check_remote(remote)?;
        let mut args = vec!["push", "--porcelain", "--atomic", remote];
        args.extend(refspecs.iter().map(String::as_str));
        let out = self.run_git(&args)?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let refs = parse_push(&stdout);
        let rejected: Vec<(String, String)> = refs
            .iter()
            .filter(|r| r.outcome == RefOutcome::Rejected)
            // Under --atomic the innocent refs say "atomic push failed"; name the real culprits.
            .filter(|r| r.reason.as_deref() != Some("atomic push failed"))
            .map(|r| (r.name.clone(), r.reason.clone().unwrap_or_default()))
            .collect();
        if !rejected.is_empty() {
            return Err(Error::PushRejected { remote: redact::url(remote).into_owned(), refs: rejected });
        }
        if !out.status.success() {
            return Err(classify_failure(remote, &stderr));
        }
        Ok(refs)
    }

    /// Fetches `refspecs` from `remote`, pruning refs below the destinations that the remote no
    /// longer has; returns git's per-ref report.
    pub fn fetch(&self, remote: &str, refspecs: &[String]) -> Result<Vec<FetchedRef>> {
        let version = self.require_git()?;
        self.check_remote(remote)?;
        let porcelain = version >= FETCH_PORCELAIN;
        let before = if porcelain { Default::default() } else { self.destination_refs(refspecs)? };
        // `--no-auto-gc`: a background gc must not start while we read the refs we just fetched.
        let mut args = vec!["fetch", "--no-write-fetch-head", "--no-auto-gc", "--prune", remote];
        if porcelain {
            args.insert(1, "--porcelain");
        }
        args.extend(refspecs.iter().map(String::as_str));
        let out = self.run_git(&args)?;
        if !out.status.success() {
            return Err(classify_failure(remote, &String::from_utf8_lossy(&out.stderr)));
        }
        if porcelain {
            return Ok(parse_fetch(&String::from_utf8_lossy(&out.stdout)));
        }
        Ok(ref_changes(&before, &self.destination_refs(refspecs)?))
    }

    /// Adds `refspec` to `remote.<remote>.fetch` unless it is there already; returns whether it
    /// was added.
    pub fn add_fetch_refspec(&self, remote: &str, refspec: &str) -> Result<bool> {
        let key = format!("remote.{remote}.fetch");
        let out = self.run_git(&["config", "--get-all", &key])?;
        if String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == refspec) {
            return Ok(false);
        }
        let out = self.run_git(&["config", "--add", &key, refspec])?;
        if !out.status.success() {
            return Err(Error::Git {
                what: format!("cannot add a fetch refspec to remote `{remote}`"),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        Ok(true)
    }

    /// Writes a git bundle of `refs` (full names) to `dest`.
    pub fn bundle_create(&self, dest: &Path, refs: &[String]) -> Result<()> {
        let dest = dest.to_string_lossy();
        let mut args = vec!["bundle", "create", "-q", dest.as_ref()];
        args.extend(refs.iter().map(String::as_str));
        let out = self.run_git(&args)?;
        if !out.status.success() {
            return Err(Error::Git {
                what: "cannot create a git bundle".into(),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        Ok(())
    }

    /// Checks that `bundle` is a valid git bundle whose prerequisites this repository has.
    pub fn bundle_verify(&self, bundle: &Path) -> Result<()> {
        let path = bundle.to_string_lossy();
        let out = self.run_git(&["bundle", "verify", "-q", path.as_ref()])?;
        if !out.status.success() {
            return Err(Error::Git {
                what: "the bundle's runs are not a valid git bundle".into(),
                detail: String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("").trim().to_owned(),
            });
        }
        Ok(())
    }

    /// Reads `git config <key>` as the user's git sees it (all scopes, includes and `-c`).
    pub fn config_string(&self, key: &str) -> Option<String> {
        let out = self.run_git(&["config", "--get", key]).ok()?;
        let value = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        (out.status.success() && !value.is_empty()).then_some(value)
    }

    /// Returns true if `ancestor` is `descendant` or one of its ancestors.
    pub fn is_ancestor(&self, ancestor: Oid, descendant: Oid) -> bool {
        ancestor == descendant
            || matches!(self.repo.merge_base(ancestor, descendant), Ok(Some(base)) if base.detach() == ancestor)
    }
}

/// Whether git would take `remote` as a URL or a path rather than a remote name.
fn looks_like_url(remote: &str) -> bool {
    remote.contains("://")
        || remote.starts_with('/')
        || remote.starts_with("./")
        || remote.starts_with("../")
        // scp-like `host:path`, but not a Windows drive letter
        || remote.split_once(':').is_some_and(|(host, _)| host.len() > 1 && !host.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from git 2.47.3 pushing to and fetching from a bare repository.
    const PUSH_OK: &str = "To ../r.git\n \trefs/git-exp/runs/aaaaaaaa:refs/git-exp/runs/aaaaaaaa\tf3f4f22..822be94\n\
        *\trefs/git-exp/runs/bbbbbbbb:refs/git-exp/runs/bbbbbbbb\t[new reference]\nDone\n";
    const PUSH_REJECTED: &str = "To ../r.git\n\
        =\trefs/git-exp/runs/bbbbbbbb:refs/git-exp/runs/bbbbbbbb\t[up to date]\n\
        !\trefs/git-exp/runs/aaaaaaaa:refs/git-exp/runs/aaaaaaaa\t[rejected] (non-fast-forward)\nDone\n";
    const FETCH: &str = "* 0000000000000000000000000000000000000000 822be94f82a4c611d532e6824a2f1886cb77d211 \
        refs/git-exp/remotes/o/runs/aaaaaaaa\n\
        * 0000000000000000000000000000000000000000 f3f4f2257e2b92a0a59dbe7ffa8602a437d3b1d9 \
        refs/git-exp/remotes/o/runs/bbbbbbbb\n";
    // Written from git's documentation of the porcelain flags (not captured).
    const FETCH_UPDATES: &str = "  822be94f82a4c611d532e6824a2f1886cb77d211 f3f4f2257e2b92a0a59dbe7ffa8602a437d3b1d9 \
        refs/git-exp/remotes/o/runs/aaaaaaaa\n- f3f4f2257e2b92a0a59dbe7ffa8602a437d3b1d9 \
        0000000000000000000000000000000000000000 refs/git-exp/remotes/o/runs/gone0000\n";

    #[test]
    fn parses_push_porcelain() {
        let refs = parse_push(PUSH_OK);
        let outcomes: Vec<_> = refs.iter().map(|r| (r.outcome, r.name.as_str())).collect();
        assert_eq!(
            outcomes,
            vec![
                (RefOutcome::FastForward, "refs/git-exp/runs/aaaaaaaa"),
                (RefOutcome::New, "refs/git-exp/runs/bbbbbbbb")
            ]
        );
        let rejected = parse_push(PUSH_REJECTED);
        assert_eq!(rejected[0].outcome, RefOutcome::UpToDate);
        assert_eq!(rejected[1].outcome, RefOutcome::Rejected);
        assert_eq!(rejected[1].reason.as_deref(), Some("non-fast-forward"));
        assert_eq!(parse_push("atomic push failed (junk)\n\tno colon here\n"), vec![]);
    }

    #[test]
    fn parses_fetch_porcelain() {
        let refs = parse_fetch(FETCH);
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].outcome, RefOutcome::New);
        assert_eq!(refs[0].old, None);
        assert_eq!(refs[1].name, "refs/git-exp/remotes/o/runs/bbbbbbbb");
        let updates = parse_fetch(FETCH_UPDATES);
        assert_eq!(updates[0].outcome, RefOutcome::FastForward);
        assert_eq!(updates[1].outcome, RefOutcome::Deleted);
        assert_eq!(updates[1].new, None);
    }

    #[test]
    fn classifies_known_failures() {
        // The first is captured from git 2.47.3; the others are what hosts send (GitHub, DNS failure).
        let cases = [
            (
                "fatal: '/tmp/nope.git' does not appear to be a git repository\nfatal: Could not read from remote \
                 repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n",
                "unreachable",
            ),
            (
                "fatal: unable to access 'https://example.invalid/x.git/': Could not resolve host: example.invalid\n",
                "unreachable",
            ),
            ("git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.\n", "auth"),
            (
                "remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/a/b.git/'\n",
                "auth",
            ),
            ("fatal: the remote end hung up unexpectedly\n", "other"),
        ];
        for (stderr, want) in cases {
            let got = match classify_failure("origin", stderr) {
                Error::RemoteUnreachable { .. } => "unreachable",
                Error::RemoteAuth { .. } => "auth",
                _ => "other",
            };
            assert_eq!(got, want, "{stderr}");
        }
        let err = classify_failure("origin", cases[0].0);
        assert_eq!(
            err.to_string(),
            "cannot reach remote `origin`: '/tmp/nope.git' does not appear to be a git repository"
        );
    }

    #[test]
    fn versions_and_urls() {
        assert_eq!(parse_version("git version 2.47.3\n"), Some((2, 47)));
        assert_eq!(parse_version("git version 2.39.2.windows.1"), Some((2, 39)));
        assert_eq!(parse_version("git version 2.45.GIT"), Some((2, 45)));
        assert_eq!(parse_version("hub version 1"), None);
        assert!(looks_like_url("file:///tmp/r.git"));
        assert!(looks_like_url("git@github.com:me/repo.git"));
        assert!(looks_like_url("/srv/r.git"));
        assert!(!looks_like_url("origin"));
    }
}
