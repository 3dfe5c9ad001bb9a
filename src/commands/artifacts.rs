use std::path::{Path, PathBuf};

use crate::blobs::BlobStore;
use crate::commands::{Ctx, ExitStatus};
use crate::format::count;
use crate::store::{Artifact, Run, RunSpec, Store};
use crate::ui::{Cell, Table, Ui};

/// List or extract a run's artifacts
///
/// Files are read from the blob store and their sha256 is checked before they are written.
///
/// Examples:
///   git exp artifacts @
///   git exp artifacts @ -o out/
///   git exp artifacts brave-otter model.pt -o .
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ArtifactsArgs {
    /// Run: id, id prefix (4+), name, `@` or `@~N`
    pub run: RunSpec,
    /// Only artifacts at this path or below it
    pub path: Option<String>,
    /// Extract into this directory instead of listing
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
}

pub fn cmd_artifacts(ui: &mut Ui, ctx: &Ctx, args: &ArtifactsArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let run = store.resolve(&args.run)?;
    let all = store.artifacts(&run)?.artifacts;
    let selected: Vec<&Artifact> = all
        .iter()
        .filter(|a| match args.path.as_deref().map(|p| p.trim_end_matches('/')) {
            None | Some("") => true,
            Some(p) => a.path == p || a.path.starts_with(&format!("{p}/")),
        })
        .collect();
    if let Some(path) = &args.path
        && selected.is_empty()
    {
        anyhow::bail!("run {} ({}) has no artifact at `{path}`", run.id(), run.record.name);
    }
    let Some(dir) = &args.output else {
        let mut table = Table { columns: ["path", "size", "sha256"].map(String::from).to_vec(), rows: vec![] };
        for a in selected {
            table.rows.push(vec![
                Cell::text(a.path.clone()),
                Cell::new(a.size.into(), crate::format::bytes(a.size)),
                Cell::text(a.sha256.clone()),
            ]);
        }
        ui.print_table(&table)?;
        return Ok(ExitStatus::Success);
    };
    extract(ui, &store, &run, &selected, &ctx.cwd.join(dir))
}

/// Extracts `selected` artifacts of `run` below `dir`, fetching absent blobs from the blob
/// remote; one unavailable artifact is a warning, and the others are still written.
fn extract(ui: &mut Ui, store: &Store, run: &Run, selected: &[&Artifact], dir: &Path) -> anyhow::Result<ExitStatus> {
    let blobs = BlobStore::new(store.blob_dir());
    // Check every path before writing anything: a hand-edited manifest must not write outside.
    let targets = selected
        .iter()
        .map(|a| crate::relpath::check(&a.path).map(|p| (*a, p)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("cannot extract the artifacts of run {}: {e}", run.id()))?;
    // Blobs of a fetched run live on the blob remote until first needed.
    let absent: Vec<String> = targets.iter().map(|(a, _)| a.sha256.clone()).filter(|s| !blobs.has(s)).collect();
    let mut unavailable = Vec::new();
    if !absent.is_empty() {
        match crate::share::blob_remote(store)? {
            Some(remote) => unavailable = crate::share::download(ui, &blobs, &remote, &absent)?.1,
            None => ui.warn(format!(
                "{} blobs are not in this clone and no blob remote is configured \
                 (git config exp.blobs <dir or s3://bucket/prefix>)",
                absent.len()
            )),
        }
    }
    let bar = ui.progress(targets.len() as u64, "extracting");
    let mut extracted = 0;
    let mut failed = 0;
    for (artifact, _) in &targets {
        // Directories are created one at a time, never through a link (the blob itself is
        // renamed into place, which replaces a link there rather than following it).
        let target = crate::relpath::prepare(dir, &artifact.path)
            .map_err(|e| anyhow::anyhow!("cannot extract the artifacts of run {}: {e}", run.id()))?;
        // One unavailable artifact must not cost the others.
        match blobs.extract(&artifact.sha256, &target) {
            Ok(_) => extracted += 1,
            Err(e) => {
                let e = unavailable
                    .iter()
                    .find(|m| m.to_string().contains(&artifact.sha256))
                    .map_or(e.to_string(), |m| m.to_string());
                bar.suspend(|| {
                    ui.warn(format!("artifact `{}` of run {} is unavailable: {e}", artifact.path, run.id()));
                });
                failed += 1;
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    writeln!(
        ui.status(),
        "Extracted {} of run {} into {}.",
        count(extracted, "artifact", None),
        run.id(),
        dir.display()
    )?;
    if failed > 0 {
        anyhow::bail!("{failed} of {} artifacts of run {} could not be extracted", targets.len(), run.id());
    }
    Ok(ExitStatus::Success)
}
