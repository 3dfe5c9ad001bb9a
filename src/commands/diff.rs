use anstyle::AnsiColor;

use std::collections::BTreeSet;

use crate::commands::{Ctx, ExitStatus};
use crate::config::Config;
use crate::diff::{
    self, Check, CodeOptions, DiffOptions, GateOptions, GoalArg, Located, MarkdownOptions, Palette, Pick, PickOptions,
};
use crate::query::{self, CellStyle, Filter};
use crate::ui::{Cell, Format, Table, Ui, UsageError};

/// Show what changed between two runs: params, metrics, status, code, environment, artifacts
///
/// A and B are runs (id, id prefix, name, `@`, `@~N`) or git revisions; a run is tried first. A
/// revision stands for the newest completed run based on that commit, or else on its nearest
/// first-parent ancestor with one; the output says which run was picked and why. Only runs
/// comparable with the other side are picked (the same entry point or command, with the
/// metrics `--fail-if` reads), clean ones before runs with uncommitted changes.
/// `A..B` means `A B`, and `A...B` compares the merge base of A and B with B, as in git diff.
///
/// Without A and B, the change checked out here is compared, as CI checks out a pull request:
/// a merge commit (GitHub's refs/pull/N/merge) stands for its second parent (the head) against
/// its first (the base); GitLab's CI_MERGE_REQUEST_* variables name both; otherwise HEAD is the
/// head and --base (or origin/$GITHUB_BASE_REF) the base.
///
/// `--fail-if EXPR` exits 1 when EXPR holds for the change from A to B. Numeric fields there are
/// changes: `metrics.acc:last < -0.01` is a drop of more than 0.01, `metrics.loss:last > +5%` a
/// rise of more than 5 %. Other fields are B's values: `status != completed`. A metric missing
/// on a side fails the check; `--fail-if worse` fails when a metric with a goal got worse.
///
/// The output is text, piped or not, unless --format asks for md (a pull-request comment), json
/// or csv/tsv (the params and metrics rows).
///
/// Examples:
///   git exp diff brave-otter calm-lynx
///   git exp diff @~1 @ --stat
///   git exp diff --require-run --fail-if worse --format md > comment.md
///   git exp diff origin/main...HEAD --pick best:metrics.acc:max --where 'params.model = "resnet"'
///   git exp diff main HEAD --fail-if 'metrics.acc:last < -0.01' --fail-if 'metrics.loss:last > +5%'
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct DiffArgs {
    /// Run or git revision, or a range A..B or A...B (none: the change checked out here)
    #[arg(value_name = "A")]
    pub a: Option<String>,
    /// Run or git revision
    #[arg(value_name = "B")]
    pub b: Option<String>,
    /// Base of the change checked out here, when HEAD is its head (default: origin/$GITHUB_BASE_REF)
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Which run a revision stands for: latest, best:FIELD (highest) or worst:FIELD (lowest)
    #[arg(long, value_name = "HOW", default_value = "latest")]
    pub pick: Pick,
    /// Pick only runs matching EXPR, the `ls --where` language (can be repeated)
    #[arg(long = "where", short = 'w', value_name = "EXPR")]
    pub filters: Vec<String>,
    /// Pick runs of any kind, not only those comparable with the other side
    #[arg(long)]
    pub any_run: bool,
    /// Exit 1 when EXPR holds for the change from A to B; `worse`: a metric with a goal got worse (can be repeated)
    #[arg(long = "fail-if", value_name = "EXPR")]
    pub fail_if: Vec<String>,
    /// Let a check pass when a metric it reads is missing on a side
    #[arg(long)]
    pub allow_missing: bool,
    /// Fail when B's revision has no run of its own (the nearest run is the base side's)
    #[arg(long)]
    pub require_run: bool,
    /// Which way a metric should go: KEY=max or KEY=min, beside exp.toml's [metrics] (can be repeated)
    #[arg(long, value_name = "KEY=max|min")]
    pub goal: Vec<GoalArg>,
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
    let (sides, checks, filters) = parse_args(args, now)?;
    let store = ctx.store()?;
    let goals = diff::merge_goals(&Config::load(store.workdir())?.metrics, &args.goal);
    if checks.iter().any(Check::is_worse) && goals.is_empty() {
        return Err(UsageError::with_hint(
            "`--fail-if worse` needs metric goals, and none are set",
            "set them in exp.toml (`[metrics]` with `loss = \"min\"`) or with `--goal loss=min`",
        )
        .into());
    }
    let listing = store.list()?;
    for warning in &listing.warnings {
        ui.warn(warning);
    }
    let required = gate_metrics(&checks, &listing.runs)?;

    let mut markdown = MarkdownOptions { report_url: args.report_url.clone(), ..MarkdownOptions::default() };
    let sides = match &sides {
        Some([a, b]) => [diff::locate(&store, &listing.runs, a)?, diff::locate(&store, &listing.runs, b)?],
        None => {
            let review = diff::review_sides(&store, &diff::CiEnv::from_process(), args.base.as_deref())?;
            writeln!(ui.status(), "{}.", review.how)?;
            markdown.branches = [review.base_branch, review.head_branch];
            markdown.how = Some(review.how);
            [Located::Revision(review.base), Located::Revision(review.head)]
        }
    };
    let pick = PickOptions {
        pick: &args.pick,
        filters,
        metrics: required,
        any_run: args.any_run,
        require_run: args.require_run,
    };
    let ([a, b], picked) = diff::pick_runs(&store, &listing.runs, &sides, pick, now)?;
    if a.record.id == b.record.id {
        ui.warn(format_args!("both sides are run {} ({}): there is nothing to compare", a.record.id, a.record.name));
    }
    let options = DiffOptions { code: CodeOptions { stat_only: args.stat }, goals };
    let run_diff = diff::diff_runs(&store, a, b, picked, &options, now)?;
    let gate = GateOptions { goals: &options.goals, allow_missing: args.allow_missing };
    let outcomes = diff::evaluate_checks(&checks, a, b, gate, now);
    markdown.command = Some(format!("git exp diff {} {}", a.record.id, b.record.id));
    print(ui, &run_diff, &outcomes, &markdown)?;

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

/// The sides, `--fail-if` checks and `--where` filters, checked before the repository opens.
fn parse_args(args: &DiffArgs, now: jiff::Timestamp) -> Result<Parsed, UsageError> {
    let sides = match &args.a {
        Some(a) => {
            if args.base.is_some() {
                return Err(UsageError::new(
                    "--base names the base of the change checked out here: give it without sides",
                ));
            }
            Some(diff::parse_sides(a, args.b.as_deref()).map_err(UsageError::new)?)
        }
        None => None,
    };
    let checks = args
        .fail_if
        .iter()
        .map(|text| Check::parse(text, now).map_err(|e| e.into_usage("--fail-if", text)))
        .collect::<Result<Vec<_>, _>>()?;
    let filters = args
        .filters
        .iter()
        .map(|text| Filter::parse(text, now).map_err(|e| e.into_usage("--where", text)))
        .collect::<Result<Vec<_>, _>>()?;

    Ok((sides, checks, filters))
}

/// What [`parse_args`] returns.
type Parsed = (Option<[diff::SideSpec; 2]>, Vec<Check>, Vec<Filter>);

/// Prints the diff in the output format.
fn print(
    ui: &mut Ui,
    run_diff: &diff::RunDiff,
    outcomes: &[diff::CheckOutcome],
    markdown: &MarkdownOptions,
) -> anyhow::Result<()> {
    match ui.format() {
        Format::Table => {
            let palette = Palette {
                heading: ui.style(anstyle::Style::new().bold()),
                added: ui.style(AnsiColor::Green.on_default()),
                removed: ui.style(AnsiColor::Red.on_default()),
                hunk: ui.style(AnsiColor::Cyan.on_default()),
            };
            diff::render_text(run_diff, outcomes, &palette, ui.out())?;
        }
        Format::Md => write!(ui.out(), "{}", diff::render_markdown(run_diff, outcomes, markdown))?,
        Format::Json => {
            let mut json = serde_json::to_value(run_diff)?;
            if let Some(object) = json.as_object_mut() {
                object.insert("checks".into(), serde_json::to_value(outcomes)?);
            }
            ui.print_json(&json)?;
        }
        Format::Csv | Format::Tsv => ui.print_table(&values_table(run_diff))?,
    }
    Ok(())
}

/// The metric keys `--fail-if` reads; one that no run has is a usage error naming the closest
/// keys, since a misspelt metric would otherwise never fail.
fn gate_metrics(checks: &[Check], runs: &[crate::store::Run]) -> Result<Vec<String>, UsageError> {
    let known: BTreeSet<&str> = runs.iter().flat_map(|r| r.record.metrics.keys().map(String::as_str)).collect();
    let mut keys = Vec::new();
    for check in checks {
        for key in check.metric_keys() {
            if !known.contains(key.as_str()) {
                let close = diff::closest(&key, known.iter().copied());
                let hint = if close.is_empty() {
                    "check the name with `git exp metrics` or `git exp ls --columns all`".to_owned()
                } else {
                    let names: Vec<String> = close.iter().map(|k| format!("`metrics.{k}`")).collect();
                    format!("did you mean {}?", names.join(" or "))
                };
                return Err(UsageError::with_hint(
                    format!("no run has the metric `{key}` that --fail-if `{}` reads", check.text),
                    hint,
                ));
            }
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    Ok(keys)
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
