use crate::commands::{Ctx, ExitStatus};
use crate::diff::compare_table;
use crate::query::CellStyle;
use crate::store::RunSpec;
use crate::ui::{Format, Ui};

/// Show runs side by side: status, duration, host, params and metric rollups
///
/// One column per run, one row per field. Metrics logged more than once show their last, min,
/// max and mean. With --format json each row is an object keyed by `field` and run ids.
///
/// Examples:
///   git exp compare brave-otter calm-lynx
///   git exp compare @ @~1 @~2 --hide-unchanged
///   git exp compare k3m9 z7q2 --format md
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct CompareArgs {
    /// Runs: id, id prefix (4+), name, `@` or `@~N`
    #[arg(required = true, value_name = "RUN")]
    pub runs: Vec<RunSpec>,
    /// Leave out rows whose values are the same in every run
    #[arg(long)]
    pub hide_unchanged: bool,
}

pub fn cmd_compare(ui: &mut Ui, ctx: &Ctx, args: &CompareArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let mut runs = Vec::new();
    for spec in &args.runs {
        let run = store.resolve(spec)?;
        if runs.iter().any(|r: &crate::store::Run| r.record.id == run.record.id) {
            ui.warn(format_args!("{spec} names run {} again; it is shown once", run.record.id));
            continue;
        }
        runs.push(run);
    }
    let style =
        if matches!(ui.format(), Format::Table | Format::Md) { CellStyle::human() } else { CellStyle::machine() };
    let runs: Vec<&crate::store::Run> = runs.iter().collect();
    let table = compare_table(&runs, crate::clock::now(), &style, args.hide_unchanged);
    ui.print_table(&table)?;
    Ok(ExitStatus::Success)
}
