//! Sharing runs: run refs through a git remote (fetched into a staging namespace, then
//! fast-forwarded or merged locally), blobs through a blob remote, and bundles for machines
//! without either.

mod budget;
pub mod bundle;

use std::time::{Duration, Instant};

use crate::blobs::remote::Transferred;
use crate::blobs::{self, BlobRemote, BlobStore};
use crate::config::Config;
use crate::ids::RunId;
use crate::store::{Integrated, RUNS_PREFIX, Run, Store};
use crate::ui::Ui;

/// Where fetched run refs land before they are integrated: `refs/git-exp/remotes/<remote>/runs/`
/// for a configured remote, `refs/git-exp/remotes/url-<hash>/runs/` for a URL. A URL never
/// becomes a ref name: it may carry a password (`https://user:pw@host/…`) or a token in its
/// query, and ref names are listed, pushed and kept by gc. The hash is of the URL as shown
/// (without userinfo, see `redact::url`), so the same repository stages to the same place
/// whoever's credentials are in the URL.
pub fn staging_prefix(store: &Store, remote: &str) -> String {
    format!("refs/git-exp/remotes/{}/runs/", staging_name(remote, store.remotes().iter().any(|r| r == remote)))
}

fn staging_name(remote: &str, configured: bool) -> String {
    if configured {
        // git checks remote names as ref components; keep the check for hand-edited configs.
        let name: String =
            remote.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
        return name.trim_matches('.').to_owned();
    }
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(crate::redact::url(remote).as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("url-{hex}")
}

/// The fetch refspec for `remote`. The `+` is safe here and only here: the staging refs mirror
/// the remote as `refs/remotes/*` do; local runs are never force-updated, they are merged.
pub fn fetch_refspec(store: &Store, remote: &str) -> String {
    format!("+{RUNS_PREFIX}*:{}*", staging_prefix(store, remote))
}

/// Returns `remote` as messages show it: a URL without its userinfo or query secrets.
pub fn shown(remote: &str) -> std::borrow::Cow<'_, str> {
    crate::redact::url(remote)
}

/// Splits `[REMOTE] [RUN...]`: the first word is the remote if git knows it as one (or it is a
/// URL), so `push origin RUN` and `push RUN` both work. Returns the remote (default `origin`),
/// the run specs and whether the remote was given.
pub fn split_remote(store: &Store, words: &[String]) -> (String, Vec<String>, bool) {
    match words.split_first() {
        Some((first, rest)) if store.check_remote(first).is_ok() => (first.clone(), rest.to_vec(), true),
        _ => ("origin".to_owned(), words.to_vec(), false),
    }
}

/// Resolves run specs; when the remote was not given, a first word that is neither a remote nor
/// a run says both.
pub fn resolve_runs(runs: &[Run], specs: &[String], remote_given: bool) -> anyhow::Result<Vec<Run>> {
    let mut out = Vec::new();
    for (i, text) in specs.iter().enumerate() {
        let spec: crate::store::RunSpec = text.parse().map_err(crate::ui::UsageError::new)?;
        match spec.resolve(runs) {
            Ok(run) => out.push(run.clone()),
            Err(e) if i == 0 && !remote_given => {
                return Err(anyhow::Error::from(e).context(format!("`{text}` is neither a remote nor a run")));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// The blob remote of this clone: `git config exp.blobs`, else `[blobs] remote` in `exp.toml`.
pub fn blob_remote(store: &Store) -> anyhow::Result<Option<BlobRemote>> {
    let root = store.root().to_owned();
    let spec = match store.config_string("exp.blobs") {
        Some(spec) => spec,
        None => match Config::load(store.workdir())?.blobs.remote {
            Some(spec) => spec,
            None => return Ok(None),
        },
    };
    Ok(Some(BlobRemote::parse(&spec, &root)?))
}

/// The blobs a run refers to: its artifacts and its complete output log, if that was cut.
pub fn run_blobs(store: &Store, run: &Run) -> anyhow::Result<Vec<String>> {
    let mut out: Vec<String> = store.artifacts(run)?.artifacts.into_iter().map(|a| a.sha256).collect();
    out.extend(run.record.output.as_ref().and_then(|o| o.blob.clone()));
    out.sort();
    out.dedup();
    Ok(out)
}

/// A progress bar that appears only once a transfer has taken more than a second.
struct Transfer {
    bar: indicatif::ProgressBar,
    started: Instant,
    shown: bool,
    visible: bool,
}

impl Transfer {
    fn new(ui: &Ui, len: u64, message: &'static str) -> Self {
        let bar = ui.progress(len, message);
        let visible = !bar.is_hidden();
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        Self { bar, started: Instant::now(), shown: false, visible }
    }

    fn inc(&mut self) {
        self.bar.inc(1);
        if self.visible && !self.shown && self.started.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown = true;
        }
    }
}

impl Drop for Transfer {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Uploads the blobs the remote lacks. A blob this clone does not have is skipped with a
/// warning: it was never fetched here, and whoever recorded it may still push it.
pub fn upload(ui: &mut Ui, local: &BlobStore, remote: &BlobRemote, shas: &[String]) -> anyhow::Result<Transferred> {
    let mut done = Transferred::default();
    let mut absent = 0;
    let mut progress = Transfer::new(ui, shas.len() as u64, "uploading blobs");
    for sha in shas {
        if !local.has(sha) {
            absent += 1;
        } else if remote.upload(local, sha)? {
            done.moved += 1;
        } else {
            done.skipped += 1;
        }
        progress.inc();
    }
    drop(progress);
    if absent > 0 {
        ui.warn(format!("{absent} blobs are not in this clone and were not uploaded"));
    }
    Ok(done)
}

/// Downloads the blobs this clone lacks. Blobs missing on the remote are returned as errors
/// rather than failing the whole transfer: each costs only its own artifact.
pub fn download(
    ui: &mut Ui,
    local: &BlobStore,
    remote: &BlobRemote,
    shas: &[String],
) -> anyhow::Result<(Transferred, Vec<blobs::Error>)> {
    let mut done = Transferred::default();
    let mut missing = Vec::new();
    let mut progress = Transfer::new(ui, shas.len() as u64, "downloading blobs");
    for sha in shas {
        if local.has(sha) {
            done.skipped += 1;
        } else {
            match remote.download(local, sha) {
                Ok(_) => done.moved += 1,
                Err(e @ blobs::Error::MissingOnRemote { .. }) => missing.push(e),
                Err(e) => return Err(e.into()),
            }
        }
        progress.inc();
    }
    Ok((done, missing))
}

/// What a fetch did to the local runs.
#[derive(Debug, Default)]
pub struct FetchReport {
    pub new: Vec<RunId>,
    pub updated: Vec<RunId>,
    pub merged: Vec<RunId>,
    pub in_trash: Vec<RunId>,
    pub unchanged: usize,
}

impl FetchReport {
    /// Runs that are new or changed here.
    pub fn changed(&self) -> Vec<RunId> {
        self.new.iter().chain(&self.updated).chain(&self.merged).cloned().collect()
    }
}

/// Fetches `remote`'s run refs into the staging namespace and integrates each into the local
/// runs: new runs are created, behind ones fast-forwarded, diverged ones merged.
pub fn fetch(store: &Store, remote: &str) -> anyhow::Result<FetchReport> {
    store.fetch(remote, &[fetch_refspec(store, remote)])?;
    integrate(store, &staging_prefix(store, remote))
}

/// Integrates every run staged under `prefix`.
pub fn integrate(store: &Store, prefix: &str) -> anyhow::Result<FetchReport> {
    let mut report = FetchReport::default();
    let local: std::collections::HashMap<RunId, crate::store::Oid> =
        store.staged_runs(RUNS_PREFIX)?.into_iter().collect();
    let staged = store.staged_runs(prefix)?;
    // Runs from a remote or a bundle are untrusted: one whose tree holds a path that `apply`,
    // `--isolate` or `rerun` must not write is refused whole, before any run is integrated, and
    // its staging ref is dropped so that nothing of it stays reachable.
    let mut refused = Vec::new();
    let mut safe_trees = std::collections::HashSet::new();
    for (id, tip) in &staged {
        if local.get(id) != Some(tip)
            && let Some(unsafe_path) = store.unsafe_path(*tip, &mut safe_trees)?
        {
            store.drop_staged(&format!("{prefix}{id}"), *tip)?;
            refused.push(format!("run {id}: {unsafe_path}"));
        }
    }
    if !refused.is_empty() {
        anyhow::bail!(
            "refusing {} holding unsafe paths, nothing was integrated: {}",
            crate::format::count(refused.len(), "run", None),
            refused.join("; ")
        );
    }
    for (id, tip) in staged {
        if local.get(&id) == Some(&tip) {
            report.unchanged += 1;
            continue;
        }
        match store.integrate(&id, tip)? {
            Integrated::New => report.new.push(id),
            Integrated::FastForward => report.updated.push(id),
            Integrated::Merged => report.merged.push(id),
            Integrated::InTrash => report.in_trash.push(id),
            Integrated::UpToDate => report.unchanged += 1,
        }
    }
    Ok(report)
}

/// Writes the fetch summary and what the user should know about merges and trashed runs.
pub fn print_fetch(ui: &mut Ui, remote: &str, report: &FetchReport) -> anyhow::Result<()> {
    let remote = shown(remote);
    let (new, updated, merged) = (report.new.len(), report.updated.len(), report.merged.len());
    if new + updated + merged == 0 {
        writeln!(ui.status(), "Runs are up to date with {remote}.")?;
    } else {
        writeln!(ui.status(), "Fetched from {remote}: {new} new, {updated} updated, {merged} merged.")?;
    }
    for id in &report.merged {
        writeln!(
            ui.status(),
            "Merged run {id}: both this clone and {remote} had edits (tags, note or status); both are kept. \
             `git exp push` shares the merge."
        )?;
    }
    for id in &report.in_trash {
        ui.warn(format!("run {id} is in the trash here; left there (`git exp restore {id}` brings it back)"));
    }
    Ok(())
}
