//! Registering an external diff driver (`git exp nbdiff --install`): a `diff.<driver>.command`
//! config entry plus a `<pattern> diff=<driver>` attributes line, and removing exactly those.
//!
//! Config is written through the user's `git config`, not gix: it resolves `--global` (XDG
//! paths, `GIT_CONFIG_GLOBAL`) and locks the file exactly as the git that will read it does.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Error, Result};

/// Where a driver is registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The repository's config and its `.gitattributes`.
    Local,
    /// The user's global config and global attributes file.
    Global,
}

/// What [`install_diff_driver`] or [`uninstall_diff_driver`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverChange {
    /// The attributes file that was (or would have been) edited.
    pub attributes_file: PathBuf,
    /// Whether the attributes line was added (install) or removed (uninstall).
    pub attributes_changed: bool,
    /// Whether the config entry was written (install) or removed (uninstall).
    pub config_changed: bool,
}

/// A diff driver: its name, the command git runs, and the files it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffDriver<'a> {
    pub name: &'a str,
    /// `diff.<name>.command`: what `git diff` runs (an external diff).
    pub command: &'a str,
    /// `diff.<name>.textconv`: what `git log -p` and `git show` run, which ignore external
    /// diffs without `--ext-diff`, to turn one file into text git then diffs itself.
    pub textconv: &'a str,
    pub pattern: &'a str,
}

impl DiffDriver<'_> {
    fn attributes_line(&self) -> String {
        format!("{} diff={}", self.pattern, self.name)
    }

    fn key(&self) -> String {
        format!("diff.{}.command", self.name)
    }

    fn textconv_key(&self) -> String {
        format!("diff.{}.textconv", self.name)
    }
}

/// Registers `driver` for the repository around `dir` or globally. Idempotent.
pub fn install_diff_driver(dir: &Path, scope: Scope, driver: &DiffDriver<'_>) -> Result<DriverChange> {
    let attributes_file = attributes_file(dir, scope)?;
    let mut config_changed = false;
    for (key, value) in [(driver.key(), driver.command), (driver.textconv_key(), driver.textconv)] {
        let current = git_config(dir, scope, &["--get", &key])?;
        if current.as_deref().map(str::trim_end) != Some(value) {
            git_config(dir, scope, &[&key, value])?.ok_or_else(|| cli_error(&key, "cannot set"))?;
            config_changed = true;
        }
    }
    let line = driver.attributes_line();
    let text = read_optional(&attributes_file)?;
    let attributes_changed = !text.lines().any(|l| l.trim() == line);
    if attributes_changed {
        let mut updated = text;
        if !updated.is_empty() && !updated.ends_with('\n') {
            updated.push('\n');
        }
        updated.push_str(&line);
        updated.push('\n');
        write(&attributes_file, &updated)?;
    }
    Ok(DriverChange { attributes_file, attributes_changed, config_changed })
}

/// Removes what [`install_diff_driver`] added: the config section and the attributes line
/// (the attributes file too, if nothing else is left in it).
pub fn uninstall_diff_driver(dir: &Path, scope: Scope, driver: &DiffDriver<'_>) -> Result<DriverChange> {
    let attributes_file = attributes_file(dir, scope)?;
    let section = format!("diff.{}", driver.name);
    let config_changed = git_config(dir, scope, &["--get", &driver.key()])?.is_some()
        || git_config(dir, scope, &["--get", &driver.textconv_key()])?.is_some();
    if config_changed {
        git_config(dir, scope, &["--remove-section", &section])?.ok_or_else(|| cli_error(&section, "cannot remove"))?;
    }
    let line = driver.attributes_line();
    let text = read_optional(&attributes_file)?;
    let kept: Vec<&str> = text.lines().filter(|l| l.trim() != line).collect();
    let attributes_changed = kept.len() != text.lines().count();
    if attributes_changed {
        if kept.iter().all(|l| l.trim().is_empty()) {
            std::fs::remove_file(&attributes_file)
                .map_err(|e| Error::io(format!("cannot remove {}", attributes_file.display()), e))?;
        } else {
            write(&attributes_file, &(kept.join("\n") + "\n"))?;
        }
    }
    Ok(DriverChange { attributes_file, attributes_changed, config_changed })
}

/// `.gitattributes` at the work tree root, or the global attributes file: `core.attributesFile`,
/// else `$XDG_CONFIG_HOME/git/attributes`, else `~/.config/git/attributes` (as git looks).
fn attributes_file(dir: &Path, scope: Scope) -> Result<PathBuf> {
    match scope {
        Scope::Local => {
            let repo = super::Repo::discover(dir)?;
            let root = repo.workdir().ok_or(Error::Bare)?;
            Ok(root.join(".gitattributes"))
        }
        Scope::Global => {
            if let Some(path) = git_config(dir, scope, &["--type=path", "--get", "core.attributesFile"])? {
                return Ok(PathBuf::from(path.trim_end()));
            }
            let config_home = std::env::var_os("XDG_CONFIG_HOME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
                .ok_or_else(|| Error::Git {
                    what: "cannot find the global attributes file".into(),
                    detail: "neither XDG_CONFIG_HOME nor HOME is set".into(),
                })?;
            Ok(config_home.join("git").join("attributes"))
        }
    }
}

/// Runs `git config --local|--global ARGS` in `dir`. Returns stdout, or `None` when git
/// exits 1 (a missing key or section), and an error for anything else.
fn git_config(dir: &Path, scope: Scope, args: &[&str]) -> Result<Option<String>> {
    let scope_flag = match scope {
        Scope::Local => "--local",
        Scope::Global => "--global",
    };
    let output = Command::new("git")
        .arg("config")
        .arg(scope_flag)
        .args(args)
        .current_dir(dir)
        .env("LC_MESSAGES", "C")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Error::io("cannot run git", e))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => Ok(Some(String::from_utf8_lossy(&output.stdout).into_owned())),
        // `--get` of a missing key exits 1; `--remove-section` of a missing section exits 128
        // with "no such section".
        Some(1) => Ok(None),
        Some(128) if stderr.contains("no such section") => Ok(None),
        _ => Err(Error::Git {
            what: format!("`git config {scope_flag} {}` failed", args.join(" ")),
            detail: stderr.trim().lines().next().unwrap_or("no message").to_owned(),
        }),
    }
}

fn cli_error(key: &str, what: &str) -> Error {
    Error::Git { what: format!("{what} `{key}`"), detail: "git config reported nothing to change".into() }
}

fn read_optional(path: &Path) -> Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(Error::io(format!("cannot read {}", path.display()), e)),
    }
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    }
    std::fs::write(path, text).map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}
