//! Values of fields (borrowed from a run, never copied when not needed) and literals as
//! written in an expression, with every reading of them worked out once at parse time.

use std::borrow::Cow;
use std::cmp::Ordering;

use jiff::{Span, Timestamp, ToSpan as _, tz::TimeZone};

/// The value of a field in one run.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// The run has no such value (no such param, a run that has not ended, no tags).
    Missing,
    Text(Cow<'a, str>),
    /// A whole number as recorded (an integer param, an exit code): JSON and CSV print it
    /// without a fraction, as the run's own record does.
    Integer(i64),
    /// A float (metrics are floats): JSON and CSV keep it a float, `1.0` stays `1.0`.
    Number(f64),
    Bool(bool),
    Time(Timestamp),
    /// Seconds.
    Duration(f64),
    /// Tags, GPUs.
    Strings(&'a [String]),
    /// An array param.
    Array(&'a [toml::Value]),
    /// A table param that was not flattened further.
    Table(&'a toml::Table),
    /// In `--fail-if`: run B's value minus run A's, and that change relative to A's value.
    Delta {
        abs: f64,
        rel: Option<f64>,
    },
}

impl<'a> Value<'a> {
    /// Converts a TOML param value without copying strings.
    pub fn from_toml(value: &'a toml::Value) -> Self {
        match value {
            toml::Value::String(s) => Value::Text(Cow::Borrowed(s)),
            toml::Value::Integer(i) => Value::Integer(*i),
            toml::Value::Float(f) => Value::Number(*f),
            toml::Value::Boolean(b) => Value::Bool(*b),
            toml::Value::Datetime(d) => Value::Text(Cow::Owned(d.to_string())),
            toml::Value::Array(items) => Value::Array(items),
            toml::Value::Table(table) => Value::Table(table),
        }
    }

    /// The value as a number, integer or float, for comparing and picking.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Integer(i) => Some(*i as f64),
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    /// Calls `each` on every element of a list value, or on the value itself, until it
    /// returns true.
    pub fn any_element(&self, mut each: impl FnMut(&Value<'_>) -> bool) -> bool {
        match self {
            Value::Strings(items) => items.iter().any(|s| each(&Value::Text(Cow::Borrowed(s)))),
            Value::Array(items) => items.iter().any(|v| each(&Value::from_toml(v))),
            other => each(other),
        }
    }

    /// Orders values for `--sort`: numbers, times and durations by value, text by bytes, then
    /// by kind; NaN after every number. Missing values are placed by the caller.
    pub fn sort_cmp(&self, other: &Value<'_>) -> Ordering {
        match (self, other) {
            (Value::Integer(a), Value::Integer(b)) => a.cmp(b),
            (Value::Integer(_) | Value::Number(_), Value::Integer(_) | Value::Number(_)) => {
                nan_last(self.as_number().unwrap_or(f64::NAN), other.as_number().unwrap_or(f64::NAN))
            }
            (Value::Duration(a), Value::Duration(b)) => nan_last(*a, *b),
            (Value::Delta { abs: a, .. }, Value::Delta { abs: b, .. }) => nan_last(*a, *b),
            (Value::Time(a), Value::Time(b)) => a.cmp(b),
            (Value::Text(a), Value::Text(b)) => a.cmp(b),
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Strings(a), Value::Strings(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Value::Integer(_) | Value::Number(_) | Value::Duration(_) | Value::Delta { .. } => 0,
            Value::Time(_) => 1,
            Value::Bool(_) => 2,
            Value::Text(_) => 3,
            Value::Strings(_) | Value::Array(_) => 4,
            Value::Table(_) => 5,
            Value::Missing => 6,
        }
    }
}

fn nan_last(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => a.total_cmp(&b),
        (a_nan, b_nan) => a_nan.cmp(&b_nan),
    }
}

/// A point in time, or a whole day (a date without a time means the day, in local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start: Timestamp,
    /// Exclusive; equal to `start` for an instant.
    pub end: Timestamp,
}

/// A literal value as written, with each way it can be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    /// The text, without quotes.
    pub text: String,
    /// Quoted literals are text only: `"0.1"` never equals the number 0.1.
    pub quoted: bool,
    pub number: Option<f64>,
    pub boolean: Option<bool>,
    /// Seconds, from `90s`, `10m`, `1h30m`, `2d`, `1w`, `500ms`.
    pub duration: Option<f64>,
    pub time: Option<TimeRange>,
    /// Percent, from `+5%`, `-1.5%`.
    pub percent: Option<f64>,
}

impl Literal {
    /// Reads a bare word (`0.01`, `10m`, `2026-11-01`, `+5%`, `failed`) every way it can be
    /// read; dates are days in `tz`.
    pub fn bare(text: &str, tz: &TimeZone) -> Self {
        let percent = text.strip_suffix('%').and_then(parse_number);
        Self {
            text: text.to_owned(),
            quoted: false,
            number: parse_number(text),
            boolean: match text {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            duration: parse_duration(text),
            time: parse_time(text, tz),
            percent,
        }
    }

    pub fn quoted(text: String) -> Self {
        Self { text, quoted: true, number: None, boolean: None, duration: None, time: None, percent: None }
    }

    /// `7d ago`: the instant that long before `now`.
    pub fn ago(&mut self, now: Timestamp) -> bool {
        let Some(seconds) = self.duration else { return false };
        let Some(instant) = before(now, seconds) else { return false };
        self.time = Some(TimeRange { start: instant, end: instant });
        self.text = format!("{} ago", self.text);
        self.number = None;
        self.duration = None;
        true
    }
}

fn before(now: Timestamp, seconds: f64) -> Option<Timestamp> {
    let millis = (seconds * 1000.0).round();
    if !millis.is_finite() || millis.abs() > 1e15 {
        return None;
    }
    now.checked_sub((millis as i64).milliseconds()).ok()
}

/// Parses a number the way a person writes one: `0.01`, `-3`, `+5`, `1e-4`, `inf`, `nan`.
pub fn parse_number(text: &str) -> Option<f64> {
    // Rust also reads `infinity` and `+nan`; keep to forms people use, and never read a word
    // like `Infinity` (a name, a tag) as a number by accident.
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let numeric = matches!(body, "inf" | "nan")
        || (body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
            && body.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_')));
    if !numeric {
        return None;
    }
    body.replace('_', "").parse::<f64>().ok().map(|v| if text.starts_with('-') { -v } else { v })
}

/// Parses a duration: one or more `<number><unit>` parts with units `ms s m h d w`
/// (`90s`, `10m`, `1h30m`, `1.5h`, `2d`), optionally signed. Returns seconds.
pub fn parse_duration(text: &str) -> Option<f64> {
    let (sign, body) = match text.as_bytes().first() {
        Some(b'-') => (-1.0, &text[1..]),
        Some(b'+') => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    if body.is_empty() {
        return None;
    }
    let mut total = 0.0;
    let mut rest = body;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let amount: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "w" => 7.0 * 86400.0,
            _ => return None,
        };
        total += amount * seconds;
        rest = &rest[unit_len..];
    }
    Some(sign * total)
}

/// Parses `2026-11-01` (that whole day in `tz`), `2026-11-01T10:00[:00]` (in `tz`) or an
/// RFC 3339 instant (`2026-11-01T10:00:00Z`, `…+02:00`).
pub fn parse_time(text: &str, tz: &TimeZone) -> Option<TimeRange> {
    if !text.starts_with(|c: char| c.is_ascii_digit()) || !text.contains('-') {
        return None;
    }
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Some(TimeRange { start: instant, end: instant });
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>()
        && text.len() <= 10
    {
        let start = date.to_zoned(tz.clone()).ok()?;
        let end = start.checked_add(Span::new().days(1)).ok()?;
        return Some(TimeRange { start: start.timestamp(), end: end.timestamp() });
    }
    let civil = text.parse::<jiff::civil::DateTime>().ok()?;
    let instant = civil.to_zoned(tz.clone()).ok()?.timestamp();
    Some(TimeRange { start: instant, end: instant })
}

/// Formats a number for people: six significant digits, the exponent kept (`format::number`).
pub fn format_number(v: f64) -> String {
    crate::format::number(v)
}

/// Formats a number for machines (csv): the shortest text that reads back as the same f64.
pub fn format_number_exact(v: f64) -> String {
    if v.is_finite() { format!("{v}") } else { crate::store::record::float::name(v).to_owned() }
}

/// Formats an instant for people, to the minute, in `tz`: `2026-11-23 10:05`.
pub fn format_time(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let cases: &[(&str, Option<f64>)] = &[
            ("0.01", Some(0.01)),
            ("-3", Some(-3.0)),
            ("+5", Some(5.0)),
            ("1e-4", Some(1e-4)),
            ("1_000", Some(1000.0)),
            (".5", Some(0.5)),
            ("-inf", Some(f64::NEG_INFINITY)),
            ("10m", None),
            ("2026-11-01", None),
            ("Infinity", None),
            ("abc", None),
            ("-", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_number(text), *expected, "{text}");
        }
    }

    #[test]
    fn durations() {
        let cases: &[(&str, Option<f64>)] = &[
            ("90s", Some(90.0)),
            ("10m", Some(600.0)),
            ("1h30m", Some(5400.0)),
            ("1.5h", Some(5400.0)),
            ("2d", Some(172800.0)),
            ("1w", Some(604800.0)),
            ("500ms", Some(0.5)),
            ("-5m", Some(-300.0)),
            ("+5m", Some(300.0)),
            ("10", None),
            ("m", None),
            ("10x", None),
            ("1h30", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration(text), *expected, "{text}");
        }
    }

    #[test]
    fn times() {
        let tz = TimeZone::UTC;
        let day = parse_time("2026-11-01", &tz).expect("date");
        assert_eq!(day.start.to_string(), "2026-11-01T00:00:00Z");
        assert_eq!(day.end.to_string(), "2026-11-02T00:00:00Z");
        let instant = parse_time("2026-11-01T10:30:00Z", &tz).expect("instant");
        assert_eq!((instant.start, instant.end), (instant.start, instant.start));
        assert_eq!(parse_time("2026-11-01T10:30", &tz).expect("civil").start.to_string(), "2026-11-01T10:30:00Z");
        let berlin = TimeZone::get("Europe/Berlin").expect("tzdb has Berlin");
        assert_eq!(parse_time("2026-11-01", &berlin).expect("date").start.to_string(), "2026-10-31T23:00:00Z");
        assert_eq!(parse_time("10m", &tz), None);
        assert_eq!(parse_time("2026-13-01", &tz), None);
    }

    #[test]
    fn ago_is_relative_to_now() {
        let now: Timestamp = "2026-11-23T10:00:00Z".parse().expect("time");
        let mut lit = Literal::bare("7d", &TimeZone::UTC);
        assert!(lit.ago(now));
        assert_eq!(lit.time.map(|t| t.start.to_string()), Some("2026-11-16T10:00:00Z".into()));
        let mut not_duration = Literal::bare("abc", &TimeZone::UTC);
        assert!(!not_duration.ago(now));
    }

    #[test]
    fn formatting() {
        let numbers: &[(f64, &str)] = &[
            (0.1, "0.1"),
            (3.0, "3"),
            (-2.0, "-2"),
            (0.912345678, "0.912346"),
            (1234.56789, "1234.57"),
            (0.00012345, "0.00012345"),
            (1.5e-7, "1.5e-7"),
            (2.5e16, "2.5e16"),
            (123456789012.0, "123456789012"),
            (1234567890.5, "1.23457e9"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (v, expected) in numbers {
            assert_eq!(format_number(*v), *expected, "{v}");
        }
        assert_eq!(format_number_exact(0.1 + 0.2), "0.30000000000000004");
        let durations: &[(f64, &str)] = &[
            (0.85, "850ms"),
            (42.0, "42s"),
            (312.4, "5m12s"),
            (3720.0, "1h02m"),
            (273600.0, "3d04h"),
            (-90.0, "-1m30s"),
        ];
        for (v, expected) in durations {
            assert_eq!(crate::format::duration(*v), *expected, "{v}");
        }
    }

    #[test]
    fn sort_order_puts_nan_after_numbers() {
        let mut values = [Value::Number(f64::NAN), Value::Number(2.0), Value::Text("a".into()), Value::Number(1.0)];
        values.sort_by(Value::sort_cmp);
        assert_eq!(values[0], Value::Number(1.0));
        assert_eq!(values[1], Value::Number(2.0));
        assert!(matches!(values[2], Value::Number(n) if n.is_nan()));
    }
}
