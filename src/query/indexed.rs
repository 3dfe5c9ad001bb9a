//! Fields of a run read from a row of the listing index (`store::lindex`) instead of its whole
//! record. Each arm gives exactly what [`Field::get`] gives on the record (the record stays the
//! reference: tests compare the two); a field a row cannot hold (`command`, `host.*`, `base`, a
//! param that is an array or a table) is `None`, and the caller reads the whole record.

use std::borrow::Cow;
use std::cell::OnceCell;

use jiff::Timestamp;

use super::field::{Field, Plain};
use super::value::Value;
use crate::store::lindex::{ListingIndex, Param, Rollups, RowData};
use crate::store::{MetricSummary, Run, Status};

/// One run as the listing index holds it.
pub struct IndexedRun<'a> {
    pub row: RowData<'a>,
    index: &'a ListingIndex,
    /// As shown: a `running` run whose process is gone is `crashed`.
    pub status: Status,
    /// Decoded on first use: most queries never read tags.
    tags: OnceCell<Vec<String>>,
}

impl<'a> IndexedRun<'a> {
    #[must_use]
    pub fn new(row: RowData<'a>, index: &'a ListingIndex, status: Status) -> Self {
        Self { row, index, status, tags: OnceCell::new() }
    }

    /// Whether a row can hold this field at all (whatever run it is).
    #[must_use]
    pub fn holds(field: &Field) -> bool {
        match field {
            // `base` is left out of rows: 40 characters in every row that hardly any query reads.
            Field::Plain(Plain::Command | Plain::Base) | Field::Host(_) => false,
            Field::Plain(_) | Field::Param(_) | Field::Metric { .. } => true,
        }
    }

    /// The field's value, or `None` when only the whole record can tell.
    pub fn value(&self, field: &Field, now: Timestamp) -> Option<Value<'_>> {
        let row = &self.row;
        let text = |s: &'a str| if s.is_empty() { Value::Missing } else { Value::Text(Cow::Borrowed(s)) };
        let opt_text = |s: Option<&'a str>| s.map_or(Value::Missing, text);
        Some(match field {
            Field::Plain(plain) => match plain {
                Plain::Id => text(row.id),
                Plain::Name => text(row.name),
                Plain::Status => Value::Text(Cow::Borrowed(self.status.as_str())),
                Plain::Tags if row.tag_count == 0 => Value::Missing,
                Plain::Tags => Value::Strings(self.tags.get_or_init(|| row.tags().map(str::to_owned).collect())),
                Plain::Note => text(row.note),
                Plain::Started => Value::Time(row.started),
                Plain::Ended => row.ended.map_or(Value::Missing, Value::Time),
                // As `RunRecord::duration`.
                Plain::Duration => Value::Duration(crate::store::record::duration(row.started, row.ended, now)),
                Plain::Branch => opt_text(row.branch),
                Plain::Commit => Value::Text(Cow::Owned(row.commit.to_string())),
                Plain::Command | Plain::Base => return None,
                Plain::ExitCode => row.exit_code.map_or(Value::Missing, |c| Value::Integer(i64::from(c))),
                Plain::Dirty => Value::Bool(row.dirty),
                Plain::Sweep => opt_text(row.sweep),
            },
            Field::Param(path) => return self.param(path),
            Field::Metric { key, rollup, .. } => self
                .row
                .metrics()
                .find(|(k, _)| self.index.key(*k) == key.as_str())
                .map_or(Value::Missing, |(_, m)| Value::Number(rollup.of(&summary(&m)))),
            Field::Host(_) => return None,
        })
    }

    /// The flat keys of its params (as `flat_param_keys` gives them from the record).
    pub fn param_keys(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let index = self.index;
        self.row.params().map(move |(key, _)| index.key(key))
    }

    /// The keys of its metrics.
    pub fn metric_keys(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let index = self.index;
        self.row.metrics().map(move |(key, _)| index.key(key))
    }

    /// A param by its flattened path, as `lookup_param` finds it in the record.
    fn param(&self, path: &str) -> Option<Value<'_>> {
        let id = self.index.key_id(path);
        let mut names_a_table = false;
        for (key, value) in self.row.params() {
            if Some(key) == id {
                return match value {
                    Param::Text(s) => Some(Value::Text(Cow::Borrowed(s))),
                    Param::Integer(i) => Some(Value::Integer(i)),
                    Param::Float(f) => Some(Value::Number(f)),
                    Param::Bool(b) => Some(Value::Bool(b)),
                    Param::Other => None,
                };
            }
            names_a_table |= self.index.key(key).strip_prefix(path).is_some_and(|rest| rest.starts_with('.'));
        }
        // `params.opt` of a run with `opt.beta1` is the table `opt`: only the record has it.
        if names_a_table { None } else { Some(Value::Missing) }
    }
}

/// The summary `Rollup::of` reads (steps are not in the index, and no rollup reads them).
fn summary(m: &Rollups) -> MetricSummary {
    MetricSummary {
        count: m.count,
        first_step: 0,
        last_step: 0,
        first: m.first,
        last: m.last,
        min: m.min,
        max: m.max,
        mean: m.mean,
    }
}

/// A run chosen by a selection over the index: its row, or its whole record where the row could
/// not answer every field the selection reads.
// Rows are the common case, made for every run tested: boxing them would allocate per run; the
// rare whole run is boxed instead.
#[allow(clippy::large_enum_variant)]
pub enum Candidate<'a> {
    Row(IndexedRun<'a>),
    Whole(Box<Run>),
}

impl Candidate<'_> {
    /// The field's value; a row candidate was made only where its row answers the fields read.
    pub fn value(&self, field: &Field, now: Timestamp) -> Value<'_> {
        match self {
            Candidate::Row(run) => run.value(field, now).unwrap_or(Value::Missing),
            Candidate::Whole(run) => field.get(run, now),
        }
    }
}
