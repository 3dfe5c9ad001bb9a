//! `compare`: runs side by side, one column per run and one row per field.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde_json::Value as Json;

use super::rollups_for;
use crate::query::{self, CellStyle, Field};
use crate::store::Run;
use crate::ui::{Cell, Table};

/// Record fields compared first, in this order.
const RECORD_FIELDS: &[&str] =
    &["name", "status", "started", "duration", "branch", "base", "tags", "note", "host.hostname", "command"];

/// Builds the side-by-side table: a `field` column, then one column per run (headed by its id).
/// Rows are the record fields above, every param, then each metric's rollups (only `last` for
/// metrics logged once). With `hide_unchanged`, rows equal in every run are left out; rows
/// empty in every run always are.
pub fn compare_table(runs: &[&Run], now: Timestamp, style: &CellStyle, hide_unchanged: bool) -> Table {
    let mut fields: Vec<Field> = RECORD_FIELDS.iter().filter_map(|name| Field::parse(name, 0).ok()).collect();
    let mut params = BTreeSet::new();
    for run in runs {
        query::flat_param_keys(&run.record.params, &mut params);
    }
    fields.extend(params.into_iter().map(Field::Param));
    // The largest count per metric decides which rollups are worth a row.
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for run in runs {
        for (key, summary) in &run.record.metrics {
            let count = counts.entry(key.as_str()).or_default();
            *count = (*count).max(summary.count);
        }
    }
    for (key, count) in counts {
        let rollups = rollups_for(Some(count), None);
        fields.extend(rollups.iter().map(|&rollup| Field::Metric {
            key: key.to_owned(),
            rollup,
            explicit: rollups.len() > 1,
        }));
    }

    let mut columns = vec!["field".to_owned()];
    columns.extend(runs.iter().map(|r| r.record.id.to_string()));
    let mut rows = Vec::new();
    for field in &fields {
        let cells: Vec<Cell> = runs.iter().map(|run| query::field_cell(&field.get(run, now), field, style)).collect();
        let empty = cells.iter().all(|c| c.value == Json::Null);
        let same = cells.windows(2).all(|w| w[0].value == w[1].value);
        if empty || (hide_unchanged && runs.len() > 1 && same) {
            continue;
        }
        let mut row = vec![Cell::text(field.to_string())];
        row.extend(cells);
        rows.push(row);
    }
    Table { columns, rows }
}
