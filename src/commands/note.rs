use crate::commands::{Ctx, ExitStatus};
use crate::store::RunSpec;
use crate::ui::Ui;

/// Set or extend the note of a run
///
/// Examples:
///   git exp note @ "lr too high, diverged after epoch 3"
///   git exp note k3m9 --append "rerun with warmup"
///   git exp note @ ""            # clear it
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct NoteArgs {
    /// Run: id, id prefix (4+), name, `@` or `@~N`
    pub run: RunSpec,
    /// The note
    pub text: String,
    /// Add the text as a new line instead of replacing the note
    #[arg(long)]
    pub append: bool,
}

pub fn cmd_note(ui: &mut Ui, ctx: &Ctx, args: &NoteArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let run = store.resolve(&args.run)?;
    let run = store.update_run(run.id(), "note", &[], |record| {
        if args.append && !record.note.is_empty() {
            record.note.push('\n');
            record.note.push_str(&args.text);
        } else {
            record.note.clone_from(&args.text);
        }
    })?;
    writeln!(ui.status(), "Updated the note of {} ({}).", run.id(), crate::ui::visible(&run.record.name))?;
    Ok(ExitStatus::Success)
}
