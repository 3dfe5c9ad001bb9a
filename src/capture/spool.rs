//! The spool of a live run (`<git common dir>/git-exp/spool/<id>/`): what the command produces
//! lands here first, so a crash loses nothing; the final commit is built from it.

use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context as _;
use jiff::Timestamp;

use super::child::{LineSink, Running};
use super::metrics::SeriesSet;
use super::{Request, host};
use crate::blobs::BlobStore;
use crate::config::Config;
use crate::ids::RunId;
use crate::process::Process;
use crate::store::record::{Artifact, ArtifactManifest, OutputInfo, Status};
use crate::store::spool::{
    ARTIFACTS_DIR, METRICS_FILE, OUTPUT_FILE, PARAMS_FILE, PARAMS_LOG_FILE, SCRAPED_FILE, SYSTEM_FILE, SpoolState,
    hostname, is_alive, read_state, write_state,
};
use crate::store::{RecordFile, Run, Store};

/// Environment capture files, copied into `.git-exp/env/` at the end.
const ENV_DIR: &str = "env";
/// How often a live run says it is alive (for hosts that cannot check its pid).
const HEARTBEAT: Duration = Duration::from_secs(30);
/// How often the metrics file is polled for new lines.
const POLL: Duration = Duration::from_millis(50);

/// Creates the spool: state, params, an empty metrics file, the artifacts directory.
pub fn create(spool: &Path, request: &Request) -> anyhow::Result<()> {
    std::fs::create_dir_all(spool.join(ARTIFACTS_DIR))?;
    std::fs::create_dir_all(spool.join(ENV_DIR))?;
    write_state(spool, &state(None))?;
    let params = serde_json::to_vec_pretty(&request.params)?;
    std::fs::write(spool.join(PARAMS_FILE), params)?;
    File::create(spool.join(METRICS_FILE))?;
    Ok(())
}

pub(super) fn state(child: Option<Process>) -> SpoolState {
    let me = Process::current();
    SpoolState {
        pid: me.pid,
        hostname: hostname(),
        heartbeat: crate::clock::now().as_second(),
        child_pid: child.map(|c| c.pid),
        pid_start: me.start,
        child_start: child.and_then(|c| c.start),
    }
}

/// The protocol variables the command gets: its run id and the files it reads parameters from and
/// writes metrics and artifacts to (the protocol in docs/FORMAT.md).
pub fn child_env(spool: &Path, id: &RunId) -> Vec<(String, String)> {
    let path = |name: &str| spool.join(name).to_string_lossy().into_owned();
    vec![
        ("GIT_EXP_RUN_ID".into(), id.to_string()),
        ("GIT_EXP_PARAMS".into(), path(PARAMS_FILE)),
        ("GIT_EXP_METRICS".into(), path(METRICS_FILE)),
        ("GIT_EXP_ARTIFACTS".into(), path(ARTIFACTS_DIR)),
        ("GIT_EXP_PARAMS_LOG".into(), path(PARAMS_LOG_FILE)),
        ("GIT_EXP_ENV_OUT".into(), path(super::envfiles::ENV_OUT_FILE)),
        // Python buffers stdout into a pipe; unbuffered, its output shows up live.
        ("PYTHONUNBUFFERED".into(), std::env::var("PYTHONUNBUFFERED").unwrap_or_else(|_| "1".into())),
    ]
    .into_iter()
    .chain(super::mlflow::child_env(spool))
    .collect()
}

/// The environment capture running beside the command.
pub struct EnvCapture {
    thread: JoinHandle<()>,
    /// Dropped when the command has ended: a `uv run` may create its `.venv` only as it starts.
    command_ended: Sender<()>,
    env_dir: PathBuf,
    redactor: crate::redact::Redactor,
}

/// Where a command runs, for finding its environment.
pub struct Place<'a> {
    pub dir: &'a Path,
    /// The work tree root (submodules; where the search for a `.venv` stops).
    pub root: Option<&'a Path>,
    /// `<git common dir>/git-exp`, for the environment cache.
    pub store_dir: &'a Path,
}

/// Writes `env/vars.toml` now and records in the background the submodules and, for a Python
/// command, the interpreter and its packages (`python.toml`, `pip-freeze.txt`).
pub fn start_env_capture(spool: &Path, command: &[String], config: &Config, place: &Place) -> EnvCapture {
    let env_dir = spool.join(ENV_DIR);
    let _ = std::fs::write(env_dir.join("vars.toml"), host::vars_toml(&config.env.vars));
    let root = place.root.map(Path::to_owned);
    let probe_python = config.env.pip_freeze != Some(false);
    let first = probe_python.then(|| super::pyenv::interpreter_of(command, place.dir, place.root)).flatten();
    let (dir, command) = (place.dir.to_owned(), command.to_vec());
    let cache = super::pycache::dir(place.store_dir);
    // Index URLs may carry tokens. A bad `[redact]` pattern has already failed the run before
    // it started; the built-in redaction is the fallback.
    let redactor = config.redactor().unwrap_or_default();
    let (command_ended, ended) = mpsc::channel::<()>();
    let out = env_dir.clone();
    let thread = std::thread::spawn(move || {
        if let Some(text) = root.as_deref().and_then(super::envfiles::submodules_toml) {
            let _ = std::fs::write(out.join("submodules.toml"), text);
        }
        let Some(mut found) = first else { return };
        if !found.path.exists() {
            // Not there yet: `uv run` / `poetry run` create it as they start. Look again at the end.
            let _ = ended.recv();
            match super::pyenv::interpreter_of(&command, &dir, root.as_deref()) {
                Some(i) if i.path.exists() => found = i,
                _ => return,
            }
        }
        if let Some(env) = super::pycache::environment(&cache, &found) {
            let _ = std::fs::write(out.join("python.toml"), env.toml());
            let _ = std::fs::write(out.join("pip-freeze.txt"), env.freeze());
        }
    });
    EnvCapture { thread, command_ended, env_dir, redactor }
}

impl EnvCapture {
    /// Waits for the capture, then lets the helper's report (`$GIT_EXP_ENV_OUT`) replace the
    /// probed Python: it comes from inside the process that ran. Returns a warning when the
    /// report was unusable.
    pub fn finish(self, spool: &Path) -> Option<String> {
        drop(self.command_ended);
        let _ = self.thread.join();
        let reported = super::envfiles::helper_report(&spool.join(super::envfiles::ENV_OUT_FILE));
        let warning = match reported {
            Ok(Some(env)) => {
                let _ = std::fs::write(self.env_dir.join("python.toml"), env.toml());
                let _ = std::fs::write(self.env_dir.join("pip-freeze.txt"), env.freeze());
                None
            }
            Ok(None) => None,
            Err(message) => Some(message),
        };
        if let Ok(text) = std::fs::read_to_string(self.env_dir.join("pip-freeze.txt")) {
            let _ = std::fs::write(self.env_dir.join("pip-freeze.txt"), self.redactor.text(&text));
        }
        warning
    }
}

/// Appends a line of git-exp's own to the output log.
pub fn append_output(spool: &Path, text: &str) {
    if let Ok(mut file) = File::options().append(true).create(true).open(spool.join(OUTPUT_FILE)) {
        let _ = file.write_all(text.as_bytes());
    }
}

/// Line handlers for `--scrape`, one for stdout and one for stderr (tqdm and Lightning draw
/// their progress bars there): points go to the series and to `scraped.jsonl`.
pub fn scrapers(spool: &Path, series: &Arc<Mutex<SeriesSet>>) -> [LineSink; 2] {
    let file = File::options().append(true).create(true).open(spool.join(SCRAPED_FILE)).ok();
    let file = Arc::new(Mutex::new(file));
    let sink = || -> LineSink {
        let series = Arc::clone(series);
        let file = Arc::clone(&file);
        // A progress bar is redrawn many times with the same numbers (its rate and time change):
        // one point per change of the numbers.
        let mut last_bar: Option<Vec<(String, f64)>> = None;
        Box::new(move |line: &str| {
            if super::metrics::is_progress_bar(line) {
                let values = super::metrics::scrape(line).values;
                if last_bar.as_ref() == Some(&values) {
                    return;
                }
                last_bar = Some(values);
            }
            let time = crate::clock::unix_seconds(crate::clock::now());
            let found = match series.lock() {
                Ok(mut set) => set.add_scraped_line(line, time),
                Err(_) => return,
            };
            if !found.values.is_empty()
                && let Ok(mut guard) = file.lock()
                && let Some(file) = guard.as_mut()
            {
                let _ = writeln!(file, "{}", point_line(&found.values, found.step, time));
            }
        })
    };
    [sink(), sink()]
}

fn point_line(values: &[(String, f64)], step: Option<i64>, time: f64) -> String {
    let mut object = serde_json::Map::new();
    if let Some(step) = step {
        object.insert("step".into(), step.into());
    }
    for (key, value) in values {
        let value = if value.is_finite() {
            serde_json::json!(value)
        } else {
            serde_json::json!(crate::store::record::float::name(*value))
        };
        object.insert(key.clone(), value);
    }
    object.insert("time".into(), serde_json::json!(time));
    serde_json::Value::Object(object).to_string()
}

/// The threads that serve a live run: metrics tailer, system sampler, heartbeat.
pub struct Workers {
    stop: Vec<Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

impl Workers {
    pub fn start(spool: &Path, running: &Running, request: &Request, series: Arc<Mutex<SeriesSet>>) -> Self {
        let mut workers = Workers { stop: Vec::new(), threads: Vec::new() };
        // Read now, while the command cannot have been reaped yet (it stays a zombie till then).
        let child = Process::of(running.pid());
        let _ = write_state(spool, &state(Some(child)));

        let (tx, rx) = mpsc::channel();
        let path = spool.join(METRICS_FILE);
        let shared = Arc::clone(&series);
        workers.add(tx, std::thread::spawn(move || tail_metrics(&path, &shared, &rx)));

        if let Some(interval) = request.system_interval {
            let (tx, rx) = mpsc::channel();
            let pgid = running.pgid();
            let file = File::options().append(true).create(true).open(spool.join(SYSTEM_FILE)).ok();
            workers.add(
                tx,
                std::thread::spawn(move || {
                    let mut file = file;
                    super::sampler::run(pgid, interval, &rx, |key, value| {
                        let time = crate::clock::unix_seconds(crate::clock::now());
                        if let Ok(mut set) = series.lock() {
                            set.add(key, None, value, time);
                        }
                        if let Some(file) = file.as_mut() {
                            let _ = writeln!(file, "{}", point_line(&[(key.to_owned(), value)], None, time));
                        }
                    });
                }),
            );
        }

        let (tx, rx) = mpsc::channel::<()>();
        let dir = spool.to_owned();
        workers.add(
            tx,
            std::thread::spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(HEARTBEAT) {
                    let _ = write_state(&dir, &state(Some(child)));
                }
            }),
        );
        workers
    }

    fn add(&mut self, stop: Sender<()>, thread: JoinHandle<()>) {
        self.stop.push(stop);
        self.threads.push(thread);
    }

    /// Stops every worker; the tailer reads the metrics file to its end first.
    pub fn stop(self) {
        for tx in self.stop {
            let _ = tx.send(());
        }
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

/// Follows the metrics file as the program appends to it, stamping lines without a `time` with
/// the time they were read. Returns after `stop`, once the file is read to its end.
fn tail_metrics(path: &Path, series: &Mutex<SeriesSet>, stop: &Receiver<()>) {
    let Ok(mut file) = File::open(path) else {
        return;
    };
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut line_no = 0u64;
    loop {
        let stopping = !matches!(stop.recv_timeout(POLL), Err(RecvTimeoutError::Timeout));
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            pending.extend_from_slice(&buf[..n]);
        }
        let time = crate::clock::unix_seconds(crate::clock::now());
        let complete =
            if stopping { pending.len() } else { pending.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) };
        if complete > 0 {
            if let Ok(mut set) = series.lock() {
                for line in pending[..complete].split(|&b| b == b'\n') {
                    if !line.is_empty() {
                        line_no += 1;
                        set.add_json_line(line, line_no, time);
                    } else {
                        line_no += 1;
                    }
                }
            }
            pending.drain(..complete);
        }
        if stopping {
            return;
        }
    }
}

/// How a run ended, for its final record.
#[derive(Debug, Clone)]
pub struct Finish {
    pub status: Status,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub ended: Timestamp,
    /// The run's name was given (`-n`): MLflow's run name does not replace it.
    pub keep_name: bool,
    /// Commit only over a record that is still `running` (`recover`: the run may have finished
    /// since it was listed).
    pub only_while_running: bool,
}

/// Writes the metric series as blobs for `.git-exp/metrics/<key>.csv` (escaped as
/// [`crate::store::series_file_name`] says).
pub fn metric_files(store: &Store, series: &SeriesSet) -> anyhow::Result<Vec<RecordFile>> {
    series
        .files()
        .map(|(key, csv)| {
            Ok(RecordFile {
                path: format!("metrics/{}", crate::store::series_file_name(key)),
                blob: store.write_blob(csv.as_bytes())?,
            })
        })
        .collect()
}

/// Recording a run could not finish for want of space; its spool is kept, so `git exp recover`
/// can finish it once there is room.
#[derive(Debug, thiserror::Error)]
#[error("cannot finish recording run {id}: out of space; its spool is kept")]
pub struct OutOfSpace {
    id: String,
    #[source]
    source: anyhow::Error,
}

impl OutOfSpace {
    pub fn hint(&self) -> Option<String> {
        Some("free space, then run 'git exp recover' to finish recording the run".into())
    }
}

/// True if `err` comes from a full disk, a quota or a file size limit.
fn out_of_space(err: &anyhow::Error) -> bool {
    err.chain().filter_map(|e| e.downcast_ref::<std::io::Error>()).any(|e| {
        use std::io::ErrorKind::{FileTooLarge, QuotaExceeded, StorageFull};
        matches!(e.kind(), StorageFull | FileTooLarge | QuotaExceeded)
    })
}

/// Commits the final record of run `id` from its spool and removes the spool. On failure the
/// spool stays, for `git exp recover`.
pub fn finalize(
    store: &Store,
    config: &Config,
    id: &RunId,
    spool: &Path,
    series: &mut SeriesSet,
    finish: &Finish,
) -> anyhow::Result<(Run, Vec<String>)> {
    commit_spool(store, config, id, spool, series, finish)
        .map_err(|err| if out_of_space(&err) { OutOfSpace { id: id.to_string(), source: err }.into() } else { err })
}

fn commit_spool(
    store: &Store,
    config: &Config,
    id: &RunId,
    spool: &Path,
    series: &mut SeriesSet,
    finish: &Finish,
) -> anyhow::Result<(Run, Vec<String>)> {
    let blobs = BlobStore::new(store.blob_dir());
    let mut notices = Vec::new();
    // Before the metrics and artifacts are read: MLflow's land among them.
    let mlflow = super::mlflow::merge(store, id, spool, series, &mut notices);
    let series = &*series;
    let mut files = metric_files(store, series)?;

    let (log, output) = bounded_output(&spool.join(OUTPUT_FILE), config.output.max_size, &blobs)?;
    files.push(RecordFile { path: "output.log".into(), blob: store.write_blob(&log)? });

    let (manifest, skipped) = store_artifacts(&spool.join(ARTIFACTS_DIR), &blobs)?;
    if !skipped.is_empty() {
        notices.push(format!("not stored as artifacts (not regular files): {}", skipped.join(", ")));
    }
    if !manifest.artifacts.is_empty() {
        let text = toml::to_string(&manifest).context("cannot write artifacts.toml")?;
        files.push(RecordFile { path: "artifacts.toml".into(), blob: store.write_blob(text.as_bytes())? });
    }
    if let Ok(entries) = std::fs::read_dir(spool.join(ENV_DIR)) {
        let mut names: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
        names.sort();
        for path in names {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let data = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            files.push(RecordFile { path: format!("env/{name}"), blob: store.write_blob(&data)? });
        }
    }
    if series.malformed > 0 {
        notices.push(format!(
            "{} metric line{} could not be used (first: {})",
            series.malformed,
            if series.malformed == 1 { "" } else { "s" },
            series.first_problem.as_deref().unwrap_or("?")
        ));
    }

    let (logged, params_notices) = super::logged_params::read(&spool.join(PARAMS_LOG_FILE));
    notices.extend(params_notices);
    let mut conflicts = Vec::new();
    let summaries = series.summaries();
    let why = format!("{} run {id}", finish.status);
    let run = store.update_run_if(id, &why, &files, finish.only_while_running, |record| {
        conflicts = super::logged_params::merge(&mut record.params, &logged);
        record.status = finish.status;
        record.ended = Some(finish.ended);
        record.exit_code = finish.exit_code;
        record.signal = finish.signal;
        record.metrics = summaries.clone();
        record.malformed_metric_lines = series.malformed;
        record.output = Some(output.clone());
        mlflow.apply(record, finish.keep_name);
    })?;
    if !conflicts.is_empty() {
        notices.push(format!(
            "params logged by the program differ from the ones given to git-exp, which are kept: {}",
            conflicts.join(", ")
        ));
    }
    // Only now is everything in git; until here a crash leaves the spool for `recover`.
    std::fs::remove_dir_all(spool).with_context(|| format!("cannot remove the spool {}", spool.display()))?;
    Ok((run, notices))
}

/// Returns the log to keep in git: all of it when small, else its first eighth and the rest from
/// the end around a marker line; the complete log then goes to the blob store.
fn bounded_output(path: &Path, max: u64, blobs: &BlobStore) -> anyhow::Result<(Vec<u8>, OutputInfo)> {
    let Ok(mut file) = File::open(path) else {
        return Ok((Vec::new(), OutputInfo::default()));
    };
    let size = file.metadata()?.len();
    if size <= max {
        let mut data = Vec::with_capacity(size as usize);
        file.read_to_end(&mut data)?;
        return Ok((data, OutputInfo { bytes: size, truncated: false, blob: None }));
    }
    let stored = blobs.put_file(path).context("cannot store the complete output log")?;
    let head_len = max / 8;
    let tail_len = max - head_len;
    let mut data = vec![0u8; head_len as usize];
    file.read_exact(&mut data)?;
    let cut = size - head_len - tail_len;
    data.extend_from_slice(
        format!("\n[git-exp: {cut} bytes cut here; the complete log is blob {}]\n", stored.sha256).as_bytes(),
    );
    file.seek(SeekFrom::Start(size - tail_len))?;
    file.read_to_end(&mut data)?;
    Ok((data, OutputInfo { bytes: size, truncated: true, blob: Some(stored.sha256) }))
}

/// Stores every regular file under `dir` in the blob store; returns the manifest (sorted by
/// path) and the paths that were not regular files.
fn store_artifacts(dir: &Path, blobs: &BlobStore) -> anyhow::Result<(ArtifactManifest, Vec<String>)> {
    let mut manifest = ArtifactManifest::default();
    let mut skipped = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let stored = blobs.put_file(&path).with_context(|| format!("cannot store artifact `{rel}`"))?;
                manifest.artifacts.push(Artifact { path: rel, sha256: stored.sha256, size: stored.size });
            } else {
                skipped.push(rel);
            }
        }
    }
    manifest.artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((manifest, skipped))
}

/// Looks again, just before committing, whether `run` is still crashed. A run with no spool yet
/// may be one whose `git exp run` has committed its first record but not yet created its spool;
/// it gets a moment to appear (recover is rare, a phantom run rarer).
pub fn still_crashed(store: &Store, run: &Run) -> bool {
    let spool = store.spool_dir(run.id());
    if !spool.exists() {
        std::thread::sleep(Duration::from_millis(200));
    }
    !is_alive(&spool)
}

/// Removes the spools of runs that are already recorded (a recover or run that died between its
/// commit and the spool's removal); returns their runs. Call with the recover lock held.
pub fn remove_leftover_spools<'a>(store: &Store, runs: &'a [Run]) -> Vec<&'a Run> {
    let mut removed = Vec::new();
    for run in runs.iter().filter(|r| r.record.status != Status::Running) {
        let spool = store.spool_dir(run.id());
        if spool.is_dir() && !is_alive(&spool) && std::fs::remove_dir_all(&spool).is_ok() {
            removed.push(run);
        }
    }
    removed
}

/// Commits what the spool of a crashed run holds, with status `crashed`. Metric lines without a
/// `time` get the time the metrics file was last written. `None` when the run turned out to
/// have finished by itself since it was listed: its own record stays.
pub fn recover(store: &Store, config: &Config, run: &Run) -> anyhow::Result<Option<(Run, Vec<String>)>> {
    let spool = store.spool_dir(run.id());
    let mut series = read_series(&spool);
    let ended = read_state(&spool)
        .and_then(|s| Timestamp::from_second(s.heartbeat).ok())
        .filter(|t| *t >= run.record.started)
        .unwrap_or_else(crate::clock::now);
    let finish = Finish {
        status: Status::Crashed,
        exit_code: None,
        signal: None,
        ended,
        keep_name: true,
        only_while_running: true,
    };
    let existed = spool.is_dir();
    std::fs::create_dir_all(&spool)?;
    match finalize(store, config, run.id(), &spool, &mut series, &finish) {
        Ok(done) => Ok(Some(done)),
        Err(e) if matches!(e.downcast_ref(), Some(crate::store::Error::NoLongerRunning { .. })) => {
            if !existed {
                // The directory made above for finalize, empty: the run had removed its spool.
                let _ = std::fs::remove_dir(&spool);
            }
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Reads the metric files of a spool at once (no live tailing). Lines without a `time` get the
/// time their file was last written.
pub fn read_series(spool: &Path) -> SeriesSet {
    let mut series = SeriesSet::default();
    series.quiet = true;
    for name in [METRICS_FILE, SCRAPED_FILE, SYSTEM_FILE] {
        let path = spool.join(name);
        let Ok(data) = std::fs::read(&path) else {
            continue;
        };
        let mtime = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0.0, |d| (d.as_millis() as f64 / 1000.0).floor());
        for (n, line) in data.split(|&b| b == b'\n').enumerate() {
            series.add_json_line(line, n as u64 + 1, mtime);
        }
    }
    series
}
