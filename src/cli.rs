//! Command-line definitions. Each subcommand's arguments live beside its code in
//! `src/commands/<name>.rs`; this file only gathers them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands;
use crate::ui::{ColorWhen, Format};

/// Experiment tracking in your git repository
///
/// Records each run of a command as a commit under refs/git-exp/runs/<id>: the code exactly as
/// it ran, its params, metrics, output and artifacts. Branches, HEAD, the index and the working
/// tree are never touched.
///
/// Examples:
///   git exp run -p lr=0.1 -- python train.py --lr {lr}
///   git exp ls --where 'metrics.acc:max > 0.9'
///   git exp show @
#[derive(Debug, Parser)]
#[command(name = "git-exp", bin_name = "git exp", version, max_term_width = 100, verbatim_doc_comment)]
#[command(propagate_version = true, subcommand_required = true, arg_required_else_help = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Run as if started in DIR
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,
    /// Output format (docs/OUTPUT.md) [default: table (text), piped or not]
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// When to use colours [default: git's color.ui, else auto]
    #[arg(long, global = true, value_enum)]
    pub color: Option<ColorWhen>,
    /// Do not pipe long text output into a pager
    #[arg(short = 'P', long, global = true, conflicts_with = "paginate")]
    pub no_pager: bool,
    /// Pipe text output into the pager even when stdout is not a terminal
    #[arg(long, global = true)]
    pub paginate: bool,
    /// Print no status messages (data and warnings still go out)
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

impl Cli {
    /// Parses the command line. `--format` is global, but a command that prints only text or
    /// JSON (`nbdiff`) lists and accepts only those in its own help.
    pub fn try_parse_narrowed() -> Result<Self, clap::Error> {
        Self::try_parse_narrowed_from(std::env::args_os())
    }

    fn try_parse_narrowed_from<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory as _, FromArgMatches as _};
        // A subcommand's own argument of a global's id takes the global's place there (clap does
        // not propagate over it) and its value still reaches `GlobalArgs`.
        let command = Self::command().mut_subcommand("nbdiff", |sub| {
            sub.arg(
                clap::Arg::new("format")
                    .long("format")
                    .value_name("FORMAT")
                    .help("Output format (docs/OUTPUT.md) [default: table (text), piped or not]")
                    .value_parser(text_or_json()),
            )
        });
        Self::from_arg_matches(&command.try_get_matches_from(args)?)
    }
}

/// `--format` for commands whose text is not a table: `table` (text) or `json`.
fn text_or_json() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::ValueEnum as _;
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser as _};
    let values = [Format::Table, Format::Json].map(|f| {
        let value = f.to_possible_value().unwrap_or_else(|| PossibleValue::new(f.name()));
        if f == Format::Table { value.help("Text for people: the command's own text layout") } else { value }
    });
    PossibleValuesParser::new(values).try_map(|name| <Format as clap::ValueEnum>::from_str(&name, false))
}

impl GlobalArgs {
    /// What the output layer needs of the global options.
    pub fn ui_options(&self) -> crate::ui::UiOptions {
        crate::ui::UiOptions {
            format: self.format,
            color: self.color,
            no_pager: self.no_pager,
            paginate: self.paginate,
            quiet: self.quiet,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(commands::init::InitArgs),
    Run(commands::run::RunArgs),
    Snapshot(commands::snapshot::SnapshotArgs),
    #[command(visible_alias = "log")]
    Ls(commands::ls::LsArgs),
    Compare(commands::compare::CompareArgs),
    Diff(commands::diff::DiffArgs),
    Show(commands::show::ShowArgs),
    Tail(commands::tail::TailArgs),
    Metrics(commands::metrics::MetricsArgs),
    Nbdiff(commands::nbdiff::NbdiffArgs),
    Artifacts(commands::artifacts::ArtifactsArgs),
    Tag(commands::tag::TagArgs),
    Note(commands::note::NoteArgs),
    Rename(commands::rename::RenameArgs),
    Rm(commands::rm::RmArgs),
    Restore(commands::restore::RestoreArgs),
    Recover(commands::recover::RecoverArgs),
    Gc(commands::gc::GcArgs),
    Report(commands::report::ReportArgs),
    Rerun(commands::rerun::RerunArgs),
    Apply(commands::apply::ApplyArgs),
    Branch(commands::branch::BranchArgs),
    Demo(commands::demo::DemoArgs),
    Push(commands::push::PushArgs),
    Fetch(commands::fetch::FetchArgs),
    Pull(commands::pull::PullArgs),
    Export(commands::export::ExportArgs),
    Import(commands::import::ImportArgs),
    Completions(commands::completions::CompletionsArgs),
    Man(commands::completions::ManArgs),
    /// Record a run of a program that is already running (the Python helper's `git_exp.init()`)
    #[command(hide = true)]
    Attach(commands::attach::AttachArgs),
    /// Completion candidates for the shell scripts of `git exp completions`
    #[command(name = "__complete", hide = true)]
    Complete(commands::completions::CompleteArgs),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn verify_app() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn nbdiff_format_is_text_or_json() {
        let args = |format: &'static str| ["git-exp", "nbdiff", "a", "b", "--format", format];
        assert!(super::Cli::try_parse_narrowed_from(args("json")).is_ok());
        assert!(super::Cli::try_parse_narrowed_from(args("text")).is_ok());
        assert!(super::Cli::try_parse_narrowed_from(args("csv")).is_err());
    }
}
