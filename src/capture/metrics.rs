//! The metrics protocol: JSON lines appended by the program (`{"step": 3, "loss": 0.4}`),
//! `key=value` numbers scraped from stdout, and system samples, gathered into per-key series
//! that are written as `metrics/<key>.csv` with a summary in `run.toml`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::format;
use crate::store::MetricSummary;
use crate::store::record::check_metric_key as check_key;

/// One metric series being collected.
#[derive(Debug, Default)]
struct Series {
    /// The CSV body (without header), built as points arrive so the end of a run only writes it.
    csv: String,
    count: u64,
    first_step: i64,
    last_step: i64,
    first: f64,
    last: f64,
    min: f64,
    max: f64,
    sum: f64,
    finite: u64,
}

impl Series {
    fn push(&mut self, step: i64, value: f64, time: f64) {
        if self.count == 0 {
            self.first_step = step;
            self.first = value;
            self.min = f64::NAN;
            self.max = f64::NAN;
        }
        self.count += 1;
        self.last_step = step;
        self.last = value;
        if !value.is_nan() {
            // NaN never wins a comparison, so the first real value replaces the NaN start.
            self.min = if self.min.is_nan() { value } else { self.min.min(value) };
            self.max = if self.max.is_nan() { value } else { self.max.max(value) };
        }
        if value.is_finite() {
            self.sum += value;
            self.finite += 1;
        }
        let _ = writeln!(self.csv, "{step},{},{time:.3}", format::exact(value));
    }

    fn summary(&self) -> MetricSummary {
        MetricSummary {
            count: self.count,
            first_step: self.first_step,
            last_step: self.last_step,
            first: self.first,
            last: self.last,
            min: self.min,
            max: self.max,
            mean: if self.finite == 0 { f64::NAN } else { self.sum / self.finite as f64 },
        }
    }
}

/// All series of a run, plus the count of lines that could not be used.
#[derive(Debug, Default)]
pub struct SeriesSet {
    series: BTreeMap<String, Series>,
    pub malformed: u64,
    /// The first problem seen, reported once at the end.
    pub first_problem: Option<String>,
}

impl SeriesSet {
    /// Adds one point; `step` defaults to the key's next step (last step + 1, or 0).
    pub fn add(&mut self, key: &str, step: Option<i64>, value: f64, time: f64) {
        let series = self.series.entry(key.to_owned()).or_default();
        let step = step.unwrap_or(if series.count == 0 { 0 } else { series.last_step.saturating_add(1) });
        series.push(step, value, time);
    }

    fn problem(&mut self, line_no: u64, message: String) {
        self.malformed += 1;
        if self.first_problem.is_none() {
            self.first_problem = Some(format!("line {line_no}: {message}"));
        }
    }

    /// Adds the points of one JSON line. `default_time` is used when the line has no `time`.
    /// Whatever is usable is kept; the rest is counted as one malformed line.
    pub fn add_json_line(&mut self, line: &[u8], line_no: u64, default_time: f64) {
        let line = line.trim_ascii();
        if line.is_empty() {
            return;
        }
        let parsed = match parse_line(line) {
            Ok(parsed) => parsed,
            Err(message) => return self.problem(line_no, message),
        };
        let time = parsed.time.unwrap_or(default_time);
        let mut problems = Vec::new();
        for (key, value) in parsed.values {
            match (check_key(&key), value) {
                (Err(message), _) => problems.push(message),
                (Ok(()), Value::Number(v)) => self.add(&key, parsed.step, v, time),
                (Ok(()), Value::Other(kind)) => problems.push(format!("`{key}` is {kind}, not a number")),
            }
        }
        if let Some(message) = parsed.problem {
            problems.insert(0, message);
        }
        if !problems.is_empty() {
            self.problem(line_no, problems.join("; "));
        }
    }

    /// Adds `key=value` / `key: value` numbers found in a line of output.
    pub fn add_scraped_line(&mut self, line: &str, time: f64) -> Vec<(String, f64)> {
        let found = scrape(line);
        for (key, value) in &found {
            self.add(key, None, *value, time);
        }
        found
    }

    /// `(key, csv file content)` for every series.
    pub fn files(&self) -> impl Iterator<Item = (&str, String)> {
        self.series.iter().map(|(key, s)| {
            let mut text = String::with_capacity(s.csv.len() + 16);
            text.push_str("step,value,time\n");
            text.push_str(&s.csv);
            (key.as_str(), text)
        })
    }

    pub fn summaries(&self) -> BTreeMap<String, MetricSummary> {
        self.series.iter().map(|(k, s)| (k.clone(), s.summary())).collect()
    }
}

enum Value {
    Number(f64),
    /// Not usable as a metric value; says what it was.
    Other(&'static str),
}

struct Line {
    step: Option<i64>,
    time: Option<f64>,
    values: Vec<(String, Value)>,
    problem: Option<String>,
}

/// Parses a metrics line. Python's `json.dumps` writes `NaN` and `Infinity`, which are not JSON;
/// they are accepted as well as the strings `"nan"`, `"inf"` and `"-inf"`.
/// The step and the usable values of one metrics line (`{"step": 3, "loss": 0.4}`), for
/// following a run live (`capture::live`): a malformed line or value gives nothing, as the
/// recorder would keep nothing of it.
pub fn line_values(line: &[u8]) -> (Option<i64>, Vec<(String, f64)>) {
    let Ok(parsed) = parse_line(line.trim_ascii()) else { return (None, Vec::new()) };
    let values = parsed
        .values
        .into_iter()
        .filter_map(|(key, value)| match value {
            Value::Number(v) if check_key(&key).is_ok() => Some((key, v)),
            _ => None,
        })
        .collect();
    (parsed.step, values)
}

fn parse_line(line: &[u8]) -> Result<Line, String> {
    match serde_json::from_slice::<Line>(line) {
        Ok(parsed) => Ok(parsed),
        Err(first) => {
            let text = String::from_utf8_lossy(line);
            if text.contains("NaN") || text.contains("Infinity") {
                let fixed =
                    text.replace("-Infinity", "\"-inf\"").replace("Infinity", "\"inf\"").replace("NaN", "\"nan\"");
                if let Ok(parsed) = serde_json::from_str::<Line>(&fixed) {
                    return Ok(parsed);
                }
            }
            Err(match first.classify() {
                serde_json::error::Category::Data => "not a JSON object".to_owned(),
                _ => format!("invalid JSON ({})", strip_position(&first.to_string())),
            })
        }
    }
}

fn strip_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

impl<'de> serde::Deserialize<'de> for Line {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(LineVisitor)
    }
}

struct LineVisitor;

impl<'de> Visitor<'de> for LineVisitor {
    type Value = Line;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Line, A::Error> {
        let mut line = Line { step: None, time: None, values: Vec::new(), problem: None };
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let value: AnyValue = map.next_value()?;
            match key.as_ref() {
                "step" => match value {
                    AnyValue::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => line.step = Some(n as i64),
                    _ => line.problem = Some("`step` must be a whole number".into()),
                },
                "time" => match value {
                    AnyValue::Number(n) if n.is_finite() => line.time = Some(n),
                    _ => line.problem = Some("`time` must be Unix seconds".into()),
                },
                _ => line.values.push((
                    key.into_owned(),
                    match value {
                        AnyValue::Number(n) => Value::Number(n),
                        AnyValue::Other(kind) => Value::Other(kind),
                    },
                )),
            }
        }
        Ok(line)
    }
}

/// A JSON value reduced to what matters here, without allocating for nested data.
enum AnyValue {
    Number(f64),
    Other(&'static str),
}

impl<'de> serde::Deserialize<'de> for AnyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AnyValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a value")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<AnyValue, E> {
                Ok(AnyValue::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<AnyValue, E> {
                Ok(AnyValue::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<AnyValue, E> {
                Ok(AnyValue::Number(v as f64))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<AnyValue, E> {
                Ok(AnyValue::Other("a boolean"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<AnyValue, E> {
                Ok(AnyValue::Other("null"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AnyValue, E> {
                Ok(match v {
                    "nan" | "NaN" => AnyValue::Number(f64::NAN),
                    "inf" | "Infinity" => AnyValue::Number(f64::INFINITY),
                    "-inf" | "-Infinity" => AnyValue::Number(f64::NEG_INFINITY),
                    _ => AnyValue::Other("a string"),
                })
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<AnyValue, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(AnyValue::Other("a list"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyValue, A::Error> {
                while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
                Ok(AnyValue::Other("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

/// Finds `key=value` and `key: value` numbers in a line of output.
pub fn scrape(line: &str) -> Vec<(String, f64)> {
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    // A constant pattern, compiled by the `scraping` unit test: it cannot fail at run time.
    let pattern = PATTERN.get_or_init(|| {
        regex::Regex::new(
            r"(?:^|[\s,;(\[{|])([A-Za-z_][A-Za-z0-9_./\-]*)\s*[:=]\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf|-inf)(?:$|[\s,;)\]}|%])",
        )
        .expect("the scrape pattern is a valid regex")
    });
    let mut found = Vec::new();
    let mut at = 0;
    // Separators are shared between neighbours (`a=1 b=2`), so search again from each value's end.
    while let Some(caps) = pattern.captures_at(line, at) {
        let (Some(key), Some(value)) = (caps.get(1), caps.get(2)) else {
            break;
        };
        at = value.end();
        let key = key.as_str().trim_end_matches(['.', '/', '-']);
        let number = match value.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            text => match text.parse() {
                Ok(n) => n,
                Err(_) => continue,
            },
        };
        if check_key(key).is_ok() {
            found.push((key.to_owned(), number));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(lines: &[&str]) -> SeriesSet {
        let mut set = SeriesSet::default();
        for (i, line) in lines.iter().enumerate() {
            set.add_json_line(line.as_bytes(), i as u64 + 1, 100.0);
        }
        set
    }

    #[test]
    fn steps_default_per_key_and_values_keep_non_finite() {
        let set = collect(&[
            r#"{"loss": 1.0, "acc": 0.5}"#,
            r#"{"loss": 0.5}"#,
            r#"{"step": 10, "loss": NaN, "time": 5.25}"#,
            r#"{"loss": "-inf"}"#,
        ]);
        assert_eq!(set.malformed, 0, "{:?}", set.first_problem);
        let files: BTreeMap<_, _> = set.files().collect();
        assert_eq!(files["loss"], "step,value,time\n0,1,100.000\n1,0.5,100.000\n10,nan,5.250\n11,-inf,100.000\n");
        let loss = set.summaries()["loss"];
        assert_eq!((loss.count, loss.first_step, loss.last_step), (4, 0, 11));
        assert_eq!((loss.min, loss.max, loss.mean), (f64::NEG_INFINITY, 1.0, 0.75));
        assert_eq!(set.summaries()["acc"].count, 1);
    }

    #[test]
    fn malformed_lines_are_counted_and_good_values_kept() {
        let set = collect(&[
            "not json",
            "[1, 2]",
            r#"{"loss": "high", "acc": 0.9}"#,
            r#"{"bad key!": 1}"#,
            r#"{"step": 1.5, "x": 1}"#,
            "",
        ]);
        assert_eq!(set.malformed, 5);
        assert_eq!(set.first_problem.as_deref(), Some("line 1: invalid JSON (expected ident)"));
        assert_eq!(set.summaries().keys().collect::<Vec<_>>(), ["acc", "x"]);
    }

    #[test]
    fn scraping() {
        assert_eq!(
            scrape("epoch 3: loss=0.25 acc: 0.9, lr=1e-3 step=7"),
            vec![("loss".into(), 0.25), ("acc".into(), 0.9), ("lr".into(), 0.001), ("step".into(), 7.0)]
        );
        assert!(scrape("version=1.2.3 url=http://x").is_empty());
        assert!(scrape("time: 12:30").is_empty());
    }
}

/// Property tests: any line a program prints or writes to `$GIT_EXP_METRICS` is points or a
/// counted problem, never a panic; what is kept is a valid key with one CSV row per point.
#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::*;

    /// JSON-ish lines built from the parser's own pieces, plus arbitrary bytes.
    fn lines() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just("{"),
            Just("}"),
            Just("\"step\": "),
            Just("\"time\": "),
            Just("\"loss\": "),
            Just("\"a/b.c\": "),
            Just("\"../x\": "),
            Just("\"\": "),
            Just(", "),
            Just("NaN"),
            Just("-Infinity"),
            Just("\"inf\""),
            Just("9223372036854775807"),
            Just("-9223372036854775808"),
            Just("1e400"),
            Just("0.5"),
            Just("[1, {\"x\": 2}]"),
            Just("null"),
            Just("\"é\""),
        ];
        prop_oneof![
            proptest::collection::vec(piece, 0..16).prop_map(|p| p.concat().into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..64),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn json_lines_are_points_or_counted_problems(lines in proptest::collection::vec(lines(), 1..8)) {
            let mut set = SeriesSet::default();
            for (i, line) in lines.iter().enumerate() {
                set.add_json_line(line, i as u64 + 1, 1.0);
            }
            prop_assert!(set.malformed <= lines.len() as u64);
            prop_assert_eq!(set.malformed > 0, set.first_problem.is_some());
            for (key, csv) in set.files() {
                prop_assert!(check_key(key).is_ok(), "{key:?}");
                prop_assert!(csv.lines().skip(1).all(|row| row.split(',').count() == 3), "{csv:?}");
            }
            set.summaries();
        }

        #[test]
        fn scraped_lines_give_valid_keys(line in prop_oneof![
            "([a-z_./-]{0,6}[:=] ?[-+.0-9eE]{0,8}(nan|inf)?[ ,;%)]?){0,5}",
            any::<String>(),
        ]) {
            let mut set = SeriesSet::default();
            for (key, _) in set.add_scraped_line(&line, 0.0) {
                prop_assert!(check_key(&key).is_ok(), "{key:?} from {line:?}");
            }
        }
    }
}
