//! How the report writes numbers, times and sizes for people. Sorting and CSV use the exact
//! values; these are for display only.

use jiff::Timestamp;

/// Numbers and durations read as `ls` shows them.
pub use crate::format::duration;
pub use crate::query::format_number as number;

/// The exact number, as it reads back (for `data-v` sort keys and CSV).
pub fn exact(v: f64) -> String {
    crate::format::exact(v)
}

/// A time in UTC to the second: the report must read the same wherever it was built.
pub fn time(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
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
    }
}
