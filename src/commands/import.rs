use std::path::PathBuf;

use crate::commands::{Ctx, ExitStatus};
use crate::format::count;
use crate::share::{self, bundle};
use crate::ui::Ui;

/// Import a bundle written by `git exp export`
///
/// Every entry is checked (regular files at known paths, sizes within limits, every blob's
/// sha256, the git bundle) before anything is written; a bad bundle imports nothing. Runs you
/// already have are merged as `git exp fetch` merges them.
///
/// Examples:
///   git exp import runs.tar.zst
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ImportArgs {
    /// The bundle to read
    pub file: PathBuf,
}

pub fn cmd_import(ui: &mut Ui, ctx: &Ctx, args: &ImportArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let src = ctx.cwd.join(&args.file);
    let (report, blobs) = bundle::import(ui, &store, &src)?;
    let name = args.file.display().to_string();
    share::print_fetch(ui, &name, &report)?;
    writeln!(ui.status(), "Imported {}.", count(blobs, "blob", None))?;
    Ok(ExitStatus::Success)
}
