//! The static HTML report (`git exp report`): an index with the runs table, a page per run,
//! comparison pages with overlaid charts, and the data behind every chart as CSV.
//!
//! The site is plain files: relative links (it works from disk and under any URL prefix), no
//! network at view time, one Content-Security-Policy per page, and the same bytes for the same
//! runs and options. A manifest in the site lets a second report rewrite only what changed.

mod ansi;
mod bucket;
mod chart;
mod code;
mod compare_files;
mod compare_page;
mod data;
mod error;
mod format;
mod html;
mod index_page;
mod label;
mod run_page;
mod scale;
mod script;
mod site;
mod sweep;
mod templates;

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

pub use chart::XAxis;
pub use error::Error;
pub use label::LabelTemplate;
pub use site::Summary;
pub use templates::Templates;

use crate::store::{Run, Store};

/// The Content-Security-Policy of every page (`templates/base.html` carries it in a meta tag),
/// also sent as a header by `report --serve`.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'";

/// The caches of decoded objects and of pack delta bases of each worker (`open_caching`): a
/// run's commit and trees are read by several sections of its page, every run's base by its
/// code section, and after `git gc` a run's series are deltas of other runs' series.
const READ_CACHE_BYTES: usize = 8 << 20;

/// Names the program in every page and in the manifest.
pub const GENERATOR: &str = concat!("git-exp ", env!("CARGO_PKG_VERSION"));

/// Everything that shapes the site besides the runs.
pub struct Options {
    pub title: String,
    /// Where the site will be served from, ending in `/`.
    pub base_url: Option<String>,
    pub label: LabelTemplate,
    /// The label template as typed, part of every page's key.
    pub label_text: String,
    pub x_axis: XAxis,
    pub templates: Templates,
    /// Artifacts larger than this are listed but not copied into the site.
    pub max_artifact_size: u64,
    /// Whether run pages link a CSV of each full series (`data/<id>/metrics/<key>.csv`).
    pub series_csv: bool,
    /// Comparison pages to write, each a list of runs.
    pub compares: Vec<Vec<Run>>,
    /// Which way each metric should go (exp.toml `[metrics]`): these metrics come first in the
    /// runs table, and the sweep views show the first of them.
    pub goals: std::collections::BTreeMap<String, crate::diff::Goal>,
    /// The points read so far from the spools of running runs (`--watch`), by run id then
    /// metric: their pages chart them until the run ends and its series are committed. Not part
    /// of any unit's key: a running run's page is rewritten at every build anyway.
    pub live: std::collections::BTreeMap<String, std::collections::BTreeMap<String, Vec<crate::store::Point>>>,
}

/// What the templates get about the site as a whole.
#[derive(Debug, Clone, Serialize)]
pub struct SiteInfo {
    pub title: String,
    pub generator: &'static str,
    pub run_count: usize,
}

/// Writes the report for `runs` (newest first) into `out`.
pub fn generate(
    store: &Store,
    runs: &[Run],
    options: &Options,
    out: &Path,
    progress: &indicatif::ProgressBar,
) -> Result<Summary, Error> {
    let site = site::Site::open(out)?;
    let now = crate::clock::now();
    let info = SiteInfo { title: options.title.clone(), generator: GENERATOR, run_count: runs.len() };
    let options_key = options_key(options);
    let ctx = Context { site: &site, info: &info, options, options_key: &options_key, now };

    let shared = store.shared();
    progress.set_length((runs.len() + options.compares.len() + 1) as u64);
    runs.par_iter().try_for_each_init(
        || shared.open_caching(READ_CACHE_BYTES),
        |store, run| {
            run_page::write(&ctx, store, run)?;
            progress.inc(1);
            Ok::<_, Error>(())
        },
    )?;
    let compares: Vec<compare_page::Written> = options
        .compares
        .par_iter()
        .map_init(
            || shared.open_caching(READ_CACHE_BYTES),
            |store, group| {
                let written = compare_page::write(&ctx, store, group);
                progress.inc(1);
                written
            },
        )
        .collect::<Result<_, _>>()?;
    index_page::write(&ctx, runs, &compares)?;
    progress.inc(1);
    site.finish()
}

/// What every page writer needs.
pub(crate) struct Context<'a> {
    site: &'a site::Site,
    info: &'a SiteInfo,
    options: &'a Options,
    options_key: &'a str,
    now: jiff::Timestamp,
}

impl Context<'_> {
    /// The key of a unit built from `runs`: their commits and shown statuses plus the options.
    /// A running run's page shows a duration up to now, and under `--watch` the metrics read
    /// from its spool so far: both are part of its key (the clock alone would not do when it
    /// is pinned).
    fn unit_key(&self, runs: &[&Run]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.options_key.as_bytes());
        for run in runs {
            hasher.update(run.commit.to_string().as_bytes());
            hasher.update(run.status.as_str().as_bytes());
            if run.record.ended.is_none() {
                hasher.update(crate::clock::rfc3339(self.now).as_bytes());
                for (key, m) in &run.record.metrics {
                    hasher.update(format!("{key}\0{}\0{}\0", m.count, m.last_step).as_bytes());
                }
            }
        }
        hex::encode(hasher.finalize())
    }

    /// Renders `template` into the page at `path`, the last file of a unit, and records the unit.
    fn write_page(
        &self,
        template: &str,
        path: &str,
        page: &impl Serialize,
        (unit, key): (&str, &str),
        mut files: Vec<String>,
    ) -> Result<(), Error> {
        let html = self.options.templates.render(template, page)?;
        self.site.write(path, html.as_bytes())?;
        files.push(path.to_owned());
        self.site.record(unit, key, files);
        Ok(())
    }

    /// The canonical URL of a page, when the site's URL is known.
    fn canonical(&self, rel: &str) -> Option<String> {
        self.options.base_url.as_ref().map(|base| format!("{base}{rel}"))
    }
}

fn options_key(options: &Options) -> String {
    let mut hasher = Sha256::new();
    for part in [
        GENERATOR,
        &options.title,
        options.base_url.as_deref().unwrap_or(""),
        &options.label_text,
        &format!("{:?}", options.x_axis),
        &options.max_artifact_size.to_string(),
        if options.series_csv { "series-csv" } else { "" },
        &options.templates.fingerprint,
        &format!("{:?}", options.goals),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

/// Reads a URL for `--base-url`: http(s), ending in `/` (added when missing).
pub fn parse_base_url(text: &str) -> Result<String, String> {
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') && !text.contains(char::is_whitespace) => {
            Ok(if text.ends_with('/') { text.to_owned() } else { format!("{text}/") })
        }
        _ => Err(format!("--base-url `{text}` is not an http(s) URL such as https://org.github.io/repo/")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_served_policy_is_the_pages_policy() {
        let base = include_str!("../../templates/base.html");
        assert!(base.contains(&format!("content=\"{}\"", super::CSP)), "templates/base.html has another policy");
    }

    #[test]
    fn base_urls() {
        assert_eq!(super::parse_base_url("https://o.github.io/r").as_deref(), Ok("https://o.github.io/r/"));
        assert_eq!(super::parse_base_url("http://x/").as_deref(), Ok("http://x/"));
        assert!(super::parse_base_url("javascript:alert(1)").is_err());
        assert!(super::parse_base_url("https:///path").is_err());
    }
}
