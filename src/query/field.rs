//! Fields of a run as the query language names them: `id`, `params.lr`, `metrics.acc:max`, …

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::Timestamp;

use super::Error;
use super::value::Value;
use crate::store::{MetricSummary, Run};

/// What kind of value a field holds, for type checks at parse time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    Bool,
    Time,
    Duration,
    /// A list of strings (`tags`, `host.gpus`).
    List,
    Status,
    /// Params: typed per run.
    Any,
}

impl Kind {
    /// How the kind is named in error messages: "`x` is a number".
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Time => "a time",
            Kind::Duration => "a duration",
            Kind::List => "a list",
            Kind::Status => "a status",
            Kind::Any => "a param",
        }
    }
}

/// A summary of a metric series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rollup {
    First,
    Last,
    Min,
    Max,
    Mean,
    Count,
}

impl Rollup {
    pub const ALL: [Rollup; 6] = [Rollup::First, Rollup::Last, Rollup::Min, Rollup::Max, Rollup::Mean, Rollup::Count];

    pub fn as_str(self) -> &'static str {
        match self {
            Rollup::First => "first",
            Rollup::Last => "last",
            Rollup::Min => "min",
            Rollup::Max => "max",
            Rollup::Mean => "mean",
            Rollup::Count => "count",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Rollup::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn of(self, summary: &MetricSummary) -> f64 {
        match self {
            Rollup::First => summary.first,
            Rollup::Last => summary.last,
            Rollup::Min => summary.min,
            Rollup::Max => summary.max,
            Rollup::Mean => summary.mean,
            Rollup::Count => summary.count as f64,
        }
    }
}

/// A field of the record itself (not a param, metric or host key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plain {
    Id,
    Name,
    Status,
    Tags,
    Note,
    Started,
    Ended,
    Duration,
    Branch,
    Base,
    Commit,
    Command,
    ExitCode,
    Dirty,
    Sweep,
}

/// Plain fields: name, field, kind.
const PLAIN: &[(&str, Plain, Kind)] = &[
    ("id", Plain::Id, Kind::Text),
    ("name", Plain::Name, Kind::Text),
    ("status", Plain::Status, Kind::Status),
    ("tags", Plain::Tags, Kind::List),
    ("note", Plain::Note, Kind::Text),
    ("started", Plain::Started, Kind::Time),
    ("ended", Plain::Ended, Kind::Time),
    ("duration", Plain::Duration, Kind::Duration),
    ("branch", Plain::Branch, Kind::Text),
    ("base", Plain::Base, Kind::Text),
    ("commit", Plain::Commit, Kind::Text),
    ("command", Plain::Command, Kind::Text),
    ("exit_code", Plain::ExitCode, Kind::Number),
    ("dirty", Plain::Dirty, Kind::Bool),
    ("sweep", Plain::Sweep, Kind::Text),
];

/// A key of `host.X`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKey {
    Hostname,
    User,
    Os,
    Arch,
    Cpus,
    MemoryBytes,
    Gpus,
}

/// Keys of `host.X`: name, key, kind.
const HOST_KEYS: &[(&str, HostKey, Kind)] = &[
    ("hostname", HostKey::Hostname, Kind::Text),
    ("user", HostKey::User, Kind::Text),
    ("os", HostKey::Os, Kind::Text),
    ("arch", HostKey::Arch, Kind::Text),
    ("cpus", HostKey::Cpus, Kind::Number),
    ("memory_bytes", HostKey::MemoryBytes, Kind::Number),
    ("gpus", HostKey::Gpus, Kind::List),
];

/// Every root a field can start with, for error messages.
pub const ROOTS: &str = "id, name, status, tags, note, started, ended, duration, branch, base, commit, command, \
                         exit_code, dirty, sweep, params.<key>, metrics.<key>[:first|last|min|max|mean|count], host.<key>";

/// A field of a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Plain(Plain),
    /// `params.a.b`: the key path after `params.`.
    Param(String),
    /// `metrics.<key>[:rollup]`; `explicit` is whether the rollup was written (`metrics.acc` means
    /// the last value and is shown as written).
    Metric {
        key: String,
        rollup: Rollup,
        explicit: bool,
    },
    Host(HostKey),
}

impl Field {
    /// Parses a field name; `offset` is where `text` starts in the whole expression, for spans.
    pub fn parse(text: &str, offset: usize) -> Result<Self, Error> {
        let span = offset..offset + text.len();
        let unknown =
            || Error::new(span.clone(), format!("unknown field `{text}`")).with_hint(format!("fields are {ROOTS}"));
        if let Some((_, plain, _)) = PLAIN.iter().find(|(name, ..)| *name == text) {
            return Ok(Field::Plain(*plain));
        }
        let (root, rest) = text.split_once('.').unwrap_or((text, ""));
        match root {
            "params" | "metrics" | "host" if rest.is_empty() => {
                let example = match root {
                    "params" => "params.lr",
                    "metrics" => "metrics.loss:min",
                    _ => "host.hostname",
                };
                Err(Error::new(span, format!("`{root}` needs a key, as in `{example}`")))
            }
            "params" => {
                if let Some(colon) = rest.find(':') {
                    let at = offset + "params.".len() + colon;
                    return Err(Error::new(at..span.end, format!("`{}` applies only to metrics", &rest[colon..]))
                        .with_hint(format!("did you mean `metrics.{rest}`?")));
                }
                Ok(Field::Param(rest.to_owned()))
            }
            "metrics" => match rest.rsplit_once(':') {
                None => Ok(Field::Metric { key: rest.to_owned(), rollup: Rollup::Last, explicit: false }),
                Some((key, rollup)) => {
                    let at = offset + "metrics.".len() + key.len() + 1;
                    let rollup = Rollup::parse(rollup).ok_or_else(|| {
                        Error::new(at..span.end, format!("unknown rollup `{rollup}` in `{text}`"))
                            .with_hint("rollups are first, last, min, max, mean and count")
                    })?;
                    if key.is_empty() {
                        return Err(Error::new(span, format!("`{text}` names no metric, as in `metrics.loss:min`")));
                    }
                    Ok(Field::Metric { key: key.to_owned(), rollup, explicit: true })
                }
            },
            "host" => match HOST_KEYS.iter().find(|(name, ..)| *name == rest) {
                Some((_, key, _)) => Ok(Field::Host(*key)),
                None => Err(Error::new(span, format!("unknown field `{text}`")).with_hint(format!(
                    "host fields are {}",
                    HOST_KEYS.iter().map(|(n, ..)| format!("host.{n}")).collect::<Vec<_>>().join(", ")
                ))),
            },
            _ => Err(unknown()),
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Field::Plain(plain) => PLAIN.iter().find(|(_, p, _)| p == plain).map_or(Kind::Any, |(.., kind)| *kind),
            Field::Param(_) => Kind::Any,
            Field::Metric { .. } => Kind::Number,
            Field::Host(key) => HOST_KEYS.iter().find(|(_, k, _)| k == key).map_or(Kind::Any, |(.., kind)| *kind),
        }
    }

    /// Returns this field's value in `run`; `now` ends the duration of a run still going.
    pub fn get<'a>(&self, run: &'a Run, now: Timestamp) -> Value<'a> {
        let record = &run.record;
        let text = |s: &'a str| if s.is_empty() { Value::Missing } else { Value::Text(Cow::Borrowed(s)) };
        let opt_text = |s: &'a Option<String>| s.as_deref().map_or(Value::Missing, text);
        match self {
            Field::Plain(plain) => match plain {
                Plain::Id => text(record.id.as_str()),
                Plain::Name => text(&record.name),
                Plain::Status => Value::Text(Cow::Borrowed(run.status.as_str())),
                Plain::Tags if record.tags.is_empty() => Value::Missing,
                Plain::Tags => Value::Strings(&record.tags),
                Plain::Note => text(&record.note),
                Plain::Started => Value::Time(record.started),
                Plain::Ended => record.ended.map_or(Value::Missing, Value::Time),
                Plain::Duration => Value::Duration(record.duration(now)),
                Plain::Branch => opt_text(&record.branch),
                Plain::Base => opt_text(&record.base),
                Plain::Commit => Value::Text(Cow::Owned(run.commit.to_string())),
                Plain::Command if record.command.is_empty() => Value::Missing,
                Plain::Command => Value::Text(Cow::Owned(crate::store::record::shell_join(&record.command))),
                Plain::ExitCode => record.exit_code.map_or(Value::Missing, |c| Value::Integer(i64::from(c))),
                Plain::Dirty => Value::Bool(record.dirty),
                Plain::Sweep => opt_text(&record.sweep),
            },
            Field::Param(path) => lookup_param(&record.params, path).map_or(Value::Missing, Value::from_toml),
            Field::Metric { key, rollup, .. } => {
                record.metrics.get(key).map_or(Value::Missing, |m| Value::Number(rollup.of(m)))
            }
            Field::Host(key) => {
                let host = &record.host;
                match key {
                    HostKey::Hostname => text(&host.hostname),
                    HostKey::User => text(&host.user),
                    HostKey::Os => text(&host.os),
                    HostKey::Arch => text(&host.arch),
                    // Zero means "not recorded": no machine has no CPU or no memory.
                    HostKey::Cpus if host.cpus == 0 => Value::Missing,
                    HostKey::Cpus => Value::Integer(i64::from(host.cpus)),
                    HostKey::MemoryBytes if host.memory_bytes == 0 => Value::Missing,
                    HostKey::MemoryBytes => Value::Integer(i64::try_from(host.memory_bytes).unwrap_or(i64::MAX)),
                    HostKey::Gpus if host.gpus.is_empty() => Value::Missing,
                    HostKey::Gpus => Value::Strings(&host.gpus),
                }
            }
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Plain(plain) => {
                f.write_str(PLAIN.iter().find(|(_, p, _)| p == plain).map_or("?", |(name, ..)| name))
            }
            Field::Param(path) => write!(f, "params.{path}"),
            Field::Metric { key, explicit: false, .. } => write!(f, "metrics.{key}"),
            Field::Metric { key, rollup, .. } => write!(f, "metrics.{key}:{}", rollup.as_str()),
            Field::Host(key) => {
                write!(f, "host.{}", HOST_KEYS.iter().find(|(_, k, _)| k == key).map_or("?", |(name, ..)| name))
            }
        }
    }
}

/// Finds `a.b.c` in params: the key `a.b.c` itself, else `a` then `b.c` inside it, and so on,
/// since TOML keys may contain dots.
pub fn lookup_param<'a>(params: &'a BTreeMap<String, toml::Value>, path: &str) -> Option<&'a toml::Value> {
    if let Some(value) = params.get(path) {
        return Some(value);
    }
    path.match_indices('.').find_map(|(dot, _)| match params.get(&path[..dot]) {
        Some(toml::Value::Table(table)) => lookup_in_table(table, &path[dot + 1..]),
        _ => None,
    })
}

fn lookup_in_table<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    if let Some(value) = table.get(path) {
        return Some(value);
    }
    path.match_indices('.').find_map(|(dot, _)| match table.get(&path[..dot]) {
        Some(toml::Value::Table(inner)) => lookup_in_table(inner, &path[dot + 1..]),
        _ => None,
    })
}

/// Adds every param of `params` to `out` as a flat `a.b.c` key (nested tables flattened).
/// Called once per listed run, so a key already there costs no allocation.
pub fn flat_param_keys(params: &BTreeMap<String, toml::Value>, out: &mut BTreeSet<String>) {
    let mut path = String::new();
    for (key, value) in params {
        push_flat(&mut path, key, value, out);
    }
}

fn push_flat(path: &mut String, key: &str, value: &toml::Value, out: &mut BTreeSet<String>) {
    let len = path.len();
    if len > 0 {
        path.push('.');
    }
    path.push_str(key);
    match value {
        toml::Value::Table(table) if !table.is_empty() => {
            for (inner_key, inner) in table {
                push_flat(path, inner_key, inner, out);
            }
        }
        _ if out.contains(path.as_str()) => {}
        _ => {
            out.insert(path.clone());
        }
    }
    path.truncate(len);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<String, String> {
        Field::parse(text, 0).map(|f| f.to_string()).map_err(|e| {
            let hint = e.hint.map(|h| format!(" (hint: {h})")).unwrap_or_default();
            format!("{}@{}..{}{hint}", e.message, e.span.start, e.span.end)
        })
    }

    #[test]
    fn parse_table() {
        let roots = format!(" (hint: fields are {ROOTS})");
        let cases: Vec<(&str, Result<String, String>)> = vec![
            ("id", Ok("id".into())),
            ("exit_code", Ok("exit_code".into())),
            ("params.lr", Ok("params.lr".into())),
            ("params.opt.beta1", Ok("params.opt.beta1".into())),
            ("metrics.acc", Ok("metrics.acc".into())),
            ("metrics.train/loss:min", Ok("metrics.train/loss:min".into())),
            ("metrics.val.acc:count", Ok("metrics.val.acc:count".into())),
            ("host.hostname", Ok("host.hostname".into())),
            ("foo", Err(format!("unknown field `foo`@0..3{roots}"))),
            ("param.lr", Err(format!("unknown field `param.lr`@0..8{roots}"))),
            ("params", Err("`params` needs a key, as in `params.lr`@0..6".into())),
            ("metrics.", Err("`metrics` needs a key, as in `metrics.loss:min`@0..8".into())),
            ("host", Err("`host` needs a key, as in `host.hostname`@0..4".into())),
            (
                "metrics.acc:avg",
                Err("unknown rollup `avg` in `metrics.acc:avg`@12..15 (hint: rollups are first, last, min, max, mean and count)"
                    .into()),
            ),
            ("metrics.:max", Err("`metrics.:max` names no metric, as in `metrics.loss:min`@0..12".into())),
            (
                "params.lr:max",
                Err("`:max` applies only to metrics@9..13 (hint: did you mean `metrics.lr:max`?)".into()),
            ),
            (
                "host.gpu",
                Err("unknown field `host.gpu`@0..8 (hint: host fields are host.hostname, host.user, host.os, \
                     host.arch, host.cpus, host.memory_bytes, host.gpus)"
                    .into()),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text), expected, "{text}");
        }
    }

    #[test]
    fn nested_params_are_found_by_path() {
        let params: BTreeMap<String, toml::Value> =
            toml::from_str("lr = 0.1\n\"a.b\" = 1\n[opt]\nbeta1 = 0.9\n[opt.inner]\nx = \"y\"\n").expect("toml");
        assert_eq!(lookup_param(&params, "lr"), Some(&toml::Value::Float(0.1)));
        assert_eq!(lookup_param(&params, "a.b"), Some(&toml::Value::Integer(1)));
        assert_eq!(lookup_param(&params, "opt.beta1"), Some(&toml::Value::Float(0.9)));
        assert_eq!(lookup_param(&params, "opt.inner.x"), Some(&toml::Value::String("y".into())));
        assert_eq!(lookup_param(&params, "opt.nope"), None);
        let mut keys = BTreeSet::new();
        flat_param_keys(&params, &mut keys);
        assert_eq!(keys.into_iter().collect::<Vec<_>>(), ["a.b", "lr", "opt.beta1", "opt.inner.x"]);
    }
}
