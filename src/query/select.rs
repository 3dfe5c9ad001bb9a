//! Choosing runs from a listing: branch, start time, filter, order and count.

use jiff::Timestamp;

use super::{Filter, SortKey, sort_runs};
use crate::store::Run;

/// Which runs to show, in which order, as `ls` options describe them.
#[derive(Debug, Default)]
pub struct Selection {
    pub branch: Option<String>,
    /// Only runs started at or after this instant.
    pub since: Option<Timestamp>,
    /// Every filter must match.
    pub filters: Vec<Filter>,
    /// Empty: the listing's order, newest first.
    pub sort: Vec<SortKey>,
    pub limit: Option<usize>,
}

impl Selection {
    /// Returns the runs of `runs` (newest first) that match, ordered and cut to the limit.
    pub fn apply<'a>(&self, runs: &'a [Run], now: Timestamp) -> Vec<&'a Run> {
        let mut chosen: Vec<&Run> = runs
            .iter()
            .filter(|r| self.branch.as_ref().is_none_or(|b| r.record.branch.as_ref() == Some(b)))
            .filter(|r| self.since.is_none_or(|since| r.record.started >= since))
            .filter(|r| self.filters.iter().all(|f| f.matches(r)))
            .collect();
        sort_runs(&mut chosen, &self.sort, now);
        if let Some(limit) = self.limit {
            chosen.truncate(limit);
        }
        chosen
    }
}
