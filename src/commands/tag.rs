use crate::commands::{Ctx, ExitStatus};
use crate::store::RunSpec;
use crate::ui::{Ui, UsageError};

/// Add or remove tags on a run
///
/// Each edit is a new commit on the run's ref; concurrent edits are merged, not lost.
///
/// Examples:
///   git exp tag @ baseline
///   git exp tag brave-otter best --remove wip
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct TagArgs {
    /// Run: id, id prefix (4+), name, `@` or `@~N`
    pub run: RunSpec,
    /// Tags to add
    pub tags: Vec<String>,
    /// Tag to remove (can be repeated)
    #[arg(long = "remove", value_name = "TAG")]
    pub remove: Vec<String>,
}

pub fn cmd_tag(ui: &mut Ui, ctx: &Ctx, args: &TagArgs) -> anyhow::Result<ExitStatus> {
    if args.tags.is_empty() && args.remove.is_empty() {
        return Err(UsageError::new("give tags to add, or --remove TAG").into());
    }
    if let Some(bad) = args.tags.iter().find(|t| t.trim().is_empty() || t.contains(['\n', ','])) {
        return Err(UsageError::new(format!(
            "`{bad}` is not a tag: tags are non-empty and hold no commas or newlines"
        ))
        .into());
    }
    let store = ctx.store()?;
    let run = store.resolve(&args.run)?;
    let run = store.update_run(run.id(), "tag", &[], |record| {
        record.tags.retain(|t| !args.remove.contains(t));
        for tag in &args.tags {
            if !record.tags.contains(tag) {
                record.tags.push(tag.clone());
            }
        }
    })?;
    let tags = if run.record.tags.is_empty() { "(no tags)".to_owned() } else { run.record.tags.join(", ") };
    writeln!(
        ui.status(),
        "Tags of {} ({}): {}",
        run.id(),
        crate::ui::visible(&run.record.name),
        crate::ui::visible(&tags)
    )?;
    Ok(ExitStatus::Success)
}
