use crate::commands::{Ctx, ExitStatus};
use crate::ui::Ui;

/// Write a starting exp.toml and show how to share runs
///
/// Optional: git-exp works in any repository without it.
///
/// Examples:
///   git exp init
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct InitArgs {}

const TEMPLATE: &str = r#"# git-exp settings (https://github.com/git-exp/git-exp/blob/main/docs/FORMAT.md)

[snapshot]
# Untracked files larger than this are left out of a run's code snapshot.
max_file_size = "5MiB"
# At most this much untracked content goes into one snapshot.
max_total_size = "50MiB"
# Untracked paths never to snapshot (globs, as in .gitignore).
exclude = ["data/**", "*.ckpt"]

[env]
# Environment variables to record beside the built-in list (CUDA_VISIBLE_DEVICES, ...).
vars = []
"#;

pub fn cmd_init(ui: &mut Ui, ctx: &Ctx, _args: &InitArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let root = store.worktree_root()?;
    let path = root.join(crate::config::FILE);
    if path.exists() {
        writeln!(ui.status(), "{} already exists; left as it is.", path.display())?;
    } else {
        std::fs::write(&path, TEMPLATE)?;
        writeln!(ui.status(), "Wrote {}.", path.display())?;
    }
    writeln!(ui.status(), "Runs live under refs/git-exp/runs/. To share them through a remote:")?;
    writeln!(ui.status(), "  git config exp.blobs s3://bucket/prefix   # or a shared directory, for artifacts")?;
    writeln!(ui.status(), "  git exp push                              # artifacts, then run refs")?;
    writeln!(ui.status(), "  git exp fetch --configure                 # in each clone (also for plain `git fetch`)")?;
    Ok(ExitStatus::Success)
}
