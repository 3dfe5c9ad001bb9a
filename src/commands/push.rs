use crate::blobs::BlobStore;
use crate::commands::{Ctx, ExitStatus};
use crate::format::count;
use crate::share;
use crate::store::RefOutcome;
use crate::store::Run;
use crate::ui::{Ui, UsageError};

/// Push runs to a git remote and their artifacts to the blob remote
///
/// Blobs go first (skipping those the blob remote has), then the run refs in one atomic push
/// through your own `git`, so SSH keys and credential helpers work as for `git push`. A run
/// edited on the remote too is rejected: `git exp pull` merges it, then push again.
///
/// Examples:
///   git exp push
///   git exp push origin brave-otter
///   git exp push upstream --all
///   git config exp.blobs s3://my-bucket/exp   # where artifacts go
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct PushArgs {
    /// Git remote, then runs (id, id prefix, name, `@`, `@~N`); the remote defaults to origin
    #[arg(value_name = "REMOTE|RUN")]
    pub args: Vec<String>,
    /// Push every run (the default when no run is named)
    #[arg(long)]
    pub all: bool,
}

pub fn cmd_push(ui: &mut Ui, ctx: &Ctx, args: &PushArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    // `push origin RUN` and `push RUN` both read naturally; the first word is a remote only if
    // git knows it as one (or it is a URL).
    let (remote, specs, remote_given) = share::split_remote(&store, &args.args);
    if args.all && !specs.is_empty() {
        return Err(UsageError::new("give runs or --all, not both").into());
    }
    let listing = store.list()?;
    let runs: Vec<Run> =
        if specs.is_empty() { listing.runs } else { share::resolve_runs(&listing.runs, &specs, remote_given)? };
    if runs.is_empty() {
        writeln!(ui.status(), "No runs to push.")?;
        return Ok(ExitStatus::Success);
    }
    store.check_remote(&remote)?;

    let mut shas = Vec::new();
    for run in &runs {
        shas.extend(share::run_blobs(&store, run)?);
    }
    shas.sort();
    shas.dedup();
    if !shas.is_empty() {
        match share::blob_remote(&store)? {
            Some(blob_remote) => {
                let local = BlobStore::new(store.blob_dir());
                let done = share::upload(ui, &local, &blob_remote, &shas)?;
                writeln!(
                    ui.status(),
                    "Uploaded {} to {} ({} already there).",
                    count(done.moved, "blob", None),
                    blob_remote.describe(),
                    done.skipped
                )?;
            }
            None => ui.warn(format!(
                "{} stay in this clone: no blob remote is configured \
                 (git config exp.blobs <dir or s3://bucket/prefix>)",
                count(shas.len(), "blob", None)
            )),
        }
    }

    let refspecs: Vec<String> = runs.iter().map(|r| format!("{0}:{0}", r.ref_name())).collect();
    let pushed = store.push(&remote, &refspecs)?;
    let fresh = pushed.iter().filter(|r| r.outcome != RefOutcome::UpToDate).count();
    let remote = share::shown(&remote);
    writeln!(ui.status(), "Pushed {} to {remote} ({} up to date).", count(fresh, "run", None), pushed.len() - fresh)?;
    Ok(ExitStatus::Success)
}
