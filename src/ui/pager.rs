//! The pager for long human output, chosen and started as git does (pager.c): `GIT_PAGER`, then
//! `core.pager`, then `PAGER`, then `less`; empty or `cat` means none. The command runs through
//! `sh -c`, so a pager with arguments (`less -S`, `delta --paging=always`) works as in git.

use std::io;
use std::process::{Child, ChildStdin, Command, Stdio};

/// The pager command to run, or `None` for no pager.
pub fn choose(git_pager: Option<String>, core_pager: Option<String>, pager: Option<String>) -> Option<String> {
    let command = git_pager.or(core_pager).or(pager).unwrap_or_else(|| "less".to_owned());
    let trimmed = command.trim();
    (!trimmed.is_empty() && trimmed != "cat").then_some(command)
}

/// Starts `command` with its stdin piped. As git does, `LESS=FRX` (quit when the output fits one
/// screen, pass colours, keep the screen on exit) and `LV=-c` are set unless the user set them.
pub fn spawn(command: &str) -> io::Result<(Child, ChildStdin)> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(command).stdin(Stdio::piped());
    for (name, default) in [("LESS", "FRX"), ("LV", "-c")] {
        if std::env::var_os(name).is_none() {
            cmd.env(name, default);
        }
    }
    let mut child = cmd.spawn()?;
    match child.stdin.take() {
        Some(stdin) => Ok((child, stdin)),
        // Cannot happen with Stdio::piped(); a pager without input would show nothing, so stop it.
        None => {
            let _ = child.kill();
            let _ = child.wait();
            Err(io::Error::other("the pager has no input pipe"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn git_pager_then_core_pager_then_pager_then_less() {
        assert_eq!(choose(some("a"), some("b"), some("c")), some("a"));
        assert_eq!(choose(None, some("b"), some("c")), some("b"));
        assert_eq!(choose(None, None, some("c")), some("c"));
        assert_eq!(choose(None, None, None), some("less"));
    }

    #[test]
    fn empty_or_cat_means_no_pager() {
        assert_eq!(choose(some(""), some("b"), None), None);
        assert_eq!(choose(some("cat"), some("b"), None), None);
        assert_eq!(choose(None, some(" cat "), None), None);
    }
}
