use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::commands::{Ctx, ExitStatus};
use crate::notebook::{self, Labels, Notebook, Options, Palette};
use crate::store::{DiffDriver, RunSpec, Scope, Store};
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
// Verbatim: clap's help wrapping would otherwise run the examples together into one paragraph.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct NbdiffArgs {
    /// Old notebook: a file, <rev>:<path> or <run>:<path>
    #[arg(required_unless_present_any = ["install", "uninstall", "git_driver"])]
    old: Option<String>,
    /// New notebook: a file, <rev>:<path> or <run>:<path>
    #[arg(required_unless_present_any = ["install", "uninstall", "git_driver"])]
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
    if args.global && !(args.install || args.uninstall) {
        return Err(UsageError::new("--global goes with --install or --uninstall").into());
    }
    if args.install || args.uninstall {
        return install(ui, ctx, args);
    }
    // `dispatch` allowed text or json only.
    let json = ui.format() == Format::Json;
    let options = options(args);
    let mut sources = Sources { ctx, store: None };
    let (old, new, labels) = match &args.git_driver {
        Some(driver) => match git_driver_sides(driver) {
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
            let old = sources.load(old_spec)?;
            let new = sources.load(new_spec)?;
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

/// Reads notebook sides, opening the repository only when a side needs it.
struct Sources<'c> {
    ctx: &'c Ctx,
    store: Option<Store>,
}

impl Sources<'_> {
    /// Loads a file, `<rev>:<path>` or `<run>:<path>`. A file on disk wins over the other readings.
    fn load(&mut self, spec: &str) -> anyhow::Result<Notebook> {
        let path = self.ctx.cwd.join(spec);
        let bytes = match (path.exists(), spec.split_once(':')) {
            (false, Some((rev, file))) if !rev.is_empty() && !file.is_empty() => self.read_revision(spec, rev, file)?,
            _ => std::fs::read(&path).with_context(|| format!("cannot read `{spec}`"))?,
        };
        parse(spec, &bytes)
    }

    fn read_revision(&mut self, spec: &str, rev: &str, file: &str) -> anyhow::Result<Vec<u8>> {
        let store = match self.store.take() {
            Some(store) => store,
            None => {
                self.ctx.store().with_context(|| format!("`{spec}` is not a file, and revisions need a repository"))?
            }
        };
        let store = &*self.store.insert(store);
        let file = from_root(store, file);
        let run_spec = rev.parse::<RunSpec>().ok();
        // `@` and `@~N` name runs everywhere in git-exp (git's `@` is spelled `HEAD` here).
        if !matches!(run_spec, Some(RunSpec::Newest(_))) {
            if let Ok(bytes) = store.resolve_blob(&format!("{rev}:{file}")) {
                return Ok(bytes);
            }
            if store.resolve_commit(rev).is_ok() {
                anyhow::bail!("`{spec}`: revision `{rev}` has no file `{file}`");
            }
        }
        let Some(run_spec) = run_spec else {
            anyhow::bail!("`{spec}` is neither a file, nor a git revision, nor a run");
        };
        let run = store
            .resolve(&run_spec)
            .with_context(|| format!("`{spec}` is neither a file nor a git revision, and not a run either"))?;
        store.read_run_file(&run, &file)?.with_context(|| format!("`{spec}`: run {} has no file `{file}`", run.id()))
    }
}

/// Paths after `rev:` are relative to the repository root, as in git, except `./` and `../`
/// ones, which are relative to the current directory (also as in git).
fn from_root(store: &Store, file: &str) -> String {
    if !(file.starts_with("./") || file.starts_with("../")) {
        return file.to_owned();
    }
    let mut parts: Vec<&str> = Vec::new();
    let prefix = store.prefix();
    for part in prefix.split('/').chain(file.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// A parse failure names the side: `error: a.ipynb: invalid JSON at line 3, column 7: ...`.
#[derive(Debug, thiserror::Error)]
#[error("{label}: {source}")]
struct SideError {
    label: String,
    source: notebook::Error,
}

fn parse(label: &str, bytes: &[u8]) -> anyhow::Result<Notebook> {
    notebook::parse(bytes).map_err(|source| SideError { label: label.to_owned(), source }.into())
}

/// The sides git passes to an external diff driver: `/dev/null` for an added or deleted file.
fn git_driver_sides(args: &[String]) -> anyhow::Result<(Notebook, Notebook, Labels)> {
    let [path, old_file, _, _, new_file, _, _, rest @ ..] = args else {
        return Err(UsageError::new("--git-driver takes the 7 or 9 arguments git passes").into());
    };
    let new_path = rest.first().unwrap_or(path);
    let read = |file: &str, label: &str| -> anyhow::Result<Notebook> {
        if file == "/dev/null" {
            return Ok(Notebook::default());
        }
        let bytes = std::fs::read(file).with_context(|| format!("cannot read `{file}` for {label}"))?;
        parse(label, &bytes)
    };
    let labels = Labels { old: format!("a/{path}"), new: format!("b/{new_path}") };
    Ok((read(old_file, &labels.old)?, read(new_file, &labels.new)?, labels))
}

fn install(ui: &mut Ui, ctx: &Ctx, args: &NbdiffArgs) -> anyhow::Result<ExitStatus> {
    let scope = if args.global { Scope::Global } else { Scope::Local };
    let command = format!("{} nbdiff --git-driver", self_command()?);
    let driver = DiffDriver { name: DRIVER, command: &command, pattern: "*.ipynb" };
    let config = if args.global { "global git config" } else { "repository's git config" };
    if args.install {
        let change = crate::store::setup::install_diff_driver(&ctx.cwd, scope, &driver)?;
        let file = change.attributes_file.display();
        let verb = |changed: bool| if changed { "Added" } else { "Kept" };
        writeln!(ui.status(), "{} `*.ipynb diff={DRIVER}` in {file}.", verb(change.attributes_changed))?;
        writeln!(ui.status(), "{} diff.{DRIVER}.command = {command} in the {config}.", verb(change.config_changed))?;
        writeln!(ui.status(), "`git diff` now shows notebooks with git exp nbdiff; `--uninstall` undoes this.")?;
    } else {
        let change = crate::store::setup::uninstall_diff_driver(&ctx.cwd, scope, &driver)?;
        let file = change.attributes_file.display();
        if change.attributes_changed {
            writeln!(ui.status(), "Removed `*.ipynb diff={DRIVER}` from {file}.")?;
        } else {
            writeln!(ui.status(), "No `*.ipynb diff={DRIVER}` line in {file}.")?;
        }
        if change.config_changed {
            writeln!(ui.status(), "Removed diff.{DRIVER} from the {config}.")?;
        } else {
            writeln!(ui.status(), "No diff.{DRIVER} in the {config}.")?;
        }
    }
    Ok(ExitStatus::Success)
}

/// How git should call this binary: `git-exp` when that name on PATH is this very binary (it
/// survives upgrades), else the absolute path, shell-quoted (git runs the command via `sh`).
fn self_command() -> anyhow::Result<String> {
    let exe = std::env::current_exe().context("cannot find the git-exp executable")?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| dir.join("git-exp").canonicalize().is_ok_and(|p| p == exe))
    });
    if on_path {
        return Ok("git-exp".to_owned());
    }
    let text = exe.to_str().context("the git-exp executable's path is not UTF-8")?;
    Ok(format!("'{}'", text.replace('\'', r"'\''")))
}
