//! Sweeps: many runs from one command, up to N at a time, each with its own spool and
//! artifacts; Ctrl-C stops them all, `--fail-fast` stops starting new ones after a failure.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};

use signal_hook::consts::{SIGINT, SIGTERM};

use super::{Executed, Request};
use crate::store::{Status, Store};

/// What a sweep reports while it goes.
pub enum Event {
    Started { index: usize, id: String, name: String },
    Finished { index: usize, outcome: Box<Result<Executed, String>> },
}

/// Runs `requests` with `jobs` workers, calling `on_event` on this thread as runs start and end.
/// Returns each run's outcome by index (`None`: never started, because the sweep was stopped).
pub fn run_all(
    cwd: &Path,
    requests: Vec<Request>,
    jobs: usize,
    fail_fast: bool,
    mut on_event: impl FnMut(&Event),
) -> Vec<Option<Result<Executed, String>>> {
    let total = requests.len();
    let queue = Mutex::new(requests.into_iter().enumerate().collect::<VecDeque<_>>());
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Event>();
    // Between runs no command is there to forward Ctrl-C to: it must still stop the sweep.
    let signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]).ok();
    let handle = signals.as_ref().map(|s| s.handle());
    let mut results: Vec<Option<Result<Executed, String>>> = (0..total).map(|_| None).collect();

    std::thread::scope(|scope| {
        if let Some(mut signals) = signals {
            let stop = &stop;
            scope.spawn(move || {
                if signals.forever().next().is_some() {
                    stop.store(true, Ordering::SeqCst);
                }
            });
        }
        for _ in 0..jobs.clamp(1, total.max(1)) {
            let (queue, stop, tx) = (&queue, &stop, tx.clone());
            scope.spawn(move || {
                let store = match Store::open(cwd) {
                    Ok(store) => store,
                    Err(e) => {
                        stop.store(true, Ordering::SeqCst);
                        if let Some((index, _)) = queue.lock().ok().and_then(|mut q| q.pop_front()) {
                            let _ = tx.send(Event::Finished { index, outcome: Box::new(Err(e.to_string())) });
                        }
                        return;
                    }
                };
                loop {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Some((index, request)) = queue.lock().ok().and_then(|mut q| q.pop_front()) else { return };
                    let outcome = run_one(&store, request, index, &tx);
                    let failed = match &outcome {
                        Ok(done) => done.ended.interrupted || (fail_fast && done.run.status != Status::Completed),
                        Err(_) => fail_fast,
                    };
                    if matches!(&outcome, Ok(done) if done.ended.interrupted) || failed {
                        stop.store(true, Ordering::SeqCst);
                    }
                    let _ = tx.send(Event::Finished { index, outcome: Box::new(outcome) });
                }
            });
        }
        drop(tx);
        for event in rx {
            on_event(&event);
            if let Event::Finished { index, outcome } = event {
                results[index] = Some(*outcome);
            }
        }
        if let Some(handle) = &handle {
            handle.close();
        }
    });
    results
}

fn run_one(store: &Store, request: Request, index: usize, tx: &mpsc::Sender<Event>) -> Result<Executed, String> {
    let started = super::start(store, request).map_err(|e| format!("{e:#}"))?;
    let _ = tx.send(Event::Started { index, id: started.run.id().to_string(), name: started.run.record.name.clone() });
    started.execute(store).map_err(|e| format!("{e:#}"))
}
