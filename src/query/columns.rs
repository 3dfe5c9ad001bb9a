//! Columns of a run listing: which fields to show, and each value as a table cell.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value as Json;

use super::Error;
use super::field::{Field, Plain, Rollup, flat_param_keys};
use super::indexed::Candidate;
use super::sort::split_list;
use super::value::{Value, format_number, format_number_exact, format_time};
use crate::store::Run;
use crate::ui::{Cell, Table};

/// How cells are written: for people (terminal, markdown) or for machines (csv, tsv, json).
#[derive(Debug, Clone)]
pub struct CellStyle {
    pub human: bool,
    /// The zone people read times in.
    pub tz: TimeZone,
}

impl CellStyle {
    pub fn human() -> Self {
        Self { human: true, tz: TimeZone::system() }
    }

    pub fn machine() -> Self {
        Self { human: false, tz: TimeZone::UTC }
    }
}

/// Parses `--columns id,name,params.lr,metrics.acc:max`.
pub fn parse_columns(text: &str) -> Result<Vec<Field>, Error> {
    split_list(text)
        .map(|(item, offset)| {
            if item.is_empty() {
                return Err(Error::new(offset..(offset + 1).min(text.len()), "expected a field name")
                    .with_hint("write fields separated by commas, as in `id,name,params.lr`"));
            }
            Field::parse(item, offset)
        })
        .collect()
}

const DEFAULT_PLAIN: &[&str] = &["id", "name", "status", "started", "duration", "branch", "tags"];
const ALL_PLAIN: &[&str] =
    &["id", "name", "status", "started", "ended", "duration", "branch", "base", "tags", "note", "host.hostname"];
/// Rollups `--all-columns` shows for every metric (count and first are in `show`).
const ALL_ROLLUPS: [Rollup; 4] = [Rollup::Last, Rollup::Min, Rollup::Max, Rollup::Mean];

/// A run as a listing reads it: its whole record, or a run chosen from the listing index
/// ([`Candidate`]), which answers from its row where the row holds the field.
pub trait Listed {
    fn value(&self, field: &Field, now: Timestamp) -> Value<'_>;
    /// Adds the flat keys of its params and the keys of its metrics.
    fn add_keys(&self, params: &mut BTreeSet<String>, metrics: &mut BTreeSet<String>);
}

impl Listed for &Run {
    fn value(&self, field: &Field, now: Timestamp) -> Value<'_> {
        field.get(self, now)
    }

    fn add_keys(&self, params: &mut BTreeSet<String>, metrics: &mut BTreeSet<String>) {
        flat_param_keys(&self.record.params, params);
        add_all(metrics, self.record.metrics.keys().map(String::as_str));
    }
}

impl Listed for Candidate<'_> {
    fn value(&self, field: &Field, now: Timestamp) -> Value<'_> {
        Candidate::value(self, field, now)
    }

    fn add_keys(&self, params: &mut BTreeSet<String>, metrics: &mut BTreeSet<String>) {
        match self {
            Candidate::Whole(run) => (&**run).add_keys(params, metrics),
            // A row's param keys are flattened as `flat_param_keys` flattens them.
            Candidate::Row(run) => {
                add_all(params, run.param_keys());
                add_all(metrics, run.metric_keys());
            }
        }
    }
}

/// Adds keys, allocating only for those not there yet (called once per listed run).
fn add_all<'k>(set: &mut BTreeSet<String>, keys: impl Iterator<Item = &'k str>) {
    for key in keys {
        if !set.contains(key) {
            set.insert(key.to_owned());
        }
    }
}

/// The default columns: id, name, status, started, duration, branch, tags (each only if some
/// run has it), then every param and the last value of every metric of `runs`.
pub fn default_columns(runs: &[impl Listed], now: Timestamp) -> Vec<Field> {
    let mut fields = plain(DEFAULT_PLAIN, runs, now);
    let (params, metrics) = keys(runs);
    fields.extend(params.into_iter().map(Field::Param));
    fields.extend(metrics.into_iter().map(|key| Field::Metric { key, rollup: Rollup::Last, explicit: false }));
    fields
}

/// Every column: more record fields than the default, every param, and the last, min, max and
/// mean of every metric.
pub fn all_columns(runs: &[impl Listed], now: Timestamp) -> Vec<Field> {
    let mut fields = plain(ALL_PLAIN, runs, now);
    let (params, metrics) = keys(runs);
    fields.extend(params.into_iter().map(Field::Param));
    for key in metrics {
        fields.extend(ALL_ROLLUPS.iter().map(|&rollup| Field::Metric { key: key.clone(), rollup, explicit: true }));
    }
    fields
}

fn plain(names: &[&str], runs: &[impl Listed], now: Timestamp) -> Vec<Field> {
    names
        .iter()
        .filter_map(|name| Field::parse(name, 0).ok())
        .filter(|field| {
            // `id` always: a row must say which run it is.
            field.to_string() == "id" || runs.iter().any(|run| !run.value(field, now).is_missing())
        })
        .collect()
}

/// The flat param keys and the metric keys of `runs`, sorted.
fn keys(runs: &[impl Listed]) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut params, mut metrics) = (BTreeSet::new(), BTreeSet::new());
    for run in runs {
        run.add_keys(&mut params, &mut metrics);
    }
    (params, metrics)
}

/// Builds the table of `fields` (columns) over `runs` (rows).
pub fn run_table(runs: &[impl Listed], fields: &[Field], now: Timestamp, style: &CellStyle) -> Table {
    Table {
        columns: fields.iter().map(Field::to_string).collect(),
        rows: runs
            .iter()
            .map(|run| fields.iter().map(|f| field_cell(&run.value(f, now), f, style)).collect())
            .collect(),
    }
}

/// Shortens `params.lr` to `lr` and `metrics.acc:max` to `acc:max` in the headers, for terminal
/// tables where width is scarce, except where two columns would then have the same name.
pub fn shorten_headers(table: &mut Table) {
    let short = |name: &str| -> String {
        name.strip_prefix("params.").or_else(|| name.strip_prefix("metrics.")).unwrap_or(name).to_owned()
    };
    let shortened: Vec<String> = table.columns.iter().map(|c| short(c)).collect();
    for (i, column) in table.columns.iter_mut().enumerate() {
        if shortened.iter().filter(|s| **s == shortened[i]).count() == 1 {
            *column = shortened[i].clone();
        }
    }
}

/// Drops the columns whose values are the same in every row, except those named in `keep`.
/// With fewer than two rows nothing is compared, so nothing is dropped.
pub fn hide_unchanged_columns(table: &mut Table, keep: &[&str]) {
    if table.rows.len() < 2 {
        return;
    }
    let changed: Vec<bool> = (0..table.columns.len())
        .map(|i| {
            keep.contains(&table.columns[i].as_str()) || table.rows.iter().any(|r| r[i].value != table.rows[0][i].value)
        })
        .collect();
    let mut i = 0;
    table.columns.retain(|_| {
        i += 1;
        changed[i - 1]
    });
    for row in &mut table.rows {
        let mut i = 0;
        row.retain(|_| {
            i += 1;
            changed[i - 1]
        });
    }
}

/// Turns a field's value into a cell: typed JSON for `--format json`, text for the others.
pub fn field_cell(value: &Value<'_>, field: &Field, style: &CellStyle) -> Cell {
    let short_hash = style.human && matches!(field, Field::Plain(Plain::Base | Plain::Commit));
    match value {
        Value::Text(text) if short_hash => Cell::new(Json::String(text.to_string()), text.get(..10).unwrap_or(text)),
        _ => cell(value, style),
    }
}

/// Turns a value into a cell: typed JSON for `--format json`, text for the other formats.
pub fn cell(value: &Value<'_>, style: &CellStyle) -> Cell {
    Cell::new(json(value), text(value, style))
}

/// The text of a value in a cell.
pub fn text(value: &Value<'_>, style: &CellStyle) -> String {
    match value {
        Value::Missing => String::new(),
        Value::Text(text) => text.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Number(n) if style.human => format_number(*n),
        // A float reads back as a float: `1.0`, not `1`.
        Value::Number(n) => crate::format::exact_float(*n),
        Value::Bool(b) => b.to_string(),
        Value::Time(t) if style.human => format_time(*t, &style.tz),
        Value::Time(t) => crate::clock::rfc3339(*t),
        Value::Duration(d) if style.human => crate::format::duration(*d),
        Value::Duration(d) => format_number_exact((d * 1000.0).round() / 1000.0),
        Value::Strings(items) => items.join(","),
        Value::Array(items) => toml::Value::Array(items.to_vec()).to_string(),
        Value::Table(table) => toml::Value::Table((*table).clone()).to_string(),
        Value::Delta { abs, .. } => format_number(*abs),
    }
}

/// The JSON form of a value: numbers as numbers (whole ones as integers), times as RFC 3339,
/// durations in seconds, non-finite numbers as "nan"/"inf"/"-inf" (as in FORMAT.md).
pub fn json(value: &Value<'_>) -> Json {
    match value {
        Value::Missing => Json::Null,
        Value::Text(text) => Json::String(text.to_string()),
        Value::Integer(i) => Json::from(*i),
        Value::Number(n) => float(*n),
        Value::Duration(n) => number(*n),
        Value::Bool(b) => Json::Bool(*b),
        Value::Time(t) => Json::String(crate::clock::rfc3339(*t)),
        Value::Strings(items) => Json::Array(items.iter().map(|s| Json::String(s.clone())).collect()),
        Value::Array(items) => serde_json::to_value(items).unwrap_or(Json::Null),
        Value::Table(table) => serde_json::to_value(table).unwrap_or(Json::Null),
        Value::Delta { abs, rel } => serde_json::json!({ "abs": number(*abs), "rel": rel.map_or(Json::Null, number) }),
    }
}

/// A float stays a float in JSON (`1.0`), as in the run's own record; non-finite ones by name.
fn float(n: f64) -> Json {
    if n.is_finite() { Json::from(n) } else { Json::String(crate::store::record::float::name(n).to_owned()) }
}

fn number(n: f64) -> Json {
    const EXACT_INT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.is_finite() && n == n.trunc() && n.abs() < EXACT_INT {
        Json::from(n as i64)
    } else if n.is_finite() {
        Json::from(n)
    } else {
        Json::String(crate::store::record::float::name(n).to_owned())
    }
}
