//! Formatting for people: numbers, durations, bytes and plurals, in one place so every human
//! output (terminal, markdown, HTML) agrees. JSON and CSV never go through the people formats:
//! they keep full precision and types, written by [`exact`].
//!
//! A leaf module: it depends on nothing else in the crate but the float names of the record format.

pub mod stored;

/// Significant digits shown for a number in human output.
pub const SIGNIFICANT: usize = 6;

/// Formats a number with at most `SIGNIFICANT` significant digits, keeping the exponent for very
/// small or very large values so `1.147e-6` never reads as `1.15`.
#[must_use]
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return crate::store::record::float::name(v).to_owned();
    }
    // Whole numbers (steps, counts, bytes) are shown whole: rounding 123456789 to 123457000
    // would be a different count.
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let exponent = v.abs().log10().floor() as i32;
    if !(-4..9).contains(&exponent) {
        let text = format!("{:.*e}", SIGNIFICANT - 1, v);
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        return format!("{}e{exp}", trim_zeros(mantissa));
    }
    let decimals = (SIGNIFICANT as i32 - 1 - exponent).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_owned()
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { text }
}

/// Writes a value so that it reads back exactly (`nan`, `inf`, `-inf` by name).
#[must_use]
pub fn exact(value: f64) -> String {
    if value.is_finite() {
        // Debug formatting of f64 is the shortest text that reads back to the same value.
        let mut buf = format!("{value:?}");
        if buf.ends_with(".0") {
            buf.truncate(buf.len() - 2);
        }
        buf
    } else {
        crate::store::record::float::name(value).to_owned()
    }
}

/// Writes a float so that it reads back exactly and still reads as a float: `1.0`, `0.1`,
/// `1e-7` (a CSV column of floats keeps its type when a value is whole).
pub fn exact_float(value: f64) -> String {
    if value.is_finite() {
        // Debug formatting is the shortest round-trip text, with `.0` on whole values.
        format!("{value:?}")
    } else {
        crate::store::record::float::name(value).to_owned()
    }
}

/// Formats seconds for people: `850ms`, `42s`, `5m12s`, `1h02m`, `3d04h`.
#[must_use]
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return crate::store::record::float::name(seconds).to_owned();
    }
    let sign = if seconds < 0.0 { "-" } else { "" };
    let s = seconds.abs();
    if s < 1.0 {
        return format!("{sign}{}ms", (s * 1000.0).round());
    }
    let total = s.round() as u64;
    let (d, h, m, sec) = (total / 86400, total / 3600 % 24, total / 60 % 60, total % 60);
    if d > 0 {
        format!("{sign}{d}d{h:02}h")
    } else if h > 0 {
        format!("{sign}{h}h{m:02}m")
    } else if m > 0 {
        format!("{sign}{m}m{sec:02}s")
    } else {
        format!("{sign}{sec}s")
    }
}

/// Formats a byte count in binary units: `512 B`, `1.5 KiB`, `3.0 GiB`.
#[must_use]
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// `1 artifact`, `2 artifacts`: a count with its noun, plural by adding `s` unless `plural` is given.
#[must_use]
pub fn count(n: usize, singular: &str, plural: Option<&str>) -> String {
    match (n, plural) {
        (1, _) => format!("1 {singular}"),
        (_, Some(plural)) => format!("{n} {plural}"),
        (_, None) => format!("{n} {singular}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_values_round_trip_through_text() {
        for v in [0.1, 1.0 / 3.0, 1e-300, 123456789.0, -2.5] {
            assert_eq!(exact(v).parse::<f64>().unwrap(), v);
        }
    }

    #[test]
    fn exact_floats_stay_floats() {
        assert_eq!(exact_float(1.0), "1.0");
        assert_eq!(exact_float(0.1), "0.1");
        assert_eq!(exact_float(1e-7), "1e-7");
        assert_eq!(exact_float(1.0 / 3.0).parse::<f64>().unwrap(), 1.0 / 3.0);
        assert_eq!(exact_float(f64::INFINITY), crate::store::record::float::name(f64::INFINITY));
    }

    #[test]
    fn small_numbers_keep_their_exponent() {
        assert_eq!(number(1.1470577e-6), "1.14706e-6");
        assert_eq!(number(-2.5e-9), "-2.5e-9");
        assert_eq!(number(3.0e20), "3e20");
        assert_eq!(number(1234567890.5), "1.23457e9");
    }

    #[test]
    fn numbers_keep_six_significant_digits() {
        assert_eq!(number(0.123456789), "0.123457");
        assert_eq!(number(12345.6789), "12345.7");
        assert_eq!(number(1.0), "1");
        assert_eq!(number(123456789.0), "123456789", "whole numbers are counts: shown whole");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(f64::NAN), crate::store::record::float::name(f64::NAN));
    }

    #[test]
    fn durations_pick_the_two_largest_units() {
        assert_eq!(duration(0.4), "400ms");
        assert_eq!(duration(42.0), "42s");
        assert_eq!(duration(312.0), "5m12s");
        assert_eq!(duration(3720.0), "1h02m");
        assert_eq!(duration(273600.0), "3d04h");
    }

    #[test]
    fn bytes_use_binary_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }

    #[test]
    fn counts_are_singular_only_for_one() {
        assert_eq!(count(1, "artifact", None), "1 artifact");
        assert_eq!(count(2, "artifact", None), "2 artifacts");
        assert_eq!(count(0, "run", None), "0 runs");
        assert_eq!(count(1, "series", Some("series")), "1 series");
    }
}
