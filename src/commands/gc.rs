use std::time::{Duration, SystemTime};

use crate::blobs::BlobStore;
use crate::commands::{Ctx, ExitStatus};
use crate::format::count;
use crate::store::{BlobsInUse, Store};
use crate::ui::Ui;

/// Delete old trash and unreferenced blobs, and pack run refs into packed-refs
///
/// Runs in the trash longer than --trash-days are deleted for good; blobs that no run (nor any
/// run in the trash) refers to are deleted once they were neither written nor re-used for an
/// hour, so that a run being written right now keeps its blobs. Temporary files of blob writes
/// that died (a full disk, a kill) are deleted too.
///
/// With --reindex, the listing cache and the run index are first rebuilt from the run commits
/// (a progress bar shows on a terminal). They are rebuilt on their own when damaged or missing;
/// the flag is for when you want it done now, or suspect them.
///
/// Examples:
///   git exp gc
///   git exp gc --dry-run
///   git exp gc --trash-days 0      # empty the trash now
///   git exp gc --reindex           # rebuild the listing cache and run index, then collect
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct GcArgs {
    /// Delete runs that have been in the trash for this many days
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    pub trash_days: u64,
    /// Say what would be deleted, and delete nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Rebuild the listing cache and the run index from the run commits first
    #[arg(long)]
    pub reindex: bool,
}

/// Blobs younger than this are never deleted: a live run may not have committed its manifest yet.
const BLOB_GRACE: Duration = Duration::from_secs(3600);

pub fn cmd_gc(ui: &mut Ui, ctx: &Ctx, args: &GcArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    if args.reindex {
        let runs = store.reindex()?;
        writeln!(ui.status(), "Rebuilt the run index and listing cache: {}.", count(runs, "run", None))?;
    }
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
    let stale = BlobStore::new(store.blob_dir()).stale_tmp_files(grace_cutoff());
    if !stale.is_empty() {
        let bytes: u64 = stale.iter().map(|t| t.size).sum();
        if !args.dry_run {
            for tmp in &stale {
                // Gone already: its writer finished or another gc was faster.
                let _ = std::fs::remove_file(&tmp.path);
            }
        }
        let verb = if args.dry_run { "Would delete" } else { "Deleted" };
        let files = count(stale.len(), "temporary file", None);
        writeln!(ui.status(), "{verb} {files} of unfinished blob writes ({bytes} bytes).")?;
    }
    if !args.dry_run {
        // Packing only speeds up listing; when packed-refs is locked, someone else (git gc,
        // pack-refs, another gc) is packing right now, so that is no failure of gc's.
        match store.pack_run_refs() {
            Ok(0) => {}
            Ok(packed) => writeln!(ui.status(), "Packed {packed} run refs.")?,
            Err(e) => ui.warn(format!("run refs not packed: {e}")),
        }
    }
    Ok(ExitStatus::Success)
}

/// Returns the time before which an unreferenced blob or temp file is old enough to delete.
fn grace_cutoff() -> SystemTime {
    let now = SystemTime::UNIX_EPOCH + Duration::from_millis(crate::clock::now().as_millisecond().max(0) as u64);
    now.checked_sub(BLOB_GRACE).unwrap_or(SystemTime::UNIX_EPOCH)
}

/// Looks at a blob's age again just before deleting it: a run may have re-used it (and so
/// freshened it) since the store was listed, and its manifest may not be committed yet.
fn still_old(blobs: &BlobStore, name: &str, cutoff: SystemTime) -> bool {
    let modified = blobs.path(name).ok().and_then(|p| std::fs::metadata(p).ok()).and_then(|m| m.modified().ok());
    modified.is_some_and(|m| m <= cutoff)
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
    let blobs = BlobStore::new(store.blob_dir());
    let cutoff = grace_cutoff();
    let old: Vec<String> =
        blobs.list()?.into_iter().filter(|(_, modified)| *modified <= cutoff).map(|(n, _)| n).collect();
    if old.is_empty() {
        // Nothing old enough to delete: no need to read every run.
        return Ok(Pruned::Blobs { count: 0, bytes: 0 });
    }
    // `list` returns the names sorted.
    let referenced = match store.blobs_in_use(|name| old.binary_search_by(|o| o.as_str().cmp(name)).is_ok())? {
        BlobsInUse::Known(referenced) => referenced,
        BlobsInUse::Unknown { unreadable } => return Ok(Pruned::Refused { unreadable }),
    };
    let (mut count, mut bytes) = (0, 0);
    for name in old {
        if referenced.contains(&name) || !still_old(&blobs, &name, cutoff) {
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
