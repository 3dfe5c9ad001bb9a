//! SVG line charts drawn by git-exp: axes with round ticks and labels, a light grid, one line
//! per series in distinct colours (dashed once the palette repeats), reduced by min/max
//! bucketing when a series has more points than the plot is wide.
//!
//! Colours and sizes are SVG presentation attributes, not `style`, so the charts render under
//! the report's Content-Security-Policy (no inline styles) and when saved on their own.

use std::fmt::Write as _;

use super::bucket;
use super::scale::{nice_ticks, tick_label, ticks_with_step, time_label, time_ticks};

/// Tableau 10: ten colours that stay distinct for most colour-blind readers.
pub const PALETTE: [&str; 10] =
    ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

/// Once the palette repeats, lines are told apart by dashes.
const DASHES: [&str; 3] = ["", "6 3", "2 2"];

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 58.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 36.0;

/// Columns of the plot area, hence the number of buckets a long series is reduced to.
pub const PLOT_COLUMNS: usize = (WIDTH - LEFT - RIGHT) as usize;

/// What the x axis shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum XAxis {
    /// The step of each point
    Step,
    /// Time since the run started
    Time,
}

impl XAxis {
    pub fn label(self) -> &'static str {
        match self {
            XAxis::Step => "step",
            XAxis::Time => "time since start",
        }
    }
}

/// One line: its points (x, y) in the axis' unit.
pub struct Line {
    pub points: Vec<(f64, f64)>,
}

/// A rendered chart and what was done to draw it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Chart {
    pub svg: String,
    /// Points of the longest series, when some series was reduced to `buckets` columns.
    pub reduced_from: Option<usize>,
    pub buckets: usize,
    /// Points left out because their value was NaN or infinite.
    pub non_finite: usize,
}

/// The stroke colour and dash pattern of line `i`.
pub fn line_style(i: usize) -> (&'static str, &'static str) {
    (PALETTE[i % PALETTE.len()], DASHES[(i / PALETTE.len()) % DASHES.len()])
}

/// Draws `lines` on shared axes; `label` names the metric for screen readers.
pub fn render(label: &str, x_axis: XAxis, lines: &[Line]) -> Chart {
    let mut non_finite = 0;
    let mut longest = 0;
    let (mut x_lo, mut x_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for line in lines {
        longest = longest.max(line.points.len());
        for (x, y) in &line.points {
            if !y.is_finite() {
                non_finite += 1;
            } else if x.is_finite() {
                x_lo = x_lo.min(*x);
                x_hi = x_hi.max(*x);
            }
        }
    }
    let reduced: Vec<Vec<(f64, f64)>> =
        lines.iter().map(|l| bucket::reduce(&l.points, x_lo, x_hi, PLOT_COLUMNS)).collect();
    let (mut y_lo, mut y_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (_, y) in reduced.iter().flatten() {
        y_lo = y_lo.min(*y);
        y_hi = y_hi.max(*y);
    }
    if !x_lo.is_finite() || !y_lo.is_finite() {
        // Nothing drawable: an empty frame keeps the page layout, the caption explains.
        (x_lo, x_hi, y_lo, y_hi) = (0.0, 1.0, 0.0, 1.0);
    }
    let pad = if y_hi > y_lo { (y_hi - y_lo) * 0.05 } else { y_lo.abs().max(1.0) * 0.1 };
    // Values that are all positive (losses, accuracies) keep the axis from dipping below zero.
    let bottom = if y_lo >= 0.0 { (y_lo - pad).max(0.0) } else { y_lo - pad };
    // The y axis runs from tick to tick, so both ends are labelled.
    let (_, y_step) = nice_ticks(bottom, y_hi + pad, 5);
    let y_lo = (bottom / y_step).floor() * y_step;
    let y_hi = ((y_hi + pad) / y_step).ceil() * y_step;
    let (y_ticks, _) = ticks_with_step(y_lo, y_hi, y_step);
    if x_hi <= x_lo {
        (x_lo, x_hi) = (x_lo - 1.0, x_hi + 1.0);
    }
    let (x_ticks, x_step) = match x_axis {
        // Steps are whole numbers: no tick between two of them.
        XAxis::Step if x_hi - x_lo < 6.0 => ticks_with_step(x_lo, x_hi, 1.0),
        XAxis::Step => nice_ticks(x_lo, x_hi, 6),
        XAxis::Time => time_ticks(x_lo, x_hi, 6),
    };

    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let px = |x: f64| LEFT + (x - x_lo) / (x_hi - x_lo) * plot_w;
    let py = |y: f64| TOP + plot_h - (y - y_lo) / (y_hi - y_lo) * plot_h;

    let mut s = String::with_capacity(2048 + reduced.iter().map(|l| l.len() * 12).sum::<usize>());
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-label=\"{} by {}\" font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" font-size=\"13\" \
         data-x=\"{} {}\" data-y=\"{} {}\" data-plot=\"{LEFT} {TOP} {plot_w} {plot_h}\" data-axis=\"{}\">",
        super::html::escape(label),
        x_axis.label(),
        num(x_lo),
        num(x_hi),
        num(y_lo),
        num(y_hi),
        match x_axis {
            XAxis::Step => "step",
            XAxis::Time => "time",
        }
    );
    let _ = write!(s, "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"#ffffff\"/>");
    s.push_str("<g stroke=\"#e5e7eb\" stroke-width=\"1\">");
    for t in &y_ticks {
        let y = py(*t);
        let _ = write!(s, "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>", num(LEFT + plot_w), num(y), num(y));
    }
    for t in &x_ticks {
        let x = px(*t);
        let _ = write!(s, "<line x1=\"{}\" x2=\"{}\" y1=\"{TOP}\" y2=\"{}\"/>", num(x), num(x), num(TOP + plot_h));
    }
    s.push_str("</g>");
    let _ = write!(
        s,
        "<path d=\"M{LEFT} {TOP}V{}H{}\" fill=\"none\" stroke=\"#6b7280\" stroke-width=\"1\"/>",
        num(TOP + plot_h),
        num(LEFT + plot_w)
    );
    s.push_str("<g fill=\"#374151\" text-anchor=\"end\">");
    for t in &y_ticks {
        let _ =
            write!(s, "<text x=\"{}\" y=\"{}\">{}</text>", num(LEFT - 6.0), num(py(*t) + 4.0), tick_label(*t, y_step));
    }
    s.push_str("</g><g fill=\"#374151\" text-anchor=\"middle\">");
    for t in &x_ticks {
        let text = match x_axis {
            XAxis::Step => tick_label(*t, x_step),
            XAxis::Time => time_label(*t),
        };
        let _ = write!(s, "<text x=\"{}\" y=\"{}\">{text}</text>", num(px(*t)), num(TOP + plot_h + 15.0));
    }
    s.push_str("</g>");
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#4b5563\">{}</text>",
        num(LEFT + plot_w / 2.0),
        num(HEIGHT - 4.0),
        x_axis.label()
    );
    s.push_str("<g fill=\"none\" stroke-width=\"1.6\" stroke-linejoin=\"round\" stroke-linecap=\"round\">");
    for (i, points) in reduced.iter().enumerate() {
        let (colour, dash) = line_style(i);
        let dash_attr = if dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{dash}\"") };
        let _ = write!(s, "<polyline class=\"series\" data-i=\"{i}\" stroke=\"{colour}\"{dash_attr} points=\"");
        for (k, (x, y)) in points.iter().enumerate() {
            if k > 0 {
                s.push(' ');
            }
            push_num(&mut s, px(*x));
            s.push(',');
            push_num(&mut s, py(*y));
        }
        s.push_str("\"/>");
        // Few points: mark them, so a single point or a short series is visible.
        if points.len() <= 40 {
            for (x, y) in points {
                let _ =
                    write!(s, "<circle cx=\"{}\" cy=\"{}\" r=\"2.2\" fill=\"{colour}\"/>", num(px(*x)), num(py(*y)));
            }
        }
    }
    s.push_str("</g></svg>");
    let was_reduced = lines.iter().any(|l| l.points.len() > PLOT_COLUMNS);
    Chart { svg: s, reduced_from: was_reduced.then_some(longest), buckets: PLOT_COLUMNS, non_finite }
}

/// One bar of a single-value chart: the run's label, its colour, its value.
pub struct Bar {
    pub label: String,
    pub colour: &'static str,
    pub value: Option<f64>,
}

const BAR_ROW: f64 = 24.0;
const BAR_LABEL: f64 = 170.0;

/// A metric logged once per run, drawn as one horizontal bar per run from zero (or from the
/// axis' start when every value is far from it) with the value at its end: no step axis.
pub fn bars(label: &str, bars: &[Bar]) -> String {
    let finite = || bars.iter().filter_map(|b| b.value).filter(|v| v.is_finite());
    let (lo, hi) = finite().fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if hi > lo { (lo, hi) } else { (0.0, 1.0) };
    let (ticks, step) = nice_ticks(lo, hi, 5);
    let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let plot_w = WIDTH - BAR_LABEL - RIGHT - 40.0;
    let height = TOP + BAR_ROW * bars.len() as f64 + BOTTOM;
    let px = |v: f64| BAR_LABEL + (v - lo) / (hi - lo) * plot_w;
    let mut s = String::with_capacity(1024 + bars.len() * 200);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart bars\" viewBox=\"0 0 {WIDTH} {}\" role=\"img\" \
         aria-label=\"{} per run\" font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" font-size=\"13\">",
        num(height),
        super::html::escape(label)
    );
    s.push_str("<g stroke=\"#e5e7eb\" stroke-width=\"1\">");
    for t in ticks.iter().filter(|t| **t >= lo && **t <= hi) {
        let x = num(px(*t));
        let _ = write!(s, "<line x1=\"{x}\" x2=\"{x}\" y1=\"{TOP}\" y2=\"{}\"/>", num(height - BOTTOM));
    }
    s.push_str("</g><g fill=\"#374151\" text-anchor=\"middle\">");
    for t in ticks.iter().filter(|t| **t >= lo && **t <= hi) {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            num(px(*t)),
            num(height - BOTTOM + 15.0),
            tick_label(*t, step)
        );
    }
    s.push_str("</g>");
    for (i, b) in bars.iter().enumerate() {
        let y = TOP + BAR_ROW * i as f64;
        let name: String = if b.label.chars().count() > 20 {
            format!("{}…", b.label.chars().take(19).collect::<String>())
        } else {
            b.label.clone()
        };
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#1f2328\">{}</text>",
            num(BAR_LABEL - 8.0),
            num(y + 16.0),
            super::html::escape(&name)
        );
        let Some(v) = b.value.filter(|v| v.is_finite()) else {
            let _ = write!(s, "<text x=\"{}\" y=\"{}\" fill=\"#59636e\">–</text>", num(BAR_LABEL + 4.0), num(y + 16.0));
            continue;
        };
        let (x0, x1) = (px(0.0f64.clamp(lo, hi)), px(v));
        let _ = write!(
            s,
            "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" fill=\"#1f2328\">{}</text>",
            num(x0.min(x1)),
            num(y + 4.0),
            num((x1 - x0).abs().max(1.0)),
            num(BAR_ROW - 8.0),
            b.colour,
            num(x0.max(x1) + 5.0),
            num(y + 16.0),
            super::format::number(v)
        );
    }
    let _ = write!(
        s,
        "<path d=\"M{BAR_LABEL} {TOP}V{}\" fill=\"none\" stroke=\"#6b7280\" stroke-width=\"1\"/></svg>",
        num(height - BOTTOM)
    );
    s
}

/// A coordinate with at most one decimal: small files, and the same bytes on every machine.
fn num(v: f64) -> String {
    let mut out = String::with_capacity(8);
    push_num(&mut out, v);
    out
}

/// Appends `v` rounded to one decimal (`12`, `12.5`, `-0.3`). Charts write tens of millions of
/// coordinates for a large report, so this formats integers instead of floats and allocates
/// nothing.
fn push_num(out: &mut String, v: f64) {
    let tenths = (v * 10.0).round() as i64;
    if tenths < 0 {
        out.push('-');
    }
    let abs = tenths.unsigned_abs();
    push_digits(out, abs / 10);
    if !abs.is_multiple_of(10) {
        out.push('.');
        out.push(char::from(b'0' + (abs % 10) as u8));
    }
}

/// Appends the decimal digits of `n` without `fmt` (whose machinery was 5 % of a large
/// report's profile, for numbers of three or four digits).
fn push_digits(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in &digits[start..] {
        out.push(char::from(*d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize) -> Line {
        Line { points: (0..n).map(|i| (i as f64, (i as f64 * 0.01).sin())).collect() }
    }

    #[test]
    fn draws_axes_ticks_and_one_polyline_per_series() {
        let chart = render("train/loss", XAxis::Step, &[line(20), line(30)]);
        assert_eq!(chart.svg.matches("<polyline").count(), 2);
        assert!(chart.svg.contains(PALETTE[0]) && chart.svg.contains(PALETTE[1]));
        assert!(chart.svg.contains(">step</text>"));
        assert!(chart.svg.matches("<text").count() > 6, "tick labels");
        assert_eq!(chart.reduced_from, None);
    }

    #[test]
    fn long_series_are_reduced_and_say_so() {
        let chart = render("x", XAxis::Step, &[line(100_000)]);
        assert_eq!(chart.reduced_from, Some(100_000));
        assert!(chart.svg.len() < 40_000, "{}", chart.svg.len());
    }

    #[test]
    fn non_finite_values_are_counted_not_drawn() {
        let chart =
            render("x", XAxis::Time, &[Line { points: vec![(0.0, 1.0), (1.0, f64::NAN), (2.0, f64::INFINITY)] }]);
        assert_eq!(chart.non_finite, 2);
        assert!(!chart.svg.contains("NaN") && !chart.svg.contains("inf"));
        let empty = render("x", XAxis::Step, &[]);
        assert!(empty.svg.starts_with("<svg"));
    }

    #[test]
    fn coordinates_have_one_decimal_at_most() {
        for (v, want) in [
            (12.0, "12"),
            (12.46, "12.5"),
            (-0.04, "0"),
            (-0.26, "-0.3"),
            (0.05, "0.1"),
            (-12.0, "-12"),
            (0.0, "0"),
            (1234567.0, "1234567"),
            (9.96, "10"),
        ] {
            assert_eq!(num(v), want, "{v}");
        }
    }

    #[test]
    fn single_values_are_bars_without_a_step_axis() {
        let bars = [
            Bar { label: "a".into(), colour: PALETTE[0], value: Some(0.9) },
            Bar { label: "b".into(), colour: PALETTE[1], value: None },
            Bar { label: "c".into(), colour: PALETTE[2], value: Some(-0.2) },
        ];
        let svg = super::bars("acc", &bars);
        assert_eq!(svg.matches("class=\"bar\"").count(), 2);
        assert!(!svg.contains(">step<"));
        assert!(svg.contains(">0.9<") && svg.contains(">-0.2<"), "{svg}");
    }

    #[test]
    fn the_same_input_gives_the_same_bytes() {
        assert_eq!(render("a", XAxis::Step, &[line(5000)]).svg, render("a", XAxis::Step, &[line(5000)]).svg);
    }
}
