//! What `show` reads about a run beyond its record: series for sparklines, artifacts, the code
//! changed since its base (or why that is unknown) and the end of its output.

use super::record::{OUTPUT_LOG, RECORD_DIR};
use super::{Artifact, Result, Run, Store};
use crate::git::FileChange;

/// Series are read for sparklines only up to this many points; longer ones would cost a read of
/// megabytes for a few characters.
const SPARKLINE_MAX_POINTS: u64 = 200_000;

/// A run's details, read from its tree.
pub struct RunDetails {
    /// Each metric's values in order, for metrics short enough to draw.
    pub series: Vec<(String, Vec<f64>)>,
    pub artifacts: Vec<Artifact>,
    /// Files changed from the run's base to its code (empty when the base is missing).
    pub changes: Vec<(FileChange, String)>,
    /// Why there are no code changes to show, when the base is missing.
    pub base_note: Option<String>,
    /// The last lines of the output.
    pub tail: Vec<String>,
}

impl Store {
    /// Reads what `show` prints of `run` beyond its record, with the last `tail` output lines.
    pub fn run_details(&self, run: &Run, tail: usize) -> Result<RunDetails> {
        let tree = self.run_tree(run)?;
        let mut series = Vec::new();
        let files = self.run_series(run)?;
        for (key, summary) in &run.record.metrics {
            if summary.count > SPARKLINE_MAX_POINTS {
                continue;
            }
            if let Some(bytes) = files.bytes(key)?
                && let Ok(points) = super::parse_series(&bytes)
            {
                series.push((key.clone(), points.iter().map(|p| p.value).collect()));
            }
        }
        let artifacts = self.artifacts(run)?.artifacts;
        let base = self.base(run)?;
        let changes = match base.tree(self) {
            Some(base_tree) => self.changed_files(base_tree, tree, RECORD_DIR)?,
            None => Vec::new(),
        };
        let base_note = base.note();
        let log = self.read_file(tree, OUTPUT_LOG)?.unwrap_or_default();
        let text = String::from_utf8_lossy(&log);
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(tail)..].iter().map(|s| (*s).to_owned()).collect();
        Ok(RunDetails { series, artifacts, changes, base_note, tail })
    }
}
