//! Fields of a run as label templates name them.
//!
//! Interim: this mirrors the field names of the query language (`ls --where`), which lives on
//! the query branch; once `crate::query` is merged, labels resolve through `query::Field`.

use crate::capture::params::{display_value, lookup};
use crate::store::Run;

use super::format::{duration, number};

#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Plain(&'static str),
    Param(String),
    Metric { key: String, rollup: &'static str },
    Host(&'static str),
}

pub struct FieldError {
    pub message: String,
    pub hint: String,
}

const PLAIN: [&str; 15] = [
    "id",
    "name",
    "status",
    "tags",
    "note",
    "started",
    "ended",
    "duration",
    "branch",
    "base",
    "commit",
    "command",
    "exit_code",
    "dirty",
    "sweep",
];
const ROLLUPS: [&str; 6] = ["first", "last", "min", "max", "mean", "count"];
const HOST: [&str; 7] = ["hostname", "user", "os", "arch", "cpus", "memory_bytes", "gpus"];

impl Field {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let roots = "fields are id, name, status, tags, note, started, ended, duration, branch, base, commit, \
                     command, exit_code, dirty, sweep, params.<key>, metrics.<key>[:first|last|min|max|mean|count], \
                     host.<key>";
        if let Some(name) = PLAIN.iter().find(|n| **n == text) {
            return Ok(Field::Plain(name));
        }
        let (root, rest) = text.split_once('.').unwrap_or((text, ""));
        let err = |message: String| FieldError { message, hint: roots.to_owned() };
        match root {
            "params" | "metrics" | "host" if rest.is_empty() => {
                Err(err(format!("`{root}` needs a key, as in `{root}.x`")))
            }
            "params" => Ok(Field::Param(rest.to_owned())),
            "metrics" => {
                let (key, rollup) = rest.rsplit_once(':').unwrap_or((rest, "last"));
                let rollup = ROLLUPS
                    .iter()
                    .find(|r| **r == rollup)
                    .ok_or_else(|| err(format!("unknown rollup `{rollup}` in `{text}`")))?;
                Ok(Field::Metric { key: key.to_owned(), rollup })
            }
            "host" => HOST
                .iter()
                .find(|h| **h == rest)
                .map(|h| Field::Host(h))
                .ok_or_else(|| err(format!("unknown field `{text}`"))),
            _ => Err(err(format!("unknown field `{text}`"))),
        }
    }
}

/// Shows a field of `run` as people read it, or `None` when the run has no such value.
pub fn display(field: &Field, run: &Run, now: jiff::Timestamp) -> Option<String> {
    let r = &run.record;
    let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    match field {
        Field::Plain(name) => match *name {
            "id" => Some(r.id.to_string()),
            "name" => some(&r.name),
            "status" => Some(run.status.to_string()),
            "tags" => some(&r.tags.join(",")),
            "note" => some(&r.note),
            "started" => Some(super::format::time(r.started)),
            "ended" => r.ended.map(super::format::time),
            "duration" => Some(duration(r.duration(now))),
            "branch" => r.branch.clone(),
            "base" => r.base.as_ref().map(|b| b.chars().take(12).collect()),
            "commit" => Some(run.commit.to_string()),
            "command" => some(&crate::store::record::shell_join(&r.command)),
            "exit_code" => r.exit_code.map(|c| c.to_string()),
            "dirty" => Some(r.dirty.to_string()),
            "sweep" => r.sweep.clone(),
            _ => None,
        },
        Field::Param(path) => lookup(&r.params, path).map(display_value),
        Field::Metric { key, rollup } => r.metrics.get(key).map(|m| match *rollup {
            "first" => number(m.first),
            "min" => number(m.min),
            "max" => number(m.max),
            "mean" => number(m.mean),
            "count" => m.count.to_string(),
            _ => number(m.last),
        }),
        Field::Host(key) => {
            let h = &r.host;
            match *key {
                "hostname" => some(&h.hostname),
                "user" => some(&h.user),
                "os" => some(&h.os),
                "arch" => some(&h.arch),
                "cpus" => (h.cpus > 0).then(|| h.cpus.to_string()),
                "memory_bytes" => (h.memory_bytes > 0).then(|| h.memory_bytes.to_string()),
                _ => some(&h.gpus.join(",")),
            }
        }
    }
}
