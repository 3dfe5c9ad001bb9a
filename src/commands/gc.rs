use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use crate::blobs::BlobStore;
use crate::commands::{Ctx, ExitStatus};
use crate::format::count;
use crate::store::Store;
use crate::ui::Ui;

/// Delete old trash and unreferenced blobs, and pack run refs into packed-refs
///
/// Runs in the trash longer than --trash-days are deleted for good; blobs that no run (nor any
/// run in the trash) refers to are deleted once they are an hour old, so that a run being
/// written right now keeps its blobs.
///
/// Examples:
///   git exp gc
///   git exp gc --dry-run
///   git exp gc --trash-days 0      # empty the trash now
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct GcArgs {
    /// Delete runs that have been in the trash for this many days
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    pub trash_days: u64,
    /// Say what would be deleted, and delete nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// Blobs younger than this are never deleted: a live run may not have committed its manifest yet.
const BLOB_GRACE: Duration = Duration::from_secs(3600);

pub fn cmd_gc(ui: &mut Ui, ctx: &Ctx, args: &GcArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let now = crate::clock::now().as_second();
    let trash = store.list_trash()?;
    let mut deleted_runs = 0;
    for run in &trash.runs {
        let since = store.trashed_at(run)?;
        if now.saturating_sub(since) >= i64::try_from(args.trash_days.saturating_mul(86_400)).unwrap_or(i64::MAX) {
            if !args.dry_run {
                store.purge(run)?;
            }
            deleted_runs += 1;
        }
    }
    let verb = if args.dry_run { "Would delete" } else { "Deleted" };
    match prune_blobs(&store, args.dry_run)? {
        Pruned::Blobs { count: count_blobs, bytes } => writeln!(
            ui.status(),
            "{verb} {} from the trash and {} ({bytes} bytes).",
            count(deleted_runs, "run", None),
            count(count_blobs, "unreferenced blob", None)
        )?,
        Pruned::Refused { unreadable } => {
            for name in &unreadable {
                ui.warn(format_args!("cannot read {name}; keeping every blob, since it may refer to any of them"));
            }
            writeln!(ui.status(), "{verb} {} from the trash; deleted no blobs.", count(deleted_runs, "run", None))?;
        }
    }
    if !args.dry_run {
        let packed = store.pack_run_refs()?;
        if packed > 0 {
            writeln!(ui.status(), "Packed {packed} run refs.")?;
        }
    }
    Ok(ExitStatus::Success)
}

/// What blob pruning did.
enum Pruned {
    Blobs {
        count: usize,
        bytes: u64,
    },
    /// Some runs could not be read (a newer schema, a hand-broken run.toml), so which blobs
    /// they refer to is unknown: none were deleted.
    Refused {
        unreadable: Vec<String>,
    },
}

fn prune_blobs(store: &Store, dry_run: bool) -> anyhow::Result<Pruned> {
    let (runs, trash) = (store.list()?, store.list_trash()?);
    let unreadable: Vec<String> = runs.unreadable.into_iter().chain(trash.unreadable).collect();
    if !unreadable.is_empty() {
        return Ok(Pruned::Refused { unreadable });
    }
    let mut referenced = HashSet::new();
    for run in runs.runs.iter().chain(trash.runs.iter()) {
        referenced.extend(store.artifacts(run)?.artifacts.into_iter().map(|a| a.sha256));
        if let Some(blob) = run.record.output.as_ref().and_then(|o| o.blob.clone()) {
            referenced.insert(blob);
        }
    }
    let blobs = BlobStore::new(store.blob_dir());
    let (mut count, mut bytes) = (0, 0);
    let now = SystemTime::UNIX_EPOCH + Duration::from_millis(crate::clock::now().as_millisecond().max(0) as u64);
    let cutoff = now - BLOB_GRACE;
    for (name, modified) in blobs.list()? {
        if referenced.contains(&name) || modified > cutoff {
            continue;
        }
        bytes += blobs.path(&name).ok().and_then(|p| std::fs::metadata(p).ok()).map_or(0, |m| m.len());
        if !dry_run {
            blobs.remove(&name)?;
        }
        count += 1;
    }
    Ok(Pruned::Blobs { count, bytes })
}
