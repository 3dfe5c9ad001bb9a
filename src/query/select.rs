//! Choosing runs from a listing: branch, start time, filter, order and count.

use jiff::Timestamp;

use super::field::Field;
use super::indexed::{Candidate, IndexedRun};
use super::sort::compare_keys;
use super::{Filter, SortKey, sort_runs};
use crate::store::lindex::ListingIndex;
use crate::store::{Run, Store};

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

/// Past this limit, a sorted selection keeps every match and sorts once; below it, only the
/// best `limit` (what `ls --sort … --limit 20` needs, in memory for 20 runs).
const TOP_K_MAX: usize = 4096;

impl Selection {
    /// Every field the filters and sort keys read.
    fn fields(&self) -> Vec<&Field> {
        let mut fields: Vec<&Field> = self.filters.iter().flat_map(Filter::fields).collect();
        fields.extend(self.sort.iter().map(|k| &k.field));
        fields
    }

    /// Whether rows of the listing index can answer this selection; if not, [`Selection::apply`]
    /// on whole runs does.
    #[must_use]
    pub fn fits_index(&self) -> bool {
        self.fields().into_iter().all(IndexedRun::holds)
    }

    /// Chooses runs from the listing index (newest first), ordered and cut to the limit, as
    /// [`Selection::apply`] does on whole runs. Unsorted, rows stream one by one; sorted, the
    /// matches (or the best `limit` of them) are kept first. `Err` is a run that could not be
    /// read (a warning), where a row could not answer a field and the whole record was needed.
    pub fn apply_indexed<'a>(
        &'a self,
        store: &'a Store,
        index: &'a ListingIndex,
        now: Timestamp,
    ) -> Box<dyn Iterator<Item = Result<Candidate<'a>, String>> + 'a> {
        let fields = self.fields();
        let matches = (0..index.len()).filter_map(move |n| {
            // A row that does not decode (a writer's bug: the file's CRC held) is said, not
            // skipped silently.
            let Some(row) = index.row(n) else {
                return Some(Err(format!(
                    "row {n} of the listing index cannot be read; `git exp gc --reindex` rebuilds it"
                )));
            };
            if self.branch.as_deref().is_some_and(|b| row.branch != Some(b)) {
                return None;
            }
            if self.since.is_some_and(|since| row.started < since) {
                return None;
            }
            let status = store.row_status(&row);
            let run = IndexedRun::new(row, index, status);
            let candidate = if fields.iter().any(|f| run.value(f, now).is_none()) {
                let whole = (run.row.commit, run.row.id.to_owned());
                match store.read_rows(&[whole]).pop()? {
                    Ok(run) => Candidate::Whole(Box::new(run)),
                    Err(message) => return Some(Err(message)),
                }
            } else {
                Candidate::Row(run)
            };
            self.filters.iter().all(|f| f.matches_candidate(&candidate)).then_some(Ok(candidate))
        });
        let limit = self.limit.unwrap_or(usize::MAX);
        if self.sort.is_empty() {
            return Box::new(matches.scan(0, move |shown, item| {
                // Warnings do not count toward the limit.
                if *shown >= limit {
                    return None;
                }
                *shown += usize::from(item.is_ok());
                Some(item)
            }));
        }
        let mut warnings = Vec::new();
        let mut best: Vec<Candidate<'a>> = Vec::new();
        for item in matches {
            match item {
                Ok(candidate) => best.push(candidate),
                Err(message) => warnings.push(message),
            }
            if limit <= TOP_K_MAX && best.len() > limit.saturating_mul(2).max(64) {
                self.sort_candidates(&mut best, now);
                best.truncate(limit);
            }
        }
        self.sort_candidates(&mut best, now);
        best.truncate(limit);
        Box::new(warnings.into_iter().map(Err).chain(best.into_iter().map(Ok)))
    }

    /// Sorts by the sort keys, stable (ties keep the listing's order), as `sort_runs` does.
    fn sort_candidates(&self, candidates: &mut Vec<Candidate<'_>>, now: Timestamp) {
        let keyed: Vec<(Vec<crate::query::Value<'_>>, usize)> = candidates
            .iter()
            .enumerate()
            .map(|(n, c)| (self.sort.iter().map(|k| c.value(&k.field, now)).collect(), n))
            .collect();
        let mut order: Vec<(Vec<crate::query::Value<'_>>, usize)> = keyed;
        order.sort_by(|(a, _), (b, _)| compare_keys(&self.sort, a, b));
        let order: Vec<usize> = order.into_iter().map(|(_, n)| n).collect();
        let mut slots: Vec<Option<Candidate<'_>>> = candidates.drain(..).map(Some).collect();
        candidates.extend(order.into_iter().filter_map(|n| slots[n].take()));
    }
}
