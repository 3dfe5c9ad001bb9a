//! Manual pages and completion scripts written to directories, for packages (the wheel's
//! `share/`) and for `git exp man --install` after a `cargo install`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::Shell;

/// Writes git-exp.1 and one page per subcommand (git-exp-run.1, …) into `dir`; returns how many.
pub fn write_man_pages(command: clap::Command, dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create directory `{}`", dir.display()))?;
    let count = pages(&command);
    clap_mangen::generate_to(command, dir)
        .with_context(|| format!("cannot write manual pages to `{}`", dir.display()))?;
    Ok(count)
}

/// How many pages `clap_mangen::generate_to` writes: one per command, hidden ones left out.
fn pages(command: &clap::Command) -> usize {
    1 + command.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help").map(pages).sum::<usize>()
}

/// The path of this binary as `man` sees it: the first `git-exp` on PATH when that is this
/// binary, else the binary itself. They differ for `uv tool install`: `~/.local/bin/git-exp` is a
/// link into the tool's own environment, and man looks next to the link, not its target.
pub fn exe_on_path() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot tell where this git-exp is")?;
    let real = std::fs::canonicalize(&exe).unwrap_or_else(|_| exe.clone());
    let paths = std::env::var_os("PATH").unwrap_or_default();
    let first = std::env::split_paths(&paths).map(|dir| dir.join("git-exp")).find(|path| path.is_file());
    Ok(first.filter(|path| std::fs::canonicalize(path).is_ok_and(|p| p == real)).unwrap_or(exe))
}

/// Where `man` finds pages for a binary in `PREFIX/bin`: man-db (and macOS `man`) look in
/// `PREFIX/share/man` for every `bin` directory on PATH, so `~/.cargo/bin/git-exp` gets
/// `~/.cargo/share/man/man1` with no MANPATH to set.
pub fn install_dir(exe: &Path) -> anyhow::Result<PathBuf> {
    let bin = exe.parent().filter(|d| d.file_name().is_some_and(|n| n == "bin"));
    let Some(prefix) = bin.and_then(Path::parent) else {
        anyhow::bail!(
            "cannot tell where `man` looks for pages of `{}`: it is not in a `bin` directory\n\
             hint: write them to a directory on your MANPATH with `git exp man --out-dir DIR`",
            exe.display()
        );
    };
    Ok(prefix.join("share").join("man").join("man1"))
}

/// Writes the completion scripts under `share`, in the layout each shell searches: bash-completion
/// and fish look under `share/` next to every `bin` on PATH, zsh needs the directory on `fpath`.
/// fish's script goes twice: as the completion of `git-exp`, and as a start-up snippet, which is
/// what makes `git exp <TAB>` work in fish 3.6 (see the script).
pub fn write_completions(share: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (shell, rel) in [
        (Shell::Bash, "bash-completion/completions/git-exp"),
        (Shell::Zsh, "zsh/site-functions/_git-exp"),
        (Shell::Fish, "fish/vendor_completions.d/git-exp.fish"),
        (Shell::Fish, "fish/vendor_conf.d/git-exp.fish"),
    ] {
        let path = share.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create directory `{}`", dir.display()))?;
        }
        std::fs::write(&path, shell.script()).with_context(|| format!("cannot write `{}`", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_go_to_share_man_next_to_bin() {
        let dir = install_dir(Path::new("/home/u/.cargo/bin/git-exp")).unwrap();
        assert_eq!(dir, Path::new("/home/u/.cargo/share/man/man1"));
        let err = install_dir(Path::new("/src/target/debug/git-exp")).unwrap_err().to_string();
        assert!(err.contains("not in a `bin` directory"), "{err}");
    }
}
