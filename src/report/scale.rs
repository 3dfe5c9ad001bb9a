//! Axis scales: "nice" tick positions (1, 2 or 5 times a power of ten; whole seconds, minutes
//! and hours for elapsed time) and their labels.

/// Returns about `target` evenly spaced ticks covering `lo..=hi`, and the step between them.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 1.0, lo + 1.0) };
    let raw = (hi - lo) / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    ticks_with_step(lo, hi, step)
}

/// Ticks for elapsed seconds: steps of whole seconds, minutes, hours or days.
pub fn time_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    const STEPS: [f64; 20] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0,
        43200.0, 86400.0, 172_800.0, 604_800.0,
    ];
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let raw = (hi - lo) / target.max(1) as f64;
    match STEPS.iter().find(|s| **s >= raw) {
        Some(step) if raw >= 1.0 => ticks_with_step(lo, hi, *step),
        Some(_) => nice_ticks(lo, hi, target),
        None => {
            let (ticks, step) = nice_ticks(lo / 86400.0, hi / 86400.0, target);
            (ticks.into_iter().map(|t| t * 86400.0).collect(), step * 86400.0)
        }
    }
}

/// Ticks at the multiples of `step` within `lo..=hi`.
pub fn ticks_with_step(lo: f64, hi: f64, step: f64) -> (Vec<f64>, f64) {
    // A hair of tolerance: ends computed as k * step must count as ticks.
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    // Multiplying the index (rather than adding the step) keeps 0.1 * 3 from drifting far.
    let ticks = (first..=last).take(100).map(|k| clean(k as f64 * step)).collect();
    (ticks, step)
}

/// Rounds away binary noise (0.30000000000000004 → 0.3).
fn clean(v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let digits = 12 - v.abs().log10().ceil() as i32;
    let factor = 10f64.powi(digits.clamp(-300, 300));
    (v * factor).round() / factor
}

/// Formats a tick value given the step between ticks: as many decimals as the step needs,
/// thousands as `k`, millions as `M`, tiny or huge values in exponent form.
pub fn tick_label(v: f64, step: f64) -> String {
    let abs = v.abs();
    if v == 0.0 {
        return "0".into();
    }
    if !(1e-4..1e15).contains(&abs) {
        return trim_exponent(&format!("{v:.1e}"));
    }
    for (div, suffix) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] {
        if abs >= div && step >= div / 100.0 {
            return format!("{}{suffix}", decimals(v / div, step / div));
        }
    }
    decimals(v, step)
}

fn decimals(v: f64, step: f64) -> String {
    let places = if step >= 1.0 { 0 } else { (-step.log10().floor()) as usize + usize::from(is_half(step)) };
    let text = format!("{v:.places$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}

/// Steps like 0.25 need one more decimal than their magnitude says.
fn is_half(step: f64) -> bool {
    let m = step / 10f64.powf(step.log10().floor());
    (m - 2.5).abs() < 1e-9
}

fn trim_exponent(text: &str) -> String {
    // `1.0e-5` → `1e-5`
    match text.split_once('e') {
        Some((mantissa, exp)) => format!("{}e{exp}", mantissa.trim_end_matches('0').trim_end_matches('.')),
        None => text.to_owned(),
    }
}

/// Formats elapsed seconds for a time axis (`0`, `45s`, `2m`, `1m30s`, `3h`, `2d`).
pub fn time_label(seconds: f64) -> String {
    let s = seconds.round() as i64;
    if seconds.abs() < 1.0 && seconds != 0.0 {
        return format!("{seconds:.1}s");
    }
    let (d, h, m, sec) = (s / 86400, (s % 86400) / 3600, (s % 3600) / 60, s % 60);
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "m"), (sec, "s")]
        .iter()
        .filter(|(n, _)| *n != 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if parts.is_empty() { "0".into() } else { parts.join("") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers() {
        assert_eq!(nice_ticks(0.0, 1.0, 5).0, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(nice_ticks(0.33, 0.38, 5).0, vec![0.33, 0.34, 0.35, 0.36, 0.37, 0.38]);
        assert_eq!(nice_ticks(0.0, 999.0, 6).0, vec![0.0, 200.0, 400.0, 600.0, 800.0]);
        assert_eq!(nice_ticks(5.0, 5.0, 4).0, vec![4.0, 4.5, 5.0, 5.5, 6.0]);
        assert_eq!(time_ticks(0.0, 600.0, 5).0, vec![0.0, 120.0, 240.0, 360.0, 480.0, 600.0]);
    }

    #[test]
    fn labels_fit_the_step() {
        let cases = [
            (0.3, 0.1, "0.3"),
            (0.35, 0.05, "0.35"),
            (0.25, 0.25, "0.25"),
            (1500.0, 500.0, "1.5k"),
            (2_000_000.0, 1_000_000.0, "2M"),
            (200.0, 100.0, "200"),
            (0.00002, 0.00001, "2e-5"),
            (-1.0, 0.5, "-1"),
        ];
        for (v, step, want) in cases {
            assert_eq!(tick_label(v, step), want, "{v} by {step}");
        }
        assert_eq!(time_label(90.0), "1m30s");
        assert_eq!(time_label(3600.0), "1h");
        assert_eq!(time_label(0.0), "0");
    }
}
