use std::path::PathBuf;

use crate::capture::tensorboard::{self, ImportProgress, Outcome};
use crate::commands::{Ctx, ExitStatus};
use crate::format::count;
use crate::share::{self, bundle};
use crate::ui::Ui;

/// Import a bundle written by `git exp export`, or TensorBoard logs
///
/// Every entry of a bundle is checked (regular files at known paths, sizes within limits,
/// every blob's sha256, the git bundle) before anything is written; a bad bundle imports
/// nothing. Runs you already have are merged as `git exp fetch` merges them.
///
/// With --tensorboard, every directory under DIR holding event files becomes one completed
/// run named by its path below DIR: scalars as metric series, images as logged media. A
/// directory imported before is skipped, so importing again adds nothing.
///
/// Examples:
///   git exp import runs.tar.zst
///   git exp import --tensorboard logs/
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ImportArgs {
    /// The bundle to read
    #[arg(required_unless_present = "tensorboard", conflicts_with = "tensorboard")]
    pub file: Option<PathBuf>,
    /// Import a TensorBoard log directory: one run per directory of event files
    #[arg(long, value_name = "DIR")]
    pub tensorboard: Option<PathBuf>,
}

pub fn cmd_import(ui: &mut Ui, ctx: &Ctx, args: &ImportArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    // --- TensorBoard (issue 19): its own source, kept apart from the bundle path below. ---
    if let Some(dir) = &args.tensorboard {
        let mut progress = Progress { ui, bar: None, imported: 0, skipped: 0, failed: 0 };
        tensorboard::import(&store, &ctx.cwd.join(dir), &mut progress)?;
        return progress.finish();
    }
    // --- end TensorBoard ---
    let Some(file) = &args.file else {
        anyhow::bail!("give a bundle to import, or --tensorboard DIR");
    };
    let src = ctx.cwd.join(file);
    let (report, blobs) = bundle::import(ui, &store, &src)?;
    let name = file.display().to_string();
    share::print_fetch(ui, &name, &report)?;
    writeln!(ui.status(), "Imported {}.", count(blobs, "blob", None))?;
    Ok(ExitStatus::Success)
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
