use std::path::PathBuf;

use crate::commands::{Ctx, ExitStatus};
use crate::share::bundle;
use crate::store::{Run, RunSpec};
use crate::ui::Ui;

/// Write runs and their artifacts into one self-contained .tar.zst bundle
///
/// For machines that share no git or blob remote: `git exp import` on the other side verifies
/// every hash and imports all of it or nothing.
///
/// Examples:
///   git exp export runs.tar.zst @
///   git exp export baseline.tar.zst brave-otter k3m9
///   git exp export all.tar.zst --all
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ExportArgs {
    /// The bundle to write
    pub file: PathBuf,
    /// Runs: id, id prefix (4+), name, `@` or `@~N`
    #[arg(required_unless_present = "all")]
    pub runs: Vec<RunSpec>,
    /// Export every run
    #[arg(long, conflicts_with = "runs")]
    pub all: bool,
}

pub fn cmd_export(ui: &mut Ui, ctx: &Ctx, args: &ExportArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let runs: Vec<Run> = if args.all {
        store.list()?.runs
    } else {
        args.runs.iter().map(|s| store.resolve(s)).collect::<Result<_, _>>()?
    };
    anyhow::ensure!(!runs.is_empty(), "there are no runs to export");
    let dest = ctx.cwd.join(&args.file);
    let done = bundle::export(ui, &store, &runs, &dest)?;
    if done.absent > 0 {
        ui.warn(format!(
            "{} blobs of these runs are not in this clone and were left out (`git exp pull` fetches them)",
            done.absent
        ));
    }
    writeln!(
        ui.status(),
        "Exported {} and {} to {}.",
        crate::format::count(done.runs, "run", None),
        crate::format::count(done.blobs, "blob", None),
        dest.display()
    )?;
    Ok(ExitStatus::Success)
}
