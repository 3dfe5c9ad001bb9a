//! The spool: where a live run's output lands before it is committed, and how we tell a live
//! run from a dead one.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::process::Process;

pub const STATE_FILE: &str = "state.json";
pub const METRICS_FILE: &str = "metrics.jsonl";
pub const SCRAPED_FILE: &str = "scraped.jsonl";
pub const SYSTEM_FILE: &str = "system.jsonl";
pub const OUTPUT_FILE: &str = "output.log";
pub const PARAMS_FILE: &str = "params.json";
pub const ARTIFACTS_DIR: &str = "artifacts";
/// JSON lines of params logged from code (`GIT_EXP_PARAMS_LOG`), merged into the record at the end.
pub const PARAMS_LOG_FILE: &str = "params-log.jsonl";
/// Written by a program recording itself (`git exp attach`): how it ended.
pub const FINISH_FILE: &str = "finish.json";

/// A heartbeat older than this means a run on another host is gone.
pub const STALE_AFTER_SECONDS: i64 = 300;

/// `state.json`: who is running the run and when it last said so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpoolState {
    pub pid: u32,
    pub hostname: String,
    /// Unix seconds of the last heartbeat.
    pub heartbeat: i64,
    /// The pid of the command, once it started.
    #[serde(default)]
    pub child_pid: Option<u32>,
    /// When git-exp's process started (Linux: clock ticks since boot), so that a reused pid is
    /// not taken for it. Absent in older spools and where the OS does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_start: Option<u64>,
    /// When the command's process started, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_start: Option<u64>,
}

impl SpoolState {
    /// True if git-exp or the command it runs is still running on this host. The command counts:
    /// after git-exp is killed it lives on in its own process group, still writing to the spool,
    /// and committing the run then would lose what it writes later.
    fn runs_here(&self) -> bool {
        Process { pid: self.pid, start: self.pid_start }.is_running()
            || self.child_pid.is_some_and(|pid| Process { pid, start: self.child_start }.is_running())
    }
}

/// Reads a spool's state, if there is a readable one.
#[must_use]
pub fn read_state(spool: &Path) -> Option<SpoolState> {
    let bytes = std::fs::read(spool.join(STATE_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Writes a spool's state atomically (temp file and rename), so readers never see half of it.
pub fn write_state(spool: &Path, state: &SpoolState) -> std::io::Result<()> {
    let tmp = spool.join(format!("{STATE_FILE}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec(state).map_err(std::io::Error::other)?)?;
    std::fs::rename(tmp, spool.join(STATE_FILE))
}

/// True if the process that owns the spool is still running: on this host, git-exp's or the
/// command's process is alive (same pid and start time); elsewhere, its heartbeat is recent.
pub fn is_alive(spool: &Path) -> bool {
    let Some(state) = read_state(spool) else {
        return false;
    };
    if state.hostname == hostname() {
        state.runs_here()
    } else {
        crate::clock::now().as_second() - state.heartbeat < STALE_AFTER_SECONDS
    }
}

pub use crate::process::hostname;

/// A digest of the live runs under `spool_root` and of how much metrics each has written (sizes
/// and times of their metric files), so that `report --watch` can tell when to rebuild without
/// reading them. Output alone does not count: the report shows a running run's metrics, not its log.
#[must_use]
pub fn fingerprint(spool_root: &Path) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let Ok(entries) = std::fs::read_dir(spool_root) else { return 0 };
    let mut dirs: Vec<std::path::PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    dirs.sort();
    for dir in dirs {
        dir.hash(&mut hasher);
        for name in [METRICS_FILE, SCRAPED_FILE, SYSTEM_FILE] {
            if let Ok(meta) = std::fs::metadata(dir.join(name)) {
                (meta.len(), meta.modified().ok()).hash(&mut hasher);
            }
        }
    }
    hasher.finish()
}
