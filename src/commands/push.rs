use crate::blobs::BlobStore;
use crate::commands::{Ctx, ExitStatus};
use crate::git::RefOutcome;
use crate::share;
use crate::store::{Run, RunSpec};
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
    let (remote, specs, remote_given) = match args.args.split_first() {
        Some((first, rest)) if store.repo.check_remote(first).is_ok() => (first.clone(), rest.to_vec(), true),
        _ => ("origin".to_owned(), args.args.clone(), false),
    };
    if args.all && !specs.is_empty() {
        return Err(UsageError::new("give runs or --all, not both").into());
    }
    let listing = store.list()?;
    let mut runs: Vec<Run> = Vec::new();
    for (i, text) in specs.iter().enumerate() {
        let spec: RunSpec = text.parse().map_err(UsageError::new)?;
        match spec.resolve(&listing.runs) {
            Ok(run) => runs.push(run.clone()),
            Err(e) if i == 0 && !remote_given => {
                return Err(anyhow::Error::from(e).context(format!("`{text}` is neither a remote nor a run")));
            }
            Err(e) => return Err(e.into()),
        }
    }
    if specs.is_empty() {
        runs = listing.runs;
    }
    if runs.is_empty() {
        writeln!(ui.status(), "No runs to push.")?;
        return Ok(ExitStatus::Success);
    }
    store.repo.check_remote(&remote)?;

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
                    "Uploaded {} blobs to {} ({} already there).",
                    done.moved,
                    blob_remote.describe(),
                    done.skipped
                )?;
            }
            None => ui.warn(format!(
                "{} blobs stay in this clone: no blob remote is configured \
                 (git config exp.blobs <dir or s3://bucket/prefix>)",
                shas.len()
            )),
        }
    }

    let refspecs: Vec<String> = runs.iter().map(|r| format!("{0}:{0}", r.ref_name())).collect();
    let pushed = store.repo.push(&remote, &refspecs)?;
    let fresh = pushed.iter().filter(|r| r.outcome != RefOutcome::UpToDate).count();
    writeln!(ui.status(), "Pushed {fresh} runs to {remote} ({} up to date).", pushed.len() - fresh)?;
    Ok(ExitStatus::Success)
}
