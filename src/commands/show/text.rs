//! `show` as text: a header of fields, then a section per part of the run that has anything.
//! Everything printed came from a run: control characters are shown, never sent to the terminal.

use std::io::Write;

use anstyle::{AnsiColor, Style};

use crate::store::view::{display_value, flatten};
use crate::store::{FileChange, Run, RunDetails};
use crate::ui::{Ui, sparkline, visible, visible_lines};

/// Prints `run` and its details `d` for people.
pub fn print(ui: &mut Ui, run: &Run, d: &RunDetails) -> anyhow::Result<()> {
    let bold = ui.style(Style::new().bold());
    let status_style = ui.style(match run.status {
        crate::store::Status::Completed => AnsiColor::Green.on_default(),
        crate::store::Status::Running => AnsiColor::Cyan.on_default(),
        _ => AnsiColor::Red.on_default(),
    });
    let r = &run.record;
    let out = ui.out();
    writeln!(out, "{bold}run {} ({}){bold:#}  {status_style}{}{status_style:#}", r.id, visible(&r.name), run.status)?;
    header(out, run)?;
    if !r.params.is_empty() {
        writeln!(out, "\n{bold}params{bold:#}")?;
        for (key, value) in flatten(&r.params) {
            writeln!(out, "  {} = {}", visible(&key), visible(&display_value(value)))?;
        }
    }
    if !r.metrics.is_empty() {
        writeln!(out, "\n{bold}metrics{bold:#}")?;
        metrics(out, run, d)?;
    }
    if !d.artifacts.is_empty() {
        writeln!(out, "\n{bold}artifacts{bold:#}")?;
        for a in &d.artifacts {
            writeln!(
                out,
                "  {}  {}  sha256:{}",
                visible(&a.path),
                crate::format::bytes(a.size),
                &a.sha256[..12.min(a.sha256.len())]
            )?;
        }
    }
    if !d.changes.is_empty() || d.base_note.is_some() {
        writeln!(out, "\n{bold}code changes vs base{bold:#}")?;
        code_changes(out, d)?;
    }
    if !r.skipped.is_empty() {
        writeln!(out, "\n{bold}left out of the snapshot{bold:#}")?;
        for s in &r.skipped {
            writeln!(out, "  {} ({})", visible(&s.path), s.reason)?;
        }
    }
    if !d.tail.is_empty() {
        let cut = r.output.as_ref().is_some_and(|o| o.truncated);
        writeln!(
            out,
            "\n{bold}output{bold:#} (last {} lines{})",
            d.tail.len(),
            if cut { ", log was cut" } else { "" }
        )?;
        for line in &d.tail {
            writeln!(out, "  {}", visible(line))?;
        }
    }
    Ok(())
}

/// The fields under the title line: command, times, exit, base, commit, tags, note, host.
fn header(out: &mut dyn Write, run: &Run) -> std::io::Result<()> {
    let r = &run.record;
    let now = crate::clock::now();
    let field = |out: &mut dyn Write, name: &str, value: &str| writeln!(out, "{name:<10}{}", visible_lines(value));
    if !r.command.is_empty() {
        field(out, "command", &crate::store::record::shell_join(&r.command))?;
    }
    if r.cwd != "." {
        field(out, "cwd", &r.cwd)?;
    }
    let duration = crate::format::duration(r.duration(now));
    field(out, "started", &format!("{} ({duration})", crate::clock::rfc3339(r.started)))?;
    match (r.exit_code, r.signal) {
        (_, Some(sig)) => field(out, "exit", &format!("killed by signal {sig}"))?,
        (Some(code), _) => field(out, "exit", &code.to_string())?,
        _ => {}
    }
    let base = r.base.as_deref().map_or("(no commit yet)".to_owned(), |b| b.chars().take(12).collect());
    let on = r.branch.as_deref().map(|b| format!(" on {b}")).unwrap_or_default();
    let dirty = if r.dirty { " with uncommitted changes" } else { "" };
    field(out, "base", &format!("{base}{on}{dirty}"))?;
    field(out, "commit", &run.commit.to_string())?;
    if !r.tags.is_empty() {
        field(out, "tags", &r.tags.join(", "))?;
    }
    if let Some(sweep) = &r.sweep {
        field(out, "sweep", sweep)?;
    }
    if !r.note.is_empty() {
        field(out, "note", &r.note.replace('\n', "\n          "))?;
    }
    let h = &r.host;
    let memory = if h.memory_bytes > 0 {
        format!(", {:.1} GiB", h.memory_bytes as f64 / (1u64 << 30) as f64)
    } else {
        String::new()
    };
    field(out, "host", &format!("{} ({}/{}, {} cpus{memory}), user {}", h.hostname, h.os, h.arch, h.cpus, h.user))?;
    Ok(())
}

/// The metrics table: count, last, min and max of each series, with a sparkline.
fn metrics(out: &mut dyn Write, run: &Run, d: &RunDetails) -> std::io::Result<()> {
    let r = &run.record;
    let width = r.metrics.keys().map(|k| k.len()).max().unwrap_or(0);
    // Six significant digits with the exponent kept: never cut, so 1.147e-6 never reads as 1.15.
    let fmt = crate::format::number;
    writeln!(out, "  {:<width$}  {:<16}  {:>8}  {:>10}  {:>10}  {:>10}", "key", "", "count", "last", "min", "max")?;
    for (key, m) in &r.metrics {
        let spark = d.series.iter().find(|(k, _)| k == key).map(|(_, values)| sparkline(values, 16));
        let spark = spark.as_deref().unwrap_or("");
        writeln!(
            out,
            "  {:<width$}  {spark:<16}  {:>8}  {:>10}  {:>10}  {:>10}",
            visible(key),
            m.count,
            fmt(m.last),
            fmt(m.min),
            fmt(m.max)
        )?;
    }
    if r.malformed_metric_lines > 0 {
        writeln!(out, "  ({} malformed metric lines were skipped)", r.malformed_metric_lines)?;
    }
    Ok(())
}

/// The files changed since the run's base, or why they are unknown.
fn code_changes(out: &mut dyn Write, d: &RunDetails) -> std::io::Result<()> {
    if let Some(note) = &d.base_note {
        writeln!(out, "  ({})", visible(note))?;
    }
    for (change, path) in &d.changes {
        let mark = match change {
            FileChange::Added => 'A',
            FileChange::Modified => 'M',
            FileChange::Deleted => 'D',
        };
        writeln!(out, "  {mark} {}", visible(path))?;
    }
    Ok(())
}
