//! A run recorded for a program that is already running (`git exp attach`, started by the Python
//! helper's `git_exp.init()` outside `git exp run`): the code snapshot, first commit and spool are
//! made as for `git exp run`, then this process supervises the program instead of running it. The
//! program writes into the spool through the protocol variables, its own output into
//! `GIT_EXP_OUTPUT`, and says how it ended in `GIT_EXP_FINISH`; if it dies without saying so,
//! the run is committed as `crashed`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::spool::{self, Finish};
use super::{Request, Started};
use crate::config::Config;
use crate::process::Process;
use crate::store::record::Status;
use crate::store::spool::{FINISH_FILE, OUTPUT_FILE, write_state};
use crate::store::{Run, Store};

/// How often the program is checked on.
const POLL: Duration = Duration::from_millis(100);
/// How often the spool's state says that the run is alive (as `git exp run`'s heartbeat).
const HEARTBEAT: Duration = Duration::from_secs(30);
/// The most of the finish file that is read.
const MAX_FINISH_BYTES: u64 = 4096;

/// A started run whose program is another, already running, process.
pub struct Attached {
    pub run: Run,
    pub notices: Vec<String>,
    spool: PathBuf,
    program: Process,
    env_capture: spool::EnvCapture,
}

/// Snapshots the code, commits the `running` record and prepares the spool for program `pid`.
pub fn attach(store: &Store, request: Request, pid: u32) -> anyhow::Result<Attached> {
    let program = Process::of(pid);
    if !program.is_running() {
        anyhow::bail!("process {pid} is not running: nothing to record");
    }
    let config = Config::load(store.workdir())?;
    let Started { run, notices, spool, request, .. } = super::start(store, Request { isolate: false, ..request })?;
    // The program counts as the run's command: `recover` leaves the run alone while it lives.
    write_state(&spool, &spool::state(Some(program)))?;
    let place = spool::Place { dir: &request.dir, root: store.workdir(), store_dir: store.dir() };
    let env_capture = spool::start_env_capture(&spool, &request.command, &config, &place);
    Ok(Attached { run, notices, spool, program, env_capture })
}

impl Attached {
    /// The protocol variables for the program (docs/FORMAT.md "Run protocol"), with the two that
    /// only attached runs use: where its output goes and where it says how it ended.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = spool::child_env(&self.spool, self.run.id());
        let path = |name: &str| self.spool.join(name).to_string_lossy().into_owned();
        env.push(("GIT_EXP_OUTPUT".into(), path(OUTPUT_FILE)));
        env.push(("GIT_EXP_FINISH".into(), path(FINISH_FILE)));
        env
    }

    /// Waits until the program says it finished or is gone, then commits the final record.
    pub fn supervise(self, store: &Store) -> anyhow::Result<(Run, Vec<String>)> {
        let Attached { run, mut notices, spool, program, env_capture } = self;
        let mut beat = Instant::now();
        let (status, exit_code) = loop {
            if let Some(end) = read_finish(&spool) {
                break end;
            }
            if !program.is_running() {
                // It may have written the file just before exiting.
                break read_finish(&spool).unwrap_or((Status::Crashed, None));
            }
            if beat.elapsed() >= HEARTBEAT {
                let _ = write_state(&spool, &spool::state(Some(program)));
                beat = Instant::now();
            }
            std::thread::sleep(POLL);
        };
        let ended = crate::clock::now();
        notices.extend(env_capture.finish(&spool));
        let config = Config::load(store.workdir())?;
        let mut series = spool::read_series(&spool);
        // The program named its run when it attached (`init(name=…)` or a generated name): an
        // MLflow run name seen later does not replace it.
        let finish = Finish { status, exit_code, signal: None, ended, keep_name: true, only_while_running: false };
        let (run, more) = spool::finalize(store, &config, run.id(), &spool, &mut series, &finish)?;
        notices.extend(more);
        Ok((run, notices))
    }
}

/// Reads `finish.json`: `{"status": "completed" | "failed" | "interrupted", "exit_code": N}`.
/// An unreadable or unknown status counts as failed: the program did say it ended.
fn read_finish(spool: &Path) -> Option<(Status, Option<i32>)> {
    use std::io::Read as _;
    let file = std::fs::File::open(spool.join(FINISH_FILE)).ok()?;
    let mut text = String::new();
    file.take(MAX_FINISH_BYTES).read_to_string(&mut text).ok()?;
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        // Possibly still being written (the helper renames it into place, but be safe).
        Err(e) if e.is_eof() => return None,
        Err(_) => serde_json::Value::Null,
    };
    let status = match value.get("status").and_then(serde_json::Value::as_str) {
        Some("completed") => Status::Completed,
        Some("interrupted") => Status::Interrupted,
        _ => Status::Failed,
    };
    let exit_code = value.get("exit_code").and_then(serde_json::Value::as_i64).and_then(|c| i32::try_from(c).ok());
    Some((status, exit_code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_file_statuses() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_finish(dir.path()), None);
        let write = |text: &str| std::fs::write(dir.path().join(FINISH_FILE), text).unwrap();
        write(r#"{"status": "completed", "exit_code": 0}"#);
        assert_eq!(read_finish(dir.path()), Some((Status::Completed, Some(0))));
        write(r#"{"status": "interrupted"}"#);
        assert_eq!(read_finish(dir.path()), Some((Status::Interrupted, None)));
        write(r#"{"status": "running", "exit_code": 99999999999}"#);
        assert_eq!(read_finish(dir.path()), Some((Status::Failed, None)));
        write(r#"{"status": "#);
        assert_eq!(read_finish(dir.path()), None);
    }
}
