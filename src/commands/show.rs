use std::io::Write;

use anstyle::{AnsiColor, Style};
use serde_json::json;

use crate::commands::{Ctx, ExitStatus};
use crate::git::FileChange;
use crate::store::record::{OUTPUT_LOG, RECORD_DIR};
use crate::store::view::{display_value, flatten};
use crate::store::{Run, RunSpec, Store};
use crate::ui::{Format, Ui, visible, visible_lines};

/// Show a run: record, params, metrics, artifacts, code changes and output
///
/// Examples:
///   git exp show @
///   git exp show brave-otter --tail 50
///   git exp show k3m9 --format json | jq .metrics
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ShowArgs {
    /// Run: id, id prefix (4+), name, `@` or `@~N`
    #[arg(default_value = "@")]
    pub run: RunSpec,
    /// Lines of output to show from the end
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub tail: usize,
}

pub fn cmd_show(ui: &mut Ui, ctx: &Ctx, args: &ShowArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let run = store.resolve(&args.run)?;
    let details = Details::read(&store, &run, args.tail)?;
    if ui.format() == Format::Json {
        let mut value = run.to_json(crate::clock::now());
        value["artifacts"] = json!(details.artifacts);
        value["code_changes"] =
            json!(details.changes.iter().map(|(c, p)| json!({"change": c, "path": p})).collect::<Vec<_>>());
        value["output_tail"] = json!(details.tail);
        if let Some(note) = &details.base_note {
            value["base_note"] = json!(note);
        }
        ui.print_json(&value)?;
    } else {
        print_text(ui, &run, &details)?;
    }
    Ok(ExitStatus::Success)
}

/// What `show` reads beyond the record.
struct Details {
    sparklines: Vec<(String, String)>,
    artifacts: Vec<crate::store::Artifact>,
    changes: Vec<(FileChange, String)>,
    base_note: Option<String>,
    tail: Vec<String>,
}

/// Sparklines are drawn only for series up to this many points; longer ones would cost a read
/// of megabytes for a few characters.
const SPARKLINE_MAX_POINTS: u64 = 200_000;

impl Details {
    fn read(store: &Store, run: &Run, tail: usize) -> anyhow::Result<Self> {
        let tree = store.repo.commit_info(run.commit)?.tree;
        let mut sparklines = Vec::new();
        for (key, summary) in &run.record.metrics {
            if summary.count > SPARKLINE_MAX_POINTS {
                continue;
            }
            let path = format!("{RECORD_DIR}/metrics/{key}.csv");
            if let Some(bytes) = store.repo.read_path(tree, &path)?
                && let Ok(points) = crate::store::parse_series_csv(&String::from_utf8_lossy(&bytes))
            {
                sparklines.push((key.clone(), sparkline(&points.iter().map(|p| p.value).collect::<Vec<_>>(), 16)));
            }
        }
        let artifacts = store.artifacts(run)?.artifacts;
        let base = store.base(run)?;
        let changes = match base.tree(store) {
            Some(base_tree) => store.repo.changed_files(base_tree, tree, RECORD_DIR)?,
            None => Vec::new(),
        };
        let base_note = base.note();
        let log = store.repo.read_path(tree, OUTPUT_LOG)?.unwrap_or_default();
        let text = String::from_utf8_lossy(&log);
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(tail)..].iter().map(|s| (*s).to_owned()).collect();
        Ok(Self { sparklines, artifacts, changes, base_note, tail })
    }
}

/// Draws `values` as `width` block characters (min/max scaled; non-finite values as spaces).
pub fn sparkline(values: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() || width == 0 {
        return String::new();
    }
    let (lo, hi) = finite.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let buckets = width.min(values.len());
    (0..buckets)
        .map(|b| {
            let start = b * values.len() / buckets;
            let end = ((b + 1) * values.len() / buckets).max(start + 1);
            let chunk: Vec<f64> = values[start..end].iter().copied().filter(|v| v.is_finite()).collect();
            if chunk.is_empty() {
                return ' ';
            }
            let mean = chunk.iter().sum::<f64>() / chunk.len() as f64;
            let level = if hi > lo { ((mean - lo) / (hi - lo) * 7.0).round() as usize } else { 3 };
            BARS[level.min(7)]
        })
        .collect()
}

fn print_text(ui: &mut Ui, run: &Run, d: &Details) -> anyhow::Result<()> {
    let bold = ui.style(Style::new().bold());
    let status_style = ui.style(match run.status {
        crate::store::Status::Completed => AnsiColor::Green.on_default(),
        crate::store::Status::Running => AnsiColor::Cyan.on_default(),
        _ => AnsiColor::Red.on_default(),
    });
    let r = &run.record;
    let now = crate::clock::now();
    let out = ui.out();
    // Everything below came from a run: control characters are shown, never sent to the terminal.
    writeln!(out, "{bold}run {} ({}){bold:#}  {status_style}{}{status_style:#}", r.id, visible(&r.name), run.status)?;
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

    if !r.params.is_empty() {
        writeln!(out, "\n{bold}params{bold:#}")?;
        for (key, value) in flatten(&r.params) {
            writeln!(out, "  {} = {}", visible(&key), visible(&display_value(value)))?;
        }
    }
    if !r.metrics.is_empty() {
        writeln!(out, "\n{bold}metrics{bold:#}")?;
        let width = r.metrics.keys().map(|k| k.len()).max().unwrap_or(0);
        // Six significant digits with the exponent kept: never cut, so 1.147e-6 never reads as 1.15.
        let fmt = crate::format::number;
        writeln!(out, "  {:<width$}  {:<16}  {:>8}  {:>10}  {:>10}  {:>10}", "key", "", "count", "last", "min", "max")?;
        for (key, m) in &r.metrics {
            let spark = d.sparklines.iter().find(|(k, _)| k == key).map_or("", |(_, s)| s.as_str());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_and_buckets() {
        assert_eq!(sparkline(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 8), "▁▂▃▄▅▆▇█");
        assert_eq!(sparkline(&[1.0; 100], 4), "▄▄▄▄");
        assert_eq!(sparkline(&[f64::NAN], 4), "");
        assert_eq!(sparkline(&(0..1000).map(f64::from).collect::<Vec<_>>(), 4).chars().count(), 4);
    }
}
