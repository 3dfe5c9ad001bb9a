//! The spool: where a live run's output lands before it is committed, and how we tell a live
//! run from a dead one.

use std::path::Path;

use serde::{Deserialize, Serialize};

pub const STATE_FILE: &str = "state.json";
pub const METRICS_FILE: &str = "metrics.jsonl";
pub const SCRAPED_FILE: &str = "scraped.jsonl";
pub const SYSTEM_FILE: &str = "system.jsonl";
pub const OUTPUT_FILE: &str = "output.log";
pub const PARAMS_FILE: &str = "params.json";
pub const ARTIFACTS_DIR: &str = "artifacts";

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

/// True if the process that owns the spool is still running: on this host, its pid is alive;
/// elsewhere, its heartbeat is recent.
#[must_use]
pub fn is_alive(spool: &Path) -> bool {
    let Some(state) = read_state(spool) else {
        return false;
    };
    if state.hostname == hostname() {
        pid_alive(state.pid)
    } else {
        crate::clock::now().as_second() - state.heartbeat < STALE_AFTER_SECONDS
    }
}

#[cfg(unix)]
#[must_use]
pub fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // Signal 0 checks existence; EPERM means it exists but belongs to somebody else.
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => !is_zombie(pid),
        Err(nix::errno::Errno::EPERM) => true,
        Err(_) => false,
    }
}

/// A killed process stays a zombie until its parent reaps it; it is not running.
#[cfg(unix)]
fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.rsplit_once(')').map(|(_, rest)| rest.trim_start().starts_with('Z')))
        .unwrap_or(false)
}

#[cfg(not(unix))]
#[must_use]
pub fn pid_alive(_pid: u32) -> bool {
    true
}

/// This machine's host name.
#[must_use]
pub fn hostname() -> String {
    nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).unwrap_or_else(|| "localhost".into())
}
