use clap::CommandFactory as _;

use crate::cli::Cli;
use crate::commands::{Ctx, ExitStatus};
use crate::ui::Ui;

/// Print a shell completion script
///
/// Examples:
///   git exp completions bash > ~/.local/share/bash-completion/completions/git-exp
///   git exp completions zsh > "${fpath[1]}/_git-exp"
///   git exp completions fish > ~/.config/fish/completions/git-exp.fish
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct CompletionsArgs {
    /// The shell
    pub shell: clap_complete::Shell,
}

pub fn cmd_completions(ui: &mut Ui, _ctx: &Ctx, args: &CompletionsArgs) -> anyhow::Result<ExitStatus> {
    let mut command = Cli::command();
    // Completions are for the `git-exp` binary; git completes `git exp` through it.
    // clap_complete panics on a write error, so render to memory first: a closed pipe
    // (`git exp completions bash | head -1`) then surfaces as an io error main treats as success.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "git-exp", &mut script);
    ui.out().write_all(&script)?;
    Ok(ExitStatus::Success)
}

/// Print the manual page (roff), generated from the command-line definition
///
/// `git exp --help` opens `man git-exp` (git turns --help of a subcommand into man), so install it:
///
/// Examples:
///   git exp man > ~/.local/share/man/man1/git-exp.1
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ManArgs {}

pub fn cmd_man(ui: &mut Ui, _ctx: &Ctx, _args: &ManArgs) -> anyhow::Result<ExitStatus> {
    let command = Cli::command().name("git-exp");
    clap_mangen::Man::new(command).render(ui.out())?;
    Ok(ExitStatus::Success)
}
