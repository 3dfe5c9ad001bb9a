//! The run record: `.git-exp/run.toml` (schema 1) and the other files of `.git-exp/`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::git::Skipped;
use crate::ids::RunId;

/// The schema this build writes and the newest it reads.
pub const SCHEMA: u32 = 1;

/// The directory of the record inside a run's tree.
pub const RECORD_DIR: &str = ".git-exp";
pub const RUN_TOML: &str = ".git-exp/run.toml";
pub const METRICS_DIR: &str = ".git-exp/metrics";
pub const OUTPUT_LOG: &str = ".git-exp/output.log";
pub const ARTIFACTS_TOML: &str = ".git-exp/artifacts.toml";

/// Lifecycle of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Running,
    Completed,
    Failed,
    Interrupted,
    Crashed,
}

impl Status {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Interrupted => "interrupted",
            Status::Crashed => "crashed",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `run.toml`: everything a listing needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub schema: u32,
    pub id: RunId,
    pub name: String,
    pub status: Status,
    #[serde(default)]
    pub command: Vec<String>,
    /// The command before `{param}` substitution, when it had placeholders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command_template: Vec<String>,
    /// The `[entry.<name>]` of exp.toml the command came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    #[serde(default = "root_dir")]
    pub cwd: String,
    #[serde(with = "timestamp")]
    pub started: Timestamp,
    #[serde(default, with = "opt_timestamp", skip_serializing_if = "Option::is_none")]
    pub ended: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The signal that killed the command, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default)]
    pub dirty: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<String>,
    /// The run this one re-runs (`git exp rerun`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rerun_of: Option<String>,
    /// Metric lines that could not be used (reported once at the end of the run).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub malformed_metric_lines: u64,
    /// Untracked files left out of the code snapshot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<OutputInfo>,
    #[serde(default)]
    pub host: Host,
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub metrics: BTreeMap<String, MetricSummary>,
    /// Where an imported run came from (`tensorboard:<directory relative to the logdir>`,
    /// `mlflow:<run id>`); a
    /// second import of the same source finds the run by it and adds nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported_from: Option<String>,
    /// sha256 of what was imported (for TensorBoard: the event files' names and bytes), so a
    /// re-import can tell the source grew since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported_digest: Option<String>,
    /// The run recorded no code: an imported run whose commit is not in this repository. Its
    /// tree holds only `.git-exp/`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_code: bool,
    /// What MLflow said about the run (an import, or MLflow calls under `git exp run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mlflow: Option<MlflowInfo>,
    /// Keys this build does not know (from a newer writer or a hand edit); kept on rewrite.
    /// Not part of the derived (de)serialisation: `#[serde(flatten)]` would make every parse of
    /// the listing cache buffer each record, several times slower over 10,000 runs.
    #[serde(skip)]
    pub extra: toml::Table,
}

fn root_dir() -> String {
    ".".to_owned()
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Where the host ran the command.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Host {
    #[serde(default)]
    pub hostname: String,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub arch: String,
    #[serde(default)]
    pub cpus: u32,
    #[serde(default)]
    pub memory_bytes: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gpus: Vec<String>,
}

/// How big the captured output was and where the whole of it went when it was cut.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OutputInfo {
    pub bytes: u64,
    pub truncated: bool,
    /// sha256 of the complete log in the blob store, when `truncated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
}

/// Summary of one metric series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    pub count: u64,
    pub first_step: i64,
    pub last_step: i64,
    #[serde(with = "float")]
    pub first: f64,
    #[serde(with = "float")]
    pub last: f64,
    #[serde(with = "float")]
    pub min: f64,
    #[serde(with = "float")]
    pub max: f64,
    #[serde(with = "float")]
    pub mean: f64,
}

/// The `[mlflow]` table of a record: the MLflow run a git-exp run holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MlflowInfo {
    pub run_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
    /// The MLflow run id of the parent of a nested run (`mlflow.parentRunId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_run_id: Option<String>,
    /// For an MLflow run that was not merged into the git-exp run that ran it (a nested or second
    /// run of one process): the id of that git-exp run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
    /// Every MLflow tag, verbatim (system tags `mlflow.*` included).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// One entry of `artifacts.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// `artifacts.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactManifest {
    #[serde(default, rename = "artifact")]
    pub artifacts: Vec<Artifact>,
}

/// Keys that a record omits when they are empty: present in a file, they are not unknown.
const KNOWN_OPTIONAL: &[&str] = &[
    "command_template",
    "entry",
    "ended",
    "exit_code",
    "signal",
    "base",
    "branch",
    "note",
    "sweep",
    "rerun_of",
    "malformed_metric_lines",
    "skipped",
    "output",
    "imported_from",
    "imported_digest",
    "no_code",
    "mlflow",
];

/// What went wrong reading a record.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("run.toml: {0}")]
    Toml(String),
    #[error("run.toml has schema {0}, newer than this git-exp reads ({SCHEMA}); upgrade git-exp")]
    NewerSchema(u32),
}

impl RunRecord {
    /// Parses `run.toml`, refusing a newer schema by name.
    pub fn from_toml(text: &str) -> Result<Self, RecordError> {
        #[derive(Deserialize)]
        struct SchemaOnly {
            schema: Option<u32>,
        }
        if let Ok(SchemaOnly { schema: Some(schema) }) = toml::from_str::<SchemaOnly>(text)
            && schema > SCHEMA
        {
            return Err(RecordError::NewerSchema(schema));
        }
        let table: toml::Table = toml::from_str(text).map_err(|e| RecordError::Toml(e.message().to_owned()))?;
        let mut record: RunRecord = toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| RecordError::Toml(e.message().to_owned()))?;
        // Unknown keys are those the record does not write back.
        let known = record.to_table();
        record.extra = table
            .into_iter()
            .filter(|(key, _)| !known.contains_key(key) && !KNOWN_OPTIONAL.contains(&key.as_str()))
            .collect();
        Ok(record)
    }

    /// The blob-store name of a record's stored output, for `gc`, reading only what that needs:
    /// the whole document is still checked as TOML, and a newer schema is an error (it may
    /// refer to blobs elsewhere), but no record is built (a fifth of the time of
    /// [`RunRecord::from_toml`]).
    pub fn output_blob(text: &str) -> Result<Option<String>, RecordError> {
        #[derive(Deserialize)]
        struct OutputBlob {
            blob: Option<String>,
        }
        #[derive(Deserialize)]
        struct BlobFields {
            schema: Option<u32>,
            output: Option<OutputBlob>,
        }
        let fields: BlobFields = toml::from_str(text).map_err(|e| RecordError::Toml(e.message().to_owned()))?;
        match fields.schema {
            Some(schema) if schema > SCHEMA => Err(RecordError::NewerSchema(schema)),
            _ => Ok(fields.output.and_then(|o| o.blob)),
        }
    }

    #[must_use]
    pub fn to_toml(&self) -> String {
        // Plain values first, then tables: TOML cannot take a plain key after a table header.
        let is_table = |v: &toml::Value| {
            v.is_table() || v.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(toml::Value::is_table))
        };
        let all: Vec<(String, toml::Value)> = self.to_table().into_iter().chain(self.extra.clone()).collect();
        let (plain, tables): (Vec<_>, Vec<_>) = all.into_iter().partition(|(_, v)| !is_table(v));
        let ordered: toml::Table = plain.into_iter().chain(tables).collect();
        // A record is plain data (strings, numbers, tables): serialising it cannot fail.
        toml::to_string(&ordered).expect("run records always serialise to TOML")
    }

    fn to_table(&self) -> toml::Table {
        // Strings, numbers, booleans and tables of them: nothing TOML cannot represent.
        toml::Table::try_from(self).expect("run records always serialise to TOML")
    }

    /// Duration in seconds, up to `now` for a run that has not ended.
    #[must_use]
    pub fn duration(&self, now: Timestamp) -> f64 {
        duration(self.started, self.ended, now)
    }

    /// Returns the message of a run commit: `run <id> (<name>): <status>`, then the command.
    #[must_use]
    pub fn commit_message(&self) -> String {
        let mut message = format!("run {} ({}): {}\n", self.id, self.name, self.status);
        if !self.command.is_empty() {
            message.push('\n');
            message.push_str(&shell_join(&self.command));
            message.push('\n');
        }
        message
    }

    /// Keys in `extra`, i.e. fields this build does not know.
    #[must_use]
    pub fn unknown_fields(&self) -> Vec<&str> {
        self.extra.keys().map(String::as_str).collect()
    }
}

/// Joins a command for display, quoting words the shell would split.
#[must_use]
pub fn shell_join(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let plain = !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%{}".contains(c));
            if plain { w.clone() } else { format!("'{}'", w.replace('\'', "'\\''")) }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Timestamps as RFC 3339 strings in UTC with milliseconds.
mod timestamp {
    use jiff::Timestamp;
    use serde::{Deserialize as _, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::clock::rfc3339(*ts))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(|e| serde::de::Error::custom(format!("invalid time `{text}`: {e}")))
    }
}

mod opt_timestamp {
    use jiff::Timestamp;
    use serde::{Deserialize as _, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ts: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match ts {
            Some(ts) => super::timestamp::serialize(ts, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => {
                text.parse().map(Some).map_err(|e| serde::de::Error::custom(format!("invalid time `{text}`: {e}")))
            }
        }
    }
}

/// Longest metric key accepted.
const MAX_METRIC_KEY_LEN: usize = 200;

/// Returns why `key` is not a valid metric key, if it is not.
pub fn check_metric_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > MAX_METRIC_KEY_LEN {
        return Err(format!("metric key `{}` must be 1 to {MAX_METRIC_KEY_LEN} characters", truncated(key)));
    }
    if let Some(bad) = key.chars().find(|c| !(c.is_ascii_alphanumeric() || "_.-/".contains(*c))) {
        return Err(format!("metric key `{}` has `{bad}`: use letters, digits and _ . - /", truncated(key)));
    }
    if key.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
        return Err(format!("metric key `{}` has an empty, `.` or `..` segment", truncated(key)));
    }
    Ok(())
}

/// Applies the shared key rule: a key that breaks [`check_metric_key`] only by its characters is
/// normalised, never dropped: every run of characters outside `[A-Za-z0-9_.-/]` becomes one `_`
/// (`recall@10` → `recall_10`, `train loss` → `train_loss`), then leading and trailing `/` are
/// trimmed. A key still invalid after that (empty, too long, `..` segments) is an error. The same
/// rule is in the Python helper and the importers, so a key reads the same however it came in.
pub fn normalise_metric_key(key: &str) -> Result<Cow<'_, str>, String> {
    if check_metric_key(key).is_ok() {
        return Ok(Cow::Borrowed(key));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_.-/".contains(c);
    let mut out = String::with_capacity(key.len());
    let mut in_bad_run = false;
    for c in key.chars() {
        if allowed(c) {
            out.push(c);
            in_bad_run = false;
        } else if !in_bad_run {
            out.push('_');
            in_bad_run = true;
        }
    }
    let trimmed = out.trim_matches('/');
    check_metric_key(trimmed)?;
    Ok(Cow::Owned(trimmed.to_owned()))
}

fn truncated(text: &str) -> String {
    if text.len() <= 40 {
        return text.to_owned();
    }
    let mut end = 40;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Summary floats: finite values as numbers, non-finite ones as the strings `"nan"`, `"inf"` and
/// `"-inf"`, so that they survive JSON (the listing cache, `--format json`) as well as TOML.
pub mod float {
    use serde::{Deserializer, Serializer, de};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() { s.serialize_f64(*v) } else { s.serialize_str(name(*v)) }
    }

    #[must_use]
    pub fn name(v: f64) -> &'static str {
        if v.is_nan() {
            "nan"
        } else if v > 0.0 {
            "inf"
        } else {
            "-inf"
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = f64;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number or one of \"nan\", \"inf\", \"-inf\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
                Ok(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_unit<E: de::Error>(self) -> Result<f64, E> {
                Ok(f64::NAN)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
                match v {
                    "nan" | "NaN" => Ok(f64::NAN),
                    "inf" | "+inf" => Ok(f64::INFINITY),
                    "-inf" => Ok(f64::NEG_INFINITY),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Seconds from `started` to `ended`, or to `now` for a run still going; never negative.
#[must_use]
pub fn duration(started: Timestamp, ended: Option<Timestamp>, now: Timestamp) -> f64 {
    let end = ended.unwrap_or(now);
    (end.as_millisecond() - started.as_millisecond()).max(0) as f64 / 1000.0
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn metric_keys_are_normalised() {
        assert_eq!(normalise_metric_key("loss").as_deref(), Ok("loss"));
        assert_eq!(normalise_metric_key("recall@10").as_deref(), Ok("recall_10"));
        assert_eq!(normalise_metric_key("train  loss").as_deref(), Ok("train_loss"));
        assert_eq!(normalise_metric_key("a_@b").as_deref(), Ok("a__b"));
        assert_eq!(normalise_metric_key("/x y/").as_deref(), Ok("x_y"));
        assert!(normalise_metric_key("a//b").is_err());
        assert!(normalise_metric_key("").is_err());
    }

    #[test]
    fn metric_key_rules() {
        for ok in ["loss", "train/loss", "a.b-c_d", "sys/cpu_percent"] {
            assert_eq!(check_metric_key(ok), Ok(()), "{ok}");
        }
        let long = "x".repeat(201);
        for bad in ["", "a//b", "/a", "a/", "../x", "a/./b", "a b", "ü", long.as_str()] {
            assert!(check_metric_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metric_keys_are_normalised_by_their_characters_only() {
        let norm = |k: &str| normalise_metric_key(k).map(|c| c.into_owned());
        assert_eq!(norm("loss"), Ok("loss".into()));
        assert!(matches!(normalise_metric_key("loss"), Ok(Cow::Borrowed(_))));
        assert_eq!(norm("recall@10"), Ok("recall_10".into()));
        assert_eq!(norm("train loss"), Ok("train_loss".into()));
        assert_eq!(norm("a  @@ b"), Ok("a_b".into()));
        assert_eq!(norm("/eval/acc/"), Ok("eval/acc".into()));
        assert_eq!(norm("ü/x"), Ok("_/x".into()));
        for bad in ["", "a//b", "../x", "/", "a/./b"] {
            assert!(norm(bad).is_err(), "{bad}");
        }
        assert!(norm(&"é".repeat(201)).is_ok(), "one run of bad characters is one `_`");
        assert!(norm(&"x".repeat(201)).is_err());
    }

    pub(crate) const EXAMPLE: &str = r#"schema = 1
id = "k3m9x2qa"
name = "brave-otter"
status = "completed"
command = ["python", "train.py", "--lr", "0.1"]
cwd = "."
started = "2026-11-23T10:00:00.123Z"
ended = "2026-11-23T10:05:12.480Z"
exit_code = 0
tags = ["baseline"]

[host]
hostname = "box"
cpus = 2

[params]
lr = 0.1

[metrics."train/loss"]
count = 3
first_step = 0
last_step = 2
first = 2.31
last = 0.031
min = "-inf"
max = 2.31
mean = 0.18
"#;

    /// `gc`'s reading of a record agrees with the whole record's, and refuses what it refuses
    /// for reasons that could hide a blob (a newer schema, a document that is not TOML).
    #[test]
    fn output_blob_reads_what_the_record_says() {
        let mut record = RunRecord::from_toml(EXAMPLE).expect("example parses");
        assert_eq!(
            RunRecord::output_blob(EXAMPLE).expect("reads"),
            record.output.as_ref().and_then(|o| o.blob.clone())
        );
        let blob = "ab".repeat(32);
        record.output = Some(OutputInfo { bytes: 9, truncated: true, blob: Some(blob.clone()) });
        assert_eq!(RunRecord::output_blob(&record.to_toml()).expect("reads"), Some(blob));
        record.output = None;
        assert_eq!(RunRecord::output_blob(&record.to_toml()).expect("reads"), None);
        let newer = EXAMPLE.replacen("schema = 1", "schema = 2", 1);
        assert!(matches!(RunRecord::output_blob(&newer), Err(RecordError::NewerSchema(2))));
        assert!(
            RunRecord::output_blob(&format!(
                "{EXAMPLE}
[output\n"
            ))
            .is_err()
        );
    }

    #[test]
    fn parses_and_round_trips() {
        let record = RunRecord::from_toml(EXAMPLE).expect("example parses");
        assert_eq!(record.id.as_str(), "k3m9x2qa");
        assert_eq!(record.metrics["train/loss"].min, f64::NEG_INFINITY);
        assert_eq!(RunRecord::from_toml(&record.to_toml()).expect("round trip"), record);
        let json = serde_json::to_string(&record).expect("json");
        let back: RunRecord = serde_json::from_str(&json).expect("json round trip");
        assert_eq!(back, record);
    }

    #[test]
    fn keeps_unknown_fields_and_refuses_newer_schema() {
        let record = RunRecord::from_toml(&format!("future = true\n{EXAMPLE}")).expect("parses");
        assert_eq!(record.unknown_fields(), vec!["future"]);
        let rewritten = RunRecord::from_toml(&record.to_toml()).expect("rewritten record parses");
        assert_eq!(rewritten.unknown_fields(), vec!["future"], "{}", record.to_toml());
        let newer = EXAMPLE.replace("schema = 1", "schema = 2");
        let err = RunRecord::from_toml(&newer).expect_err("newer schema");
        assert!(err.to_string().contains("schema 2"), "{err}");
    }

    #[test]
    fn missing_field_is_an_error_naming_it() {
        let err = RunRecord::from_toml(&EXAMPLE.replace("status = \"completed\"\n", "")).expect_err("missing");
        assert!(err.to_string().contains("status"), "{err}");
    }

    #[test]
    fn shell_join_quotes_what_needs_it() {
        let words = ["python", "a b.py", "--x={lr}", "it's"].map(String::from);
        assert_eq!(shell_join(&words), "python 'a b.py' --x={lr} 'it'\\''s'");
    }
}

#[cfg(test)]
mod doc_tests {
    /// docs/FORMAT.md shows docs/examples/run.toml; both must stay true to the code.
    #[test]
    fn format_doc_example_is_a_valid_record() {
        let example = include_str!("../../docs/examples/run.toml");
        let record = super::RunRecord::from_toml(example).expect("the documented example parses");
        assert!(record.unknown_fields().is_empty());
        assert_eq!(record.to_toml(), example, "the example is exactly what git-exp writes");
        let doc = include_str!("../../docs/FORMAT.md");
        assert!(doc.contains(example), "docs/FORMAT.md embeds docs/examples/run.toml verbatim");
    }
}

/// Property tests: a `run.toml` from anyone (a fork, a bundle) is a record or an error, never a
/// panic or a stack overflow (the toml crate bounds nesting), and a record read is written back
/// in a form that reads again.
#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::*;

    const BASE: &str = r#"schema = 1
id = "aaaa0001"
name = "abl-lr"
status = "completed"
command = ["python", "train.py"]
started = "2026-11-20T10:00:00.000Z"
ended = "2026-11-20T10:05:00.000Z"
exit_code = 0
tags = ["baseline"]

[params]
lr = 0.01
opt = { name = "adam", betas = [0.9, 0.999] }

[metrics]
acc = 0.91
"#;

    /// Edits of a valid record: bytes replaced, deleted or inserted at arbitrary places.
    fn edited() -> impl Strategy<Value = String> {
        let edit = (any::<prop::sample::Index>(), 0usize..3, "[\\[\\]{}=\"',.a-z0-9 \n#-]{0,4}");
        proptest::collection::vec(edit, 1..6).prop_map(|edits| {
            let mut text = BASE.to_owned();
            for (at, kind, piece) in edits {
                let mut i = at.index(text.len() + 1);
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                let end = (i + piece.len().max(1)).min(text.len());
                let end = (end..=text.len()).find(|e| text.is_char_boundary(*e)).unwrap_or(text.len());
                match kind {
                    0 => text.replace_range(i..end, &piece),
                    1 => text.replace_range(i..end, ""),
                    _ => text.insert_str(i, &piece),
                }
            }
            text
        })
    }

    fn nested() -> impl Strategy<Value = String> {
        (1usize..2000, 0usize..3).prop_map(|(n, kind)| match kind {
            0 => format!("schema = 1\nx = {}1{}\n", "[".repeat(n), "]".repeat(n)),
            1 => format!("schema = 1\nx = {}1{}\n", "{a = ".repeat(n), "}".repeat(n)),
            _ => format!("schema = 1\n{} = 1\n", vec!["a"; n].join(".")),
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_run_toml_is_a_record_or_an_error(text in prop_oneof![edited(), nested(), any::<String>()]) {
            if let Ok(record) = RunRecord::from_toml(&text) {
                let written = record.to_toml();
                prop_assert!(RunRecord::from_toml(&written).is_ok(), "{text}\n--- written as\n{written}");
                let _ = record.commit_message();
            }
        }
    }
}
