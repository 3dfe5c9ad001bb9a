//! The terminal form of a run diff.

use std::io::{self, Write};

use anstyle::Style;
use unicode_width::UnicodeWidthStr as _;

use super::code::short;
use super::{CheckOutcome, RunDiff, Side, Verdict};
use crate::format;
use crate::query::format_number;
use crate::ui::{visible, visible_code};

/// Styles for the parts of a diff (plain when colour is off).
#[derive(Debug, Clone, Copy, Default)]
pub struct Palette {
    pub heading: Style,
    pub added: Style,
    pub removed: Style,
    pub hunk: Style,
}

/// Writes the diff for a terminal: who is compared, params, metrics, status, duration, code,
/// environment, artifacts and the outcome of `--fail-if` checks.
pub fn render_text(diff: &RunDiff, checks: &[CheckOutcome], palette: &Palette, out: &mut dyn Write) -> io::Result<()> {
    let h = palette.heading;
    let sides: Vec<Vec<String>> = [("A", &diff.a), ("B", &diff.b)]
        .into_iter()
        .map(|(label, side)| {
            let mut row = vec![label.to_owned()];
            row.extend(side_cells(side));
            row
        })
        .collect();
    write_aligned(out, &sides, "", &[])?;
    for (label, side) in [("A", &diff.a), ("B", &diff.b)] {
        if let Some(reason) = &side.picked {
            writeln!(out, "{label} picked: {}", visible(reason))?;
        }
    }

    writeln!(out)?;
    let mut rows = vec![
        vec!["status".to_owned(), change(&diff.a.status, &diff.b.status)],
        vec!["duration".to_owned(), duration_change(diff.a.duration, diff.b.duration)],
    ];
    for p in &diff.params {
        rows.push(vec![format!("params.{}", p.key), change(&param_text(p.a.as_ref()), &param_text(p.b.as_ref()))]);
    }
    write_aligned(out, &rows, "  ", &[])?;

    if !diff.metrics.is_empty() {
        writeln!(out, "\n{h}metrics{h:#}")?;
        let mut rows = vec![["", "A", "B", "Δ", "Δ%"].map(str::to_owned).to_vec()];
        let mut styles = vec![Style::new()];
        for metric in &diff.metrics {
            for r in &metric.rollups {
                let name = if metric.rollups.len() == 1 {
                    metric.key.clone()
                } else {
                    format!("{}:{}", metric.key, r.rollup.as_str())
                };
                // With a goal, a change reads better or worse (and is coloured so) rather
                // than just up or down.
                let (word, style) = match r.verdict {
                    Some(Verdict::Better) => ("better", palette.added),
                    Some(Verdict::Worse) => ("worse", palette.removed),
                    _ => ("", Style::new()),
                };
                rows.push(vec![
                    name,
                    opt_number(r.a),
                    opt_number(r.b),
                    signed(r.delta),
                    relative_text(r.relative),
                    word.to_owned(),
                ]);
                styles.push(style);
            }
        }
        write_styled(out, &rows, &styles, &[1, 2, 3, 4])?;
    }

    write_code(diff, palette, out)?;

    if !diff.env.is_empty() {
        writeln!(out, "\n{h}environment{h:#}")?;
        let rows: Vec<Vec<String>> = diff
            .env
            .iter()
            .map(|c| {
                vec![c.file.clone(), c.key.clone(), change(c.a.as_deref().unwrap_or(""), c.b.as_deref().unwrap_or(""))]
            })
            .collect();
        write_aligned(out, &rows, "  ", &[])?;
    }
    if !diff.artifacts.is_empty() {
        writeln!(out, "\n{h}artifacts{h:#}")?;
        let rows: Vec<Vec<String>> = diff
            .artifacts
            .iter()
            .map(|c| {
                let side = |a: &Option<crate::store::Artifact>| {
                    a.as_ref().map_or("(none)".to_owned(), |a| {
                        format!("{} {}", a.sha256.get(..12).unwrap_or(&a.sha256), bytes(a.size))
                    })
                };
                vec![c.path.clone(), format!("{} → {}", side(&c.a), side(&c.b))]
            })
            .collect();
        write_aligned(out, &rows, "  ", &[])?;
    }
    if !checks.is_empty() {
        writeln!(out, "\n{h}checks{h:#}")?;
        for check in checks {
            let (style, word) = if check.failed { (palette.removed, "FAILED") } else { (palette.added, "passed") };
            writeln!(out, "  {style}{word}{style:#}  {}", check.condition)?;
            for value in &check.values {
                writeln!(out, "          {}", visible(value))?;
            }
        }
    }
    Ok(())
}

fn write_code(diff: &RunDiff, palette: &Palette, out: &mut dyn Write) -> io::Result<()> {
    let h = palette.heading;
    let code = &diff.code;
    if code.files.is_empty() {
        return writeln!(out, "\n{h}code{h:#}  unchanged");
    }
    writeln!(out, "\n{h}code{h:#}  {}", code_summary(diff))?;
    let width = code.files.iter().map(|f| visible(&f.path).width()).max().unwrap_or(0);
    for file in &code.files {
        let counts = match &file.note {
            Some(note) => note.clone(),
            None => format!(
                "{}{}{:#}{}{}{:#}",
                palette.added,
                "+".repeat(file.insertions.min(20)),
                palette.added,
                palette.removed,
                "-".repeat(file.deletions.min(20)),
                palette.removed
            ),
        };
        let status = match file.status {
            super::FileStatus::Added => " (added)",
            super::FileStatus::Deleted => " (deleted)",
            super::FileStatus::Modified => "",
        };
        let path = visible(&file.path);
        let pad = width.saturating_sub(path.width());
        let total = file.insertions + file.deletions;
        writeln!(out, "  {path}{} | {total:>4} {counts}{status}", " ".repeat(pad))?;
    }
    for file in code.files.iter().filter(|f| !f.patch.is_empty()) {
        writeln!(out)?;
        let path = visible(&file.path);
        writeln!(out, "{h}diff --git a/{path} b/{path}{h:#}")?;
        for line in file.patch.lines() {
            let style = match line.as_bytes().first() {
                _ if line.starts_with("+++") || line.starts_with("---") => h,
                Some(b'+') => palette.added,
                Some(b'-') => palette.removed,
                Some(b'@') => palette.hunk,
                // A notebook diff names each cell in a `## cell 3 (code): modified` line.
                Some(b'#') if line.starts_with("## ") => h,
                _ => Style::new(),
            };
            writeln!(out, "{style}{}{style:#}", visible_code(line))?;
        }
    }
    Ok(())
}

/// `3 files changed, +12 −4`.
pub fn code_summary(diff: &RunDiff) -> String {
    let n = diff.code.files.len();
    let files = if n == 1 { "1 file changed".to_owned() } else { format!("{n} files changed") };
    format!("{files}, +{} -{}", diff.code.insertions, diff.code.deletions)
}

fn side_cells(side: &Side) -> [String; 5] {
    let dirty = if side.dirty { " (uncommitted changes)" } else { "" };
    [
        side.id.clone(),
        side.name.clone(),
        side.status.clone(),
        format::duration(side.duration),
        format!("{}{dirty}", place(side)),
    ]
}

/// Where a run started: `feature/x @ abc1234`.
pub fn place(side: &Side) -> String {
    let base = side.base.as_deref().map(short);
    match (&side.branch, base) {
        (Some(branch), Some(base)) => format!("{branch} @ {base}"),
        (None, Some(base)) => base,
        (Some(branch), None) => branch.clone(),
        (None, None) => String::new(),
    }
}

/// `5m12s → 6m01s (+49s, +15.7%)`, or one value when both are the same.
fn duration_change(a: f64, b: f64) -> String {
    let (da, db) = (format::duration(a), format::duration(b));
    if da == db {
        return da;
    }
    let (abs, rel) = super::delta(Some(a), Some(b));
    format!("{da} → {db} ({})", delta_text(abs, rel, true))
}

fn change(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, false) => format!("(none) → {b}  (added)"),
        (false, true) => format!("{a} → (none)  (removed)"),
        _ if a == b => a.to_owned(),
        _ => format!("{a} → {b}"),
    }
}

/// A param value as written in TOML (strings quoted, so `"1"` and `1` differ visibly).
pub fn param_text(value: Option<&toml::Value>) -> String {
    value.map_or(String::new(), |v| v.to_string())
}

pub fn opt_number(v: Option<f64>) -> String {
    v.map_or(String::new(), format_number)
}

/// `+0.02`, `-0.5`, `0`; empty when a side is missing.
pub fn signed(delta: Option<f64>) -> String {
    match delta {
        None => String::new(),
        Some(d) if d > 0.0 => format!("+{}", format_number(d)),
        Some(d) => format_number(d),
    }
}

/// `+2.2%`, `-0.35%`; empty without a relative change.
pub fn relative_text(rel: Option<f64>) -> String {
    match rel {
        None => String::new(),
        Some(0.0) => "0%".to_owned(),
        Some(r) => {
            let pct = r * 100.0;
            if pct.abs() >= 1.0 { format!("{pct:+.1}%") } else { format!("{pct:+.2}%") }
        }
    }
}

/// `+0.02, +2.2%`, or for durations `+49s, +15.7%`.
pub fn delta_text(abs: Option<f64>, rel: Option<f64>, duration: bool) -> String {
    let Some(abs) = abs else { return String::new() };
    let sign = if abs > 0.0 { "+" } else { "" };
    let abs = if duration { format::duration(abs) } else { format_number(abs) };
    match rel {
        Some(_) => format!("{sign}{abs}, {}", relative_text(rel)),
        None => format!("{sign}{abs}"),
    }
}

/// `1.2 MB`, `512 B`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// Writes rows as `write_aligned` does (indented by two spaces), each line in its style.
fn write_styled(out: &mut dyn Write, rows: &[Vec<String>], styles: &[Style], right: &[usize]) -> io::Result<()> {
    let mut buf = Vec::new();
    write_aligned(&mut buf, rows, "  ", right)?;
    let text = String::from_utf8_lossy(&buf);
    for (line, style) in text.lines().zip(styles.iter().chain(std::iter::repeat(&Style::new()))) {
        writeln!(out, "{style}{line}{style:#}")?;
    }
    Ok(())
}

/// Writes rows with each column padded to its widest cell, the columns in `right` aligned
/// right (numbers), every line starting with `indent`.
fn write_aligned(out: &mut dyn Write, rows: &[Vec<String>], indent: &str, right: &[usize]) -> io::Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    // Cells hold names, params and values from runs: control characters are shown, never sent.
    let rows: Vec<Vec<_>> = rows.iter().map(|r| r.iter().map(|c| visible(c)).collect()).collect();
    let widths: Vec<usize> =
        (0..columns).map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| c.width()).max().unwrap_or(0)).collect();
    for row in &rows {
        let mut line = indent.to_owned();
        for (i, cell) in row.iter().enumerate() {
            let pad = " ".repeat(widths[i] - cell.width());
            if right.contains(&i) {
                line.push_str(&pad);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&pad);
            }
            if i + 1 < row.len() {
                line.push_str("  ");
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
