//! How the report writes numbers, times and sizes for people. Sorting and CSV use the exact
//! values; these are for display only.

use jiff::Timestamp;

/// A number with six significant digits at most (integers whole, tiny or huge ones with an
/// exponent; NaN and infinities by name).
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return crate::store::record::float::name(v).to_owned();
    }
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-4..9).contains(&magnitude) {
        let text = format!("{v:.5e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        return format!("{}e{exponent}", trim_zeros(mantissa));
    }
    let decimals = (5 - magnitude).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_owned()
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { text }
}

/// The exact number, as it reads back (for `data-v` sort keys and CSV).
pub fn exact(v: f64) -> String {
    crate::capture::metrics::format_value(v)
}

/// A time in UTC to the second: the report must read the same wherever it was built.
pub fn time(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A duration in seconds: `850ms`, `42s`, `5m12s`, `1h02m`, `3d04h`.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return crate::store::record::float::name(seconds).to_owned();
    }
    if seconds < 1.0 {
        return format!("{}ms", (seconds * 1000.0).round());
    }
    let total = seconds.round() as u64;
    let (d, h, m, s) = (total / 86400, total / 3600 % 24, total / 60 % 60, total % 60);
    if d > 0 {
        format!("{d}d{h:02}h")
    } else if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        let cases = [
            (0.1, "0.1"),
            (0.331665637, "0.331666"),
            (20.0, "20"),
            (1e-7, "1e-7"),
            (f64::NAN, "nan"),
            (123456.789, "123457"),
        ];
        for (v, want) in cases {
            assert_eq!(number(v), want);
        }
        assert_eq!(duration(312.4), "5m12s");
        assert_eq!(duration(0.25), "250ms");
    }
}
