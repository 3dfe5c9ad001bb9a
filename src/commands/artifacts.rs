use std::path::{Component, Path, PathBuf};

use crate::blobs::BlobStore;
use crate::commands::show::human_bytes;
use crate::commands::{Ctx, ExitStatus};
use crate::store::{Artifact, RunSpec};
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
                Cell::new(a.size.into(), human_bytes(a.size)),
                Cell::text(a.sha256.clone()),
            ]);
        }
        ui.print_table(&table)?;
        return Ok(ExitStatus::Success);
    };
    let blobs = BlobStore::new(store.blob_dir());
    let dir = ctx.cwd.join(dir);
    // Check every path before writing anything: a hand-edited manifest must not write outside.
    let targets =
        selected.iter().map(|a| safe_join(&dir, &a.path).map(|p| (*a, p))).collect::<anyhow::Result<Vec<_>>>()?;
    let bar = ui.progress(targets.len() as u64, "extracting");
    for (artifact, target) in &targets {
        blobs
            .extract(&artifact.sha256, target)
            .map_err(|e| anyhow::anyhow!("artifact `{}` of run {}: {e}", artifact.path, run.id()))?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    writeln!(ui.status(), "Extracted {} artifacts of run {} into {}.", targets.len(), run.id(), dir.display())?;
    Ok(ExitStatus::Success)
}

/// Joins a manifest path under `dir`, refusing absolute paths and `..`.
fn safe_join(dir: &Path, rel: &str) -> anyhow::Result<PathBuf> {
    let path = Path::new(rel);
    let ok = !rel.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    anyhow::ensure!(ok, "artifact path `{rel}` is not a plain relative path; refusing to write it");
    Ok(dir.join(path))
}
