use crate::commands::{Ctx, ExitStatus};
use crate::git::{Oid, TreeEdit};
use crate::store::RunSpec;
use crate::store::record::{RECORD_DIR, shell_join};
use crate::ui::{Ui, UsageError};

/// Create a branch whose tip has a run's code
///
/// The branch's commit has the run's code (without .git-exp/) and the run's base as parent, so
/// `git diff <base> <branch>` shows what the run changed. HEAD and the working tree stay as
/// they are; check the branch out when you like.
///
/// Examples:
///   git exp branch brave-otter try-lr-0.1
///   git switch try-lr-0.1
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct BranchArgs {
    /// Run: id, id prefix (4+), name, `@` or `@~N`
    pub run: RunSpec,
    /// Name of the new branch
    pub name: String,
}

pub fn cmd_branch(ui: &mut Ui, ctx: &Ctx, args: &BranchArgs) -> anyhow::Result<ExitStatus> {
    let name = args.name.strip_prefix("refs/heads/").unwrap_or(&args.name);
    let store = ctx.store()?;
    let run = store.resolve(&args.run)?;
    let repo = &store.repo;
    let reference = format!("refs/heads/{name}");
    if repo.find_ref(&reference).map_err(|_| UsageError::new(format!("`{name}` is not a valid branch name")))?.is_some()
    {
        return Err(UsageError::new(format!("branch `{name}` already exists")).into());
    }
    let tree = repo.write_tree(repo.commit_info(run.commit)?.tree, &[TreeEdit::Remove { path: RECORD_DIR.into() }])?;
    let r = &run.record;
    let parents: Vec<Oid> = r
        .base
        .as_deref()
        .and_then(|b| Oid::from_hex(b.as_bytes()).ok())
        .filter(|b| repo.has_object(*b))
        .into_iter()
        .collect();
    let mut message = format!("Code of run {} ({})\n", r.id, r.name);
    if !r.command.is_empty() {
        message.push_str(&format!("\n{}\n", shell_join(&r.command)));
    }
    message.push_str(&format!("\ngit-exp-run: {}\n", r.id));
    let commit = repo.write_commit(tree, &parents, &message, crate::clock::now().as_second())?;
    repo.cas_ref(&reference, None, commit, &format!("git-exp: branch from run {}", r.id)).map_err(|e| match e {
        crate::git::Error::RefExists { .. } => {
            anyhow::Error::new(UsageError::new(format!("branch `{name}` already exists")))
        }
        crate::git::Error::Git { .. } => {
            anyhow::Error::new(UsageError::new(format!("`{name}` is not a valid branch name")))
        }
        other => other.into(),
    })?;
    writeln!(ui.status(), "Created branch {name} at {commit} with the code of run {} ({}).", r.id, r.name)?;
    Ok(ExitStatus::Success)
}
