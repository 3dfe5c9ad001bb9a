use std::path::PathBuf;

use crate::capture::imported;
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
/// docs/MIGRATING.md says what maps to what.
///
/// Examples:
///   git exp import runs.tar.zst
///   git exp import --mlflow mlruns/
///   git exp import --mlflow sqlite:///mlflow.db
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ImportArgs {
    /// The bundle to read
    #[arg(required_unless_present = "mlflow", conflicts_with = "mlflow")]
    pub file: Option<PathBuf>,
    /// An MLflow tracking store: an mlruns/ directory, file:///…, or sqlite:///mlflow.db
    #[arg(long, value_name = "PATH_OR_URI")]
    pub mlflow: Option<String>,
}

/// Where the runs come from.
enum Origin<'a> {
    Bundle(&'a PathBuf),
    Mlflow(&'a str),
}

pub fn cmd_import(ui: &mut Ui, ctx: &Ctx, args: &ImportArgs) -> anyhow::Result<ExitStatus> {
    let from = match (&args.file, &args.mlflow) {
        (Some(file), None) => Origin::Bundle(file),
        (None, Some(uri)) => Origin::Mlflow(uri),
        _ => return Err(UsageError::new("give a bundle or --mlflow STORE").into()),
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
