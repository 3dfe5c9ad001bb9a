use std::path::PathBuf;

use crate::capture::imported;
use crate::capture::tensorboard::{self, ImportProgress, Outcome};
use crate::commands::{Ctx, ExitStatus};
use crate::format::count;
use crate::share::{self, bundle};
use crate::ui::{Ui, UsageError};

/// Import runs: a bundle written by `git exp export`, or another tracker's history
///
/// A bundle is checked whole (regular files at known paths, sizes within limits, every blob's
/// sha256, the git bundle) before anything is written; a bad bundle imports nothing. Runs you
/// already have are merged as `git exp fetch` merges them.
///
/// `--mlflow` reads an MLflow file store (`mlruns/`) or SQLite database and records one run
/// per MLflow run: name, times, status, params, metrics with every step, tags, artifacts and
/// logged models. Its `mlflow.source.git.commit` becomes the run's code when this repository
/// has that commit. Importing again adds only runs not imported before. A run that cannot be
/// read is skipped with a one-line error and the rest imported; the exit code is then 1.
///
/// With --tensorboard, every directory under DIR holding event files becomes one completed
/// run named by its path below DIR: scalars as metric series, images as logged media. A
/// directory imported before is skipped, so importing again adds nothing.
///
/// docs/MIGRATING.md says what maps to what.
///
/// Examples:
///   git exp import runs.tar.zst
///   git exp import --mlflow mlruns/
///   git exp import --mlflow sqlite:///mlflow.db
///   git exp import --tensorboard logs/
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ImportArgs {
    /// The bundle to read
    #[arg(required_unless_present_any = ["mlflow", "tensorboard"], conflicts_with_all = ["mlflow", "tensorboard"])]
    pub file: Option<PathBuf>,
    /// An MLflow tracking store: an mlruns/ directory, file:///…, or sqlite:///mlflow.db
    #[arg(long, value_name = "PATH_OR_URI", conflicts_with = "tensorboard")]
    pub mlflow: Option<String>,
    /// A TensorBoard log directory: one run per directory of event files
    #[arg(long, value_name = "DIR")]
    pub tensorboard: Option<PathBuf>,
}

/// Where the runs come from.
enum Origin<'a> {
    Bundle(&'a PathBuf),
    Mlflow(&'a str),
    Tensorboard(&'a PathBuf),
}

pub fn cmd_import(ui: &mut Ui, ctx: &Ctx, args: &ImportArgs) -> anyhow::Result<ExitStatus> {
    let from = match (&args.file, &args.mlflow, &args.tensorboard) {
        (Some(file), None, None) => Origin::Bundle(file),
        (None, Some(uri), None) => Origin::Mlflow(uri),
        (None, None, Some(dir)) => Origin::Tensorboard(dir),
        _ => return Err(UsageError::new("give a bundle, --mlflow STORE or --tensorboard DIR").into()),
    };
    let store = ctx.store()?;
    match from {
        Origin::Bundle(file) => {
            let (report, blobs) = bundle::import(ui, &store, &ctx.cwd.join(file))?;
            share::print_fetch(ui, &file.display().to_string(), &report)?;
            writeln!(ui.status(), "Imported {}.", count(blobs, "blob", None))?;
            Ok(ExitStatus::Success)
        }
        Origin::Mlflow(uri) => {
            let source = crate::import::mlflow::open(uri, &ctx.cwd)?;
            foreign(ui, &store, &source, "MLflow")
        }
        Origin::Tensorboard(dir) => {
            let mut progress = Progress { ui, bar: None, imported: 0, skipped: 0, failed: 0 };
            tensorboard::import(&store, &ctx.cwd.join(dir), &mut progress)?;
            progress.finish()
        }
    }
}

/// Imports the runs of another tracker with a progress bar; exit 1 when any was skipped.
fn foreign(
    ui: &mut Ui,
    store: &crate::store::Store,
    reader: &dyn crate::import::Reader,
    what: &str,
) -> anyhow::Result<ExitStatus> {
    let bar = ui.progress(0, "importing runs");
    let done = imported::import_all(
        store,
        reader,
        &mut |pos, len| {
            bar.set_length(len);
            bar.set_position(pos);
        },
        &mut |w| bar.suspend(|| ui.warn(w)),
    );
    bar.finish_and_clear();
    let done = done?;
    for line in &done.skipped {
        ui.warn(format!("skipped {line}"));
    }
    writeln!(
        ui.status(),
        "Imported {} from {what} ({} already imported, {} skipped).",
        count(done.new.len(), "run", None),
        done.already,
        done.skipped.len()
    )?;
    Ok(if done.skipped.is_empty() { ExitStatus::Success } else { ExitStatus::Failure })
}

/// Prints what a TensorBoard import does, a line per directory, with a progress bar.
struct Progress<'a> {
    ui: &'a mut Ui,
    bar: Option<indicatif::ProgressBar>,
    imported: usize,
    skipped: usize,
    failed: usize,
}

impl Progress<'_> {
    fn finish(self) -> anyhow::Result<ExitStatus> {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let (imported, skipped, failed) = (self.imported, self.skipped, self.failed);
        writeln!(
            self.ui.status(),
            "Imported {}; {skipped} already there; {failed} failed.",
            count(imported, "run", None)
        )?;
        Ok(if failed > 0 { ExitStatus::Failure } else { ExitStatus::Success })
    }

    fn line(&mut self, text: String) {
        let ui = &mut *self.ui;
        match &self.bar {
            Some(bar) => bar.suspend(|| {
                let _ = writeln!(ui.status(), "{text}");
            }),
            None => {
                let _ = writeln!(ui.status(), "{text}");
            }
        }
    }
}

impl ImportProgress for Progress<'_> {
    fn found(&mut self, dirs: usize) {
        self.bar = Some(self.ui.progress(dirs as u64, "Importing"));
    }

    fn warn(&mut self, message: String) {
        let ui = &mut *self.ui;
        match &self.bar {
            Some(bar) => bar.suspend(|| ui.warn(&message)),
            None => ui.warn(&message),
        }
    }

    fn done(&mut self, name: &str, outcome: anyhow::Result<Outcome>) {
        let name = crate::ui::visible(name);
        match outcome {
            Ok(Outcome::Imported(run)) => {
                self.imported += 1;
                self.line(format!("Imported {name} as run {}", run.id()));
            }
            Ok(Outcome::Unchanged(id)) => {
                self.skipped += 1;
                self.line(format!("{name}: already imported as run {id}"));
            }
            Ok(Outcome::Changed(id)) => {
                self.skipped += 1;
                self.warn(format!("{name} changed since it was imported as run {id}; not imported again (`git exp rm {id}` first to re-import it)"));
            }
            Ok(Outcome::Empty) => self.warn(format!("{name}: event files without events; skipped")),
            Err(e) => {
                self.failed += 1;
                self.warn(format!("{name} not imported: {e:#}"));
            }
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
}
