//! Sweep views: how the params of a set of runs drive one metric. A parallel-coordinates chart
//! (one axis per varying param, the metric last, each run a line coloured by the metric), one
//! scatter plot per param against the metric, and a parameter-importance table (Spearman rank
//! correlation of each param with the metric), as W&B and MLflow show for a sweep.
//!
//! Everything is static SVG and HTML drawn here, readable without JavaScript; the report's
//! script adds brushing (`sweep.js`): each line and dot carries its run's id, each axis its
//! pixel range. Presentation attributes only, no `style`, for the page's policy.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use super::format::number;
use super::html::escape;
use super::scale::{nice_ticks, tick_label};
use crate::diff::Goal;
use crate::store::Run;
use crate::store::view::{display_value, flatten};

/// Axes of a parallel-coordinates chart beyond which the chart stops being readable: the
/// params with the strongest rank correlation are kept.
const MAX_PARAMS: usize = 10;
/// Scatter plots drawn, the most important params first.
const MAX_SCATTERS: usize = 6;
/// Categories shown on a categorical axis; a param with more distinct strings is left out.
const MAX_CATEGORIES: usize = 24;
/// Metrics offered by the chooser of the last axis: a select of hundreds helps nobody.
const MAX_CHOICES: usize = 40;

/// Low to high metric value: viridis at five stops, readable for most colour-blind readers.
const RAMP: [(f64, f64, f64); 5] =
    [(68.0, 1.0, 84.0), (59.0, 82.0, 139.0), (33.0, 145.0, 140.0), (94.0, 201.0, 98.0), (253.0, 231.0, 37.0)];

/// The rendered views of a sweep, for a template.
#[derive(Debug, Serialize)]
pub struct SweepView {
    pub metric: String,
    /// The metrics the browser may put on the last axis instead (`sweep.js`), `metric` among
    /// them: goal metrics first, then the others by name, each one at least two runs have.
    pub choices: Vec<String>,
    /// `max`, `min` or empty: the metric's goal in exp.toml.
    pub goal: &'static str,
    pub runs: usize,
    /// Runs left out because they lack the metric or a finite value of it.
    pub left_out: usize,
    pub parallel: String,
    pub scatters: Vec<Scatter>,
    pub importance: Vec<Importance>,
}

#[derive(Debug, Serialize)]
pub struct Scatter {
    pub param: String,
    pub svg: String,
}

#[derive(Debug, Serialize)]
pub struct Importance {
    pub param: String,
    /// Spearman's rho, formatted; empty when undefined (a constant column).
    pub rho: String,
    /// |rho| in percent, for the bar.
    pub bar: u32,
    /// `+`, `−` or empty: which way the metric moves when the param grows.
    pub sign: &'static str,
    pub n: usize,
    /// Says how a non-numeric param was ranked.
    pub note: &'static str,
}

/// One param's values over the kept runs.
struct Axis {
    key: String,
    /// A position per kept run (the value, or the category's index), `None` when missing.
    values: Vec<Option<f64>>,
    /// Names of the categories, for a param that is not numeric.
    categories: Option<Vec<String>>,
    rho: Option<f64>,
}

/// The metric a sweep view shows: the first metric with a goal in exp.toml that some run has,
/// else the first metric that is not a `sys/` series.
pub fn pick_metric<'a>(runs: &[&'a Run], goals: &'a BTreeMap<String, Goal>) -> Option<&'a str> {
    let keys: BTreeSet<&String> = runs.iter().flat_map(|r| r.record.metrics.keys()).collect();
    goals
        .keys()
        .find(|k| keys.contains(k))
        .or_else(|| keys.into_iter().find(|k| !k.starts_with("sys/")))
        .map(String::as_str)
}

/// The metrics a chooser offers for the last axis: those (but `sys/` series) with a finite last
/// value in at least two runs, goal metrics first, at most [`MAX_CHOICES`].
fn choices(runs: &[&Run], goals: &BTreeMap<String, Goal>) -> Vec<String> {
    let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
    for run in runs {
        for (key, m) in &run.record.metrics {
            if m.last.is_finite() && !key.starts_with("sys/") {
                *counts.entry(key).or_default() += 1;
            }
        }
    }
    let usable: Vec<&String> = counts.into_iter().filter(|(_, n)| *n >= 2).map(|(k, _)| k).collect();
    let mut out: Vec<String> = goals.keys().filter(|k| usable.contains(k)).cloned().collect();
    out.extend(usable.into_iter().filter(|k| !goals.contains_key(*k)).cloned());
    out.truncate(MAX_CHOICES);
    out
}

/// The sweep views of `runs` for `metric` (its last value per run), or `None` when fewer than
/// two runs have it or no param varies.
pub fn render(runs: &[&Run], metric: &str, goals: &BTreeMap<String, Goal>) -> Option<SweepView> {
    let goal = goals.get(metric).copied();
    let kept: Vec<(&Run, f64)> = runs
        .iter()
        .filter_map(|r| r.record.metrics.get(metric).map(|m| (*r, m.last)))
        .filter(|(_, v)| v.is_finite())
        .collect();
    if kept.len() < 2 {
        return None;
    }
    let ys: Vec<f64> = kept.iter().map(|(_, v)| *v).collect();
    let mut axes = param_axes(&kept);
    for axis in &mut axes {
        axis.rho = spearman_pairs(&axis.values, &ys);
    }
    if axes.is_empty() {
        return None;
    }
    // Strongest first for the table and the scatters; the chart keeps the strongest, in key order.
    axes.sort_by(|a, b| strength(b).total_cmp(&strength(a)).then_with(|| a.key.cmp(&b.key)));
    let importance = axes.iter().map(importance_row).collect();
    let ids: Vec<&str> = kept.iter().map(|(r, _)| r.id().as_str()).collect();
    let scatters = axes
        .iter()
        .take(MAX_SCATTERS)
        .map(|a| Scatter { param: a.key.clone(), svg: scatter(a, metric, &ids, &ys) })
        .collect();
    let mut shown: Vec<&Axis> = axes.iter().take(MAX_PARAMS).collect();
    shown.sort_by(|a, b| a.key.cmp(&b.key));
    Some(SweepView {
        metric: metric.to_owned(),
        choices: {
            // Only metrics of the runs drawn: the lines of the others are not in the chart.
            let drawn: Vec<&Run> = kept.iter().map(|(r, _)| *r).collect();
            let mut c = choices(&drawn, goals);
            if !c.iter().any(|k| k == metric) {
                c.insert(0, metric.to_owned());
            }
            c
        },
        goal: match goal {
            Some(Goal::Max) => "max",
            Some(Goal::Min) => "min",
            None => "",
        },
        runs: kept.len(),
        left_out: runs.len() - kept.len(),
        parallel: parallel(&shown, metric, &ids, &ys),
        scatters,
        importance,
    })
}

fn strength(a: &Axis) -> f64 {
    a.rho.map_or(-1.0, f64::abs)
}

fn importance_row(a: &Axis) -> Importance {
    Importance {
        param: a.key.clone(),
        rho: a.rho.map(|r| format!("{r:+.2}")).unwrap_or_default(),
        bar: a.rho.map_or(0, |r| (r.abs() * 100.0).round() as u32),
        sign: match a.rho {
            Some(r) if r > 0.0 => "+",
            Some(r) if r < 0.0 => "−",
            _ => "",
        },
        n: a.values.iter().flatten().count(),
        note: if a.categories.is_some() { "values ranked by name" } else { "" },
    }
}

/// The params that vary over `kept`, as axes: numbers stay numbers (booleans are 0 and 1),
/// anything else becomes a category, ordered by name.
fn param_axes(kept: &[(&Run, f64)]) -> Vec<Axis> {
    let flat: Vec<Vec<(String, &toml::Value)>> = kept.iter().map(|(r, _)| flatten(&r.record.params)).collect();
    let keys: BTreeSet<&String> = flat.iter().flatten().map(|(k, _)| k).collect();
    let mut axes = Vec::new();
    for key in keys {
        let raw: Vec<Option<&toml::Value>> =
            flat.iter().map(|params| params.iter().find(|(k, _)| k == key).map(|(_, v)| *v)).collect();
        let numeric = raw.iter().flatten().all(|v| matches!(v, toml::Value::Integer(_) | toml::Value::Float(_)));
        let axis = if numeric {
            let values = raw
                .iter()
                .map(|v| match v {
                    Some(toml::Value::Integer(i)) => Some(*i as f64),
                    Some(toml::Value::Float(f)) if f.is_finite() => Some(*f),
                    _ => None,
                })
                .collect();
            Axis { key: key.clone(), values, categories: None, rho: None }
        } else {
            let texts: Vec<Option<String>> = raw.iter().map(|v| v.map(display_value)).collect();
            let names: Vec<String> = texts.iter().flatten().cloned().collect::<BTreeSet<_>>().into_iter().collect();
            if names.len() > MAX_CATEGORIES {
                continue;
            }
            let values = texts
                .iter()
                .map(|t| t.as_ref().and_then(|t| names.iter().position(|n| n == t)).map(|i| i as f64))
                .collect();
            Axis { key: key.clone(), values, categories: Some(names), rho: None }
        };
        let distinct: BTreeSet<u64> = axis.values.iter().flatten().map(|v| v.to_bits()).collect();
        if distinct.len() >= 2 {
            axes.push(axis);
        }
    }
    axes
}

/// Spearman's rank correlation of the pairs where `xs` has a value; `None` when fewer than
/// three pairs or either side is constant.
fn spearman_pairs(xs: &[Option<f64>], ys: &[f64]) -> Option<f64> {
    let (a, b): (Vec<f64>, Vec<f64>) = xs.iter().zip(ys).filter_map(|(x, y)| x.map(|x| (x, *y))).unzip();
    spearman(&a, &b)
}

/// Spearman's rho: Pearson's correlation of the ranks, ties given their average rank.
pub fn spearman(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() != ys.len() || xs.len() < 3 {
        return None;
    }
    let (rx, ry) = (ranks(xs), ranks(ys));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in rx.iter().zip(&ry) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// Ranks from 1, ties sharing the mean of the ranks they span.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
    let mut out = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for k in &order[i..=j] {
            out[*k] = rank;
        }
        i = j + 1;
    }
    out
}

/// The colour of `v` on the ramp between `lo` and `hi`.
fn colour(v: f64, lo: f64, hi: f64) -> String {
    let t = if hi > lo { ((v - lo) / (hi - lo)).clamp(0.0, 1.0) } else { 0.5 };
    let pos = t * (RAMP.len() - 1) as f64;
    let i = (pos.floor() as usize).min(RAMP.len() - 2);
    let f = pos - i as f64;
    let mix = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
    let (a, b) = (RAMP[i], RAMP[i + 1]);
    format!("#{:02x}{:02x}{:02x}", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    }
}

/// A coordinate with one decimal.
fn c(v: f64) -> String {
    format!("{:.1}", (v * 10.0).round() / 10.0).trim_end_matches(".0").to_owned()
}

/// The widest chart, and the room each axis gets when there are few.
const PC_WIDTH: f64 = 960.0;
const PC_AXIS_GAP: f64 = 150.0;
const PC_HEIGHT: f64 = 310.0;
const PC_TOP: f64 = 44.0;
const PC_BOTTOM: f64 = 30.0;
const PC_SIDE: f64 = 60.0;

/// The parallel-coordinates chart: `axes` then the metric, one polyline per run.
fn parallel(axes: &[&Axis], metric: &str, ids: &[&str], ys: &[f64]) -> String {
    let n_axes = axes.len() + 1;
    // Few axes keep their spacing instead of stretching across the page.
    let width = (2.0 * PC_SIDE + PC_AXIS_GAP * (n_axes - 1) as f64).min(PC_WIDTH);
    let step = (width - 2.0 * PC_SIDE) / (n_axes - 1).max(1) as f64;
    let plot_h = PC_HEIGHT - PC_TOP - PC_BOTTOM;
    let (y_lo, y_hi) = range(ys.iter().copied());
    let mut s = String::with_capacity(4096 + ids.len() * 16 * n_axes);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sweep parallel\" viewBox=\"0 0 {width} {PC_HEIGHT}\" \
         width=\"{width}\" height=\"{PC_HEIGHT}\" role=\"img\" aria-label=\"parallel coordinates of {} params against {}\" font-family=\"system-ui, sans-serif\" \
         font-size=\"12\" data-top=\"{PC_TOP}\" data-height=\"{plot_h}\">",
        axes.len(),
        escape(metric)
    );
    // Each axis maps its range onto the plot height; the metric's axis is the last.
    let mut scales: Vec<Box<dyn Fn(f64) -> f64>> = Vec::new();
    for a in axes {
        let (lo, hi) = match &a.categories {
            Some(names) => (-0.5, names.len() as f64 - 0.5),
            None => range(a.values.iter().flatten().copied()),
        };
        scales.push(Box::new(move |v| PC_TOP + plot_h - (v - lo) / (hi - lo) * plot_h));
    }
    scales.push(Box::new(move |v| PC_TOP + plot_h - (v - y_lo) / (y_hi - y_lo) * plot_h));
    s.push_str("<g class=\"lines\" fill=\"none\" stroke-width=\"1.4\" stroke-opacity=\"0.75\">");
    for (r, (id, y)) in ids.iter().zip(ys).enumerate() {
        let mut points = Vec::with_capacity(n_axes);
        for (k, a) in axes.iter().enumerate() {
            if let Some(v) = a.values[r] {
                points.push(format!("{},{}", c(PC_SIDE + step * k as f64), c(scales[k](v))));
            }
        }
        points.push(format!("{},{}", c(PC_SIDE + step * axes.len() as f64), c(scales[axes.len()](*y))));
        let _ = write!(
            s,
            "<polyline data-run=\"{}\" stroke=\"{}\" points=\"{}\"/>",
            escape(id),
            colour(*y, y_lo, y_hi),
            points.join(" ")
        );
    }
    s.push_str("</g>");
    for (k, a) in axes.iter().enumerate() {
        let x = PC_SIDE + step * k as f64;
        let ticks: Vec<(f64, String)> = match &a.categories {
            Some(names) => names.iter().enumerate().map(|(i, n)| (i as f64, short(n))).collect(),
            None => {
                let (lo, hi) = range(a.values.iter().flatten().copied());
                value_ticks(lo, hi)
            }
        };
        axis(&mut s, x, &a.key, &ticks, &scales[k], k);
    }
    let x = PC_SIDE + step * axes.len() as f64;
    axis(&mut s, x, metric, &value_ticks(y_lo, y_hi), &scales[axes.len()], axes.len());
    s.push_str("</svg>");
    s
}

/// Ticks for a numeric axis: round values between `lo` and `hi`, both ends included.
fn value_ticks(lo: f64, hi: f64) -> Vec<(f64, String)> {
    let (ticks, step) = nice_ticks(lo, hi, 4);
    let mut out: Vec<(f64, String)> =
        ticks.into_iter().filter(|t| *t >= lo && *t <= hi).map(|t| (t, tick_label(t, step))).collect();
    if out.is_empty() {
        out = vec![(lo, number(lo)), (hi, number(hi))];
    }
    out
}

/// A category name cut to fit under an axis.
fn short(name: &str) -> String {
    if name.chars().count() <= 14 {
        name.to_owned()
    } else {
        format!("{}…", name.chars().take(13).collect::<String>())
    }
}

/// One vertical axis with its name on top and tick labels; `data-i` lets the script brush it.
/// Names alternate between two rows, so that neighbours do not overlap; the full key is the
/// name's tooltip.
fn axis(s: &mut String, x: f64, name: &str, ticks: &[(f64, String)], scale: &dyn Fn(f64) -> f64, i: usize) {
    let plot_h = PC_HEIGHT - PC_TOP - PC_BOTTOM;
    let _ = write!(
        s,
        "<g class=\"pc-axis\" data-i=\"{i}\" data-x=\"{}\"><line x1=\"{0}\" x2=\"{0}\" y1=\"{PC_TOP}\" y2=\"{}\" \
         stroke=\"#6b7280\"/><text x=\"{0}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"600\" fill=\"#1f2328\">\
         <title>{}</title>{}</text>",
        c(x),
        c(PC_TOP + plot_h),
        c(if i.is_multiple_of(2) { PC_TOP - 26.0 } else { PC_TOP - 10.0 }),
        escape(name),
        escape(&short_key(name))
    );
    for (v, label) in ticks {
        let y = scale(*v);
        let _ = write!(
            s,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{2}\" stroke=\"#6b7280\"/><text x=\"{}\" y=\"{}\" fill=\"#374151\" \
             stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
            c(x - 3.0),
            c(x),
            c(y),
            c(x + 5.0),
            c(y + 4.0),
            escape(label)
        );
    }
    // A wide transparent strip: where a drag on the axis starts.
    let _ = write!(
        s,
        "<rect class=\"brush-area\" x=\"{}\" y=\"{PC_TOP}\" width=\"24\" height=\"{}\" fill=\"transparent\"/></g>",
        c(x - 12.0),
        c(plot_h)
    );
}

/// An axis name that fits above its axis: the end of a long dotted key.
fn short_key(key: &str) -> String {
    let n = key.chars().count();
    if n <= 24 { key.to_owned() } else { format!("…{}", key.chars().skip(n - 23).collect::<String>()) }
}

const SC_WIDTH: f64 = 320.0;
const SC_HEIGHT: f64 = 220.0;
const SC_LEFT: f64 = 52.0;
const SC_BOTTOM: f64 = 34.0;
const SC_TOP: f64 = 8.0;
const SC_RIGHT: f64 = 10.0;

/// A scatter plot of one param (x) against the metric (y), a dot per run.
fn scatter(a: &Axis, metric: &str, ids: &[&str], ys: &[f64]) -> String {
    let plot_w = SC_WIDTH - SC_LEFT - SC_RIGHT;
    let plot_h = SC_HEIGHT - SC_TOP - SC_BOTTOM;
    let (x_lo, x_hi) = match &a.categories {
        Some(names) => (-0.5, names.len() as f64 - 0.5),
        None => range(a.values.iter().flatten().copied()),
    };
    let (y_lo, y_hi) = range(ys.iter().copied());
    let px = |v: f64| SC_LEFT + (v - x_lo) / (x_hi - x_lo) * plot_w;
    let py = |v: f64| SC_TOP + plot_h - (v - y_lo) / (y_hi - y_lo) * plot_h;
    let mut s = String::with_capacity(2048 + ids.len() * 80);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sweep scatter\" viewBox=\"0 0 {SC_WIDTH} {SC_HEIGHT}\" \
         role=\"img\" aria-label=\"{} against {}\" font-family=\"system-ui, sans-serif\" font-size=\"11\">\
         <rect x=\"{SC_LEFT}\" y=\"{SC_TOP}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"#fff\" stroke=\"#d1d9e0\"/>",
        escape(metric),
        escape(&a.key)
    );
    for (v, label) in value_ticks(y_lo, y_hi) {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#374151\">{}</text>",
            c(SC_LEFT - 5.0),
            c(py(v) + 4.0),
            escape(&label)
        );
    }
    let x_ticks = match &a.categories {
        Some(names) => names.iter().enumerate().map(|(i, n)| (i as f64, short(n))).collect(),
        None => value_ticks(x_lo, x_hi),
    };
    for (v, label) in x_ticks {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#374151\">{}</text>",
            c(px(v)),
            c(SC_TOP + plot_h + 14.0),
            escape(&label)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#4b5563\">{}</text>",
        c(SC_LEFT + plot_w / 2.0),
        c(SC_HEIGHT - 4.0),
        escape(&short_key(&a.key))
    );
    s.push_str("<g class=\"dots\" fill-opacity=\"0.85\" stroke=\"#1f2328\" stroke-width=\"0.5\">");
    for ((id, x), y) in ids.iter().zip(&a.values).zip(ys) {
        let Some(x) = x else { continue };
        let _ = write!(
            s,
            "<circle data-run=\"{}\" cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"/>",
            escape(id),
            c(px(*x)),
            c(py(*y)),
            colour(*y, y_lo, y_hi)
        );
    }
    s.push_str("</g></svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_of_monotone_and_tied_data() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(spearman(&xs, &[10.0, 20.0, 30.0, 40.0, 1000.0]), Some(1.0));
        assert_eq!(spearman(&xs, &[5.0, 4.0, 3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(spearman(&xs, &[1.0, 1.0, 1.0, 1.0, 1.0]), None, "constant metric");
        assert_eq!(spearman(&xs[..2], &[1.0, 2.0]), None, "too few runs");
        // Ties take the mean rank: ranks (1.5, 1.5, 3) against (1, 2, 3).
        let rho = spearman(&[1.0, 1.0, 2.0], &[1.0, 2.0, 3.0]).expect("defined");
        assert!((rho - 0.866_025_403_784_438_6).abs() < 1e-12, "{rho}");
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn colours_run_from_dark_to_yellow() {
        assert_eq!(colour(0.0, 0.0, 1.0), "#440154");
        assert_eq!(colour(1.0, 0.0, 1.0), "#fde725");
        assert_eq!(colour(5.0, 5.0, 5.0), "#21918c");
    }
}
