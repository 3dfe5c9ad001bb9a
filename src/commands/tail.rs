use std::time::Duration;

use serde_json::json;

use crate::capture::live::{Follower, LineTail, output_tail};
use crate::commands::{Ctx, ExitStatus};
use crate::store::{Run, RunSpec, Status, Store};
use crate::ui::{Format, Ui, UsageError, sparkline, visible};

/// Follow a running run: status, live metric sparklines and the end of its output
///
/// Reads the run's spool as its program writes it and redraws in place on a terminal; piped,
/// it prints new output lines (`> …`) and a `metrics:` line whenever a value changes, and with
/// `--format json` one JSON object per update. Exits when the run ends, printing its final
/// state; a run that has already ended prints that state at once.
///
/// Examples:
///   git exp tail                          # the newest running run
///   git exp tail brave-otter --lines 20
///   git exp tail @ --format json | jq .metrics
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct TailArgs {
    /// Run: id, id prefix (4+), name, `@` or `@~N` [default: the newest running run]
    pub run: Option<RunSpec>,
    /// Lines of output to show
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub lines: usize,
    /// How often to look for new metrics and output, in milliseconds (at least 50)
    #[arg(long, default_value_t = 500, value_name = "MS")]
    pub interval: u64,
}

/// Columns of a sparkline, and the width of a metric name before it.
const SPARK: usize = 24;
const KEY_WIDTH: usize = 20;

pub fn cmd_tail(ui: &mut Ui, ctx: &Ctx, args: &TailArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let mut run = pick(&store, args.run.as_ref())?;
    let spec: RunSpec = run.record.id.as_str().parse().map_err(anyhow::Error::msg)?;
    let spool = store.spool_dir(&run.record.id);
    let mut follower = Follower::new(&spool);
    let mut output = LineTail::output(&spool);
    let mut drawn = 0;
    let interval = Duration::from_millis(args.interval.max(50));
    while run.status == Status::Running {
        let grew = follower.poll();
        let mut lines = Vec::new();
        output.read_lines(&mut lines);
        if ui.format() == Format::Json {
            if grew || !lines.is_empty() {
                ui.print_json(&live_json(&run, &follower, &lines))?;
            }
        } else if ui.stdout_is_terminal() {
            let lines = frame(&run, &follower, &output_tail(&spool, args.lines), ui.width());
            drawn = redraw(ui, drawn, &lines)?;
        } else {
            print_plain(ui, &follower, &lines, grew)?;
        }
        ui.flush();
        std::thread::sleep(interval);
        run = store.resolve(&spec)?;
    }
    if ui.stdout_is_terminal() && ui.format() != Format::Json {
        redraw(ui, drawn, &[])?;
    }
    print_final(ui, &store, &run, args.lines)?;
    Ok(ExitStatus::Success)
}

/// The named run, or the newest running one.
fn pick(store: &Store, spec: Option<&RunSpec>) -> anyhow::Result<Run> {
    if let Some(spec) = spec {
        return Ok(store.resolve(spec)?);
    }
    let listing = store.list()?;
    listing.runs.into_iter().find(|r| r.status == Status::Running).ok_or_else(|| {
        UsageError::with_hint("no run is running", "name a run to show its final state: git exp tail RUN").into()
    })
}

/// The lines of one redraw on a terminal, each cut to the terminal's width (untrusted text escaped).
fn frame(run: &Run, follower: &Follower, tail: &[String], width: Option<usize>) -> Vec<String> {
    let elapsed = crate::format::duration(run.record.duration(crate::clock::now()));
    let mut lines = vec![format!("run {} ({})  running  {elapsed}", run.record.id, visible(&run.record.name))];
    for (key, s) in &follower.series {
        let values: Vec<f64> = s.recent.iter().copied().collect();
        lines.push(format!(
            "  {:<KEY_WIDTH$} {:<SPARK$} {}  step {}",
            visible(key),
            sparkline(&values, SPARK),
            crate::format::number(s.rollup.last),
            s.rollup.last_step
        ));
    }
    if !tail.is_empty() {
        lines.push("output".into());
        lines.extend(tail.iter().map(|l| format!("  {}", visible(l))));
    }
    let width = width.unwrap_or(usize::MAX).max(20);
    lines.into_iter().map(|l| cut(&l, width)).collect()
}

/// Cuts a line to `width` columns, so that no line wraps and the redraw counts stay right.
fn cut(line: &str, width: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in line.chars() {
        used += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used > width {
            break;
        }
        out.push(c);
    }
    out
}

/// Erases the `drawn` lines of the last frame and draws `lines`; returns how many it drew.
fn redraw(ui: &mut Ui, drawn: usize, lines: &[String]) -> anyhow::Result<usize> {
    let out = ui.out();
    if drawn > 0 {
        // Up to the first line of the last frame, then clear to the end of the screen.
        write!(out, "\x1b[{drawn}F\x1b[J")?;
    }
    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(lines.len())
}

/// Piped: new output lines, and the last value of every metric when one changed.
fn print_plain(ui: &mut Ui, follower: &Follower, lines: &[Vec<u8>], grew: bool) -> anyhow::Result<()> {
    let out = ui.out();
    for line in lines {
        let text = String::from_utf8_lossy(line);
        writeln!(out, "> {}", visible(text.trim_end_matches(['\n', '\r'])))?;
    }
    if grew {
        let values: Vec<String> = follower
            .series
            .iter()
            .map(|(k, s)| {
                format!("{}={} (step {})", visible(k), crate::format::number(s.rollup.last), s.rollup.last_step)
            })
            .collect();
        writeln!(out, "metrics: {}", values.join(" "))?;
    }
    Ok(())
}

fn live_json(run: &Run, follower: &Follower, lines: &[Vec<u8>]) -> serde_json::Value {
    let metrics: serde_json::Map<String, serde_json::Value> = follower
        .series
        .iter()
        .map(|(k, s)| {
            (
                k.clone(),
                json!({"last": json_number(s.rollup.last), "step": s.rollup.last_step, "count": s.rollup.count}),
            )
        })
        .collect();
    let output: Vec<String> = lines.iter().map(|l| String::from_utf8_lossy(l).trim_end().to_owned()).collect();
    json!({"id": run.record.id.as_str(), "status": "running", "metrics": metrics, "output": output})
}

fn json_number(v: f64) -> serde_json::Value {
    if v.is_finite() { json!(v) } else { json!(crate::store::record::float::name(v)) }
}

/// The run as it ended: status, duration, each metric's sparkline and values, the output's end.
fn print_final(ui: &mut Ui, store: &Store, run: &Run, lines: usize) -> anyhow::Result<()> {
    let details = store.run_details(run, lines)?;
    if ui.format() == Format::Json {
        let mut value = run.to_json(crate::clock::now());
        value["output_tail"] = json!(details.tail);
        return ui.print_json(&value);
    }
    let r = &run.record;
    let out = ui.out();
    let exit = r.exit_code.map(|c| format!(", exit code {c}")).unwrap_or_default();
    let took = crate::format::duration(r.duration(crate::clock::now()));
    writeln!(out, "run {} ({}) {} after {took}{exit}", r.id, visible(&r.name), run.status)?;
    for (key, m) in &r.metrics {
        let values = details.series.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_slice()).unwrap_or(&[]);
        let (last, min, max) =
            (crate::format::number(m.last), crate::format::number(m.min), crate::format::number(m.max));
        let spark = sparkline(values, SPARK);
        writeln!(
            out,
            "  {:<KEY_WIDTH$} {spark:<SPARK$} last {last}  min {min}  max {max}  ({} points)",
            visible(key),
            m.count
        )?;
    }
    if !details.tail.is_empty() {
        writeln!(out, "output")?;
        for line in &details.tail {
            writeln!(out, "  {}", visible(line))?;
        }
    }
    Ok(())
}
