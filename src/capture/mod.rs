//! Capturing runs: the code snapshot and first commit, the spool, the command with its output,
//! metrics and system samples, and the final commit built from the spool. Also recovery of runs
//! whose git-exp process died.

pub mod attach;
pub mod child;
pub mod entry;
mod envfiles;
pub mod host;
pub mod imported;
mod isolate;
pub mod live;
mod lock;
mod logged_params;
pub mod metrics;
mod mlflow;
pub mod params;
pub mod plan;
mod pycache;
pub mod pyenv;
mod sampler;
mod shell;
mod spool;
pub mod sweep;
pub mod tensorboard;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;

use crate::config::Config;
use crate::ids::IdSource;
use crate::store::record::{RunRecord, SCHEMA, Status};
use crate::store::{CodeSnapshot, Oid};
use crate::store::{NewRun, Run, Store};

pub use child::Ended;
pub use lock::RecoverLock;
pub use metrics::SeriesSet;
pub use params::Params;
pub use spool::{Finish, OutOfSpace, finalize, recover, remove_leftover_spools, still_crashed};

/// What to record.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub name: Option<String>,
    pub tags: Vec<String>,
    pub note: String,
    pub params: Params,
    /// The command with `{param}` placeholders already replaced.
    pub command: Vec<String>,
    pub scrape: bool,
    /// Pass the command's output through to the terminal (it is captured either way).
    pub echo: bool,
    /// How often to sample system metrics; `None` turns sampling off.
    pub system_interval: Option<Duration>,
    pub sweep: Option<String>,
    pub rerun_of: Option<String>,
    /// The entry point the command comes from.
    pub entry: Option<String>,
    /// The command before `{param}` substitution (kept so that `rerun -p` can substitute again).
    pub template: Vec<String>,
    /// Where the command runs (for an isolated run: relative to the checkout).
    pub dir: PathBuf,
    /// Which code the run records.
    pub code: CodeSource,
    /// Run in a temporary checkout of the snapshot instead of the working tree.
    pub isolate: bool,
    /// Keep the isolated checkout afterwards (and what the command left in it).
    pub keep: bool,
    /// A directory to read TensorBoard event files from besides `dir` (`--tensorboard DIR`).
    pub tensorboard: Option<PathBuf>,
}

/// The code a run records.
#[derive(Debug, Clone, Default)]
pub enum CodeSource {
    /// The working tree as it is now.
    #[default]
    WorkingTree,
    /// The code of an earlier run (`rerun`): its tree, base and branch.
    Run { tree: Oid, base: Option<String>, branch: Option<String>, dirty: bool, cwd: String },
}

/// The code and the first record of a run, ready to be committed.
struct Prepared {
    code: CodeSnapshot,
    record: RunRecord,
    named: bool,
    ids: IdSource,
}

/// Snapshots the working tree and builds the first record.
fn prepare(store: &Store, request: &Request, status: Status) -> anyhow::Result<(Prepared, Vec<String>)> {
    let (code, base, branch, dirty, cwd) = match &request.code {
        CodeSource::WorkingTree => {
            let config = Config::load(store.workdir())?;
            let code = store.snapshot_code(&config.snapshot_options()?)?;
            let head = store.head()?;
            let dirty = code.dirty();
            (code, head.commit.map(|c| c.to_string()), head.branch, dirty, store.prefix())
        }
        CodeSource::Run { tree, base, branch, dirty, cwd } => {
            let code = CodeSnapshot { base_tree: *tree, edits: vec![], skipped: vec![], large: vec![] };
            (code, base.clone(), branch.clone(), *dirty, cwd.clone())
        }
    };
    let mut notices = Vec::new();
    if !code.skipped.is_empty() {
        let list: Vec<String> = code.skipped.iter().take(5).map(|s| format!("{} ({})", s.path, s.reason)).collect();
        let more = code.skipped.len().saturating_sub(5);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        notices.push(format!("left out of the code snapshot: {}{more}", list.join(", ")));
    }
    // Secrets typed on the command line (`--password …`, `https://user:pw@…`) stay out of the
    // record, and so out of the commit message, the listing cache and reports; the command
    // itself still receives them (`request.command` is what is run).
    let redactor = Config::load(store.workdir())?.redactor()?;
    let mut ids = IdSource::new();
    let id = ids.run_id();
    let named = request.name.is_some();
    let name = request.name.clone().unwrap_or_else(|| ids.name());
    let record = RunRecord {
        schema: SCHEMA,
        id,
        name,
        status,
        command: redactor.command(&request.command),
        command_template: if request.template == request.command {
            vec![]
        } else {
            redactor.command(&request.template)
        },
        entry: request.entry.clone(),
        cwd,
        started: crate::clock::now(),
        ended: None,
        exit_code: None,
        signal: None,
        base,
        branch,
        dirty,
        tags: dedup(&request.tags),
        note: request.note.clone(),
        sweep: request.sweep.clone(),
        rerun_of: request.rerun_of.clone(),
        malformed_metric_lines: 0,
        skipped: code.skipped.clone(),
        output: None,
        host: host::host(),
        params: request.params.clone(),
        metrics: Default::default(),
        imported_from: None,
        imported_digest: None,
        no_code: false,
        mlflow: None,
        extra: Default::default(),
    };
    Ok((Prepared { code, record, named, ids }, notices))
}

/// Names the large untracked files a snapshot took (over `snapshot.warn_size`): they went into
/// git, and will go to the remote with the run.
fn large_files_warning(code: &CodeSnapshot) -> Option<String> {
    if code.large.is_empty() {
        return None;
    }
    let list: Vec<String> =
        code.large.iter().take(5).map(|(path, size)| format!("{path} ({})", crate::format::bytes(*size))).collect();
    let more = code.large.len().saturating_sub(5);
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    Some(format!(
        "large untracked files were stored with the code: {}{more} (snapshot.exclude in exp.toml leaves them out)",
        list.join(", ")
    ))
}

fn dedup(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        if !out.contains(tag) {
            out.push(tag.clone());
        }
    }
    out
}

/// Records a run without executing anything: the working tree, params and the given metric
/// values (step 0) in one commit.
pub fn snapshot(store: &Store, request: &Request, values: &[(String, f64)]) -> anyhow::Result<(Run, Vec<String>)> {
    let (mut prepared, notices) = prepare(store, request, Status::Completed)?;
    let now = crate::clock::now();
    let mut series = SeriesSet::default();
    for (key, value) in values {
        series.add(key, Some(0), *value, crate::clock::unix_seconds(now));
    }
    prepared.record.ended = Some(now);
    prepared.record.metrics = series.summaries();
    let files = spool::metric_files(store, &series)?;
    let mut notices = notices;
    notices.extend(large_files_warning(&prepared.code));
    let run = store.create_run(
        &mut prepared.ids,
        NewRun { record: prepared.record, code: &prepared.code, files, named: prepared.named },
    )?;
    Ok((run, notices))
}

/// A run whose first commit and spool exist; [`Started::execute`] runs the command.
pub struct Started {
    pub run: Run,
    pub notices: Vec<String>,
    /// Said when the run ends (large files taken into the snapshot).
    end_notices: Vec<String>,
    spool: PathBuf,
    request: Request,
    checkout: Option<isolate::Checkout>,
}

/// Snapshots the code, commits the `running` record and prepares the spool.
pub fn start(store: &Store, request: Request) -> anyhow::Result<Started> {
    let (mut prepared, notices) = prepare(store, &request, Status::Running)?;
    let run = store.create_run(
        &mut prepared.ids,
        NewRun { record: prepared.record, code: &prepared.code, files: vec![], named: prepared.named },
    )?;
    let spool = store.spool_dir(run.id());
    spool::create(&spool, &request).with_context(|| format!("cannot prepare the spool of run {}", run.id()))?;
    let tree = store.run_tree(&run)?;
    if let Some(text) = envfiles::lockfiles_toml(store, tree, &run.record.cwd)? {
        std::fs::write(spool.join("env/lockfiles.toml"), text)
            .with_context(|| format!("cannot prepare the spool of run {}", run.id()))?;
    }
    let end_notices = large_files_warning(&prepared.code).into_iter().collect();
    let mut request = request;
    let checkout = if request.isolate {
        let checkout = isolate::Checkout::create(store, &run)?;
        request.dir = checkout.dir().join(&run.record.cwd);
        Some(checkout)
    } else {
        None
    };
    Ok(Started { run, notices, end_notices, spool, request, checkout })
}

/// How a recorded command ended.
pub struct Executed {
    pub run: Run,
    pub ended: Ended,
    /// Set when the command could not be started at all.
    pub spawn_error: Option<String>,
    pub notices: Vec<String>,
}

impl Started {
    /// Runs the command and commits the final record from the spool.
    pub fn execute(self, store: &Store) -> anyhow::Result<Executed> {
        let Started { run, spool, request, checkout, end_notices, .. } = self;
        let series = Arc::new(Mutex::new(SeriesSet::default()));
        let config = Config::load(store.workdir())?;
        let env = spool::child_env(&spool, run.id());

        let place = spool::Place { dir: &request.dir, root: store.workdir(), store_dir: store.dir() };
        let env_capture = spool::start_env_capture(&spool, &request.command, &config, &place);
        let log = std::fs::File::options()
            .append(true)
            .create(true)
            .open(spool.join(crate::store::spool::OUTPUT_FILE))
            .with_context(|| format!("cannot write the output log of run {}", run.id()))?;
        let scrapers = request.scrape.then(|| spool::scrapers(&spool, &series));
        let watch = tensorboard::Watch::start(
            std::iter::once(request.dir.clone()).chain(request.tensorboard.clone()).collect(),
        );

        let (ended, spawn_error) = match child::spawn(&request.command, &request.dir, &env, log, request.echo, scrapers)
        {
            Ok(running) => {
                let workers = spool::Workers::start(&spool, &running, &request, Arc::clone(&series));
                let ended = running.wait().context("lost track of the command")?;
                workers.stop();
                (ended, None)
            }
            Err(e) => {
                let message =
                    format!("cannot run `{}`: {e}", request.command.first().map(String::as_str).unwrap_or(""));
                spool::append_output(&spool, &format!("git-exp: {message}\n"));
                (Ended { exit_code: Some(127), signal: None, interrupted: false }, Some(message))
            }
        };
        // The run ended when the command did, not when the environment capture caught up.
        let ended_at = crate::clock::now();
        let env_warning = env_capture.finish(&spool);
        // The workers have stopped (the tailer read the metrics file to its end): no other owner.
        let mut series = match Arc::try_unwrap(series) {
            Ok(mutex) => mutex.into_inner().unwrap_or_default(),
            Err(shared) => {
                std::mem::take(&mut *shared.lock().map_err(|_| anyhow::anyhow!("metrics collector panicked"))?)
            }
        };

        let status = if ended.interrupted {
            Status::Interrupted
        } else if ended.exit_code == Some(0) {
            Status::Completed
        } else {
            Status::Failed
        };
        let keep_name = request.name.is_some();
        let finish = Finish {
            status,
            exit_code: ended.exit_code,
            signal: ended.signal,
            ended: ended_at,
            keep_name,
            only_while_running: false,
        };
        let tensorboard_notices = watch.collect(&mut series, &spool.join(crate::store::spool::ARTIFACTS_DIR));
        let (run, mut notices) = finalize(store, &config, run.id(), &spool, &mut series, &finish)?;
        notices.splice(0..0, tensorboard_notices);
        notices.extend(env_warning);
        notices.extend(end_notices);
        if let Some(checkout) = checkout {
            notices.extend(checkout.finish(request.keep)?);
        }
        Ok(Executed { run, ended, spawn_error, notices })
    }
}
