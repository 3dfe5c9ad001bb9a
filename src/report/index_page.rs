//! The site-wide files: `index.html` (the runs table), `compare.html` (the browser-side
//! comparison of ticked runs), `data/runs.js`, the assets and `.nojekyll`.

use std::collections::BTreeSet;

use rayon::prelude::*;
use serde::Serialize;

use super::compare_page::Written;
use super::format::{duration, exact};
use super::{Context, Error, chart, data, sweep};
use crate::store::Run;
use crate::store::view::{display_value, flatten};

#[derive(Serialize)]
struct Column {
    field: String,
    title: String,
    kind: &'static str,
    hidden: bool,
}

#[derive(Serialize)]
struct Row {
    id: String,
    name: String,
    cells: Vec<Cell>,
}

#[derive(Serialize, Default)]
struct Cell {
    text: String,
    /// The exact value to sort by, when the text is not it.
    v: Option<String>,
    href: Option<String>,
    class: Option<String>,
}

/// A column left out of the table because every run has the same value in it.
#[derive(Serialize)]
struct Folded {
    title: String,
    text: String,
}

/// One page of the runs table among all of them.
#[derive(Serialize)]
struct PageLink {
    n: usize,
    href: String,
    /// The page's `data/runs-<n>.js`, which the filter loads to search that page too.
    data: String,
    current: bool,
}

#[derive(Serialize)]
struct Pager {
    /// This page's number, from 1.
    n: usize,
    first: usize,
    last: usize,
    total: usize,
    pages: Vec<PageLink>,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Serialize)]
struct Page<'a> {
    site: &'a super::SiteInfo,
    root: &'static str,
    canonical: Option<String>,
    columns: &'a [Column],
    rows: &'a [Row],
    folded: &'a [Folded],
    pager: Option<Pager>,
    /// The script with this page's runs, for the filter.
    data_script: String,
    sweep: Option<sweep::SweepView>,
    compares: &'a [Written],
    example_metric: String,
    colours: Vec<&'static str>,
    x_axis: chart::XAxis,
}

/// Runs per page of the table: 500 rows stay far under a megabyte of HTML with dozens of
/// columns, and a browser sorts and filters them at once.
pub const PAGE_ROWS: usize = 500;

/// The file of page `n` (from 1) of the table and of its runs' data.
fn page_files(n: usize) -> (String, String) {
    if n == 1 {
        ("index.html".into(), "data/runs.js".into())
    } else {
        (format!("runs-{n}.html"), format!("data/runs-{n}.js"))
    }
}

pub fn write(ctx: &Context<'_>, runs: &[Run], compares: &[Written]) -> Result<(), Error> {
    let (columns, rows) = table(ctx, runs);
    let (columns, rows, folded) = fold_constant(columns, rows);
    let example_metric = runs
        .iter()
        .flat_map(|r| r.record.metrics.keys())
        .find(|k| !k.starts_with("sys/"))
        .map_or_else(|| "acc".to_owned(), Clone::clone);
    let all: Vec<&Run> = runs.iter().collect();
    let metric = sweep::pick_metric(&all, &ctx.options.goals).map(str::to_owned);
    let n_pages = runs.len().div_ceil(PAGE_ROWS).max(1);
    // The pages are independent (20 of them at 10,000 runs, each with its sweep views and its
    // runs' records as JSON): rendered and written in parallel, listed in page order.
    let pages: Vec<Vec<String>> = (1..=n_pages)
        .into_par_iter()
        .map(|n| {
            let mut files = Vec::new();
            let mut put = |path: &str, bytes: &[u8]| -> Result<(), Error> {
                ctx.site.write(path, bytes)?;
                files.push(path.to_owned());
                Ok(())
            };
            let range = (n - 1) * PAGE_ROWS..(n * PAGE_ROWS).min(runs.len());
            let page_runs: Vec<&Run> = runs[range.clone()].iter().collect();
            let (html_path, data_path) = page_files(n);
            let page = Page {
                site: ctx.info,
                root: "",
                canonical: ctx.canonical(if n == 1 { "" } else { &html_path }),
                columns: &columns,
                rows: &rows[range.clone()],
                folded: &folded,
                pager: (n_pages > 1).then(|| pager(n, n_pages, &range, runs.len())),
                data_script: data_path.clone(),
                sweep: metric.as_deref().and_then(|m| sweep::render(&page_runs, m, &ctx.options.goals)),
                compares,
                example_metric: example_metric.clone(),
                colours: chart::PALETTE.to_vec(),
                x_axis: ctx.options.x_axis,
            };
            put(&html_path, ctx.options.templates.render("index.html", &page)?.as_bytes())?;
            put(&data_path, data::runs_script(&runs[range], ctx.now, n).as_bytes())?;
            if n == 1 {
                let app = Page { canonical: ctx.canonical("compare.html"), rows: &[], sweep: None, ..page };
                put("compare.html", ctx.options.templates.render("compare-app.html", &app)?.as_bytes())?;
            }
            Ok(files)
        })
        .collect::<Result<_, Error>>()?;
    let mut files: Vec<String> = pages.into_iter().flatten().collect();
    let mut put = |path: &str, bytes: &[u8]| -> Result<(), Error> {
        ctx.site.write(path, bytes)?;
        files.push(path.to_owned());
        Ok(())
    };
    for (name, text) in ctx.options.templates.assets() {
        put(name, text.as_bytes())?;
    }
    // GitHub Pages would otherwise run the site through Jekyll.
    put(".nojekyll", b"")?;
    ctx.site.record("site", "", files);
    Ok(())
}

fn pager(n: usize, n_pages: usize, range: &std::ops::Range<usize>, total: usize) -> Pager {
    let href = |k: usize| page_files(k).0;
    Pager {
        n,
        first: range.start + 1,
        last: range.end,
        total,
        pages: (1..=n_pages)
            .map(|k| {
                let (href, data) = page_files(k);
                PageLink { n: k, href, data, current: k == n }
            })
            .collect(),
        prev: (n > 1).then(|| href(n - 1)),
        next: (n < n_pages).then(|| href(n + 1)),
    }
}

/// The columns and rows of the whole table: the record's fields, the params, the metrics with
/// a goal in exp.toml, the other metrics, then the `sys/` series (hidden).
fn table(ctx: &Context<'_>, runs: &[Run]) -> (Vec<Column>, Vec<Row>) {
    let param_keys: BTreeSet<String> =
        runs.iter().flat_map(|r| flatten(&r.record.params).into_iter().map(|(k, _)| k)).collect();
    let metric_set: BTreeSet<&String> = runs.iter().flat_map(|r| r.record.metrics.keys()).collect();
    let goals = &ctx.options.goals;
    // Goal metrics first (what the sweep is judged by), system samples last.
    let mut metric_keys: Vec<&String> = goals.keys().filter(|k| metric_set.contains(k)).collect();
    metric_keys.extend(metric_set.iter().copied().filter(|k| !goals.contains_key(*k) && !k.starts_with("sys/")));
    metric_keys.extend(metric_set.iter().copied().filter(|k| !goals.contains_key(*k) && k.starts_with("sys/")));
    let mut columns = vec![
        column("id", "id", "text"),
        column("name", "name", "text"),
        column("status", "status", "text"),
        column("started", "started (UTC)", "time"),
        column("duration", "duration", "num"),
        column("branch", "branch", "text"),
        column("tags", "tags", "text"),
    ];
    columns.extend(param_keys.iter().map(|k| {
        // A param column sorts as numbers only when every run's value is one.
        let numeric = runs.iter().all(|r| {
            flatten(&r.record.params)
                .iter()
                .all(|(key, v)| key != k || matches!(v, toml::Value::Integer(_) | toml::Value::Float(_)))
        });
        column(&format!("params.{k}"), k, if numeric { "num" } else { "text" })
    }));
    columns.extend(metric_keys.iter().map(|k| Column {
        // System samples are many and rarely what a table is read for: there, but hidden.
        hidden: k.starts_with("sys/"),
        ..column(&format!("metrics.{k}"), k, "num")
    }));

    let rows = runs
        .iter()
        .map(|run| {
            let r = &run.record;
            let params = flatten(&r.params);
            let mut cells = vec![
                Cell { text: r.id.to_string(), ..Cell::default() },
                Cell { text: r.name.clone(), href: Some(format!("runs/{}.html", r.id)), ..Cell::default() },
                Cell {
                    text: run.status.to_string(),
                    class: Some(format!("status s-{}", run.status)),
                    ..Cell::default()
                },
                Cell {
                    text: r.started.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                    v: Some(exact(crate::clock::unix_seconds(r.started))),
                    ..Cell::default()
                },
                {
                    let seconds = r.duration(ctx.now);
                    Cell { text: duration(seconds), v: Some(exact(seconds)), ..Cell::default() }
                },
                Cell { text: r.branch.clone().unwrap_or_default(), ..Cell::default() },
                Cell { text: r.tags.join(", "), ..Cell::default() },
            ];
            for key in &param_keys {
                let value = params.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
                let text = value.map(display_value).unwrap_or_default();
                let v = value.and_then(|v| match v {
                    toml::Value::Integer(i) => Some(i.to_string()),
                    toml::Value::Float(f) => Some(exact(*f)),
                    _ => None,
                });
                cells.push(number_cell(text, v));
            }
            for key in &metric_keys {
                cells.push(match r.metrics.get(key.as_str()) {
                    Some(m) => number_cell(super::format::number(m.last), Some(exact(m.last))),
                    None => Cell::default(),
                });
            }
            Row { id: r.id.to_string(), name: r.name.clone(), cells }
        })
        .collect();
    (columns, rows)
}

/// Takes out the columns (but id and name) whose text is the same in every row: they are said
/// once above the table ("all runs: status completed, dataset digits"), where they cost no width.
fn fold_constant(columns: Vec<Column>, mut rows: Vec<Row>) -> (Vec<Column>, Vec<Row>, Vec<Folded>) {
    if rows.len() < 2 {
        return (columns, rows, Vec::new());
    }
    let constant: Vec<bool> = (0..columns.len())
        .map(|i| i >= 2 && !columns[i].hidden && rows.iter().all(|r| r.cells[i].text == rows[0].cells[i].text))
        .collect();
    let folded = columns
        .iter()
        .enumerate()
        .filter(|(i, _)| constant[*i])
        .filter_map(|(i, col)| {
            let text = rows[0].cells[i].text.clone();
            // A column empty for every run says nothing.
            (!text.is_empty()).then(|| Folded { title: col.title.clone(), text })
        })
        .collect();
    for row in &mut rows {
        let mut keep = constant.iter().map(|c| !c);
        row.cells.retain(|_| keep.next().unwrap_or(true));
    }
    let mut keep = constant.iter().map(|c| !c);
    let columns = columns.into_iter().filter(|_| keep.next().unwrap_or(true)).collect();
    (columns, rows, folded)
}

/// A cell whose sort key is only written when the shown text is not already the exact value:
/// with a thousand runs the index must stay well under a megabyte.
fn number_cell(text: String, exact: Option<String>) -> Cell {
    let v = exact.filter(|v| *v != text).map(|v| sort_key(&v));
    Cell { text, v, ..Cell::default() }
}

/// Ten significant digits order any two values an experiment tells apart, in fewer bytes than
/// the shortest exact form.
fn sort_key(exact: &str) -> String {
    match exact.parse::<f64>() {
        Ok(v) if v.is_finite() && exact.len() > 12 => format!("{v:.9e}"),
        _ => exact.to_owned(),
    }
}

fn column(field: &str, title: &str, kind: &'static str) -> Column {
    Column { field: field.to_owned(), title: title.to_owned(), kind, hidden: false }
}
