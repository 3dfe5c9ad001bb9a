//! TensorBoard event files into runs: those a recorded command wrote ([`Watch`]), and whole
//! log directories imported after the fact ([`import`]). Reading and key mapping are
//! `crate::tensorboard`'s; this file decides what belongs to which run and writes it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use jiff::Timestamp;

use super::metrics::SeriesSet;
use crate::blobs::BlobStore;
use crate::ids::IdSource;
use crate::store::record::{Artifact, ArtifactManifest, RunRecord, SCHEMA, Status};
use crate::store::{NewRun, RecordFile, Run, Store};
use crate::tensorboard::{self, Reader, Sink, logdir};

/// File times can be coarser than the clock: a file written in the second the run started
/// still counts as written during the run.
const MTIME_SLACK: Duration = Duration::from_secs(2);

/// The directories a run watches for event files, and when it started.
#[derive(Debug)]
pub struct Watch {
    dirs: Vec<PathBuf>,
    since: SystemTime,
    /// The event files there before the run (size and modification time), and what the search
    /// for them saw in each directory, looked up in the background while the command runs.
    before: std::thread::JoinHandle<(HashMap<PathBuf, FileState>, Vec<logdir::Seen>)>,
}

/// What a file looked like: unchanged, it holds nothing of this run.
type FileState = (u64, SystemTime);

/// The event files under `dirs` last modified before `since`, with their state, and what each
/// search saw. A file the command creates or appends to before the search reaches it is newer,
/// so it is left out and read as the run's own.
fn files_before(dirs: &[PathBuf], since: SystemTime) -> (HashMap<PathBuf, FileState>, Vec<logdir::Seen>) {
    let mut before = HashMap::new();
    let mut seen = Vec::new();
    for dir in dirs {
        let search = logdir::Seen::search(dir);
        for file in search.files() {
            if let Ok(meta) = std::fs::metadata(file)
                && let Ok(modified) = meta.modified()
                && modified < since
            {
                before.insert(file.clone(), (meta.len(), modified));
            }
        }
        seen.push(search);
    }
    (before, seen)
}

impl Watch {
    /// Starts watching `dirs` (the command's directory and any `--tensorboard DIR`): event files
    /// new or modified from now on are read by [`Watch::collect`].
    #[must_use]
    pub fn start(dirs: Vec<PathBuf>) -> Self {
        // The real clock, not `clock::now()`: it is compared with file times and with the wall
        // times the command writes, which `GIT_EXP_NOW` does not move.
        #[allow(clippy::disallowed_methods)]
        let since = SystemTime::now();
        let before = {
            let dirs = dirs.clone();
            std::thread::spawn(move || files_before(&dirs, since))
        };
        Self { dirs, since, before }
    }

    /// Reads the event files written during the run: scalars go to `series`, images into the
    /// spool's artifacts (`media/<key>/<step>.<ext>`). Returns warnings; a corrupt file is one
    /// of them and the rest is still read.
    pub fn collect(self, series: &mut SeriesSet, artifacts: &Path) -> Vec<String> {
        let mut sink = RunSink { series, artifacts, notices: Vec::new() };
        let since_files = self.since.checked_sub(MTIME_SLACK).unwrap_or(self.since);
        let since_events = self.since.duration_since(SystemTime::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        let (before, seen) = self.before.join().unwrap_or_default();
        let mut files = Vec::new();
        for (n, dir) in self.dirs.iter().enumerate() {
            // The directories searched before the run are looked at again with a `stat` each,
            // and only those whose entries changed are listed (the search runs beside the
            // command, so it may have seen some of the run's own files: they are newer).
            let found = match seen.get(n) {
                Some(seen) if seen.is_whole() => logdir::find_changed_event_files(seen, since_files),
                _ => logdir::find_event_files(dir, Some(since_files)),
            };
            if found.cut_short {
                sink.notices.push(format!("stopped looking for TensorBoard event files in {} early", dir.display()));
            }
            files.extend(found.files);
        }
        files.sort();
        files.dedup();
        // A file older than the run and unchanged is another run's: left out, whatever the
        // clock says (a run started within a second of the last one ended). Only one written in
        // the last moments before the start may be this run's after all, on a file system with
        // coarse times (whole seconds): its events are filtered by time below.
        let state = |file: &Path| {
            let meta = std::fs::metadata(file).ok()?;
            Some((meta.len(), meta.modified().ok()?))
        };
        let unchanged = |file: &Path| before.get(file).filter(|old| state(file).as_ref() == Some(*old));
        let coarse = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).is_ok_and(|d| d.subsec_nanos() == 0);
        files.retain(|file| unchanged(file).is_none_or(|&(_, modified)| modified >= since_files && coarse(modified)));
        let groups = logdir::group_by_dir(&files);
        let common = common_ancestor(groups.keys());
        let mut reader = Reader::default();
        for (dir, files) in &groups {
            // One directory: keys are the tags. Several (Keras's train/ and validation/): each
            // directory's path below their common ancestor goes in front of its tags.
            let prefix = if groups.len() == 1 { String::new() } else { format!("{}/", logdir::relative(&common, dir)) };
            for file in files {
                // A file that was there before the run holds older events too: only those
                // written since it started are this run's (a second's slack when it changed;
                // none when only its time made it a candidate). A new file is all this run's.
                let since = match (before.contains_key(file), unchanged(file).is_some()) {
                    (false, _) => None,
                    (true, false) => Some(since_events - 1.0),
                    (true, true) => Some(since_events),
                };
                if let Err(e) = reader.read_file(file, &prefix, since, &mut sink) {
                    sink.notices.push(format!("{e:#}"));
                }
            }
        }
        sink.notices
    }
}

fn common_ancestor<'a>(mut dirs: impl Iterator<Item = &'a PathBuf>) -> PathBuf {
    let Some(first) = dirs.next() else {
        return PathBuf::new();
    };
    let mut common = first.clone();
    for dir in dirs {
        while !dir.starts_with(&common) {
            if !common.pop() {
                return PathBuf::new();
            }
        }
    }
    common
}

/// Where a live run's TensorBoard data goes.
struct RunSink<'a> {
    series: &'a mut SeriesSet,
    artifacts: &'a Path,
    notices: Vec<String>,
}

impl Sink for RunSink<'_> {
    fn scalar(&mut self, key: &str, step: i64, value: f64, wall_time: f64) {
        self.series.add(key, Some(step), value, wall_time);
    }

    fn image(&mut self, path: &str, data: &[u8]) -> anyhow::Result<()> {
        // `path` is made of a normalised key and a number: it stays inside the artifacts.
        let dest = self.artifacts.join(path);
        // An artifact the command logged itself under that name wins.
        if dest.exists() {
            return Ok(());
        }
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&dest, data).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", dest.display()))
    }

    fn warn(&mut self, message: String) {
        self.notices.push(message);
    }
}

/// What became of one event directory in an import.
#[derive(Debug)]
pub enum Outcome {
    Imported(Box<Run>),
    /// Already imported, unchanged: the run's id.
    Unchanged(String),
    /// Imported before, and its files changed since: the run's id. Not imported again.
    Changed(String),
    /// Event files without a single event.
    Empty,
}

/// What the importer tells its caller as it goes.
pub trait ImportProgress {
    /// The directories found, before the first is read.
    fn found(&mut self, dirs: usize);
    fn warn(&mut self, message: String);
    /// One directory done: its name and what became of it, or why it failed (nothing of it
    /// was recorded).
    fn done(&mut self, name: &str, outcome: anyhow::Result<Outcome>);
}

/// Imports every directory under `root` that holds event files as one completed run named by
/// its path below `root`. Runs already imported from the same directory are left alone.
pub fn import(store: &Store, root: &Path, progress: &mut dyn ImportProgress) -> anyhow::Result<()> {
    anyhow::ensure!(root.is_dir(), "{} is not a directory", root.display());
    let found = logdir::find_event_files(root, None);
    if found.cut_short {
        progress.warn(format!("{} has too many entries: only part of it was searched", root.display()));
    }
    let groups = logdir::group_by_dir(&found.files);
    progress.found(groups.len());
    let mut known: HashMap<String, (String, String)> = HashMap::new();
    for run in store.list()?.runs {
        if let Some(from) = run.record.imported_from.as_ref().filter(|f| f.starts_with("tensorboard:")) {
            let digest = run.record.imported_digest.clone().unwrap_or_default();
            known.insert(from.clone(), (run.id().to_string(), digest));
        }
    }
    for (dir, files) in &groups {
        let rel = logdir::relative(root, dir);
        let outcome = import_dir(store, root, &rel, files, &known, progress);
        progress.done(&rel, outcome);
    }
    Ok(())
}

fn import_dir(
    store: &Store,
    root: &Path,
    rel: &str,
    files: &[PathBuf],
    known: &HashMap<String, (String, String)>,
    progress: &mut dyn ImportProgress,
) -> anyhow::Result<Outcome> {
    let from = format!("tensorboard:{rel}");
    let digest = tensorboard::digest(root, files)?;
    if let Some((id, old)) = known.get(&from) {
        return Ok(if *old == digest { Outcome::Unchanged(id.clone()) } else { Outcome::Changed(id.clone()) });
    }
    let mut sink = ImportSink {
        series: SeriesSet::default(),
        blobs: BlobStore::new(store.blob_dir()),
        artifacts: BTreeMap::new(),
        progress,
    };
    let mut reader = Reader::default();
    for file in files {
        reader.read_file(file, "", None, &mut sink)?;
    }
    let (Some(first), Some(last)) = (reader.first, reader.last) else {
        return Ok(Outcome::Empty);
    };
    let name = if rel == "." {
        root.file_name().map_or_else(|| "tensorboard".to_owned(), |n| n.to_string_lossy().into_owned())
    } else {
        rel.to_owned()
    };
    let mut ids = IdSource::new();
    let record = RunRecord {
        schema: SCHEMA,
        id: ids.run_id(),
        name,
        status: Status::Completed,
        command: vec![],
        command_template: vec![],
        entry: None,
        cwd: ".".into(),
        started: timestamp(first)?,
        ended: Some(timestamp(last)?),
        exit_code: None,
        signal: None,
        base: None,
        branch: None,
        dirty: false,
        tags: vec![],
        note: String::new(),
        sweep: None,
        rerun_of: None,
        malformed_metric_lines: 0,
        skipped: vec![],
        output: None,
        host: Default::default(),
        params: Default::default(),
        metrics: sink.series.summaries(),
        imported_from: Some(from),
        no_code: true,
        mlflow: None,
        imported_digest: Some(digest),
        extra: Default::default(),
    };
    let mut record_files = super::spool::metric_files(store, &sink.series)?;
    if !sink.artifacts.is_empty() {
        let manifest = ArtifactManifest { artifacts: sink.artifacts.into_values().collect() };
        let text = toml::to_string(&manifest)?;
        record_files.push(RecordFile { path: "artifacts.toml".into(), blob: store.write_blob(text.as_bytes())? });
    }
    let code = store.no_code()?;
    let run = store.create_run(&mut ids, NewRun { record, code: &code, files: record_files, named: true })?;
    Ok(Outcome::Imported(Box::new(run)))
}

/// A wall time as a record timestamp, to the millisecond.
fn timestamp(seconds: f64) -> anyhow::Result<Timestamp> {
    let millis = (seconds * 1000.0).round();
    // Beyond ±2^53 ms no f64 is exact and jiff's range is far smaller anyway: refused below.
    anyhow::ensure!(millis.abs() < 9e15, "wall time {seconds} is out of range");
    Timestamp::from_millisecond(millis as i64).map_err(|e| anyhow::anyhow!("wall time {seconds}: {e}"))
}

/// Where an imported directory's data goes: series in memory (like a live run's), images
/// straight into the blob store, so memory holds one image at a time.
struct ImportSink<'a> {
    series: SeriesSet,
    blobs: BlobStore,
    artifacts: BTreeMap<String, Artifact>,
    progress: &'a mut dyn ImportProgress,
}

impl Sink for ImportSink<'_> {
    fn scalar(&mut self, key: &str, step: i64, value: f64, wall_time: f64) {
        self.series.add(key, Some(step), value, wall_time);
    }

    fn image(&mut self, path: &str, data: &[u8]) -> anyhow::Result<()> {
        if self.artifacts.contains_key(path) {
            return Ok(());
        }
        let stored = self.blobs.put_bytes(data)?;
        self.artifacts
            .insert(path.to_owned(), Artifact { path: path.to_owned(), sha256: stored.sha256, size: stored.size });
        Ok(())
    }

    fn warn(&mut self, message: String) {
        self.progress.warn(message);
    }
}
