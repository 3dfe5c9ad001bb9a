use crate::commands::{Ctx, ExitStatus};
use crate::share;
use crate::ui::Ui;

/// Fetch runs from a git remote; artifacts stay on the blob remote until needed
///
/// Run refs are fetched into refs/git-exp/remotes/<remote>/runs/ and then brought into
/// refs/git-exp/runs/: new runs appear, runs edited only there move forward, and runs edited on
/// both sides are merged (tags united, notes joined, the most final status kept). Artifacts are
/// downloaded on demand by `git exp artifacts -o`, or eagerly by `git exp pull`.
///
/// Examples:
///   git exp fetch
///   git exp fetch upstream
///   git exp fetch --configure    # also make plain `git fetch` bring runs
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct FetchArgs {
    /// Git remote (a name or URL)
    #[arg(default_value = "origin")]
    pub remote: String,
    /// Add the run refspec to remote.<remote>.fetch, so `git fetch` also fetches runs
    #[arg(long)]
    pub configure: bool,
}

pub fn cmd_fetch(ui: &mut Ui, ctx: &Ctx, args: &FetchArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    if args.configure {
        // A URL has no remote.<name>.fetch to add to (and `remote.<url>` would put any
        // password in it into the config).
        if !store.remotes().contains(&args.remote) {
            return Err(crate::ui::UsageError::with_hint(
                format!("--configure needs a configured remote, not `{}`", share::shown(&args.remote)),
                "add one with `git remote add <name> <url>`",
            )
            .into());
        }
        let refspec = share::fetch_refspec(&store, &args.remote);
        if store.add_fetch_refspec(&args.remote, &refspec)? {
            writeln!(ui.status(), "Added `{refspec}` to remote.{}.fetch.", args.remote)?;
        }
    }
    let report = share::fetch(&store, &args.remote)?;
    share::print_fetch(ui, &args.remote, &report)?;
    Ok(ExitStatus::Success)
}
