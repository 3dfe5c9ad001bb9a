//! Chart data: series as (x, y) on the chosen axis, and the small JavaScript data files the
//! browser-side comparison loads (`data/<id>.js`, `data/runs.js`). They are scripts rather than
//! JSON so that they load from `file://` too, where `fetch` is refused.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use super::bucket;
use super::chart::XAxis;
use crate::store::{Point, Run};

/// Columns the browser-side comparison keeps of each series (six pixels each on its charts), so
/// that `data/<id>.js` stays near 50 KB for ten series.
pub const BROWSER_COLUMNS: usize = 100;

/// The points of a series on the x axis: the step, or seconds since the run started.
pub fn xy(points: &[Point], axis: XAxis, started: jiff::Timestamp) -> Vec<(f64, f64)> {
    let t0 = crate::clock::unix_seconds(started);
    let mut xy: Vec<(f64, f64)> = points
        .iter()
        .map(|p| {
            let x = match axis {
                XAxis::Step => p.step as f64,
                XAxis::Time => p.time - t0,
            };
            (x, p.value)
        })
        .collect();
    // Points arrive in the order they were logged; a chart draws them along x.
    xy.sort_by(|a, b| a.0.total_cmp(&b.0));
    xy
}

/// A series reduced for the browser: x and y arrays with four significant digits.
#[derive(Debug, Serialize)]
pub struct BrowserSeries {
    pub n: usize,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

pub fn browser_series(xy: &[(f64, f64)]) -> BrowserSeries {
    let (lo, hi) = xy.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (x, _)| (lo.min(*x), hi.max(*x)));
    let reduced = bucket::reduce(xy, lo, hi, BROWSER_COLUMNS);
    BrowserSeries {
        n: xy.len(),
        x: reduced.iter().map(|p| round_to(p.0, 5)).collect(),
        y: reduced.iter().map(|p| round_to(p.1, 4)).collect(),
    }
}

/// Rounds to `significant` digits: a chart 214 pixels high cannot show more, and the files
/// stay small.
fn round_to(v: f64, significant: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let digits = significant - v.abs().log10().ceil() as i32;
    let factor = 10f64.powi(digits.clamp(-300, 300));
    let r = (v * factor).round() / factor;
    if r.is_finite() { r } else { v }
}

/// `data/<id>.js`: what the browser-side comparison needs about one run.
pub fn run_script(
    run: &Run,
    label: &str,
    params: &[(String, String)],
    series: &BTreeMap<String, BrowserSeries>,
) -> String {
    let r = &run.record;
    let metrics: BTreeMap<&String, serde_json::Value> = r
        .metrics
        .iter()
        .map(|(k, m)| {
            let v = |x: f64| if x.is_finite() { json!(x) } else { json!(crate::store::record::float::name(x)) };
            (k, json!({"count": m.count, "first": v(m.first), "last": v(m.last), "min": v(m.min), "max": v(m.max), "mean": v(m.mean)}))
        })
        .collect();
    let value = json!({
        "id": r.id.as_str(),
        "name": r.name,
        "label": label,
        "status": run.status.as_str(),
        "params": params.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "metrics": metrics,
        "series": series,
    });
    format!("gitExp.addRun({});\n", script_json(&value))
}

/// `data/runs.js` (`data/runs-<page>.js` for later pages of the table): every run's record as
/// `ls --format json` prints it, for the table's filter. A later page's script names its page,
/// so that the filter of another page can load it beside its own (docs/REPORT.md).
pub fn runs_script(runs: &[Run], now: jiff::Timestamp, page: usize) -> String {
    let list: Vec<serde_json::Value> = runs
        .iter()
        .map(|run| {
            let mut v = run.to_json(now);
            if let Some(o) = v.as_object_mut() {
                // Not filterable and sometimes long: left out to keep the file small.
                for key in ["skipped", "output", "cwd", "schema"] {
                    o.remove(key);
                }
            }
            v
        })
        .collect();
    let list = script_json(&serde_json::Value::Array(list));
    let runs =
        if page > 1 { format!("gitExp.setRuns({list}, {page});\n") } else { format!("gitExp.setRuns({list});\n") };
    // A pinned clock (tests, reproducible builds) is the filter's "now"; otherwise the browser
    // counts `7d ago` from its own clock, and the file stays the same from build to build.
    if crate::clock::is_pinned() { format!("gitExp.now = \"{}\";\n{runs}", crate::clock::rfc3339(now)) } else { runs }
}

/// JSON to embed in a script file. `<` is escaped too, so the text stays inert even if a
/// browser were made to read the file as HTML.
fn script_json(value: &serde_json::Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    text.replace('<', "\\u003c").replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_and_escaping() {
        assert_eq!(round_to(0.123456789, 4), 0.1235);
        assert_eq!(round_to(123456789.0, 5), 123460000.0);
        assert_eq!(script_json(&json!({"a": "</script>"})), "{\"a\":\"\\u003c/script>\"}");
    }

    #[test]
    fn later_pages_name_their_page() {
        let now: jiff::Timestamp = "2026-11-23T10:00:00Z".parse().expect("time");
        let (first, second) = (runs_script(&[], now, 1), runs_script(&[], now, 2));
        assert!(first.ends_with("gitExp.setRuns([]);\n"), "{first}");
        assert!(second.ends_with("gitExp.setRuns([], 2);\n"), "{second}");
    }

    #[test]
    fn time_axis_is_seconds_since_start() {
        let started: jiff::Timestamp = "2026-11-23T10:00:00Z".parse().expect("time");
        let t0 = crate::clock::unix_seconds(started);
        let points = [Point { step: 5, value: 1.0, time: t0 + 90.0 }, Point { step: 1, value: 2.0, time: t0 + 30.0 }];
        assert_eq!(xy(&points, XAxis::Time, started), vec![(30.0, 2.0), (90.0, 1.0)]);
        assert_eq!(xy(&points, XAxis::Step, started), vec![(1.0, 2.0), (5.0, 1.0)]);
    }
}
