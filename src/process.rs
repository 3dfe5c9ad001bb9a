//! Whether the process that owns something on disk (a run's spool, a blob temp file, the recover
//! lock) is still running. A pid alone is not enough: pids are reused, so a dead run's pid may
//! belong to an unrelated live process by the time anyone looks. Where the OS tells (Linux
//! `/proc`), a process is also identified by its start time.
//!
//! Also how this process itself is paged: [`without_huge_pages`].

/// A process: its pid and, where known, its start time (clock ticks since boot on Linux).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    pub start: Option<u64>,
}

impl Process {
    /// Returns this process.
    pub fn current() -> Self {
        let pid = std::process::id();
        Self { pid, start: start_time(pid) }
    }

    /// Returns process `pid` as it is now (with its current start time).
    pub fn of(pid: u32) -> Self {
        Self { pid, start: start_time(pid) }
    }

    /// True if this process is still running: its pid is alive, not a zombie, and, when both
    /// start times are known, started when this one did (else the pid was reused).
    pub fn is_running(&self) -> bool {
        if !pid_alive(self.pid) {
            return false;
        }
        match (self.start, start_time(self.pid)) {
            (Some(recorded), Some(now)) => recorded == now,
            // An old record without a start time, or an OS that does not say: the pid decides.
            _ => true,
        }
    }
}

/// Whether huge pages were off before [`without_huge_pages`] first turned them off: the state the
/// user's programs must start with (see [`with_huge_pages_as_found`]).
#[cfg(target_os = "linux")]
static FOUND_DISABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Stops the kernel from backing this process's memory with transparent huge pages (Linux;
/// elsewhere nothing). mimalloc (src/main.rs) asks for huge pages on its arena, so each 2 MiB of
/// it that a command touches becomes resident whole, and is zeroed whole first: fewer page
/// faults for `ls` over thousands of runs, but for a heap of a few MiB, such as `nbdiff`'s, it
/// more than doubles the peak (docs/PERFORMANCE.md, "Notebook diff"), and zeroing the pages was a
/// sixth of `run`'s own CPU time. The flag is inherited by child processes, even across exec: a
/// command that runs the user's programs spawns them in [`with_huge_pages_as_found`].
pub fn without_huge_pages() {
    // Best effort: where the kernel refuses, memory is only larger.
    #[cfg(target_os = "linux")]
    {
        FOUND_DISABLED.get_or_init(|| nix::sys::prctl::get_thp_disable().unwrap_or(false));
        let _ = nix::sys::prctl::set_thp_disable(true);
    }
}

/// Runs `spawn` (starting a user's program) with transparent huge pages as they were before
/// [`without_huge_pages`], then turns them off again: the child keeps the state it was spawned
/// with (the spawn returns once it has exec'd), so a training script is paged exactly as it
/// would be without git-exp.
pub fn with_huge_pages_as_found<T>(spawn: impl FnOnce() -> T) -> T {
    #[cfg(target_os = "linux")]
    let restore = FOUND_DISABLED.get().is_some_and(|&disabled| !disabled);
    #[cfg(target_os = "linux")]
    if restore {
        let _ = nix::sys::prctl::set_thp_disable(false);
    }
    let spawned = spawn();
    #[cfg(target_os = "linux")]
    if restore {
        let _ = nix::sys::prctl::set_thp_disable(true);
    }
    spawned
}

/// This machine's host name: a pid means something only on the host that wrote it down.
pub fn hostname() -> String {
    nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).unwrap_or_else(|| "localhost".into())
}

/// The fields of `/proc/<pid>/stat` after the command name, which is in parentheses and may
/// itself hold spaces and parentheses (hence the last `)`).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// Returns the start time of process `pid`: field 22 of `/proc/<pid>/stat` (proc(5)), i.e. index
/// 19 after the command name. `None` where there is no `/proc` (macOS) or the process is gone.
pub fn start_time(pid: u32) -> Option<u64> {
    stat_fields(pid)?.get(19)?.parse().ok()
}

#[cfg(unix)]
fn pid_alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    if raw <= 0 {
        // 0 and negative pids address process groups, not a process.
        return false;
    }
    // Signal 0 checks existence; EPERM means it exists but belongs to somebody else.
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None) {
        Ok(()) => !is_zombie(pid),
        Err(nix::errno::Errno::EPERM) => true,
        Err(_) => false,
    }
}

/// A killed process stays a zombie until its parent reaps it; it is not running.
#[cfg(unix)]
fn is_zombie(pid: u32) -> bool {
    stat_fields(pid).and_then(|f| f.first().map(|state| state == "Z")).unwrap_or(false)
}

#[cfg(not(unix))]
fn pid_alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel's own view of the flag (`THP_enabled` in /proc/self/status, Linux 5.0 on).
    /// It stays set for the rest of this test process: it only changes how memory is paged.
    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_are_off_after_the_call() {
        without_huge_pages();
        let status = std::fs::read_to_string("/proc/self/status").expect("Linux has /proc/self/status");
        match status.lines().find_map(|l| l.strip_prefix("THP_enabled:")) {
            Some(value) => assert_eq!(value.trim(), "0", "{status}"),
            None => assert!(nix::sys::prctl::get_thp_disable().expect("prctl answers")),
        }
    }

    #[test]
    fn this_process_runs_and_a_reused_pid_does_not_count() {
        let me = Process::current();
        assert!(me.is_running());
        if let Some(start) = me.start {
            assert!(!Process { pid: me.pid, start: Some(start + 1) }.is_running());
        }
        assert!(Process { pid: me.pid, start: None }.is_running());
        assert!(!Process { pid: 0, start: None }.is_running());
        assert!(!Process { pid: u32::MAX, start: None }.is_running());
    }
}
