//! One file per subcommand: a clap `Args` struct and a `cmd_<name>` function. Commands resolve
//! through `store`, compute with the domain modules and print through `ui`.

pub mod apply;
pub mod artifacts;
pub mod branch;
pub mod compare;
pub mod completions;
pub mod demo;
pub mod diff;
pub mod export;
pub mod fetch;
pub mod gc;
pub mod import;
pub mod init;
pub mod ls;
pub mod metrics;
pub mod nbdiff;
pub mod note;
pub mod pull;
pub mod push;
pub mod recover;
pub mod rename;
pub mod report;
pub mod rerun;
pub mod restore;
pub mod rm;
pub mod run;
pub mod show;
pub mod snapshot;
pub mod tag;

use std::path::PathBuf;

use anyhow::Context as _;

use crate::cli::{Cli, Command};
use crate::store::Store;
use crate::ui::Ui;

/// How a command ended, beyond plain success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    /// Exit 1 without an error message (`diff --exit-code`, `--fail-if`).
    Failure,
    /// The child's exit code (`run`).
    Child(u8),
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => Self::SUCCESS,
            ExitStatus::Failure => Self::from(1),
            ExitStatus::Child(code) => Self::from(code),
        }
    }
}

/// What every command may need: where it was started, and the store, opened on demand.
pub struct Ctx {
    pub cwd: PathBuf,
}

impl Ctx {
    /// Opens the store of the repository around the working directory.
    pub fn store(&self) -> anyhow::Result<Store> {
        Store::open(&self.cwd).context("git-exp works inside a git repository")
    }
}

pub fn dispatch(ui: &mut Ui, cli: Cli) -> anyhow::Result<ExitStatus> {
    let cwd = match &cli.global.directory {
        Some(dir) => std::path::absolute(dir).with_context(|| format!("cannot use directory `{}`", dir.display()))?,
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let ctx = Ctx { cwd };
    match &cli.command {
        Command::Init(args) => init::cmd_init(ui, &ctx, args),
        Command::Run(args) => run::cmd_run(ui, &ctx, args),
        Command::Snapshot(args) => snapshot::cmd_snapshot(ui, &ctx, args),
        Command::Ls(args) => ls::cmd_ls(ui, &ctx, args),
        Command::Compare(args) => compare::cmd_compare(ui, &ctx, args),
        Command::Diff(args) => diff::cmd_diff(ui, &ctx, args),
        Command::Show(args) => show::cmd_show(ui, &ctx, args),
        Command::Metrics(args) => metrics::cmd_metrics(ui, &ctx, args),
        Command::Nbdiff(args) => nbdiff::cmd_nbdiff(ui, &ctx, args),
        Command::Artifacts(args) => artifacts::cmd_artifacts(ui, &ctx, args),
        Command::Tag(args) => tag::cmd_tag(ui, &ctx, args),
        Command::Note(args) => note::cmd_note(ui, &ctx, args),
        Command::Rename(args) => rename::cmd_rename(ui, &ctx, args),
        Command::Rm(args) => rm::cmd_rm(ui, &ctx, args),
        Command::Restore(args) => restore::cmd_restore(ui, &ctx, args),
        Command::Recover(args) => recover::cmd_recover(ui, &ctx, args),
        Command::Gc(args) => gc::cmd_gc(ui, &ctx, args),
        Command::Report(args) => report::cmd_report(ui, &ctx, args),
        Command::Rerun(args) => rerun::cmd_rerun(ui, &ctx, args),
        Command::Apply(args) => apply::cmd_apply(ui, &ctx, args),
        Command::Branch(args) => branch::cmd_branch(ui, &ctx, args),
        Command::Demo(args) => demo::cmd_demo(ui, &ctx, args),
        Command::Push(args) => push::cmd_push(ui, &ctx, args),
        Command::Fetch(args) => fetch::cmd_fetch(ui, &ctx, args),
        Command::Pull(args) => pull::cmd_pull(ui, &ctx, args),
        Command::Export(args) => export::cmd_export(ui, &ctx, args),
        Command::Import(args) => import::cmd_import(ui, &ctx, args),
        Command::Completions(args) => completions::cmd_completions(ui, &ctx, args),
        Command::Man(args) => completions::cmd_man(ui, &ctx, args),
    }
}
