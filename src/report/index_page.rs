//! The site-wide files: `index.html` (the runs table), `compare.html` (the browser-side
//! comparison of ticked runs), `data/runs.js`, the assets and `.nojekyll`.

use std::collections::BTreeSet;

use serde::Serialize;

use super::compare_page::Written;
use super::format::{duration, exact};
use super::{Context, Error, chart, data};
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

#[derive(Serialize)]
struct Page<'a> {
    site: &'a super::SiteInfo,
    root: &'static str,
    canonical: Option<String>,
    columns: Vec<Column>,
    rows: Vec<Row>,
    compares: &'a [Written],
    example_metric: String,
    colours: Vec<&'static str>,
    x_axis: chart::XAxis,
}

pub fn write(ctx: &Context<'_>, runs: &[Run], compares: &[Written]) -> Result<(), Error> {
    let param_keys: BTreeSet<String> =
        runs.iter().flat_map(|r| flatten(&r.record.params).into_iter().map(|(k, _)| k)).collect();
    let metric_keys: BTreeSet<&String> = runs.iter().flat_map(|r| r.record.metrics.keys()).collect();
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
                cells.push(match r.metrics.get(*key) {
                    Some(m) => number_cell(super::format::number(m.last), Some(exact(m.last))),
                    None => Cell::default(),
                });
            }
            Row { id: r.id.to_string(), name: r.name.clone(), cells }
        })
        .collect();

    let page = Page {
        site: ctx.info,
        root: "",
        canonical: ctx.canonical(""),
        columns,
        rows,
        compares,
        example_metric: metric_keys.iter().next().map_or_else(|| "acc".to_owned(), |k| (*k).clone()),
        colours: chart::PALETTE.to_vec(),
        x_axis: ctx.options.x_axis,
    };
    let mut files = Vec::new();
    let mut put = |path: &str, bytes: &[u8]| -> Result<(), Error> {
        ctx.site.write(path, bytes)?;
        files.push(path.to_owned());
        Ok(())
    };
    put("index.html", ctx.options.templates.render("index.html", &page)?.as_bytes())?;
    let app = Page { canonical: ctx.canonical("compare.html"), ..page };
    put("compare.html", ctx.options.templates.render("compare-app.html", &app)?.as_bytes())?;
    put("data/runs.js", data::runs_script(runs, ctx.now).as_bytes())?;
    for (name, text) in ctx.options.templates.assets() {
        put(name, text.as_bytes())?;
    }
    // GitHub Pages would otherwise run the site through Jekyll.
    put(".nojekyll", b"")?;
    ctx.site.record("site", "", files);
    Ok(())
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
