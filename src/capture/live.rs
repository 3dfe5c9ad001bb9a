//! Following a run while it runs: its spool's metric files read as they grow, and the end of its
//! output log. Readers only: nothing here writes to a spool, and everything read is bounded (a
//! spool is written by the user's program, which may write anything).

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};

use super::metrics::Rollup;
use crate::store::spool::{METRICS_FILE, OUTPUT_FILE, SCRAPED_FILE, SYSTEM_FILE};
use crate::store::{MetricSummary, Point, Run, Status, Store};

/// The last values kept per metric for a sparkline.
pub const KEPT_VALUES: usize = 256;
/// Points kept per metric for the charts of a live run page (`report --watch`). Past this the
/// points are thinned to half (the lowest and highest of each four), so memory stays bounded
/// however long the run, and spikes still show.
pub const KEPT_POINTS: usize = 8192;
/// At most this much of a metric file is read per poll, so a huge burst cannot stall a redraw.
const READ_PER_POLL: u64 = 4 << 20;
/// A metric line longer than this is skipped (as the recorder would count it malformed).
const MAX_LINE: usize = 64 << 10;
/// At most this much of the end of the output log is read for its tail.
const OUTPUT_TAIL_BYTES: u64 = 64 << 10;

/// One metric as seen so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveSeries {
    /// The rollups of every point read so far (not only those kept), as the record will have.
    pub rollup: Rollup,
    /// The most recent values, oldest first, at most [`KEPT_VALUES`].
    pub recent: VecDeque<f64>,
    /// Every point so far in the order read, thinned past [`KEPT_POINTS`] (see [`thin`]).
    pub points: Vec<Point>,
}

impl LiveSeries {
    /// The summary the run's record will have, as far as the points read so far go.
    pub fn summary(&self) -> MetricSummary {
        self.rollup.summary()
    }
}

/// A file of the spool read line by line as it grows, from where the last read stopped.
#[derive(Debug)]
pub struct LineTail {
    path: PathBuf,
    offset: u64,
    /// An incomplete last line, kept until its newline arrives.
    partial: Vec<u8>,
    skipping: bool,
}

/// The metrics of a live run, updated by [`Follower::poll`].
#[derive(Debug)]
pub struct Follower {
    tails: Vec<LineTail>,
    pub series: BTreeMap<String, LiveSeries>,
}

impl Follower {
    pub fn new(spool: &Path) -> Self {
        let tails =
            [METRICS_FILE, SCRAPED_FILE, SYSTEM_FILE].into_iter().map(|name| LineTail::new(spool.join(name))).collect();
        Self { tails, series: BTreeMap::new() }
    }

    /// Reads what the metric files gained since the last poll; returns whether any point was new.
    /// Missing files (not written yet, or the spool already gone) read as empty.
    pub fn poll(&mut self) -> bool {
        let mut lines = Vec::new();
        for tail in &mut self.tails {
            tail.read_lines(&mut lines);
        }
        let grew = !lines.is_empty();
        // A line without a time gets the time it was read, as the recorder gives it the time
        // it arrived.
        let read_at = crate::clock::unix_seconds(crate::clock::now());
        for line in lines {
            let (step, time, values) = super::metrics::line_values(&line);
            for (key, value) in values {
                self.push(&key, step, value, time.unwrap_or(read_at));
            }
        }
        grew
    }

    /// Every metric's summary so far, as a run's record has them once it ends.
    pub fn summaries(&self) -> BTreeMap<String, MetricSummary> {
        self.series.iter().map(|(k, s)| (k.clone(), s.summary())).collect()
    }

    /// Every metric's points so far, for the charts of a live run's page.
    pub fn points(&self) -> BTreeMap<String, Vec<Point>> {
        self.series.iter().map(|(k, s)| (k.clone(), s.points.clone())).collect()
    }

    fn push(&mut self, key: &str, step: Option<i64>, value: f64, time: f64) {
        let series = self.series.entry(key.to_owned()).or_default();
        let step = series.rollup.next_step(step);
        series.rollup.push(step, value);
        if series.recent.len() == KEPT_VALUES {
            series.recent.pop_front();
        }
        series.recent.push_back(value);
        if series.points.len() >= KEPT_POINTS {
            thin(&mut series.points);
        }
        series.points.push(Point { step, value, time });
    }
}

/// Halves `points`: of each four in a row, the lowest and the highest are kept, in their order
/// (a NaN counts as neither, so a group of NaNs keeps its first two), so a chart of what is left
/// has the envelope of the whole series.
fn thin(points: &mut Vec<Point>) {
    let mut kept = Vec::with_capacity(points.len() / 2 + 2);
    for group in points.chunks(4) {
        let lo = (0..group.len()).min_by(|a, b| group[*a].value.total_cmp(&group[*b].value).then(a.cmp(b)));
        let hi = (0..group.len()).max_by(|a, b| group[*a].value.total_cmp(&group[*b].value).then(b.cmp(a)));
        let (Some(lo), Some(hi)) = (lo, hi) else { continue };
        let (first, second) = (lo.min(hi), lo.max(hi));
        kept.push(group[first]);
        if second != first {
            kept.push(group[second]);
        }
    }
    *points = kept;
}

/// The running runs of a report being watched (`report --watch`), each followed from where the
/// last look stopped, so a long run's metric files are read once, not at every rebuild.
#[derive(Debug, Default)]
pub struct LiveRuns {
    followers: BTreeMap<String, Follower>,
}

impl LiveRuns {
    /// Gives every running run in `runs` the metric summaries its spool holds so far (a running
    /// run's record has none until it ends) and forgets runs that ended.
    pub fn overlay(&mut self, store: &Store, runs: &mut [Run]) {
        let running: Vec<String> =
            runs.iter().filter(|r| r.status == Status::Running).map(|r| r.record.id.to_string()).collect();
        self.followers.retain(|id, _| running.contains(id));
        for run in runs.iter_mut().filter(|r| r.status == Status::Running) {
            let follower = self
                .followers
                .entry(run.record.id.to_string())
                .or_insert_with(|| Follower::new(&store.spool_dir(&run.record.id)));
            while follower.poll() {}
            run.record.metrics = follower.summaries();
        }
    }

    /// The points read so far of every followed run, by run id: the charts of their pages.
    pub fn points(&self) -> BTreeMap<String, BTreeMap<String, Vec<Point>>> {
        self.followers.iter().map(|(id, f)| (id.clone(), f.points())).collect()
    }
}

impl LineTail {
    pub fn new(path: PathBuf) -> Self {
        Self { path, offset: 0, partial: Vec::new(), skipping: false }
    }

    /// The output log of the spool, to print as it grows.
    pub fn output(spool: &Path) -> Self {
        Self::new(spool.join(OUTPUT_FILE))
    }

    /// Appends the complete lines written since the last call (newline included) to `out`;
    /// lines over 64 KiB are left out.
    pub fn read_lines(&mut self, out: &mut Vec<Vec<u8>>) {
        let Ok(mut file) = File::open(&self.path) else { return };
        let len = file.metadata().map_or(0, |m| m.len());
        if len < self.offset {
            // Truncated or replaced: start over rather than read from the middle of a line.
            self.offset = 0;
            self.partial.clear();
        }
        if len == self.offset || file.seek(SeekFrom::Start(self.offset)).is_err() {
            return;
        }
        let mut chunk = Vec::new();
        let Ok(read) = file.take(READ_PER_POLL).read_to_end(&mut chunk) else { return };
        self.offset += read as u64;
        for piece in chunk.split_inclusive(|b| *b == b'\n') {
            let complete = piece.ends_with(b"\n");
            if !self.skipping {
                self.partial.extend_from_slice(piece);
            }
            if self.partial.len() > MAX_LINE {
                self.partial.clear();
                self.skipping = true;
            }
            if complete {
                if !self.skipping {
                    out.push(std::mem::take(&mut self.partial));
                }
                self.skipping = false;
            }
        }
    }
}

/// The last `lines` lines of the run's output log (its end only, at most 64 KiB read). Bytes
/// that are not UTF-8 are replaced; the caller escapes control characters before printing.
pub fn output_tail(spool: &Path, lines: usize) -> Vec<String> {
    let Ok(mut file) = File::open(spool.join(OUTPUT_FILE)) else { return Vec::new() };
    let len = file.metadata().map_or(0, |m| m.len());
    let start = len.saturating_sub(OUTPUT_TAIL_BYTES);
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_err() || file.take(OUTPUT_TAIL_BYTES).read_to_end(&mut bytes).is_err() {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut all: Vec<&str> = text.lines().collect();
    if start > 0 && !all.is_empty() {
        // The first line was cut by the window.
        all.remove(0);
    }
    all[all.len().saturating_sub(lines)..].iter().map(|l| (*l).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_lines_as_they_are_written() {
        let dir = tempfile::tempdir().expect("a temporary directory can be made");
        let metrics = dir.path().join(METRICS_FILE);
        std::fs::write(&metrics, "{\"loss\": 3}\n{\"loss\": 2, \"step\": 5}\n{\"lo").expect("writable");
        let mut follower = Follower::new(dir.path());
        assert!(follower.poll());
        let loss = &follower.series["loss"];
        assert_eq!((loss.rollup.count, loss.rollup.last_step, loss.rollup.last), (2, 5, 2.0));
        assert!(!follower.poll(), "nothing new");
        let mut file = File::options().append(true).open(&metrics).expect("writable");
        std::io::Write::write_all(&mut file, b"ss\": 1}\nnot json\n").expect("writable");
        assert!(follower.poll());
        let loss = &follower.series["loss"];
        assert_eq!((loss.rollup.count, loss.rollup.last_step, loss.rollup.last), (3, 6, 1.0));
        assert_eq!(loss.recent, VecDeque::from(vec![3.0, 2.0, 1.0]));
        let summary = follower.summaries()["loss"];
        assert_eq!(
            (summary.first, summary.min, summary.max, summary.mean, summary.first_step),
            (3.0, 1.0, 3.0, 2.0, 0)
        );
    }

    #[test]
    fn keeps_points_bounded_with_their_envelope() {
        let mut follower = Follower::new(Path::new("/nonexistent"));
        for i in 0..(KEPT_POINTS as i64 * 3) {
            // A spike of 100 at one step among values near 0.
            let value = if i == 12_345 { 100.0 } else { (i % 7) as f64 / 10.0 };
            follower.push("loss", Some(i), value, 0.0);
        }
        let points = &follower.series["loss"].points;
        assert!(points.len() <= KEPT_POINTS && points.len() > KEPT_POINTS / 4, "{}", points.len());
        assert!(points.windows(2).all(|w| w[0].step < w[1].step), "in step order");
        assert!(points.iter().any(|p| p.value == 100.0), "the spike is kept");
        assert_eq!(points.last().map(|p| p.step), Some(KEPT_POINTS as i64 * 3 - 1), "the newest point is kept");
    }

    #[test]
    fn output_tail_is_the_last_lines() {
        let dir = tempfile::tempdir().expect("a temporary directory can be made");
        std::fs::write(dir.path().join(OUTPUT_FILE), "a\nb\nc\n").expect("writable");
        assert_eq!(output_tail(dir.path(), 2), vec!["b", "c"]);
        assert!(output_tail(&dir.path().join("gone"), 2).is_empty());
    }
}
