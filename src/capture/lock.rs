//! The lock `git exp recover` holds while it reads spools and commits them, so that two recovers
//! never commit a run twice, nor one of them commit a half-removed spool.
//!
//! An OS advisory lock (`flock`-style, released by the OS when the holder dies, so a killed
//! recover never leaves a stale lock) on `<git common dir>/git-exp/recover.lock`; the holder writes
//! its pid into the file for the message of whoever waits.

use std::fs::{File, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a second recover waits for the first before it gives up.
const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

/// Another recover held the lock for all of [`WAIT`].
#[derive(Debug, thiserror::Error)]
#[error("another git exp recover is running{}", .pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
pub struct Busy {
    pid: Option<u32>,
}

/// The held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct RecoverLock {
    _file: File,
}

impl RecoverLock {
    /// Takes the recover lock of the store in `dir`, waiting up to ten seconds for a recover
    /// that holds it.
    pub fn acquire(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("recover.lock");
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| anyhow::anyhow!("cannot open `{}`: {e}", path.display()))?;
        let deadline = Instant::now() + WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => std::thread::sleep(POLL),
                Err(TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    return Err(Busy { pid: text.trim().parse().ok() }.into());
                }
                Err(TryLockError::Error(e)) => anyhow::bail!("cannot lock `{}`: {e}", path.display()),
            }
        }
        // Only a note for the message above; the lock itself is the OS's.
        let _ = file.set_len(0).and_then(|()| file.seek(SeekFrom::Start(0))).and_then(|_| {
            writeln!(file, "{}", std::process::id())?;
            file.flush()
        });
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = RecoverLock::acquire(dir.path()).expect("first lock");
        // A second open file description: flock-style locks conflict between those, even in one
        // process. Shortened wait: take it by hand.
        let other = File::options().read(true).write(true).open(dir.path().join("recover.lock")).expect("open");
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop(first);
        assert!(other.try_lock().is_ok());
        let text = std::fs::read_to_string(dir.path().join("recover.lock")).expect("read");
        assert_eq!(text.trim(), std::process::id().to_string());
        let busy = Busy { pid: Some(42) };
        assert_eq!(busy.to_string(), "another git exp recover is running (pid 42)");
    }
}
