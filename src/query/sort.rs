//! `--sort [-]FIELD[,…]`: ordering runs by any field, missing values last.

use std::cmp::Ordering;

use jiff::Timestamp;

use super::Error;
use super::field::Field;
use super::value::Value;
use crate::store::Run;

/// One sort key: a field, highest first when `descending`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub field: Field,
    pub descending: bool,
}

/// Parses `-metrics.acc:max,name`: comma-separated fields, each optionally prefixed with `-`
/// (highest first) or `+` (lowest first, the default).
pub fn parse_sort_keys(text: &str) -> Result<Vec<SortKey>, Error> {
    split_list(text)
        .map(|(item, offset)| {
            let (descending, name, offset) = match item.as_bytes().first() {
                Some(b'-') => (true, &item[1..], offset + 1),
                Some(b'+') => (false, &item[1..], offset + 1),
                _ => (false, item, offset),
            };
            if name.is_empty() {
                return Err(Error::new(offset..(offset + 1).min(text.len()), "expected a field to sort by")
                    .with_hint("write fields separated by commas, as in `-metrics.acc:max,name`"));
            }
            Ok(SortKey { field: Field::parse(name, offset)?, descending })
        })
        .collect()
}

/// Splits a comma-separated list into trimmed items with their byte offsets.
pub fn split_list(text: &str) -> impl Iterator<Item = (&str, usize)> {
    let mut offset = 0;
    text.split(',').map(move |part| {
        let start = offset + (part.len() - part.trim_start().len());
        offset += part.len() + 1;
        (part.trim(), start)
    })
}

/// Sorts runs by `keys` (a stable sort: ties keep their order, newest first from a listing).
/// Missing values go last whatever the direction, so `-metrics.acc` puts the best run first and
/// runs without the metric at the end.
pub fn sort_runs(runs: &mut Vec<&Run>, keys: &[SortKey], now: Timestamp) {
    if keys.is_empty() {
        return;
    }
    // Read every key of every run once, not once per comparison.
    let mut keyed: Vec<(Vec<Value<'_>>, &Run)> =
        runs.iter().map(|run| (keys.iter().map(|k| k.field.get(run, now)).collect(), *run)).collect();
    keyed.sort_by(|(a, _), (b, _)| compare_keys(keys, a, b));
    runs.clear();
    runs.extend(keyed.into_iter().map(|(_, run)| run));
}

/// Compares two runs' values of `keys`, key by key.
pub(super) fn compare_keys(keys: &[SortKey], a: &[Value<'_>], b: &[Value<'_>]) -> Ordering {
    keys.iter()
        .zip(a.iter().zip(b))
        .map(|(key, (a, b))| compare(a, b, key.descending))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn compare(a: &Value<'_>, b: &Value<'_>, descending: bool) -> Ordering {
    match (a.is_missing(), b.is_missing()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) if descending => b.sort_cmp(a),
        (false, false) => a.sort_cmp(b),
    }
}
