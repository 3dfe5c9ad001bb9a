//! `git-exp`: experiment tracking in the project's own git repository.
//!
//! main stays thin: parse arguments, run the command, map the outcome to an exit code. Only
//! this file prints errors and picks exit codes.

mod blobs;
mod capture;
mod cli;
mod clock;
mod commands;
mod config;
mod diff;
mod format;
mod git;
mod ids;
mod import;
mod notebook;
mod process;
mod query;
mod redact;
mod relpath;
mod report;
mod serve;
mod share;
mod store;
mod tensorboard;
mod ui;

use std::process::ExitCode;

/// Listing thousands of runs is allocation-heavy and parses on several threads, where glibc's
/// per-thread arenas grow in many small steps; mimalloc keeps `git exp ls` fast (see
/// docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse_narrowed() {
        Ok(cli) => cli,
        Err(err) => return ui::clap_exit(&err),
    };
    let mut ui = ui::Ui::new(&cli.global.ui_options());
    let outcome = commands::dispatch(&mut ui, cli);
    ui.finish();
    match outcome {
        Ok(status) => status.into(),
        Err(err) if ui::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            ui.report_with(&err, &commands::error_hint);
            ExitCode::from(if ui::UsageError::in_chain(&err) { 2 } else { 1 })
        }
    }
}
