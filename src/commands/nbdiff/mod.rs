//! `git exp nbdiff`: arguments and printing; the sides are read by sides.rs, the git diff
//! driver is set up by driver.rs, and the diff itself is notebook::diff.

mod driver;
mod sides;

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::commands::{Ctx, ExitStatus};
use crate::notebook::{self, Labels, Options, Palette};
use crate::ui::{Format, Ui, UsageError};

/// Show the differences between two Jupyter notebooks
///
/// Cells are matched by id, or by content when ids are missing, so a moved cell shows as a move
/// (plus its edit). Sources are diffed by line and by word, outputs by type: text line by line,
/// images by content. Execution counts and volatile metadata (kernel, timing, widgets,
/// collapsed/scrolled) are ignored unless included.
///
/// Each side is a file, `<rev>:<path>` (a file in a git revision) or `<run>:<path>` (a file in
/// a recorded run's code snapshot, `@` being the newest run); paths after `:` are relative to
/// the repository root.
///
/// Examples:
///   git exp nbdiff before.ipynb after.ipynb
///   git exp nbdiff HEAD~1:analysis.ipynb analysis.ipynb
///   git exp nbdiff @:train.ipynb train.ipynb --html diff.html
///   git exp nbdiff a.ipynb b.ipynb --format json | jq .summary
///   git exp nbdiff --include metadata,execution-count a.ipynb b.ipynb
///   git exp nbdiff --exit-code a.ipynb b.ipynb
///   git exp nbdiff --install
///   git exp nbdiff --textconv analysis.ipynb
// Verbatim: clap's help wrapping would otherwise run the examples together into one paragraph.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct NbdiffArgs {
    /// Old notebook: a file, <rev>:<path> or <run>:<path>
    #[arg(required_unless_present_any = ["install", "uninstall", "git_driver", "textconv"])]
    old: Option<String>,
    /// New notebook: a file, <rev>:<path> or <run>:<path>
    #[arg(required_unless_present_any = ["install", "uninstall", "git_driver", "textconv"])]
    new: Option<String>,
    /// Write a self-contained HTML page to FILE (`-` for stdout) instead of the text diff
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Exit with 1 when the notebooks differ, 0 when they do not
    #[arg(long)]
    exit_code: bool,
    /// Also compare these parts (can be repeated or comma-separated)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "PART")]
    include: Vec<Part>,
    /// Do not compare these parts (can be repeated or comma-separated; wins over --include)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "PART")]
    ignore: Vec<Part>,
    /// Make `git diff` show notebooks this way in this repository (.gitattributes, .git/config)
    #[arg(long, conflicts_with_all = ["old", "new", "uninstall", "html", "exit_code"])]
    install: bool,
    /// Undo --install
    #[arg(long, conflicts_with_all = ["old", "new", "html", "exit_code"])]
    uninstall: bool,
    /// With --install or --uninstall: use the global git config and attributes file
    #[arg(long)]
    global: bool,
    /// Print one notebook as plain text, as git's textconv for `git log -p` and `git show`
    #[arg(long, value_name = "FILE", conflicts_with_all = ["old", "new", "install", "uninstall", "html", "exit_code"])]
    textconv: Option<PathBuf>,
    /// Called by git as an external diff driver: PATH OLD-FILE OLD-HEX OLD-MODE NEW-FILE NEW-HEX NEW-MODE
    #[arg(long, hide = true, num_args = 7..=9, allow_hyphen_values = true, value_name = "ARG")]
    git_driver: Option<Vec<String>>,
}

/// A part of a notebook that `--include` and `--ignore` switch on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    /// Cell outputs (compared by default)
    Outputs,
    /// Notebook, cell and output metadata, volatile keys aside
    Metadata,
    /// Execution counts of cells and outputs
    ExecutionCount,
    /// Everything above, and volatile metadata too
    All,
}

/// The diff driver's name in `.gitattributes` and git config.
const DRIVER: &str = "git-exp-nbdiff";

pub fn cmd_nbdiff(ui: &mut Ui, ctx: &Ctx, args: &NbdiffArgs) -> anyhow::Result<ExitStatus> {
    // A notebook diff's heap is a few MiB: in 4 KiB pages it is resident as it is used, in
    // huge pages it would cost 2 MiB at a time (nbdiff spawns nothing that would inherit this).
    crate::process::without_huge_pages();
    if args.global && !(args.install || args.uninstall) {
        return Err(UsageError::new("--global goes with --install or --uninstall").into());
    }
    if args.install || args.uninstall {
        return driver::install(ui, ctx, args);
    }
    if let Some(path) = &args.textconv {
        return driver::textconv(ui, &ctx.cwd.join(path));
    }
    // `dispatch` allowed text or json only.
    let json = ui.format() == Format::Json;
    let options = options(args);
    let mut sources = sides::Sources::new(ctx);
    // Only the HTML page shows images; the other renderings need their digests and sizes.
    let lean = args.html.is_none();
    let (old, new, labels) = match &args.git_driver {
        Some(driver) => match sides::git_driver_sides(driver, lean) {
            Ok(sides) => sides,
            Err(err) => {
                // git stops the whole diff when a driver fails; one bad notebook should not.
                ui.warn(format!("{err:#}"));
                return Ok(ExitStatus::Success);
            }
        },
        None => {
            let (old_spec, new_spec) =
                (args.old.as_deref().unwrap_or_default(), args.new.as_deref().unwrap_or_default());
            let old = sources.load(old_spec, lean)?;
            let new = sources.load(new_spec, lean)?;
            (old, new, Labels { old: old_spec.to_owned(), new: new_spec.to_owned() })
        }
    };
    let diff = notebook::diff(&old, &new, &options);
    if let Some(path) = &args.html {
        let page = notebook::render_html(&diff, &labels);
        if path == Path::new("-") {
            ui.out().write_all(page.as_bytes())?;
        } else {
            std::fs::write(path, page).with_context(|| format!("cannot write {}", path.display()))?;
            let s = diff.summary();
            writeln!(
                ui.status(),
                "Wrote {} ({} added, {} deleted, {} modified, {} moved cells).",
                path.display(),
                s.added,
                s.deleted,
                s.modified,
                s.moved
            )?;
        }
    } else if json {
        ui.print_json(&notebook::to_json(&diff, &labels))?;
    } else {
        let palette = Palette::colored().map(|style| ui.style(style));
        notebook::render_terminal(&diff, &labels, &palette, ui.out())?;
    }
    if !diff.has_changes() && diff.ignored.any() && args.git_driver.is_none() {
        writeln!(ui.status(), "hint: {}", ignored_hint(&diff.ignored))?;
    }
    Ok(if args.exit_code && args.git_driver.is_none() && diff.has_changes() {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Defaults, then `--include`, then `--ignore`.
fn options(args: &NbdiffArgs) -> Options {
    let mut options = Options::default();
    for (parts, on) in [(&args.include, true), (&args.ignore, false)] {
        for part in parts {
            match part {
                Part::Outputs => options.outputs = on,
                Part::Metadata => options.metadata = on,
                Part::ExecutionCount => options.execution_count = on,
                Part::All => {
                    options = Options { outputs: on, metadata: on, volatile_metadata: on, execution_count: on };
                }
            }
        }
    }
    options
}

fn ignored_hint(ignored: &notebook::Ignored) -> String {
    let mut parts = Vec::new();
    if ignored.outputs > 0 {
        parts.push("outputs");
    }
    if ignored.metadata > 0 {
        parts.push("metadata");
    }
    if ignored.execution_count > 0 {
        parts.push("execution counts");
    }
    format!("the notebooks differ only in ignored parts ({}); `--include all` shows them", parts.join(", "))
}
