//! The report's script, `assets/report.js`: the files of `src/report/js/`, one concern each,
//! joined in load order into the one file the pages load (one request, and the strict
//! Content-Security-Policy allows only scripts of the site). The bytes are fixed at build time.
//!
//! `format.js` and `ticks.js` repeat in the browser what `format.rs` and `scale.rs` do in Rust,
//! for the charts and columns made on the page; the test below runs them in node against a
//! table of cases computed by the Rust functions.

/// The script, in load order: each file uses what the files before it add to `gitExp`.
pub const REPORT_JS: &str = concat!(
    include_str!("js/core.js"),
    include_str!("js/format.js"),
    include_str!("js/ticks.js"),
    include_str!("js/filter.js"),
    include_str!("js/charts.js"),
    include_str!("js/pages.js"),
    include_str!("js/table.js"),
    include_str!("js/compare.js"),
    include_str!("js/sweep_metric.js"),
    include_str!("js/sweep.js"),
    include_str!("js/tools.js"),
    include_str!("js/media.js"),
    include_str!("js/live.js"),
    include_str!("js/main.js"),
);

#[cfg(test)]
mod tests {
    use std::process::Command;

    use serde_json::{Value, json};

    use super::super::{format, scale};

    /// A float as JSON text that JavaScript's `Number()` reads back to the same value: Rust's
    /// shortest round-trip form, and JavaScript's names for the non-finite values.
    fn float(v: f64) -> Value {
        let text = if v.is_nan() {
            "NaN".to_owned()
        } else if v.is_infinite() {
            if v > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
        } else {
            format!("{v:?}")
        };
        Value::String(text)
    }

    fn ticks((ticks, step): (Vec<f64>, f64)) -> Value {
        json!({ "ticks": ticks.into_iter().map(float).collect::<Vec<_>>(), "step": float(step) })
    }

    /// Values that probe every branch: signs, zero, the non-finite, exponents at both ends,
    /// the edges of the fixed-point range, exact ties (Rust rounds them to even, JavaScript's
    /// toFixed up), and binary noise.
    fn numbers() -> Vec<f64> {
        #[rustfmt::skip] // a table, read across
        let mut values = vec![
            0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 0.30000000000000004, 1.0 / 3.0, -2.0 / 3.0,
            0.331665637, 20.0, 123456.789, 1e-7, 1.147e-6, -1.147e-6, 1e-4, 9.9999e-5, 0.000123456789,
            999999.5, 1000.125, 2.5, 0.125, -0.125, 1.0005, 12345.65, 1e9, 999999999.5, 1.5e9,
            123456789012.0, 1e15, 1e15 + 0.5, 1.234565e20, 1e21, 1e22, 1e100, -1e100, 1.7976931348623157e308,
            5e-324, 2.2250738585072014e-308, 1e-300, 0.5, 1.5, -2.5, std::f64::consts::PI, std::f64::consts::E,
            f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::EPSILON, 4503599627370495.5, 9007199254740994.0,
        ];
        // Powers of ten and their neighbours, where log10 and pow decide a branch.
        for e in -12..=22 {
            let p: f64 = format!("1e{e}").parse().expect("a literal float parses");
            values.extend([p, p * 1.5, -p * 2.5, p * (1.0 - f64::EPSILON), p * (1.0 + f64::EPSILON)]);
        }
        values
    }

    /// The ranges charts meet: several magnitudes, negative, crossing zero, empty, tiny spans
    /// on large values, and the degenerate ones of untrusted data.
    fn ranges() -> Vec<(f64, f64)> {
        #[rustfmt::skip] // a table, read across
        let mut ranges = vec![
            (0.0, 1.0), (0.33, 0.38), (0.0, 999.0), (5.0, 5.0), (-3.0, 7.0), (-1e-6, 1e-6), (0.0, 0.0),
            (-50.0, -10.0), (1e6, 1.2e6), (1234.5, 1234.6), (1e16, 1e16 + 4.0), (1e-300, 1e-299),
            (0.0, 5e-324), (0.1, 0.7), (0.0, 1e15), (2e9, 9e9), (0.0, 2.5), (0.9999, 1.0001),
            (0.0, 86400.0 * 400.0), (0.0, 0.4), (3.0, 1.0), (f64::NAN, 1.0), (0.0, f64::INFINITY),
        ];
        for e in -9..=12 {
            let p = 10f64.powi(e);
            ranges.extend([(0.0, p), (p, 7.3 * p), (-p * 3.0, p * 11.0)]);
        }
        ranges
    }

    fn cases() -> Value {
        let formatted: Vec<Value> =
            numbers().into_iter().map(|v| json!({ "v": float(v), "want": format::number(v) })).collect();
        let fixed: Vec<Value> = numbers()
            .into_iter()
            .flat_map(|v| {
                [0usize, 1, 2, 5].map(|places| {
                    json!({ "v": float(v), "places": places, "want": format!("{v:.places$}"),
                            "exp": format!("{v:.places$e}") })
                })
            })
            .collect();
        let mut nice = Vec::new();
        let mut labels = Vec::new();
        for (lo, hi) in ranges() {
            for target in [1, 5, 6] {
                let (ticks_, step) = scale::nice_ticks(lo, hi, target);
                nice.push(json!({ "lo": float(lo), "hi": float(hi), "target": target,
                                  "want": ticks((ticks_.clone(), step)),
                                  "time": ticks(scale::time_ticks(lo, hi, target)) }));
                for t in ticks_.iter().chain([lo, hi].iter()) {
                    labels.push(json!({ "v": float(*t), "step": float(step), "want": scale::tick_label(*t, step) }));
                }
            }
        }
        #[rustfmt::skip] // a table, read across
        let seconds = [
            0.0, 0.4, -0.4, 0.05, 0.96, 1.0, 1.5, 2.5, -2.5, 45.0, 59.6, 60.0, 90.0, 3599.5, 3600.0, 3661.0,
            86399.0, 86400.0, 90061.0, 604800.0, 1e7, -3725.0, 1e20, -1e20, f64::NAN, f64::INFINITY,
        ];
        let times: Vec<Value> =
            seconds.iter().map(|s| json!({ "v": float(*s), "want": scale::time_label(*s) })).collect();
        json!({ "number": formatted, "fixed": fixed, "nice": nice, "label": labels, "time": times })
    }

    /// The JavaScript number formatting and axis ticks give the Rust results, case by case.
    #[test]
    fn javascript_formats_and_ticks_like_rust() {
        let dir = tempfile::tempdir().expect("a temporary directory can be made");
        let table = dir.path().join("cases.json");
        std::fs::write(&table, cases().to_string()).expect("the temporary directory is writable");
        let check = concat!(env!("CARGO_MANIFEST_DIR"), "/src/report/js/test/parity.js");
        let out = match Command::new("node").arg(check).arg(&table).output() {
            Ok(out) => out,
            Err(e) => {
                // As tests/cli/common `missing_tool`: with CI set, a missing tool fails the test.
                assert!(std::env::var_os("CI").is_none(), "node cannot run ({e}), and CI is set");
                eprintln!("SKIPPED javascript_formats_and_ticks_like_rust: node cannot run ({e})");
                return;
            }
        };
        let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "report.js differs from the Rust side:\n{report}");
        assert!(report.contains(" cases agree"), "the checker ran no cases:\n{report}");
    }

    #[test]
    fn the_script_is_the_files_in_order() {
        assert!(super::REPORT_JS.starts_with("// git-exp report"));
        let core = super::REPORT_JS.find("gitExp.setRuns = ").expect("core.js is included");
        let main = super::REPORT_JS.find("DOMContentLoaded").expect("main.js is included");
        assert!(core < main);
        assert!(super::REPORT_JS.lines().all(|l| l.chars().count() <= 100), "a line of report.js is over 100");
    }
}
