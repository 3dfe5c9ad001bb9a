//! The metrics protocol: JSON lines appended by the program (`{"step": 3, "loss": 0.4}`),
//! `key=value` numbers scraped from stdout, and system samples, gathered into per-key series
//! that are written as `metrics/<key>.csv` with a summary in `run.toml`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::format;
use crate::store::MetricSummary;
#[cfg(test)]
use crate::store::record::check_metric_key as check_key;
use crate::store::record::normalise_metric_key;

/// The running rollups of one series, as a run's record keeps them: shared by the recorder and
/// the live follower (`capture::live`), so a live summary is the one the record will have.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rollup {
    pub count: u64,
    pub first_step: i64,
    pub last_step: i64,
    pub first: f64,
    pub last: f64,
    pub min: f64,
    pub max: f64,
    sum: f64,
    finite: u64,
}

impl Rollup {
    /// The step of a point: the one given, else the last step + 1 (0 for the first point).
    pub fn next_step(&self, step: Option<i64>) -> i64 {
        step.unwrap_or(if self.count == 0 { 0 } else { self.last_step.saturating_add(1) })
    }

    pub fn push(&mut self, step: i64, value: f64) {
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
    }

    pub fn summary(&self) -> MetricSummary {
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

/// One metric series being collected.
#[derive(Debug, Default)]
struct Series {
    /// The CSV body (without header), built as points arrive so the end of a run only writes it.
    csv: String,
    rollup: Rollup,
}

impl Series {
    fn push(&mut self, step: i64, value: f64, time: f64) {
        self.rollup.push(step, value);
        let _ = writeln!(self.csv, "{step},{},{time:.3}", format::exact(value));
    }
}

/// All series of a run, plus the count of lines that could not be used.
#[derive(Debug, Default)]
pub struct SeriesSet {
    series: BTreeMap<String, Series>,
    pub malformed: u64,
    /// The first problem seen, reported once at the end.
    pub first_problem: Option<String>,
    /// Keys already normalised (and warned about), as they were written.
    normalised: std::collections::BTreeSet<String>,
    /// No normalisation warning on stderr (`recover` replays lines already warned about).
    pub quiet: bool,
}

impl SeriesSet {
    /// Adds one point; `step` defaults to the key's next step (last step + 1, or 0).
    pub fn add(&mut self, key: &str, step: Option<i64>, value: f64, time: f64) {
        let series = self.series.entry(key.to_owned()).or_default();
        let step = series.rollup.next_step(step);
        series.push(step, value, time);
    }

    /// The key to record `raw` under (the shared rule, `normalise_metric_key`). The first time a
    /// key is changed, a warning goes to stderr at once, while the program still runs.
    fn key<'k>(&mut self, raw: &'k str) -> Result<std::borrow::Cow<'k, str>, String> {
        let key = normalise_metric_key(raw)?;
        // Bounded: a program inventing keys forever must not grow this set forever.
        if key != raw && self.normalised.len() < 10_000 && self.normalised.insert(raw.to_owned()) && !self.quiet {
            // Straight to stderr: this runs on the thread that tails the metrics file, which has
            // no `Ui`, and the warning is due now, not with the notices at the end. `{:?}` quotes
            // and escapes the key, so no control character reaches the terminal.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr().lock(), "git-exp: metric key {raw:?} recorded as {key:?}");
        }
        Ok(key)
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
            match (self.key(&key), value) {
                (Err(message), _) => problems.push(message),
                (Ok(name), Value::Number(v)) => self.add(&name, parsed.step, v, time),
                (Ok(_), Value::Other(kind)) => problems.push(format!("`{key}` is {kind}, not a number")),
            }
        }
        if let Some(message) = parsed.problem {
            problems.insert(0, message);
        }
        if !problems.is_empty() {
            self.problem(line_no, problems.join("; "));
        }
    }

    /// Adds the numbers found in a line of output (see [`scrape`]); returns them under the keys
    /// they were recorded as, with the step the line gave.
    pub fn add_scraped_line(&mut self, line: &str, time: f64) -> Scraped {
        let found = scrape(line);
        let mut kept = Vec::with_capacity(found.values.len());
        for (raw, value) in found.values {
            // Keys the rule cannot repair are not metrics (`--scrape` guesses; it never fails a run).
            let Ok(key) = self.key(&raw).map(std::borrow::Cow::into_owned) else {
                continue;
            };
            self.add(&key, found.step, value, time);
            kept.push((key, value));
        }
        Scraped { step: found.step, values: kept }
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
        self.series.iter().map(|(k, s)| (k.clone(), s.rollup.summary())).collect()
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

/// The step, the time and the usable values of one metrics line (`{"step": 3, "loss": 0.4}`),
/// for following a run live (`capture::live`): a malformed line or value gives nothing, as the
/// recorder would keep nothing of it.
pub fn line_values(line: &[u8]) -> (Option<i64>, Option<f64>, Vec<(String, f64)>) {
    let Ok(parsed) = parse_line(line.trim_ascii()) else { return (None, None, Vec::new()) };
    let values = parsed
        .values
        .into_iter()
        .filter_map(|(key, value)| match value {
            // Keys as the recorder keeps them: normalised by the shared rule.
            Value::Number(v) => normalise_metric_key(&key).ok().map(|key| (key.into_owned(), v)),
            _ => None,
        })
        .collect();
    (parsed.step, parsed.time.filter(|t| t.is_finite()), values)
}

/// Parses a metrics line. Python's `json.dumps` writes `NaN` and `Infinity`, which are not JSON;
/// they are accepted as well as the strings `"nan"`, `"inf"` and `"-inf"`.
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

/// Numbers found in a line of output, and the step the line names (Hugging Face's `'step'`).
#[derive(Debug, Default, PartialEq)]
pub struct Scraped {
    pub step: Option<i64>,
    pub values: Vec<(String, f64)>,
}

/// Finds metrics in a line of output: a Python dict repr on one line as the Hugging Face
/// Trainer prints it (`{'loss': 0.69, 'learning_rate': 5e-05, 'epoch': 1.0}`), else
/// `key=value` and `key: value` numbers (plain logs, and the postfix of tqdm and Lightning
/// progress bars: `Epoch 1: 100%|███| 10/10 [00:01<00:00, loss=0.3, v_num=0]`). Keys are as
/// written: the caller normalises them.
#[must_use]
pub fn scrape(line: &str) -> Scraped {
    if let Some(found) = scrape_dict(line) {
        return found;
    }
    let mut values = scrape_pairs(line);
    // Lightning's `v_num` is the logger's version number, not a metric.
    if is_progress_bar(line) {
        values.retain(|(k, _)| k != "v_num");
    }
    Scraped { step: None, values }
}

/// True for a tqdm-style progress line (`42%|████`), which redraws the same numbers often.
#[must_use]
pub fn is_progress_bar(line: &str) -> bool {
    line.find("%|").is_some_and(|at| line[..at].ends_with(|c: char| c.is_ascii_digit()))
}

/// A number as Python and most loggers print it, or `nan`/`inf`/`-inf`.
const NUMBER: &str = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf|-inf";

fn parse_number(text: &str) -> Option<f64> {
    match text {
        "nan" => Some(f64::NAN),
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        text => text.parse().ok(),
    }
}

/// A one-line Python dict repr with single-quoted keys; `None` for any other line. Non-numeric
/// values are skipped; a whole-number `'step'` becomes the line's step.
fn scrape_dict(line: &str) -> Option<Scraped> {
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let body = line.trim();
    let start = body.find("{'")?;
    if !body.ends_with('}') {
        return None;
    }
    // A constant pattern, compiled by the `scraping` unit tests: it cannot fail at run time.
    let pattern = PATTERN.get_or_init(|| {
        regex::Regex::new(&format!(r"'([^'\\]{{1,200}})'\s*:\s*({NUMBER})\s*[,}}]"))
            .expect("the dict scrape pattern is a valid regex")
    });
    let mut found = Scraped::default();
    for caps in pattern.captures_iter(&body[start..]) {
        let (Some(key), Some(value)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        let Some(number) = parse_number(value.as_str()) else {
            continue;
        };
        if key.as_str() == "step" && number.fract() == 0.0 && number.abs() < 9e15 {
            found.step = Some(number as i64);
        } else {
            found.values.push((key.as_str().to_owned(), number));
        }
    }
    Some(found)
}

/// `key=value` and `key: value` numbers.
fn scrape_pairs(line: &str) -> Vec<(String, f64)> {
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    // A constant pattern, compiled by the `scraping` unit test: it cannot fail at run time.
    let pattern = PATTERN.get_or_init(|| {
        regex::Regex::new(&format!(
            r"(?:^|[\s,;(\[{{|])([A-Za-z_][A-Za-z0-9_./\-]*)\s*[:=]\s*({NUMBER})(?:$|[\s,;)\]}}|%])"
        ))
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
        let Some(number) = parse_number(value.as_str()) else {
            continue;
        };
        if normalise_metric_key(key).is_ok() {
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
            r#"{"a//b": 1}"#,
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
            scrape("epoch 3: loss=0.25 acc: 0.9, lr=1e-3 step=7").values,
            vec![("loss".into(), 0.25), ("acc".into(), 0.9), ("lr".into(), 0.001), ("step".into(), 7.0)]
        );
        assert!(scrape("version=1.2.3 url=http://x").values.is_empty());
        assert!(scrape("time: 12:30").values.is_empty());
    }

    #[test]
    fn scraping_hugging_face_dicts() {
        let found = scrape("{'loss': 0.6934, 'grad_norm': 1.25, 'learning_rate': 5e-05, 'epoch': 1.0}");
        assert_eq!(found.step, None);
        assert_eq!(
            found.values,
            vec![
                ("loss".into(), 0.6934),
                ("grad_norm".into(), 1.25),
                ("learning_rate".into(), 5e-5),
                ("epoch".into(), 1.0)
            ]
        );
        let found = scrape("  {'eval_recall@10': 0.5, 'step': 40, 'note': 'x', 'eval_runtime': nan}");
        assert_eq!(found.step, Some(40));
        assert_eq!(found.values[0], ("eval_recall@10".into(), 0.5));
        assert!(found.values[1].1.is_nan());
        assert!(scrape("{'a': 'b'}").values.is_empty());
    }

    #[test]
    fn scraping_progress_bars() {
        let line = "Epoch 1: 100%|\u{2588}\u{2588}\u{2588}| 10/10 [00:01<00:00, 9.1it/s, loss=0.3, v_num=0]";
        assert!(is_progress_bar(line));
        assert_eq!(scrape(line).values, vec![("loss".into(), 0.3)]);
        assert!(!is_progress_bar("v_num=0 100 %|"));
        assert_eq!(scrape("v_num=0").values, vec![("v_num".into(), 0.0)]);
    }

    #[test]
    fn keys_are_normalised_once_and_kept() {
        let mut set = collect(&[r#"{"recall@10": 0.5, "train loss": 1}"#, r#"{"recall@10": 0.7}"#, r#"{"..": 1}"#]);
        assert_eq!(set.summaries().keys().collect::<Vec<_>>(), ["recall_10", "train_loss"]);
        assert_eq!(set.summaries()["recall_10"].count, 2);
        assert_eq!(set.malformed, 1);
        assert_eq!(set.normalised.len(), 2);
        let scraped = set.add_scraped_line("{'eval acc': 0.25, 'step': 3}", 1.0);
        assert_eq!(scraped, Scraped { step: Some(3), values: vec![("eval_acc".into(), 0.25)] });
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
            for (key, _) in set.add_scraped_line(&line, 0.0).values {
                prop_assert!(check_key(&key).is_ok(), "{key:?} from {line:?}");
            }
        }
    }
}
