//! What a comparison page shows of the compared runs' files: their artifacts side by side
//! (images shown, other files by size and hash, marked when every run has the same bytes), the
//! images logged per step (`media/<key>/<step>.<ext>`, see docs/FORMAT.md "Logged media") with
//! a step slider, and the code of each run against the first (patches and notebook pages).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::code::{self, CodeView, NotebookView, Sides};
use super::run_page::site_copy;
use super::{Context, Error};
use crate::blobs::BlobStore;
use crate::store::{Artifact, Run, Store};

/// Image types a logged image may have (the shared layout's list).
const MEDIA: [&str; 5] = ["png", "jpg", "gif", "svg", "webp"];

#[derive(Debug, Serialize)]
pub struct ArtifactRow {
    pub path: String,
    pub cells: Vec<ArtifactCell>,
    /// Every run has this file with the same bytes.
    pub equal: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct ArtifactCell {
    pub present: bool,
    pub size: String,
    pub sha256: String,
    pub href: Option<String>,
    pub image: Option<String>,
    pub note: Option<String>,
}

/// One logged image key: its steps, and per run the image at each step ("" when it has none).
#[derive(Debug, Serialize)]
pub struct MediaKey {
    pub key: String,
    pub steps: Vec<u64>,
    pub runs: Vec<MediaRun>,
}

#[derive(Debug, Serialize)]
pub struct MediaRun {
    pub label: String,
    /// Image sources by step, space-separated for the slider ("-" where the run has none).
    pub srcs: String,
    /// The image at the last step, shown without JavaScript.
    pub last: Option<String>,
}

/// The code of a run against the first run of the comparison.
#[derive(Debug, Serialize)]
pub struct CodeDiff {
    pub id: String,
    pub label: String,
    pub code: CodeView,
    pub notebooks: Vec<NotebookView>,
}

/// `media/<key>/<step>.<ext>` → (key, step).
fn media_path(path: &str) -> Option<(&str, u64)> {
    let rest = path.strip_prefix("media/")?;
    let (key, file) = rest.rsplit_once('/')?;
    let (step, ext) = file.rsplit_once('.')?;
    let plain = !step.is_empty() && step.bytes().all(|b| b.is_ascii_digit()) && (step == "0" || !step.starts_with('0'));
    (plain && !key.is_empty() && MEDIA.contains(&ext.to_ascii_lowercase().as_str()))
        .then_some((key, step.parse().ok()?))
}

/// The artifacts table and the logged images of `group`, copying what is shown into the site.
pub fn artifacts(
    ctx: &Context<'_>,
    store: &Store,
    group: &[Run],
    labels: &[String],
    files: &mut Vec<String>,
) -> Result<(Vec<ArtifactRow>, Vec<MediaKey>), Error> {
    let blobs = BlobStore::new(store.blob_dir());
    let manifests: Vec<BTreeMap<String, Artifact>> = group
        .iter()
        .map(|r| Ok(store.artifacts(r)?.artifacts.into_iter().map(|a| (a.path.clone(), a)).collect()))
        .collect::<Result<_, Error>>()?;
    let paths: BTreeSet<&String> = manifests.iter().flat_map(BTreeMap::keys).collect();
    let mut rows = Vec::new();
    let mut media: BTreeMap<&str, BTreeMap<u64, Vec<Option<&Artifact>>>> = BTreeMap::new();
    for path in paths {
        if let Some((key, step)) = media_path(path) {
            let by_run = media.entry(key).or_default().entry(step).or_insert_with(|| vec![None; group.len()]);
            for (i, m) in manifests.iter().enumerate() {
                by_run[i] = m.get(path);
            }
            continue;
        }
        let cells: Vec<ArtifactCell> = manifests
            .iter()
            .map(|m| match m.get(path) {
                None => ArtifactCell::default(),
                Some(a) => {
                    let copy = site_copy(ctx, &blobs, a, files);
                    ArtifactCell {
                        present: true,
                        size: crate::format::bytes(a.size),
                        sha256: a.sha256.clone(),
                        href: copy.href.map(|h| format!("../{h}")),
                        image: copy.image.map(|i| if i.starts_with("data:") { i } else { format!("../{i}") }),
                        note: copy.note,
                    }
                }
            })
            .collect();
        let equal = cells.iter().all(|c| c.present && c.sha256 == cells[0].sha256);
        rows.push(ArtifactRow { path: path.clone(), cells, equal });
    }
    let mut keys = Vec::new();
    for (key, steps) in media {
        let mut src = |a: Option<&Artifact>| -> Option<String> {
            let copy = site_copy(ctx, &blobs, a?, files);
            copy.image.map(|i| if i.starts_with("data:") { i } else { format!("../{i}") })
        };
        let mut runs: Vec<MediaRun> =
            labels.iter().map(|l| MediaRun { label: l.clone(), srcs: String::new(), last: None }).collect();
        for by_run in steps.values() {
            for (run, a) in runs.iter_mut().zip(by_run) {
                let s = src(*a);
                if !run.srcs.is_empty() {
                    run.srcs.push(' ');
                }
                run.srcs.push_str(s.as_deref().unwrap_or("-"));
                if s.is_some() {
                    run.last = s;
                }
            }
        }
        keys.push(MediaKey { key: key.to_owned(), steps: steps.keys().copied().collect(), runs });
    }
    Ok((rows, keys))
}

/// The code of each run after the first against the first, with a page per notebook that differs
/// (`compare/<slug>/notebook-<run>-<n>.html`).
pub fn code_diffs(
    ctx: &Context<'_>,
    store: &Store,
    group: &[Run],
    labels: &[String],
    slug: &str,
    files: &mut Vec<String>,
) -> Result<Vec<CodeDiff>, Error> {
    let Some(first) = group.first() else { return Ok(Vec::new()) };
    let first_tree = store.run_tree(first)?;
    let mut out = Vec::new();
    for (i, (run, label)) in group.iter().zip(labels).enumerate().skip(1) {
        let id = run.id().as_str();
        let sides = Sides {
            trees: (first_tree, store.run_tree(run)?),
            labels: (format!("run {}", first.id()), format!("run {id}")),
            run: (id, label.as_str()),
            pages: (format!("compare/{slug}/notebook-{i}-"), format!("{slug}/notebook-{i}-")),
        };
        let (code, notebooks) = code::between(ctx, store, &sides, files)?;
        out.push(CodeDiff { id: id.to_owned(), label: label.clone(), code, notebooks });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::media_path;

    #[test]
    fn logged_images_follow_the_shared_layout() {
        assert_eq!(media_path("media/samples/12.png"), Some(("samples", 12)));
        assert_eq!(media_path("media/val/recon/0.webp"), Some(("val/recon", 0)));
        assert_eq!(media_path("media/x/012.png"), None, "steps have no padding");
        assert_eq!(media_path("media/x/1.txt"), None);
        assert_eq!(media_path("plots/1.png"), None);
        assert_eq!(media_path("media/1.png"), None, "a key is needed");
    }
}
