//! `completions`, `man` and the hidden `__complete`: shell completion and manual pages, all from
//! the command-line definition (src/cli.rs).

mod candidates;
mod pages;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::CommandFactory as _;

use crate::cli::Cli;
use crate::commands::{Ctx, ExitStatus};
use crate::ui::Ui;

/// A shell with a completion script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    /// The script: a thin wrapper asking `git exp __complete` for candidates, so that the
    /// subcommands, options, run names, tags and entry points are always today's.
    fn script(self) -> &'static str {
        match self {
            Shell::Bash => include_str!("completions/git-exp.bash"),
            Shell::Zsh => include_str!("completions/git-exp.zsh"),
            Shell::Fish => include_str!("completions/git-exp.fish"),
        }
    }
}

/// The definition the pages and completions describe: named `git-exp`, the binary, so the pages
/// are git-exp.1 and git-exp-run.1, as `git help exp` and `man git-exp-run` look for them.
fn definition() -> clap::Command {
    Cli::command().name("git-exp")
}

/// Print a shell completion script, or write all of them
///
/// `git exp <TAB>` completes subcommands, options, run names and ids, tags and exp.toml entry
/// points, in bash (through git's own completion, which calls `_git_exp`), zsh and fish. The
/// pip package installs the scripts where the shells find them (docs/INSTALL.md).
///
/// Examples:
///   git exp completions bash > ~/.local/share/bash-completion/completions/git-exp
///   git exp completions zsh > "${fpath[1]}/_git-exp"
///   git exp completions fish > ~/.config/fish/conf.d/git-exp.fish
///   git exp completions --out-dir ~/.local/share      # all three, in each shell's layout
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(required_unless_present = "out_dir")]
    pub shell: Option<Shell>,
    /// Write the scripts for every shell under this `share` directory
    /// (bash-completion/completions/git-exp, zsh/site-functions/_git-exp,
    /// fish/vendor_completions.d/git-exp.fish and fish/vendor_conf.d/git-exp.fish)
    #[arg(long, value_name = "DIR", conflicts_with = "shell")]
    pub out_dir: Option<PathBuf>,
}

pub fn cmd_completions(ui: &mut Ui, _ctx: &Ctx, args: &CompletionsArgs) -> anyhow::Result<ExitStatus> {
    match (&args.out_dir, args.shell) {
        (Some(dir), _) => {
            let written = pages::write_completions(dir)?;
            for path in written {
                writeln!(ui.status(), "Wrote {}", path.display())?;
            }
        }
        (None, Some(shell)) => ui.out().write_all(shell.script().as_bytes())?,
        // clap requires one of them.
        (None, None) => {}
    }
    Ok(ExitStatus::Success)
}

/// Print the manual page (roff), or write or install every page
///
/// `git exp --help` and `git help exp` open `man git-exp`; each subcommand has its own page too
/// (`man git-exp-run`). pip and pipx install them; after `cargo install` or `uv tool install`,
/// `--install` puts them in the `share/man/man1` next to the `bin` directory where PATH finds
/// git-exp, which is where `man` looks for the commands on PATH.
///
/// Examples:
///   git exp man --install
///   git exp man --out-dir ~/.local/share/man/man1
///   git exp man | man -l -
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ManArgs {
    /// Write git-exp.1 and a page per subcommand (git-exp-run.1, …) into DIR
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Write every page into PREFIX/share/man/man1, for the git-exp found first on PATH in
    /// PREFIX/bin (cargo install, uv tool install)
    #[arg(long, conflicts_with = "out_dir")]
    pub install: bool,
}

pub fn cmd_man(ui: &mut Ui, _ctx: &Ctx, args: &ManArgs) -> anyhow::Result<ExitStatus> {
    let dir = match (&args.out_dir, args.install) {
        (Some(dir), _) => dir.clone(),
        (None, true) => pages::install_dir(&pages::exe_on_path()?)?,
        (None, false) => {
            clap_mangen::Man::new(definition()).render(ui.out())?;
            return Ok(ExitStatus::Success);
        }
    };
    let count = pages::write_man_pages(definition(), &dir)?;
    writeln!(ui.status(), "Wrote {count} manual pages to {}", dir.display())?;
    Ok(ExitStatus::Success)
}

/// Print completion candidates for the shell scripts (hidden)
#[derive(Debug, clap::Args)]
pub struct CompleteArgs {
    /// The words after `git exp`, the last one being completed (may be empty)
    #[arg(last = true, allow_hyphen_values = true)]
    pub words: Vec<OsString>,
}

pub fn cmd_complete(ui: &mut Ui, ctx: &Ctx, args: &CompleteArgs) -> anyhow::Result<ExitStatus> {
    for line in candidates::complete(definition(), args.words.clone(), &ctx.cwd)? {
        writeln!(ui.out(), "{line}")?;
    }
    Ok(ExitStatus::Success)
}
