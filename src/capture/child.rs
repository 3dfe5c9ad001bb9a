//! Running the command: its own process group, output passed through live and captured, Ctrl-C
//! forwarded once per burst and escalated on a later, separate Ctrl-C.

use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// SIGINTs closer together than this are one Ctrl-C: the terminal, git and we may all deliver it.
const SAME_CTRL_C: Duration = Duration::from_millis(1000);

/// How the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    /// A Ctrl-C (or SIGTERM/SIGHUP) reached git-exp while the command ran.
    pub interrupted: bool,
}

impl Ended {
    /// The exit code `git exp run` returns: the child's, 128+n for signal n, 130 after Ctrl-C.
    pub fn shell_code(&self) -> u8 {
        if self.interrupted {
            return 130;
        }
        match (self.exit_code, self.signal) {
            (Some(code), _) => u8::try_from(code.rem_euclid(256)).unwrap_or(1),
            (None, Some(sig)) => u8::try_from(128 + sig).unwrap_or(255),
            (None, None) => 1,
        }
    }
}

/// A started command and the threads that serve it.
pub struct Running {
    child: Child,
    pgid: i32,
    tees: Vec<JoinHandle<()>>,
    signals: signal_hook::iterator::Handle,
    signal_thread: JoinHandle<()>,
    interrupted: Arc<AtomicBool>,
}

/// Receives each complete line of output (for `--scrape`); a carriage return ends a line too, as
/// progress bars redraw themselves with one.
pub type LineSink = Box<dyn FnMut(&str) + Send>;

/// Starts `command` in `dir` with `env`, teeing its output to the terminal and `log`.
pub fn spawn(
    command: &[String],
    dir: &Path,
    env: &[(String, String)],
    log: File,
    echo: bool,
    on_line: Option<[LineSink; 2]>,
) -> std::io::Result<Running> {
    let (program, args) = command.split_first().ok_or_else(|| std::io::Error::other("empty command"))?;
    // Register before spawning so that no Ctrl-C can slip between the two.
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that escalation can reach all of its processes without
        // reaching git-exp, and the terminal's Ctrl-C reaches it only through us (once).
        .process_group(0);
    let mut child = match crate::process::with_huge_pages_as_found(|| cmd.spawn()) {
        Ok(child) => child,
        Err(e) => {
            signals.handle().close();
            return Err(e);
        }
    };
    let pgid = i32::try_from(child.id()).unwrap_or(i32::MAX);

    let log = Arc::new(Mutex::new(log));
    let mut tees = Vec::new();
    let (on_stdout_line, on_stderr_line) = match on_line {
        Some([out, err]) => (Some(out), Some(err)),
        None => (None, None),
    };
    if let Some(out) = child.stdout.take() {
        let log = Arc::clone(&log);
        tees.push(std::thread::spawn(move || tee(out, std::io::stdout(), echo, &log, on_stdout_line)));
    }
    if let Some(err) = child.stderr.take() {
        let log = Arc::clone(&log);
        tees.push(std::thread::spawn(move || tee(err, std::io::stderr(), echo, &log, on_stderr_line)));
    }

    let interrupted = Arc::new(AtomicBool::new(false));
    let handle = signals.handle();
    let flag = Arc::clone(&interrupted);
    let signal_thread = std::thread::spawn(move || {
        let mut last_ctrl_c: Option<Instant> = None;
        let mut escalation = 0;
        for signal in signals.forever() {
            flag.store(true, Ordering::SeqCst);
            let send = match signal {
                SIGINT => {
                    if last_ctrl_c.is_some_and(|t| t.elapsed() < SAME_CTRL_C) {
                        continue;
                    }
                    last_ctrl_c = Some(Instant::now());
                    escalation += 1;
                    match escalation {
                        1 => Signal::SIGINT,
                        2 => Signal::SIGTERM,
                        _ => Signal::SIGKILL,
                    }
                }
                SIGHUP => Signal::SIGHUP,
                _ => {
                    escalation += 1;
                    if escalation == 1 { Signal::SIGTERM } else { Signal::SIGKILL }
                }
            };
            // The group may already be gone; nothing to do then.
            let _ = killpg(Pid::from_raw(pgid), send);
        }
    });
    Ok(Running { child, pgid, tees, signals: handle, signal_thread, interrupted })
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn pgid(&self) -> i32 {
        self.pgid
    }

    /// Waits for the command and for all of its output to be captured.
    pub fn wait(mut self) -> std::io::Result<Ended> {
        let status = self.child.wait()?;
        for tee in self.tees {
            let _ = tee.join();
        }
        self.signals.close();
        let _ = self.signal_thread.join();
        Ok(Ended {
            exit_code: status.code(),
            signal: status.signal(),
            interrupted: self.interrupted.load(Ordering::SeqCst),
        })
    }
}

/// Copies `from` to the terminal stream `to` and to `log`, handing complete lines to `lines`.
fn tee(mut from: impl Read, mut to: impl Write, echo: bool, log: &Mutex<File>, mut lines: Option<LineSink>) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut partial: Vec<u8> = Vec::new();
    let mut terminal_open = echo;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let chunk = &buf[..n];
        // A closed terminal (`git exp run … | head`) must not stop the capture.
        if terminal_open && (to.write_all(chunk).is_err() || to.flush().is_err()) {
            terminal_open = false;
        }
        if let Ok(mut file) = log.lock() {
            let _ = file.write_all(chunk);
        }
        if let Some(sink) = lines.as_mut() {
            partial.extend_from_slice(chunk);
            while let Some(pos) = partial.iter().position(|&b| b == b'\n' || b == b'\r') {
                // `\r\n` ends one line, not two.
                if pos > 0 {
                    sink(&String::from_utf8_lossy(&partial[..pos]));
                }
                partial.drain(..=pos);
            }
            // Bound memory on output that never ends a line.
            if partial.len() > 1 << 20 {
                partial.clear();
            }
        }
    }
    if let Some(sink) = lines.as_mut()
        && !partial.is_empty()
    {
        sink(&String::from_utf8_lossy(&partial));
    }
}
