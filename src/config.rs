//! `exp.toml`, the project's git-exp settings at the repository root. Every section is optional.

use std::path::Path;

use serde::Deserialize;

use crate::store::SnapshotOptions;

pub const FILE: &str = "exp.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub snapshot: SnapshotConfig,
    #[serde(default)]
    pub env: EnvConfig,
    #[serde(default)]
    pub output: OutputConfig,
    /// Entry points (`[entry.<name>]`), checked when one is used (`capture::entry`).
    #[serde(default)]
    pub entry: toml::Table,
    #[serde(default)]
    pub blobs: BlobsConfig,
    /// `[metrics]`: which way each metric should go (`"val/acc" = "max"`, `loss = "min"`).
    #[serde(default)]
    pub metrics: std::collections::BTreeMap<String, crate::diff::Goal>,
    #[serde(default)]
    pub redact: RedactConfig,
}

/// `[redact]`: which values of a recorded command are secrets (see `redact`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedactConfig {
    /// `false` records commands and `pip freeze` as typed.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Extra option names whose values are secrets: regexes searched, ignoring case, in the name
    /// without its dashes (`"^hf$"`, `"wandb"`).
    #[serde(default)]
    pub patterns: Vec<String>,
}

impl Default for RedactConfig {
    fn default() -> Self {
        Self { enabled: true, patterns: Vec::new() }
    }
}

fn yes() -> bool {
    true
}

/// `[blobs]`: where blobs are shared (`git config exp.blobs` overrides it per clone).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobsConfig {
    /// A directory (relative to the repository root) or `s3://bucket/prefix`.
    #[serde(default)]
    pub remote: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotConfig {
    #[serde(default = "default_max_file", deserialize_with = "max_file_size")]
    pub max_file_size: u64,
    #[serde(default = "default_max_total", deserialize_with = "max_total_size")]
    pub max_total_size: u64,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// `false` takes the folders of [`DEFAULT_EXCLUDES`] into snapshots again.
    #[serde(default = "yes")]
    pub default_excludes: bool,
    /// Untracked paths taken even when an exclude (default or `exclude`) matches them.
    #[serde(default)]
    pub include: Vec<String>,
    /// Untracked files taken that are larger than this are named in a warning.
    #[serde(default = "default_warn_size", deserialize_with = "warn_size")]
    pub warn_size: u64,
}

impl Default for SnapshotConfig {
    fn default() -> Self {
        Self {
            max_file_size: default_max_file(),
            max_total_size: default_max_total(),
            exclude: vec![],
            default_excludes: true,
            include: vec![],
            warn_size: default_warn_size(),
        }
    }
}

/// Untracked paths no code snapshot takes unless `[snapshot]` says otherwise: what other
/// trackers, checkpoints, notebooks and Python leave in a project. They are data, often large,
/// and would otherwise go into git and onto the remote with every run.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    "**/mlruns/**",
    "**/mlartifacts/**",
    "**/wandb/**",
    "**/lightning_logs/**",
    "**/*.ckpt",
    "**/events.out.tfevents*",
    "**/outputs/**",
    "**/multirun/**",
    "**/.ipynb_checkpoints/**",
    "**/__pycache__/**",
    "**/.dvc/cache/**",
    "**/.dvc/tmp/**",
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvConfig {
    /// Extra environment variables to record, beside the built-in allow-list.
    #[serde(default)]
    pub vars: Vec<String>,
    /// Set to false to skip `pip freeze` for Python commands.
    #[serde(default)]
    pub pip_freeze: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Bytes of output kept in the run's tree (the first eighth and the rest from the end).
    #[serde(default = "default_output", deserialize_with = "output_max_size")]
    pub max_size: u64,
}

impl Default for OutputConfig {
    fn default() -> Self {
        Self { max_size: default_output() }
    }
}

fn default_max_file() -> u64 {
    5 << 20
}
fn default_max_total() -> u64 {
    50 << 20
}
/// Below `max_file_size` (5 MiB), so that the warning can fire with the default limits.
fn default_warn_size() -> u64 {
    1 << 20
}
fn default_output() -> u64 {
    8 << 20
}

/// What went wrong reading `exp.toml`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
}

impl Config {
    /// Reads `exp.toml` from the work tree root; a missing file is the default configuration.
    pub fn load(root: Option<&Path>) -> Result<Self, Error> {
        let Some(root) = root else {
            return Ok(Self::default());
        };
        let path = root.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(Error::Read { path: FILE.into(), source });
            }
        };
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self, Error> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
            Error::Parse { path: FILE.into(), message: format!("{}{at}", e.message()) }
        })
    }

    /// The redaction of recorded commands, with `[redact] patterns` compiled.
    pub fn redactor(&self) -> Result<crate::redact::Redactor, Error> {
        crate::redact::Redactor::new(self.redact.enabled, &self.redact.patterns)
            .map_err(|e| Error::Parse { path: FILE.into(), message: e.to_string() })
    }

    /// The snapshot limits, with `exclude` (plus the default excludes) and `include` compiled.
    pub fn snapshot_options(&self) -> Result<SnapshotOptions, Error> {
        let defaults = if self.snapshot.default_excludes { DEFAULT_EXCLUDES } else { &[] };
        let excludes = defaults.iter().copied().chain(self.snapshot.exclude.iter().map(String::as_str));
        Ok(SnapshotOptions {
            max_file_size: self.snapshot.max_file_size,
            max_total_size: self.snapshot.max_total_size,
            exclude: globs("snapshot.exclude", excludes)?,
            include: globs("snapshot.include", self.snapshot.include.iter().map(String::as_str))?,
            warn_size: self.snapshot.warn_size,
        })
    }
}

/// Compiles the globs of setting `key`; `data` also matches everything below `data/`, as in
/// .gitignore.
fn globs<'a>(key: &str, patterns: impl Iterator<Item = &'a str>) -> Result<globset::GlobSet, Error> {
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in patterns {
        let glob = globset::GlobBuilder::new(pattern).literal_separator(false).build().map_err(|e| Error::Parse {
            path: FILE.into(),
            message: format!("{key}: bad glob `{pattern}`: {}", e.kind()),
        })?;
        builder.add(glob);
        if let Ok(below) = globset::Glob::new(&format!("{}/**", pattern.trim_end_matches('/'))) {
            builder.add(below);
        }
    }
    builder.build().map_err(|e| Error::Parse { path: FILE.into(), message: format!("{key}: {e}") })
}

/// A size as a number of bytes or a string with a unit: `512`, `"5MiB"`, `"5 MB"`, `"1G"`.
// One function per key, so that the error names the key: serde's `deserialize_with` does not
// say which field it fills.
fn max_file_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    size(d, "snapshot.max_file_size")
}
fn max_total_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    size(d, "snapshot.max_total_size")
}
fn warn_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    size(d, "snapshot.warn_size")
}
fn output_max_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    size(d, "output.max_size")
}

/// A size: a whole number of bytes, or a string with a unit (`"5MiB"`).
fn size<'de, D: serde::Deserializer<'de>>(d: D, key: &str) -> Result<u64, D::Error> {
    let value = toml::Value::deserialize(d)?;
    let parsed = match &value {
        toml::Value::Integer(n) => u64::try_from(*n).ok(),
        toml::Value::String(text) => parse_size(text),
        _ => None,
    };
    parsed.ok_or_else(|| {
        serde::de::Error::custom(format!(
            "{key} = {value} is not a size: use a whole number of bytes, or a string with KiB, MiB or GiB (\"5MiB\")"
        ))
    })
}

pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => return None,
    };
    Some((number * factor as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512"), Some(512));
        assert_eq!(parse_size("5MiB"), Some(5 << 20));
        assert_eq!(parse_size("1.5 kb"), Some(1500));
        assert_eq!(parse_size("5 parsecs"), None);
    }

    #[test]
    fn parses_sections_and_rejects_typos() {
        let config = Config::parse("[snapshot]\nmax_file_size = \"1KiB\"\nexclude = [\"data\"]\n").expect("valid");
        assert_eq!(config.snapshot.max_file_size, 1024);
        for (text, shown) in [("-5", "-5"), ("1.5", "1.5"), ("\"-5KiB\"", "\"-5KiB\""), ("true", "true")] {
            let err = Config::parse(&format!("[snapshot]\nmax_file_size = {text}\n")).expect_err(text);
            assert_eq!(
                err.to_string(),
                format!(
                    "exp.toml: snapshot.max_file_size = {shown} is not a size: use a whole number of bytes, \
                     or a string with KiB, MiB or GiB (\"5MiB\") (line 2)"
                )
            );
        }
        let options = config.snapshot_options().expect("globs compile");
        assert!(options.exclude.is_match("data/x.csv"));
        assert!(!options.exclude.is_match("src/data.py"));
        assert!(options.exclude.is_match("mlruns/0/meta.yaml"), "default excludes");
        assert!(options.exclude.is_match("exp/runs/a/events.out.tfevents.1.host"));
        assert!(options.exclude.is_match("model.ckpt") && options.exclude.is_match("lightning_logs/v0/x"));
        assert!(!options.exclude.is_match("src/outputs.py"));
        let own =
            Config::parse("[snapshot]\ndefault_excludes = false\ninclude = [\"wandb/keep\"]\nwarn_size = \"2MiB\"\n")
                .expect("snapshot settings");
        let options = own.snapshot_options().expect("globs compile");
        assert!(!options.exclude.is_match("mlruns/0/meta.yaml"));
        assert!(options.include.is_match("wandb/keep/a.txt"));
        assert_eq!(options.warn_size, 2 << 20);
        let blobs = Config::parse("[blobs]\nremote = \"s3://b/p\"\n").expect("blobs section");
        assert_eq!(blobs.blobs.remote.as_deref(), Some("s3://b/p"));
        assert!(Config::parse("[blobs]\nremot = \"x\"\n").is_err());
        let goals = Config::parse("[metrics]\n\"val/acc\" = \"max\"\nloss = \"min\"\n").expect("goals");
        assert_eq!(goals.metrics.get("val/acc"), Some(&crate::diff::Goal::Max));
        assert_eq!(goals.metrics.get("loss"), Some(&crate::diff::Goal::Min));
        let err = Config::parse("[metrics]\nloss = \"down\"\n").expect_err("bad goal");
        assert!(err.to_string().contains("down"), "{err}");
        let redact = Config::parse("[redact]\nenabled = false\npatterns = [\"^hf$\"]\n").expect("redact section");
        assert!(!redact.redact.enabled && redact.redactor().is_ok());
        let err = Config::parse("[redact]\npatterns = [\"(\"]\n").expect("parses").redactor().expect_err("bad regex");
        assert!(err.to_string().starts_with("exp.toml: redact.patterns: `(` is not a regex"), "{err}");
        let err = Config::parse("[snapshot]\nexclud = []\n").expect_err("typo");
        assert!(err.to_string().contains("exclud"), "{err}");
        assert!(err.to_string().contains("line"), "{err}");
    }
}
