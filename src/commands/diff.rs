use anstyle::AnsiColor;

use crate::commands::{Ctx, ExitStatus};
use crate::diff::{self, Check, CodeOptions, DiffOptions, MarkdownOptions, Palette, Pick};
use crate::query::{self, CellStyle};
use crate::ui::{Cell, Format, Table, Ui, UsageError};

/// Show what changed between two runs: params, metrics, status, code, environment, artifacts
///
/// A and B are runs (id, id prefix, name, `@`, `@~N`) or git revisions; a run is tried first. A
/// revision stands for the newest completed run based on that commit, or else on its nearest
/// first-parent ancestor with completed runs; the output says which run was picked and why.
/// `A..B` means `A B`, and `A...B` compares the merge base of A and B with B, as in git diff.
///
/// `--fail-if EXPR` exits 1 when EXPR holds for the change from A to B. Numeric fields there are
/// changes: `metrics.acc:last < -0.01` is a drop of more than 0.01, `metrics.loss:last > +5%` a
/// rise of more than 5 %. Other fields are B's values: `status != completed`.
///
/// The output is text, piped or not, unless --format asks for md (a pull-request comment), json
/// or csv/tsv (the params and metrics rows).
///
/// Examples:
///   git exp diff brave-otter calm-lynx
///   git exp diff @~1 @ --stat
///   git exp diff origin/main HEAD --format md > comment.md
///   git exp diff origin/main...HEAD --pick best:metrics.acc:max
///   git exp diff main HEAD --fail-if 'metrics.acc:last < -0.01' --fail-if 'metrics.loss:last > +5%'
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct DiffArgs {
    /// Run or git revision, or a range A..B or A...B
    #[arg(value_name = "A")]
    pub a: String,
    /// Run or git revision
    #[arg(value_name = "B")]
    pub b: Option<String>,
    /// Which run a revision stands for: latest, best:FIELD (highest) or worst:FIELD (lowest)
    #[arg(long, value_name = "HOW", default_value = "latest")]
    pub pick: Pick,
    /// Exit 1 when EXPR holds for the change from A to B (can be repeated)
    #[arg(long = "fail-if", value_name = "EXPR")]
    pub fail_if: Vec<String>,
    /// Exit 1 when the runs differ in params, metrics, status, code, environment or artifacts
    #[arg(long)]
    pub exit_code: bool,
    /// Summarise the code change per file instead of showing patches
    #[arg(long)]
    pub stat: bool,
    /// Link the published report in markdown output; `{id}` becomes each run's id
    #[arg(long, value_name = "URL")]
    pub report_url: Option<String>,
}

pub fn cmd_diff(ui: &mut Ui, ctx: &Ctx, args: &DiffArgs) -> anyhow::Result<ExitStatus> {
    let now = crate::clock::now();
    let sides = diff::parse_sides(&args.a, args.b.as_deref()).map_err(UsageError::new)?;
    let checks = args
        .fail_if
        .iter()
        .map(|text| Check::parse(text, now).map_err(|e| e.into_usage("--fail-if", text)))
        .collect::<Result<Vec<_>, _>>()?;

    let store = ctx.store()?;
    let listing = store.list()?;
    for warning in &listing.warnings {
        ui.warn(warning);
    }
    let (a, picked_a) = diff::resolve_side(&store.repo, &listing.runs, &sides[0], &args.pick, now)?;
    let (b, picked_b) = diff::resolve_side(&store.repo, &listing.runs, &sides[1], &args.pick, now)?;
    if a.record.id == b.record.id {
        ui.warn(format_args!("both sides are run {} ({}): there is nothing to compare", a.record.id, a.record.name));
    }
    let options = DiffOptions { code: CodeOptions { stat_only: args.stat } };
    let run_diff = diff::diff_runs(&store, a, b, [picked_a, picked_b], &options, now)?;
    let outcomes = diff::evaluate_checks(&checks, a, b, now);

    match ui.format_or(Format::Table) {
        Format::Table => {
            let palette = Palette {
                heading: ui.style(anstyle::Style::new().bold()),
                added: ui.style(AnsiColor::Green.on_default()),
                removed: ui.style(AnsiColor::Red.on_default()),
                hunk: ui.style(AnsiColor::Cyan.on_default()),
            };
            diff::render_text(&run_diff, &outcomes, &palette, ui.out())?;
        }
        Format::Md => {
            let command = format!("git exp diff {} {}", a.record.id, b.record.id);
            let options = MarkdownOptions { report_url: args.report_url.clone(), command: Some(command) };
            write!(ui.out(), "{}", diff::render_markdown(&run_diff, &outcomes, &options))?;
        }
        Format::Json => {
            let mut json = serde_json::to_value(&run_diff)?;
            if let Some(object) = json.as_object_mut() {
                object.insert("checks".into(), serde_json::to_value(&outcomes)?);
            }
            ui.print_json(&json)?;
        }
        Format::Csv | Format::Tsv => ui.print_table(&values_table(&run_diff))?,
    }

    let failed: Vec<String> =
        outcomes.iter().filter(|o| o.failed).map(|o| format!("`{}` ({})", o.condition, o.values.join("; "))).collect();
    if !failed.is_empty() {
        return Err(diff::Error::ChecksFailed { failed }.into());
    }
    if args.exit_code && run_diff.has_differences() {
        return Ok(ExitStatus::Failure);
    }
    Ok(ExitStatus::Success)
}

/// The params and metrics of a diff as rows, for csv and tsv.
fn values_table(run_diff: &diff::RunDiff) -> Table {
    let style = CellStyle::machine();
    let number = |v: Option<f64>| match v {
        Some(v) => query::cell(&query::Value::Number(v), &style),
        None => empty(),
    };
    let mut rows = Vec::new();
    for p in &run_diff.params {
        let side = |v: &Option<toml::Value>| v.as_ref().map_or_else(empty, |v| Cell::text(v.to_string()));
        rows.push(vec![Cell::text(format!("params.{}", p.key)), side(&p.a), side(&p.b), empty(), empty()]);
    }
    for metric in &run_diff.metrics {
        for r in &metric.rollups {
            let field = diff::RunDiff::metric_field(&metric.key, r.rollup);
            rows.push(vec![
                Cell::text(field.to_string()),
                number(r.a),
                number(r.b),
                number(r.delta),
                number(r.relative),
            ]);
        }
    }
    Table { columns: ["field", "a", "b", "delta", "relative"].map(String::from).to_vec(), rows }
}

fn empty() -> Cell {
    Cell::new(serde_json::Value::Null, "")
}
