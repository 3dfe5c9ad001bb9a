//! The query language: filter expressions (`--where`, `--fail-if`), sort keys, columns, field
//! values and rollups. See docs/QUERY.md for the language as users see it.
//!
//! An expression is parsed and type-checked once into a [`Pred`] whose literals are already
//! read as numbers, durations, times or regexes; evaluating it per run only looks fields up.

mod columns;
mod error;
mod eval;
mod field;
mod indexed;
mod lexer;
mod parser;
mod select;
mod sort;
mod value;

#[cfg(test)]
pub(crate) mod tests;

use jiff::Timestamp;
use jiff::tz::TimeZone;

pub use columns::{
    CellStyle, Listed, all_columns, cell, default_columns, field_cell, hide_unchanged_columns, parse_columns,
    run_table, shorten_headers,
};
pub use error::Error;
pub use eval::{Pred, Source};
pub use field::{Field, Kind, Rollup, flat_param_keys, lookup_param};
pub use indexed::{Candidate, IndexedRun};
pub use parser::Mode;
pub use select::Selection;
pub use sort::{SortKey, parse_sort_keys, sort_runs};
pub use value::{Literal, Value, format_number};

use crate::store::Run;

/// A `--where` expression, ready to test runs.
#[derive(Debug, Clone)]
pub struct Filter {
    pred: Pred,
    now: Timestamp,
}

impl Filter {
    /// Parses and checks a filter; dates are read in the local time zone, `7d ago` from `now`.
    pub fn parse(text: &str, now: Timestamp) -> Result<Self, Error> {
        Self::parse_in(text, now, &TimeZone::system())
    }

    pub fn parse_in(text: &str, now: Timestamp, tz: &TimeZone) -> Result<Self, Error> {
        Ok(Self { pred: parser::Parser::parse(text, Mode::Filter, now, tz)?, now })
    }

    pub fn matches(&self, run: &Run) -> bool {
        self.pred.eval(&RunSource { run, now: self.now })
    }

    /// Whether a run chosen from the listing index matches (`now` as for `matches`).
    pub fn matches_candidate(&self, candidate: &Candidate<'_>) -> bool {
        self.pred.eval(&CandidateSource { candidate, now: self.now })
    }

    /// Every field the filter reads.
    pub fn fields(&self) -> Vec<&Field> {
        self.pred.fields()
    }
}

/// Parses an expression over a pair of runs (`--fail-if`), where numbers are changes.
pub fn parse_gate(text: &str, now: Timestamp) -> Result<Pred, Error> {
    parser::Parser::parse(text, Mode::Gate, now, &TimeZone::system())
}

/// The fields of one run.
pub struct RunSource<'a> {
    pub run: &'a Run,
    pub now: Timestamp,
}

impl Source for RunSource<'_> {
    fn value(&self, field: &Field) -> Value<'_> {
        field.get(self.run, self.now)
    }
}

struct CandidateSource<'a, 'b> {
    candidate: &'a Candidate<'b>,
    now: Timestamp,
}

impl Source for CandidateSource<'_, '_> {
    fn value(&self, field: &Field) -> Value<'_> {
        self.candidate.value(field, self.now)
    }
}

/// Parses `--since`: a duration back from `now` (`7d`, `12h`) or a date or time
/// (`2026-11-01`, the start of that day in the local time zone).
pub fn parse_since(text: &str, now: Timestamp) -> Result<Timestamp, Error> {
    let span = 0..text.len();
    let mut lit = Literal::bare(text.trim(), &TimeZone::system());
    if lit.duration.is_some() {
        lit.ago(now);
    }
    lit.time.map(|t| t.start).ok_or_else(|| {
        Error::new(span, format!("`{text}` is neither a duration nor a date"))
            .with_hint("write a duration such as `7d` or `12h`, or a date such as `2026-11-01`")
    })
}
