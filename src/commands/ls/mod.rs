mod stream;

use crate::commands::{Ctx, ExitStatus};
use crate::query::{self, CellStyle, Field, Filter, Selection};
use crate::store::Run;
use crate::ui::{Format, Table, Ui, UsageError};

/// List runs, newest first, from every branch
///
/// Filters, sort keys and columns take any field: id, name, status, tags, note, started, ended,
/// duration, branch, base, commit, command, exit_code, dirty, sweep, params.KEY,
/// metrics.KEY[:first|last|min|max|mean|count] and host.KEY. The filter language is described in
/// docs/QUERY.md.
///
/// The output is a table, piped or not. With --format json each run is printed whole, unless
/// --columns, --all-columns or --hide-unchanged choose columns: then each row is an object keyed
/// by field.
///
/// Examples:
///   git exp ls
///   git exp ls --where 'params.lr < 0.01 and metrics.acc:max > 0.9' --sort -metrics.acc:max
///   git exp ls --columns id,name,params.lr,metrics.acc:max,metrics.loss:last --limit 20
///   git exp ls --where 'status in [failed, crashed] or name ~ "^abl-"' --format csv > runs.csv
///   git exp ls --branch feature/x --since 7d --hide-unchanged
///   git exp ls --format json | jq '.[0].params'
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct LsArgs {
    /// Show only runs matching EXPR (can be repeated: all must match)
    #[arg(long = "where", short = 'w', value_name = "EXPR")]
    pub filters: Vec<String>,
    /// Order by FIELD, highest first with a leading `-` (can be repeated, or comma-separated)
    #[arg(long, short = 's', value_name = "[-]FIELD", allow_hyphen_values = true)]
    pub sort: Vec<String>,
    /// Show these fields as columns, comma-separated (can be repeated)
    #[arg(long, short = 'c', value_name = "FIELDS", conflicts_with = "all_columns")]
    pub columns: Vec<String>,
    /// Show every param, and the last, min, max and mean of every metric
    #[arg(long)]
    pub all_columns: bool,
    /// Leave out columns whose values are the same in every listed run
    #[arg(long)]
    pub hide_unchanged: bool,
    /// Show at most N runs
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<usize>,
    /// Show only runs started on this branch
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Show only runs started since WHEN: a duration back from now (7d, 12h) or a date (2026-11-01)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
}

/// Which columns to show.
pub(crate) enum Columns {
    /// Run objects as they are (json without column options).
    Whole,
    Default,
    All,
    Given(Vec<Field>),
}

pub fn cmd_ls(ui: &mut Ui, ctx: &Ctx, args: &LsArgs) -> anyhow::Result<ExitStatus> {
    let now = crate::clock::now();
    // Bad input is reported before the repository is opened: it is a usage error either way.
    let selection = selection(args, now)?;
    let format = ui.format();
    let columns = columns(args, format)?;

    let store = ctx.store()?;
    if !selection.fits_index() {
        // `command`, `host.*` and `base` are not in the listing index: choose among whole runs.
        let listing = store.list()?;
        for warning in &listing.warnings {
            ui.warn(warning);
        }
        let runs = selection.apply(&listing.runs, now);
        return print_runs(ui, args, columns, &runs, listing.runs.is_empty(), now);
    }
    let listed = store.listing_index()?;
    for warning in &listed.warnings {
        ui.warn(warning);
    }
    let chosen = selection.apply_indexed(&store, &listed.index, now);
    if let Some(stream) = stream::Stream::of(&columns, format, args.hide_unchanged) {
        stream.print(ui, &store, chosen, now)?;
        return Ok(ExitStatus::Success);
    }
    // A table needs every row before the first (widths, columns present in some run). Built
    // from rows of the index, with a whole record only where its row cannot answer a column.
    let none_recorded = listed.index.is_empty();
    let (runs, fields) = match columns {
        Columns::Given(fields) => (stream::candidates(ui, &store, chosen, &fields, now)?, fields),
        Columns::Default => {
            // The columns are the keys the chosen runs have, which rows hold; then runs whose
            // row cannot give one (a param that is an array) are read whole.
            let rows = stream::candidates(ui, &store, chosen, &[], now)?;
            let fields = query::default_columns(&rows, now);
            (stream::candidates(ui, &store, Box::new(rows.into_iter().map(Ok)), &fields, now)?, fields)
        }
        Columns::All | Columns::Whole => {
            return print_whole_runs(ui, &store, args, columns, chosen, none_recorded, now);
        }
    };
    let table = query::run_table(&runs, &fields, now, &cell_style(format));
    print_table(ui, args, table, none_recorded)
}

/// Prints the chosen runs read whole (`--all-columns` shows fields rows do not hold).
fn print_whole_runs(
    ui: &mut Ui,
    store: &crate::store::Store,
    args: &LsArgs,
    columns: Columns,
    chosen: stream::Chosen<'_>,
    none_recorded: bool,
    now: jiff::Timestamp,
) -> anyhow::Result<ExitStatus> {
    let mut runs = Vec::new();
    stream::whole_runs(ui, store, chosen, |run| {
        runs.push(run);
        Ok(())
    })?;
    let runs: Vec<&Run> = runs.iter().collect();
    print_runs(ui, args, columns, &runs, none_recorded, now)
}

/// Prints chosen runs held whole: a table, or JSON of whole runs.
fn print_runs(
    ui: &mut Ui,
    args: &LsArgs,
    columns: Columns,
    runs: &[&Run],
    none_recorded: bool,
    now: jiff::Timestamp,
) -> anyhow::Result<ExitStatus> {
    let format = ui.format();
    if let Columns::Whole = columns {
        let json: Vec<_> = runs.iter().map(|r| r.json_view(now)).collect();
        ui.print_json(&json)?;
        return Ok(ExitStatus::Success);
    }
    let fields = match columns {
        Columns::Given(fields) => fields,
        Columns::All => query::all_columns(runs, now),
        Columns::Default | Columns::Whole => query::default_columns(runs, now),
    };
    let table = query::run_table(runs, &fields, now, &cell_style(format));
    print_table(ui, args, table, none_recorded)
}

fn cell_style(format: Format) -> CellStyle {
    if matches!(format, Format::Table | Format::Md) { CellStyle::human() } else { CellStyle::machine() }
}

/// Prints a table of chosen runs (a terminal table says so when there are none).
fn print_table(ui: &mut Ui, args: &LsArgs, mut table: Table, none_recorded: bool) -> anyhow::Result<ExitStatus> {
    let format = ui.format();
    if table.rows.is_empty() && format == Format::Table {
        let message = if none_recorded { "No runs recorded yet." } else { "No runs match." };
        writeln!(ui.status(), "{message}")?;
        return Ok(ExitStatus::Success);
    }
    if args.hide_unchanged {
        query::hide_unchanged_columns(&mut table, &["id"]);
    }
    if format == Format::Table {
        query::shorten_headers(&mut table);
    }
    ui.print_runs_table(&table)?;
    Ok(ExitStatus::Success)
}

fn selection(args: &LsArgs, now: jiff::Timestamp) -> Result<Selection, UsageError> {
    let mut selection = Selection { branch: args.branch.clone(), limit: args.limit, ..Selection::default() };
    if let Some(since) = &args.since {
        selection.since = Some(query::parse_since(since, now).map_err(|e| e.into_usage("--since", since))?);
    }
    for text in &args.filters {
        selection.filters.push(Filter::parse(text, now).map_err(|e| e.into_usage("--where", text))?);
    }
    for text in &args.sort {
        selection.sort.extend(query::parse_sort_keys(text).map_err(|e| e.into_usage("--sort", text))?);
    }
    Ok(selection)
}

fn columns(args: &LsArgs, format: Format) -> Result<Columns, UsageError> {
    if !args.columns.is_empty() {
        let mut fields = Vec::new();
        for text in &args.columns {
            fields.extend(query::parse_columns(text).map_err(|e| e.into_usage("--columns", text))?);
        }
        return Ok(Columns::Given(fields));
    }
    Ok(match (args.all_columns, args.hide_unchanged, format) {
        (true, ..) => Columns::All,
        (false, false, Format::Json) => Columns::Whole,
        _ => Columns::Default,
    })
}
