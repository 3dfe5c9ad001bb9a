//! Comparison pages (`--compare a,b,c`): overlaid charts, a params and metrics table with the
//! differences highlighted, and per chart a CSV of every point behind it.

use std::collections::BTreeSet;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::chart::{self, Line, line_style};
use super::format::{duration, number};
use super::run_page::{ChartView, chart_note};
use super::{Context, Error, compare_files, data};
use crate::store::record::check_metric_key;
use crate::store::view::{display_value, flatten};
use crate::store::{Run, Store, parse_series};

/// A comparison page that was written (or kept), for the index's list.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    pub href: String,
    pub title: String,
}

#[derive(Serialize)]
struct RunRef {
    id: String,
    label: String,
    status: &'static str,
    colour: &'static str,
    dash: &'static str,
}

#[derive(Serialize)]
struct Row {
    field: String,
    values: Vec<String>,
    differs: bool,
}

#[derive(Serialize)]
struct Page<'a> {
    site: &'a super::SiteInfo,
    root: &'static str,
    canonical: Option<String>,
    title: String,
    runs: Vec<RunRef>,
    rows: Vec<Row>,
    differing: usize,
    charts: Vec<ChartView>,
    sweep: Option<super::sweep::SweepView>,
    artifacts: Vec<compare_files::ArtifactRow>,
    media: Vec<compare_files::MediaKey>,
    code: Vec<compare_files::CodeDiff>,
}

/// The file name of a comparison: its run ids, or for many runs a hash of them.
fn slug(group: &[Run]) -> String {
    let ids: Vec<&str> = group.iter().map(|r| r.id().as_str()).collect();
    if ids.len() <= 6 {
        return ids.join("-");
    }
    let digest = hex::encode(Sha256::digest(ids.join(",").as_bytes()));
    format!("{}-and-{}-more-{}", ids[0], ids.len() - 1, &digest[..8])
}

pub fn write(ctx: &Context<'_>, store: &Store, group: &[Run]) -> Result<Written, Error> {
    let slug = slug(group);
    let labels: Vec<String> = group.iter().map(|r| ctx.options.label.render(r, ctx.now)).collect();
    let title = if group.len() <= 4 {
        format!("Compare {}", labels.join(", "))
    } else {
        format!("Compare {} runs", group.len())
    };
    let page_path = format!("compare/{slug}.html");
    let written = Written { href: page_path.clone(), title: title.clone() };
    let unit = format!("compare/{slug}");
    let key = ctx.unit_key(&group.iter().collect::<Vec<_>>());
    if ctx.site.is_fresh(&unit, &key) {
        return Ok(written);
    }

    let runs = group
        .iter()
        .zip(&labels)
        .enumerate()
        .map(|(i, (run, label))| {
            let (colour, dash) = line_style(i);
            RunRef { id: run.id().to_string(), label: label.clone(), status: run.status.as_str(), colour, dash }
        })
        .collect();
    let rows = table(group, ctx.now);
    let differing = rows.iter().filter(|r| r.differs).count();

    let mut files = Vec::new();
    let charts = charts(ctx, store, group, (&labels, &slug), &mut files)?;
    let (artifacts, media) = compare_files::artifacts(ctx, store, group, &labels, &mut files)?;
    let code = compare_files::code_diffs(ctx, store, group, &labels, &slug, &mut files)?;
    let page = Page {
        site: ctx.info,
        root: "../",
        canonical: ctx.canonical(&page_path),
        title,
        runs,
        rows,
        differing,
        charts,
        sweep: {
            let refs: Vec<&Run> = group.iter().collect();
            super::sweep::pick_metric(&refs, &ctx.options.goals)
                .and_then(|m| super::sweep::render(&refs, m, &ctx.options.goals))
        },
        artifacts,
        media,
        code,
    };
    ctx.write_page("compare.html", &page_path, &page, (&unit, &key), files)?;
    Ok(written)
}

/// One chart per metric, each with a CSV of every point behind it (`compare/<slug>/<key>.csv`).
fn charts(
    ctx: &Context<'_>,
    store: &Store,
    group: &[Run],
    (labels, slug): (&[String], &str),
    files: &mut Vec<String>,
) -> Result<Vec<ChartView>, Error> {
    let mut charts = Vec::new();
    let keys: BTreeSet<&String> = group.iter().flat_map(|r| r.record.metrics.keys()).collect();
    for key in keys {
        if check_metric_key(key).is_err() {
            continue;
        }
        let mut lines = Vec::new();
        let mut csv = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| Error::Io {
            what: format!("cannot write the CSV of {key}"),
            source: std::io::Error::other(e),
        };
        csv.write_record(["run", "label", "step", "value", "time"]).map_err(io)?;
        for (run, label) in group.iter().zip(labels) {
            let points = if run.record.metrics.contains_key(key) { read_series(store, run, key)? } else { Vec::new() };
            for p in &points {
                let record = [
                    run.id().as_str(),
                    label,
                    &p.step.to_string(),
                    &super::format::exact(p.value),
                    &format!("{:.3}", p.time),
                ];
                csv.write_record(record).map_err(io)?;
            }
            lines.push(Line { points: data::xy(&points, ctx.options.x_axis, run.record.started) });
        }
        let bytes = csv
            .into_inner()
            .map_err(|e| Error::Io { what: format!("cannot write the CSV of {key}"), source: e.into_error() })?;
        let csv_path = format!("compare/{slug}/{key}.csv");
        ctx.site.write(&csv_path, &bytes)?;
        files.push(csv_path.clone());
        if let Some(bars) = single_values(group, key, labels) {
            let csv = Some(format!("../{csv_path}"));
            charts.push(ChartView {
                key: key.clone(),
                anchor: None,
                note: None,
                svg: bars,
                csv,
                run_ids: String::new(),
            });
            continue;
        }
        let drawn = chart::render(key, ctx.options.x_axis, &lines);
        charts.push(ChartView {
            key: key.clone(),
            anchor: None,
            note: chart_note(&drawn),
            svg: drawn.svg,
            csv: Some(format!("../{csv_path}")),
            run_ids: group.iter().map(|r| r.id().as_str()).collect::<Vec<_>>().join(" "),
        });
    }

    Ok(charts)
}

/// A metric every run logged at most once (a score at the end, the scikit-learn case) is a bar
/// per run, not a dot on a step axis.
fn single_values(group: &[Run], key: &str, labels: &[String]) -> Option<String> {
    let once = group.iter().all(|r| r.record.metrics.get(key).is_none_or(|m| m.count <= 1));
    once.then(|| {
        let bars: Vec<chart::Bar> = group
            .iter()
            .zip(labels)
            .enumerate()
            .map(|(i, (r, label))| chart::Bar {
                label: label.clone(),
                colour: line_style(i).0,
                value: r.record.metrics.get(key).map(|m| m.last),
            })
            .collect();
        chart::bars(key, &bars)
    })
}

fn read_series(store: &Store, run: &Run, key: &str) -> Result<Vec<crate::store::Point>, Error> {
    let Some(bytes) = store.series_file(store.run_tree(run)?, key)? else { return Ok(Vec::new()) };
    // A damaged series leaves its line out of the chart; the run page says why.
    Ok(parse_series(&bytes).unwrap_or_default())
}

/// Rows of the comparison table: record fields, every param, and last/min/max of every metric.
fn table(group: &[Run], now: jiff::Timestamp) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut push = |field: String, values: Vec<String>| {
        let differs = values.windows(2).any(|w| w[0] != w[1]);
        rows.push(Row { field, values, differs });
    };
    let each = |f: &dyn Fn(&Run) -> String| group.iter().map(f).collect::<Vec<_>>();
    push("status".into(), each(&|r| r.status.to_string()));
    push("duration".into(), each(&|r| duration(r.record.duration(now))));
    push("branch".into(), each(&|r| r.record.branch.clone().unwrap_or_default()));
    push("base".into(), each(&|r| r.record.base.as_deref().map(|b| b.chars().take(12).collect()).unwrap_or_default()));
    push("dirty".into(), each(&|r| r.record.dirty.to_string()));
    push("tags".into(), each(&|r| r.record.tags.join(", ")));
    let params: BTreeSet<String> =
        group.iter().flat_map(|r| flatten(&r.record.params).into_iter().map(|(k, _)| k)).collect();
    for key in params {
        push(
            format!("params.{key}"),
            each(&|r| {
                flatten(&r.record.params)
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| display_value(v))
                    .unwrap_or_default()
            }),
        );
    }
    let metrics: BTreeSet<&String> = group.iter().flat_map(|r| r.record.metrics.keys()).collect();
    for key in metrics {
        // One value per run (or a constant series): last, min and max would repeat it.
        let single = group.iter().all(|r| r.record.metrics.get(key).is_none_or(|m| m.min == m.max));
        if single {
            push(
                format!("metrics.{key}"),
                each(&|r| r.record.metrics.get(key).map(|m| number(m.last)).unwrap_or_default()),
            );
            continue;
        }
        for (rollup, pick) in [("last", 0), ("min", 1), ("max", 2)] {
            push(
                format!("metrics.{key}:{rollup}"),
                each(&|r| r.record.metrics.get(key).map(|m| number([m.last, m.min, m.max][pick])).unwrap_or_default()),
            );
        }
    }
    rows
}
