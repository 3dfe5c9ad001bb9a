use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;

use crate::capture::live::LiveRuns;

use crate::commands::{Ctx, ExitStatus};
use crate::query::Filter;
use crate::report::{self, LabelTemplate, Options, Templates, XAxis};
use crate::store::{Run, RunSpec};
use crate::ui::{Ui, UsageError};

/// Write a static HTML report: the runs table, a page per run and comparisons
///
/// The site works offline and from disk (open DIR/index.html) or from any static host such as
/// GitHub Pages. Running the report again rewrites only the pages whose runs changed.
///
/// Examples:
///   git exp report -o site/
///   git exp report -o site/ --where 'branch = "main"' --compare r1,r2,r3 --label '{name} lr={params.lr}'
///   git exp report -o site/ --title "Sentiment model" --base-url https://org.github.io/repo/
///   git exp report -o site/ --watch --serve    # live, at http://127.0.0.1:8000/
///   python3 -m http.server -d site
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ReportArgs {
    /// Directory to write the site into: new, empty, or an earlier report
    #[arg(short = 'o', long = "output", value_name = "DIR", default_value = "site")]
    pub output: PathBuf,
    /// Only runs matching this filter, in the language of `ls --where` (can be repeated: all must match)
    #[arg(long = "where", short = 'w', value_name = "EXPR")]
    pub filters: Vec<String>,
    /// Only runs started on this branch
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Also write a comparison page of these runs (comma-separated run-specs; can be repeated)
    #[arg(long, value_name = "RUN,RUN,...")]
    pub compare: Vec<String>,
    /// Legend label of each run in comparisons, from fields: {name}, {params.lr}, {metrics.acc:max}
    #[arg(long, value_name = "TEMPLATE", default_value = "{name}")]
    pub label: String,
    /// Title of the site [default: the repository's directory name]
    #[arg(long)]
    pub title: Option<String>,
    /// URL the site will be published at, for canonical links
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// What the x axis of metric charts shows
    #[arg(long, value_enum, default_value_t = XAxis::Step)]
    pub x_axis: XAxis,
    /// Use the templates in DIR instead of the built-in ones (missing files fall back)
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Also copy every run's full metric series into the site as CSV, linked from its charts
    #[arg(long)]
    pub series_csv: bool,
    /// Artifacts larger than this are listed but not copied into the site
    #[arg(long, value_name = "SIZE", default_value = "50MiB")]
    pub max_artifact_size: String,
    /// Keep the site current until Ctrl-C: rebuild it when runs are recorded, change or end, with
    /// running runs and the metrics they have written so far
    #[arg(long)]
    pub watch: bool,
    /// How often --watch looks for changes, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 1000, requires = "watch")]
    pub interval: u64,
    /// Serve the site over HTTP until Ctrl-C, on ADDR: a port, or HOST:PORT (0 picks a free port)
    /// [default: 127.0.0.1:8000]; served pages of running runs reload themselves
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8000")]
    pub serve: Option<String>,
}

pub fn cmd_report(ui: &mut Ui, ctx: &Ctx, args: &ReportArgs) -> anyhow::Result<ExitStatus> {
    if args.watch || args.serve.is_some() {
        return watch(ui, ctx, args);
    }
    build(ui, ctx, args, None)?;
    Ok(ExitStatus::Success)
}

/// Writes the site once; with `live`, running runs show the metrics of their spools.
fn build(ui: &mut Ui, ctx: &Ctx, args: &ReportArgs, live: Option<&mut LiveRuns>) -> anyhow::Result<()> {
    // Everything the user typed is checked before the repository is read.
    let label = LabelTemplate::parse(&args.label)?;
    let now = crate::clock::now();
    let filters = args
        .filters
        .iter()
        .map(|text| Filter::parse(text, now).map_err(|e| e.into_usage("--where", text)))
        .collect::<Result<Vec<_>, _>>()?;
    let base_url = args.base_url.as_deref().map(report::parse_base_url).transpose().map_err(UsageError::new)?;
    let max_artifact_size = crate::config::parse_size(&args.max_artifact_size).ok_or_else(|| {
        UsageError::new(format!("--max-artifact-size `{}` is not a size such as 50MiB", args.max_artifact_size))
    })?;
    let specs = compare_specs(&args.compare)?;
    let templates = Templates::load(args.templates.as_deref().map(|d| ctx.cwd.join(d)).as_deref())
        .map_err(|e| UsageError::new(e.to_string()))?;

    let store = ctx.store()?;
    let listing = store.list()?;
    for warning in &listing.warnings {
        ui.warn(warning);
    }
    let compares = specs
        .iter()
        .map(|group| group.iter().map(|spec| spec.resolve(&listing.runs).cloned()).collect::<Result<Vec<Run>, _>>())
        .collect::<Result<Vec<_>, _>>()?;
    let mut runs = select_runs(&listing.runs, args, &filters, &compares);
    let live = live.map(|live| {
        live.overlay(&store, &mut runs);
        live.points()
    });

    let title = args.title.clone().unwrap_or_else(|| {
        let root = store.root();
        root.file_name().map_or_else(|| "Experiments".to_owned(), |n| n.to_string_lossy().into_owned())
    });
    let out = ctx.cwd.join(&args.output);
    let options = Options {
        title,
        base_url,
        label,
        label_text: args.label.clone(),
        x_axis: args.x_axis,
        templates,
        max_artifact_size,
        series_csv: args.series_csv,
        compares,
        goals: crate::config::Config::load(store.workdir())?.metrics,
        live: live.unwrap_or_default(),
    };
    let bar = ui.progress(0, "writing report");
    let outcome = report::generate(&store, &runs, &options, &out, &bar);
    bar.finish_and_clear();
    let summary = match outcome {
        Err(report::Error::NotASite(_)) => {
            return Err(UsageError::with_hint(
                format!("`{}` is not empty and holds no report written by git-exp", args.output.display()),
                "write the report into a new or empty directory; git-exp replaces only a report it wrote",
            )
            .into());
        }
        other => other?,
    };
    let shown = args.output.display();
    writeln!(
        ui.status(),
        "Wrote a report of {} to {shown}: {} written, {} unchanged, {} removed.",
        crate::format::count(runs.len(), "run", None),
        crate::format::count(summary.written, "file", None),
        summary.unchanged,
        summary.removed
    )?;
    match &options.base_url {
        Some(url) => writeln!(ui.status(), "Once published it is at {url}")?,
        None => writeln!(ui.status(), "Open {} in a browser.", out.join("index.html").display())?,
    }
    Ok(())
}

/// `--watch` and `--serve`: builds, serves if asked, and rebuilds on every change of the run
/// refs or of a live run's metrics, until Ctrl-C (or SIGTERM) ends the loop between two builds.
fn watch(ui: &mut Ui, ctx: &Ctx, args: &ReportArgs) -> anyhow::Result<ExitStatus> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    let store = ctx.store()?;
    let mut live = LiveRuns::default();
    build(ui, ctx, args, Some(&mut live))?;
    let server = match &args.serve {
        Some(addr) => {
            let addr = crate::serve::parse_addr(addr).map_err(UsageError::new)?;
            let server = crate::serve::Server::bind(addr, &ctx.cwd.join(&args.output), report::CSP)
                .with_context(|| format!("cannot serve the site on {addr}"))?;
            writeln!(
                ui.status(),
                "Serving {} at http://{}/ (Ctrl-C to stop)",
                args.output.display(),
                server.local_addr()?
            )?;
            Some(server.spawn(Arc::clone(&stop))?)
        }
        None => None,
    };
    let interval = Duration::from_millis(args.interval.max(100));
    let mut seen = fingerprint(&store)?;
    while args.watch && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(interval);
        let now = fingerprint(&store)?;
        if now != seen {
            seen = now;
            // A build that fails (a ref moved under it) is tried again at the next change.
            if let Err(e) = build(ui, ctx, args, Some(&mut live)) {
                ui.warn(format_args!("the report was not rebuilt: {e:#}"));
            }
        }
    }
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
    }
    if let Some(server) = server {
        let _ = server.join();
    }
    writeln!(ui.status(), "Stopped.")?;
    Ok(ExitStatus::Success)
}

/// What a rebuild depends on: every run ref's commit and status, and the live runs' metric files.
fn fingerprint(store: &crate::store::Store) -> anyhow::Result<u64> {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for run in store.list()?.runs {
        (run.commit.to_string(), run.status.as_str()).hash(&mut hasher);
    }
    crate::store::spool::fingerprint(&store.spool_root()).hash(&mut hasher);
    Ok(hasher.finish())
}

/// The run groups of `--compare A,B[,C…]`, each naming two or more runs.
fn compare_specs(lists: &[String]) -> anyhow::Result<Vec<Vec<RunSpec>>> {
    lists
        .iter()
        .map(|list| {
            let specs: Vec<RunSpec> =
                list.split(',').map(|s| s.trim().parse()).collect::<Result<_, String>>().map_err(UsageError::new)?;
            if specs.len() < 2 {
                return Err(UsageError::new(format!(
                    "--compare `{list}` names one run; give two or more, separated by commas"
                ))
                .into());
            }
            Ok(specs)
        })
        .collect()
}

/// The runs that get pages, newest first: those on `--branch` matching every `--where` filter,
/// and the compared runs whatever the filter, so the comparison's links work.
fn select_runs(all: &[Run], args: &ReportArgs, filters: &[Filter], compares: &[Vec<Run>]) -> Vec<Run> {
    let mut runs: Vec<Run> = all
        .iter()
        .filter(|r| args.branch.as_ref().is_none_or(|b| r.record.branch.as_ref() == Some(b)))
        .filter(|r| filters.iter().all(|f| f.matches(r)))
        .cloned()
        .collect();
    for run in compares.iter().flatten() {
        if !runs.iter().any(|r| r.commit == run.commit) {
            runs.push(run.clone());
        }
    }
    runs.sort_by(|a, b| b.record.started.cmp(&a.record.started).then_with(|| a.record.id.cmp(&b.record.id)));
    runs
}
