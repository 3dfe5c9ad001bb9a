//! A run's unit: `runs/<id>.html`, its series as CSV, its output log, its artifacts under
//! `files/` and `data/<id>.js` for the browser-side comparison. Each series is read once.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Serialize;

use super::chart::{self, Line};
use super::code::{self, CodeView, NotebookView};
use super::data;
use super::format::{duration, number, time};
use super::{Context, Error, ansi};
use crate::blobs::BlobStore;
use crate::store::Oid;
use crate::store::record::{OUTPUT_LOG, RECORD_DIR, check_metric_key};
use crate::store::view::{display_value, flatten};
use crate::store::{Artifact, ArtifactManifest, Run, Store, parse_series};

/// The log shown on the page stops at this many bytes (its head and tail); the whole log is a
/// download, so pages stay well under a megabyte.
const LOG_SHOWN: usize = 192 * 1024;
const LOG_HEAD: usize = 16 * 1024;
/// SVG artifacts are shown as `data:` images (an `<img>` never runs their scripts) up to this.
const INLINE_SVG: u64 = 256 * 1024;

/// Raster images browsers show in `<img>`.
const IMAGES: [&str; 7] = ["png", "jpg", "jpeg", "gif", "webp", "avif", "bmp"];
/// Extensions kept on the copies in `files/`: none of them makes a browser run code when the
/// file is opened from the site. Everything else (html, svg, js, …) is saved as `.bin`, so an
/// artifact can never execute in the site's origin.
const KEPT_EXTENSIONS: [&str; 29] = [
    "png", "jpg", "jpeg", "gif", "webp", "avif", "bmp", "txt", "log", "csv", "tsv", "json", "jsonl", "md", "yaml",
    "yml", "toml", "npy", "npz", "pt", "pth", "ckpt", "onnx", "pkl", "h5", "parquet", "zip", "gz", "zst",
];

#[derive(Serialize)]
pub struct RunView {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub started: String,
    pub started_rfc3339: String,
    pub ended: Option<String>,
    pub duration: String,
    pub command: String,
    pub cwd: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub host: String,
    pub base: Option<String>,
    pub base_short: String,
    pub branch: Option<String>,
    pub dirty: bool,
    pub commit: String,
    pub tags: Vec<String>,
    pub note: String,
    pub sweep: Option<String>,
    pub rerun_of: Option<String>,
    pub malformed: u64,
    pub skipped: Vec<crate::store::Skipped>,
    pub params: Vec<KeyValue>,
    pub metrics: Vec<MetricView>,
}

#[derive(Serialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

#[derive(Serialize)]
pub struct MetricView {
    pub key: String,
    /// Logged at most once: a value, not a chart (no step axis for one point).
    pub single: bool,
    pub count: u64,
    pub first: String,
    pub last: String,
    pub min: String,
    pub max: String,
    pub mean: String,
}

#[derive(Serialize)]
pub struct ChartView {
    pub key: String,
    /// The element id a run page's summary table links to.
    pub anchor: Option<String>,
    pub svg: String,
    pub note: Option<String>,
    /// The CSV of every point behind the chart, when the site has one.
    pub csv: Option<String>,
    /// The runs drawn, space-separated: the chart tools redraw from their `data/<id>.js`.
    pub run_ids: String,
}

#[derive(Serialize)]
struct ArtifactView {
    path: String,
    name: String,
    size: String,
    sha256: String,
    href: Option<String>,
    image: Option<String>,
    note: Option<String>,
}

#[derive(Serialize)]
struct LogView {
    size: String,
    recorded_cut: bool,
    href: String,
    head: Option<String>,
    omitted: String,
    html: String,
}

#[derive(Serialize, Default)]
struct EnvView {
    vars: Vec<KeyValue>,
    pip_freeze: Option<String>,
    pip_count: usize,
}

#[derive(Serialize)]
struct Page<'a> {
    site: &'a super::SiteInfo,
    root: &'static str,
    canonical: Option<String>,
    run: RunView,
    charts: Vec<ChartView>,
    artifacts: Vec<ArtifactView>,
    log: Option<LogView>,
    env: EnvView,
    code: CodeView,
    notebooks: Vec<NotebookView>,
}

/// Writes the unit of `run`, unless the last report wrote it from the same inputs.
pub fn write(ctx: &Context<'_>, store: &Store, run: &Run) -> Result<(), Error> {
    let id = run.id().as_str();
    let unit = format!("run/{id}");
    let key = ctx.unit_key(&[run]);
    if ctx.site.is_fresh(&unit, &key) {
        return Ok(());
    }
    let mut files = Vec::new();
    let tree = store.run_tree(run)?;

    let mut charts = Vec::new();
    let mut browser = BTreeMap::new();
    let series_files = store.run_series(run)?;
    // A running run under `--watch`: the points its spool holds so far.
    let live = ctx.options.live.get(id).filter(|_| run.record.ended.is_none());
    for metric in run.record.metrics.keys() {
        // Keys come from a record that may have been edited by hand: never a path outside.
        if check_metric_key(metric).is_err() {
            continue;
        }
        if let Some(points) = live.and_then(|l| l.get(metric)) {
            live_chart(ctx, run, metric, points, &mut charts, &mut browser);
            continue;
        }
        let Some(bytes) = series_files.bytes(metric)? else { continue };
        // Full series are most of a site's bytes (1,000 runs x 10 series x 1,000 points is 350 MB
        // of CSV), so they are copied only on request; comparison pages always have theirs.
        let csv =
            ctx.options.series_csv.then(|| format!("data/{id}/metrics/{}", crate::store::series_file_name(metric)));
        if let Some(csv) = &csv {
            ctx.site.write(csv, &bytes)?;
            files.push(csv.clone());
        }
        let points = match parse_series(&bytes) {
            Ok(points) => points,
            Err(e) => {
                charts.push(ChartView {
                    key: metric.clone(),
                    anchor: Some(format!("metric-{metric}")),
                    svg: String::new(),
                    note: Some(format!("Cannot read the series: {e}")),
                    csv: csv.map(|c| series_href(&c)),
                    run_ids: String::new(),
                });
                continue;
            }
        };
        let xy = data::xy(&points, ctx.options.x_axis, run.record.started);
        if run.record.metrics.get(metric).is_some_and(|m| m.count <= 1) {
            // The summary table shows the one value; the comparison pages draw it as bars.
            browser.insert(metric.clone(), data::browser_series(&xy));
            continue;
        }
        let drawn = chart::render(metric, ctx.options.x_axis, &[Line { points: xy.clone() }]);
        charts.push(ChartView {
            key: metric.clone(),
            anchor: Some(format!("metric-{metric}")),
            note: chart_note(&drawn),
            svg: drawn.svg,
            csv: csv.map(|c| series_href(&c)),
            run_ids: id.to_owned(),
        });
        browser.insert(metric.clone(), data::browser_series(&xy));
    }

    let artifacts = artifacts(ctx, store, run, &mut files)?;
    let log = log(ctx, store, run, tree, &mut files)?;
    let env = env(store, tree)?;
    let (code, notebooks) = code::sections(ctx, store, run, tree, &mut files)?;

    let view = run_view(run, ctx.now);
    let label = ctx.options.label.render(run, ctx.now);
    let params: Vec<(String, String)> = view.params.iter().map(|p| (p.key.clone(), p.value.clone())).collect();
    let script = data::run_script(run, &label, &params, &browser);
    write_series_script(ctx, id, &script, &mut files)?;

    let page_path = format!("runs/{id}.html");
    let page = Page {
        site: ctx.info,
        root: "../",
        canonical: ctx.canonical(&page_path),
        run: view,
        charts,
        artifacts,
        log,
        env,
        code,
        notebooks,
    };
    ctx.write_page("run.html", &page_path, &page, (&unit, &key), files)
}

/// The chart of a metric of a running run from the points read so far (no CSV: the series is
/// not committed yet).
fn live_chart(
    ctx: &Context<'_>,
    run: &Run,
    metric: &str,
    points: &[crate::store::Point],
    charts: &mut Vec<ChartView>,
    browser: &mut BTreeMap<String, data::BrowserSeries>,
) {
    let xy = data::xy(points, ctx.options.x_axis, run.record.started);
    browser.insert(metric.to_owned(), data::browser_series(&xy));
    if points.len() <= 1 {
        return;
    }
    let drawn = chart::render(metric, ctx.options.x_axis, &[Line { points: xy }]);
    // The watcher keeps a bounded number of points per metric (capture::live::KEPT_POINTS).
    let read = run.record.metrics.get(metric).map_or(0, |m| m.count);
    let thinned = (read > points.len() as u64).then(|| {
        format!(
            "Drawn from {} of the {read} points read so far (the lowest and highest of each few kept).",
            points.len()
        )
    });
    let note = match (thinned, chart_note(&drawn)) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (a, b) => a.or(b),
    };
    charts.push(ChartView {
        key: metric.to_owned(),
        anchor: Some(format!("metric-{metric}")),
        note,
        svg: drawn.svg,
        csv: None,
        run_ids: run.id().as_str().to_owned(),
    });
}

fn write_series_script(ctx: &Context<'_>, id: &str, script: &str, files: &mut Vec<String>) -> Result<(), Error> {
    let path = format!("data/{id}.js");
    ctx.site.write(&path, script.as_bytes())?;
    files.push(path);
    Ok(())
}

/// Says how a chart was drawn when that is not simply "every point".
pub fn chart_note(drawn: &chart::Chart) -> Option<String> {
    let mut notes = Vec::new();
    if let Some(points) = drawn.reduced_from {
        notes.push(format!(
            "{points} points reduced to the lowest and highest value in each of {} columns (min/max bucketing).",
            drawn.buckets
        ));
    }
    if drawn.non_finite > 0 {
        notes.push(format!("{} NaN or infinite values are not drawn.", drawn.non_finite));
    }
    (!notes.is_empty()).then(|| notes.join(" "))
}

pub fn run_view(run: &Run, now: jiff::Timestamp) -> RunView {
    let r = &run.record;
    let h = &r.host;
    let memory = if h.memory_bytes > 0 {
        format!(", {:.1} GiB", h.memory_bytes as f64 / f64::from(1u32 << 30))
    } else {
        String::new()
    };
    let gpus = if h.gpus.is_empty() { String::new() } else { format!(", {}", h.gpus.join(", ")) };
    RunView {
        id: r.id.to_string(),
        name: r.name.clone(),
        status: run.status.as_str(),
        started: time(r.started),
        started_rfc3339: crate::clock::rfc3339(r.started),
        ended: r.ended.map(time),
        duration: duration(r.duration(now)),
        command: crate::store::record::shell_join(&r.command),
        cwd: r.cwd.clone(),
        exit_code: r.exit_code,
        signal: r.signal,
        host: format!("{} ({}/{}, {} CPUs{memory}{gpus}), user {}", h.hostname, h.os, h.arch, h.cpus, h.user),
        base: r.base.clone(),
        base_short: r.base.as_deref().map(|b| b.chars().take(12).collect()).unwrap_or_default(),
        branch: r.branch.clone(),
        dirty: r.dirty,
        commit: run.commit.to_string(),
        tags: r.tags.clone(),
        note: r.note.clone(),
        sweep: r.sweep.clone(),
        rerun_of: r.rerun_of.clone(),
        malformed: r.malformed_metric_lines,
        skipped: r.skipped.clone(),
        params: flatten(&r.params).into_iter().map(|(key, v)| KeyValue { key, value: display_value(v) }).collect(),
        metrics: r
            .metrics
            .iter()
            .map(|(key, m)| MetricView {
                key: key.clone(),
                single: m.count <= 1,
                count: m.count,
                first: number(m.first),
                last: number(m.last),
                min: number(m.min),
                max: number(m.max),
                mean: number(m.mean),
            })
            .collect(),
    }
}

fn artifacts(ctx: &Context<'_>, store: &Store, run: &Run, files: &mut Vec<String>) -> Result<Vec<ArtifactView>, Error> {
    let manifest: ArtifactManifest = store.artifacts(run)?;
    let blobs = BlobStore::new(store.blob_dir());
    let mut out = Vec::new();
    for a in manifest.artifacts {
        let copy = site_copy(ctx, &blobs, &a, files);
        let view = ArtifactView {
            name: a.path.rsplit('/').next().unwrap_or(&a.path).to_owned(),
            size: crate::format::bytes(a.size),
            sha256: a.sha256.clone(),
            href: copy.href.map(|h| format!("../{h}")),
            image: copy.image.map(|i| if i.starts_with("data:") { i } else { format!("../{i}") }),
            note: copy.note,
            path: a.path.clone(),
        };
        out.push(view);
    }
    Ok(out)
}

/// An artifact as the site has it: its copy (relative to the site's root), the image to show
/// (`data:` for a small SVG), or why it is not in the site.
#[derive(Default)]
pub struct SiteCopy {
    pub href: Option<String>,
    pub image: Option<String>,
    pub note: Option<String>,
}

/// Copies an artifact into the site, unless it is too large or its blob is missing.
pub fn site_copy(ctx: &Context<'_>, blobs: &BlobStore, a: &Artifact, files: &mut Vec<String>) -> SiteCopy {
    let ext = extension(&a.path);
    if a.size > ctx.options.max_artifact_size {
        let note =
            format!("larger than {}: not copied into the site", crate::format::bytes(ctx.options.max_artifact_size));
        return SiteCopy { note: Some(note), ..SiteCopy::default() };
    }
    match copy_artifact(ctx, blobs, a, &ext, files) {
        Ok(rel) => {
            let mut image = IMAGES.contains(&ext.as_str()).then(|| rel.clone());
            if ext == "svg" && a.size <= INLINE_SVG {
                let mut bytes = Vec::new();
                if blobs.read_to(&a.sha256, &mut bytes).is_ok() {
                    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
                    image = Some(format!("data:image/svg+xml;base64,{b64}"));
                }
            }
            SiteCopy { href: Some(rel), image, note: None }
        }
        Err(note) => SiteCopy { note: Some(note), ..SiteCopy::default() },
    }
}

fn extension(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

/// Copies an artifact's blob to `files/<sha256>.<ext>` (content-addressed: an existing copy
/// of the right size is kept). Returns the site path, or why the file is not in the site.
fn copy_artifact(
    ctx: &Context<'_>,
    blobs: &BlobStore,
    a: &Artifact,
    ext: &str,
    files: &mut Vec<String>,
) -> Result<String, String> {
    let ext = if KEPT_EXTENSIONS.contains(&ext) { ext } else { "bin" };
    blobs.path(&a.sha256).map_err(|e| e.to_string())?;
    let rel = format!("files/{}.{ext}", a.sha256);
    let dest = ctx.site.path(&rel);
    if !std::fs::metadata(&dest).is_ok_and(|m| m.len() == a.size) {
        match blobs.extract(&a.sha256, &dest) {
            Ok(_) => ctx.site.count_written(),
            Err(crate::blobs::Error::Missing { .. }) => return Err("not in this clone's blob store".into()),
            Err(e) => return Err(e.to_string()),
        }
    }
    files.push(rel.clone());
    Ok(rel)
}

fn log(
    ctx: &Context<'_>,
    store: &Store,
    run: &Run,
    tree: Oid,
    files: &mut Vec<String>,
) -> Result<Option<LogView>, Error> {
    let Some(bytes) = store.read_file(tree, OUTPUT_LOG)? else { return Ok(None) };
    if bytes.is_empty() {
        return Ok(None);
    }
    let id = run.id().as_str();
    // Beside `data/<id>.js`, not in a directory of its own: a directory per run was a quarter
    // of the inodes a cold report creates (1,000 of 4,000), and the slowest to create.
    let href = format!("data/{id}.output.txt");
    ctx.site.write(&href, &bytes)?;
    files.push(href.clone());
    let text = String::from_utf8_lossy(&bytes);
    let (head, tail, omitted) = if text.len() > LOG_SHOWN {
        let head_end = line_boundary_before(&text, LOG_HEAD);
        let tail_start = line_boundary_after(&text, text.len() - (LOG_SHOWN - LOG_HEAD));
        (Some(ansi::to_html(&text[..head_end])), &text[tail_start..], tail_start - head_end)
    } else {
        (None, &text[..], 0)
    };
    Ok(Some(LogView {
        size: crate::format::bytes(bytes.len() as u64),
        recorded_cut: run.record.output.as_ref().is_some_and(|o| o.truncated),
        href: format!("../{href}"),
        head,
        omitted: crate::format::bytes(omitted as u64),
        html: ansi::to_html(tail),
    }))
}

fn line_boundary_before(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text[..at].rfind('\n').map_or(at, |i| i + 1)
}

fn line_boundary_after(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    text[at..].find('\n').map_or(at, |i| at + i + 1)
}

fn env(store: &Store, tree: Oid) -> Result<EnvView, Error> {
    let mut view = EnvView::default();
    if let Some(bytes) = store.read_file(tree, &format!("{RECORD_DIR}/env/vars.toml"))?
        && let Ok(table) = toml::from_str::<toml::Table>(&String::from_utf8_lossy(&bytes))
    {
        view.vars = table
            .iter()
            .map(|(k, v)| KeyValue { key: k.clone(), value: v.as_str().map_or_else(|| v.to_string(), str::to_owned) })
            .collect();
    }
    if let Some(bytes) = store.read_file(tree, &format!("{RECORD_DIR}/env/pip-freeze.txt"))? {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        view.pip_count = text.lines().filter(|l| !l.trim().is_empty()).count();
        view.pip_freeze = (!text.trim().is_empty()).then_some(text);
    }
    Ok(view)
}

/// The link to a series file of the site: `%` of an escaped name (`a%2Ecsv/b.csv`) is written
/// `%25`, or the browser would decode it and ask for `a.csv/b.csv`.
fn series_href(path: &str) -> String {
    format!("../{}", path.replace('%', "%25"))
}
