use crate::blobs::BlobStore;
use crate::commands::{Ctx, ExitStatus};
use crate::format::count;
use crate::share;
use crate::store::Store;
use crate::ui::Ui;

/// Fetch runs from a git remote and download their artifacts from the blob remote
///
/// Without RUN, downloads the blobs of the runs this fetch brought in or changed. A blob the
/// blob remote lacks is reported; the run itself stays usable.
///
/// Examples:
///   git exp pull
///   git exp pull origin brave-otter
///   git exp pull @ @~1
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct PullArgs {
    /// Git remote, then runs whose artifacts to download (id, id prefix, name, `@`, `@~N`); the
    /// remote defaults to origin
    #[arg(value_name = "REMOTE|RUN")]
    pub args: Vec<String>,
}

pub fn cmd_pull(ui: &mut Ui, ctx: &Ctx, args: &PullArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let (remote, specs, remote_given) = share::split_remote(&store, &args.args);
    store.check_remote(&remote)?;
    let report = share::fetch(&store, &remote)?;
    share::print_fetch(ui, &remote, &report)?;
    let listing = store.list()?.runs;
    let runs = if specs.is_empty() {
        let changed = report.changed();
        listing.into_iter().filter(|r| changed.contains(r.id())).collect()
    } else {
        share::resolve_runs(&listing, &specs, remote_given)?
    };
    download_blobs(ui, &store, &runs)
}

/// Downloads the blobs of `runs`; exit 1 (after the rest) when some are missing on the remote.
pub fn download_blobs(ui: &mut Ui, store: &Store, runs: &[crate::store::Run]) -> anyhow::Result<ExitStatus> {
    let mut shas = Vec::new();
    for run in runs {
        shas.extend(share::run_blobs(store, run)?);
    }
    shas.sort();
    shas.dedup();
    if shas.is_empty() {
        return Ok(ExitStatus::Success);
    }
    let Some(remote) = share::blob_remote(store)? else {
        ui.warn(format!(
            "{} of these runs cannot be downloaded: no blob remote is configured \
             (git config exp.blobs <dir or s3://bucket/prefix>)",
            count(shas.len(), "blob", None)
        ));
        return Ok(ExitStatus::Success);
    };
    let local = BlobStore::new(store.blob_dir());
    let (done, missing) = share::download(ui, &local, &remote, &shas)?;
    writeln!(
        ui.status(),
        "Downloaded {} from {} ({} already here).",
        count(done.moved, "blob", None),
        remote.describe(),
        done.skipped
    )?;
    for e in &missing {
        ui.warn(format!("{e}; that artifact is unavailable, the run is not affected"));
    }
    Ok(if missing.is_empty() { ExitStatus::Success } else { ExitStatus::Failure })
}
