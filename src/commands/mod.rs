//! One file per subcommand: a clap `Args` struct and a `cmd_<name>` function. Commands resolve
//! through `store`, compute with the domain modules and print through `ui`.

pub mod apply;
pub mod artifacts;
pub mod attach;
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
pub mod tail;

use std::path::PathBuf;

use anyhow::Context as _;

use crate::cli::{Cli, Command};
use crate::store::Store;
use crate::ui::{Format, GitSettings, Ui};

/// How a command ended, beyond plain success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "the exit status is what the user sees of a command's result"]
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
        match Store::open(&self.cwd) {
            Ok(store) => Ok(store),
            // A repository that git refuses is one: say it in git's words alone.
            Err(e) if e.is_refused_repository() => Err(e.into()),
            Err(e) => Err(anyhow::Error::from(e).context("git-exp works inside a git repository")),
        }
    }
}

/// The `hint:` line of an error from the domain modules, for [`Ui::report_with`]: ui sits below
/// them and cannot name their error types.
pub fn error_hint(cause: &(dyn std::error::Error + 'static)) -> Option<String> {
    if let Some(e) = cause.downcast_ref::<crate::store::Error>() {
        e.hint()
    } else if let Some(e) = cause.downcast_ref::<crate::diff::Error>() {
        e.hint()
    } else if let Some(e) = cause.downcast_ref::<crate::capture::OutOfSpace>() {
        e.hint()
    } else {
        None
    }
}

pub fn dispatch(ui: &mut Ui, cli: Cli) -> anyhow::Result<ExitStatus> {
    let cwd = match &cli.global.directory {
        Some(dir) => std::path::absolute(dir).with_context(|| format!("cannot use directory `{}`", dir.display()))?,
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let ctx = Ctx { cwd };
    // Checked before anything runs: a format the command cannot print is a usage error (exit 2),
    // not an option silently ignored.
    let (name, supported) = formats(&cli.command);
    ui.select_format(name, supported)?;
    let pages = pages(&cli.command);
    if ui.needs_git_settings(pages) {
        let git = GitSettings::from_values(crate::store::git_settings(&ctx.cwd, GitSettings::KEYS));
        ui.configure(&git, pages);
    }
    match &cli.command {
        Command::Init(args) => init::cmd_init(ui, &ctx, args),
        Command::Run(args) => run::cmd_run(ui, &ctx, args),
        Command::Snapshot(args) => snapshot::cmd_snapshot(ui, &ctx, args),
        Command::Ls(args) => ls::cmd_ls(ui, &ctx, args),
        Command::Compare(args) => compare::cmd_compare(ui, &ctx, args),
        Command::Diff(args) => diff::cmd_diff(ui, &ctx, args),
        Command::Show(args) => show::cmd_show(ui, &ctx, args),
        Command::Tail(args) => tail::cmd_tail(ui, &ctx, args),
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
        Command::Complete(args) => completions::cmd_complete(ui, &ctx, args),
        Command::Attach(args) => attach::cmd_attach(ui, &ctx, args),
    }
}

/// Whether the command's text output may be long enough for a pager (docs/OUTPUT.md): the
/// commands that show runs, listings and diffs, as git pages `log`, `show` and `diff`.
fn pages(command: &Command) -> bool {
    matches!(
        command,
        Command::Ls(_)
            | Command::Show(_)
            | Command::Diff(_)
            | Command::Compare(_)
            | Command::Metrics(_)
            | Command::Nbdiff(_)
    )
}

/// The command's name and the `--format`s it can print (docs/OUTPUT.md): every format where it
/// prints a table, text or json where its text is not a table, none where it prints only status.
fn formats(command: &Command) -> (&'static str, &'static [Format]) {
    match command {
        // `run` prints a table only for sweeps, but a sweep's summary takes any format.
        Command::Run(_) => ("run", Format::ALL),
        Command::Ls(_) => ("ls", Format::ALL),
        Command::Compare(_) => ("compare", Format::ALL),
        Command::Diff(_) => ("diff", Format::ALL),
        Command::Metrics(_) => ("metrics", Format::ALL),
        Command::Artifacts(_) => ("artifacts", Format::ALL),
        Command::Show(_) => ("show", Format::TEXT_JSON),
        Command::Tail(_) => ("tail", Format::TEXT_JSON),
        Command::Nbdiff(_) => ("nbdiff", Format::TEXT_JSON),
        Command::Init(_) => ("init", Format::NONE),
        Command::Snapshot(_) => ("snapshot", Format::NONE),
        Command::Tag(_) => ("tag", Format::NONE),
        Command::Note(_) => ("note", Format::NONE),
        Command::Rename(_) => ("rename", Format::NONE),
        Command::Rm(_) => ("rm", Format::NONE),
        Command::Restore(_) => ("restore", Format::NONE),
        Command::Recover(_) => ("recover", Format::NONE),
        Command::Gc(_) => ("gc", Format::NONE),
        Command::Report(_) => ("report", Format::NONE),
        Command::Rerun(_) => ("rerun", Format::NONE),
        Command::Apply(_) => ("apply", Format::NONE),
        Command::Branch(_) => ("branch", Format::NONE),
        Command::Demo(_) => ("demo", Format::NONE),
        Command::Push(_) => ("push", Format::NONE),
        Command::Fetch(_) => ("fetch", Format::NONE),
        Command::Pull(_) => ("pull", Format::NONE),
        Command::Export(_) => ("export", Format::NONE),
        Command::Import(_) => ("import", Format::NONE),
        Command::Completions(_) => ("completions", Format::NONE),
        Command::Man(_) => ("man", Format::NONE),
        Command::Complete(_) => ("__complete", Format::NONE),
        Command::Attach(_) => ("attach", Format::NONE),
    }
}
