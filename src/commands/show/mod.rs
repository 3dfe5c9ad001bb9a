//! `git exp show`: one run, as text (show/text.rs) or JSON.

mod text;

use serde_json::json;

use crate::commands::{Ctx, ExitStatus};
use crate::store::RunSpec;
use crate::ui::{Format, Ui};

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
    let details = store.run_details(&run, args.tail)?;
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
        text::print(ui, &run, &details)?;
    }
    Ok(ExitStatus::Success)
}
