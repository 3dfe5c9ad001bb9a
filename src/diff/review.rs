//! The sides of the change checked out here, as CI checks out a pull or merge request:
//! `git exp diff` without sides. GitHub checks out its merge commit (`refs/pull/N/merge`: the
//! base branch's tip as first parent, the pull request's head as second), or the head itself
//! when a workflow asks for it; GitLab says which commits are which in `CI_MERGE_REQUEST_*`.

use super::Error;
use super::code::short;
use super::pick::RevisionSide;
use crate::store::{Oid, Store};

/// The variables of the CI environment that tell the sides apart; empty ones count as unset.
#[derive(Debug, Clone, Default)]
pub struct CiEnv {
    vars: Vec<(&'static str, String)>,
}

/// Every variable read, so that tests and the docs can name them.
const VARS: &[&str] = &[
    "GITHUB_BASE_REF",
    "GITHUB_HEAD_REF",
    "GITHUB_REF",
    "CI_MERGE_REQUEST_IID",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA",
    "CI_MERGE_REQUEST_TARGET_BRANCH_SHA",
    "CI_MERGE_REQUEST_DIFF_BASE_SHA",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
    "CI_COMMIT_SHA",
];

impl CiEnv {
    /// Reads the variables from the process environment.
    pub fn from_process() -> Self {
        Self::from_fn(|name| std::env::var(name).ok())
    }

    pub fn from_fn(get: impl Fn(&str) -> Option<String>) -> Self {
        let vars =
            VARS.iter().filter_map(|&name| get(name).filter(|v| !v.trim().is_empty()).map(|v| (name, v))).collect();
        Self { vars }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

/// The two sides of the change under review and, in words, how they were found.
#[derive(Debug)]
pub struct ReviewSides {
    pub base: RevisionSide,
    pub head: RevisionSide,
    /// Branch names when CI gave them, for titles.
    pub base_branch: Option<String>,
    pub head_branch: Option<String>,
    pub how: String,
}

/// Finds the base and head of the change checked out here; `base` is `--base`, if given.
pub fn review_sides(store: &Store, env: &CiEnv, base: Option<&str>) -> Result<ReviewSides, Error> {
    if let Some(iid) = env.get("CI_MERGE_REQUEST_IID") {
        return gitlab_sides(store, env, iid, base);
    }
    let head = store.resolve_commit("HEAD").map_err(|_| Error::NoHead)?;
    let parents = store.parents(head).unwrap_or_default();
    let base_branch = env.get("GITHUB_BASE_REF").map(str::to_owned);
    let head_branch = env.get("GITHUB_HEAD_REF").map(str::to_owned);
    if let [first, second] = parents[..] {
        // GitHub's merge commit: the first parent is the base branch's tip, the second the
        // pull request's head (the merge of head into base).
        for (parent, which) in [(first, "first"), (second, "second")] {
            present(store, parent, &format!("the {which} parent of HEAD ({})", short(&head.to_string())))?;
        }
        let from = env.get("GITHUB_REF").filter(|r| r.starts_with("refs/pull/")).unwrap_or("a merge commit");
        let base_side = match base {
            Some(text) => revision(store, text)?,
            None => RevisionSide { label: "HEAD^1".into(), commit: first },
        };
        let how = format!(
            "HEAD ({}) is {from}, as GitHub checks out a pull request: comparing its second parent ({}, the head) with {}",
            short(&head.to_string()),
            short(&second.to_string()),
            match base {
                Some(text) => format!("{text} ({})", short(&base_side.commit.to_string())),
                None => format!("its first parent ({}, the base)", short(&first.to_string())),
            }
        );
        let head_side = RevisionSide { label: "HEAD^2".into(), commit: second };
        return Ok(ReviewSides { base: base_side, head: head_side, base_branch, head_branch, how });
    }
    // The head itself is checked out: the base is named, or is the remote's base branch.
    let guessed = base_branch.as_ref().map(|b| format!("origin/{b}"));
    let Some(text) = base.map(str::to_owned).or(guessed) else {
        return Err(Error::NoBase { head: short(&head.to_string()) });
    };
    let base_side = revision(store, &text)?;
    let how = format!(
        "HEAD ({}) is the head; the base is {text} ({})",
        short(&head.to_string()),
        short(&base_side.commit.to_string())
    );
    let head_side = RevisionSide { label: "HEAD".into(), commit: head };
    Ok(ReviewSides { base: base_side, head: head_side, base_branch, head_branch, how })
}

/// A GitLab merge-request pipeline. In a merged-results pipeline HEAD is the merge result and
/// the `*_BRANCH_SHA` variables name head and target; otherwise HEAD is the head and the diff
/// base is the merge base.
fn gitlab_sides(store: &Store, env: &CiEnv, iid: &str, base: Option<&str>) -> Result<ReviewSides, Error> {
    let (head_var, head_sha) = match env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") {
        Some(sha) => ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", sha.to_owned()),
        None => match env.get("CI_COMMIT_SHA") {
            Some(sha) => ("CI_COMMIT_SHA", sha.to_owned()),
            None => ("HEAD", "HEAD".to_owned()),
        },
    };
    let head = commit_named(store, &head_sha, head_var)?;
    let base_side = match base {
        Some(text) => revision(store, text)?,
        None => {
            let found = ["CI_MERGE_REQUEST_TARGET_BRANCH_SHA", "CI_MERGE_REQUEST_DIFF_BASE_SHA"]
                .into_iter()
                .find_map(|var| env.get(var).map(|sha| (var, sha)));
            let Some((var, sha)) = found else {
                return Err(Error::NoBase { head: short(&head.to_string()) });
            };
            RevisionSide { label: var.to_owned(), commit: commit_named(store, sha, var)? }
        }
    };
    let how = format!(
        "GitLab merge request !{iid}: the head is {head_var} ({}), the base {} ({})",
        short(&head.to_string()),
        base_side.label,
        short(&base_side.commit.to_string())
    );
    Ok(ReviewSides {
        head: RevisionSide { label: head_var.to_owned(), commit: head },
        base: base_side,
        base_branch: env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME").map(str::to_owned),
        head_branch: env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME").map(str::to_owned),
        how,
    })
}

fn revision(store: &Store, text: &str) -> Result<RevisionSide, Error> {
    let commit = store.resolve_commit(text).map_err(|_| Error::NotRevision { spec: text.to_owned() })?;
    Ok(RevisionSide { label: text.to_owned(), commit })
}

/// The commit a CI variable names, which a shallow clone may not have.
fn commit_named(store: &Store, sha: &str, what: &str) -> Result<Oid, Error> {
    match store.resolve_commit(sha) {
        Ok(id) => Ok(id),
        Err(_) => Err(Error::MissingCommit { what: format!("{what} ({})", short(sha)), sha: sha.to_owned() }),
    }
}

fn present(store: &Store, id: Oid, what: &str) -> Result<(), Error> {
    if store.has_object(id) { Ok(()) } else { Err(Error::MissingCommit { what: what.to_owned(), sha: id.to_string() }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_variables_are_unset() {
        let env = CiEnv::from_fn(|name| match name {
            "CI_MERGE_REQUEST_IID" => Some("7".into()),
            "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA" => Some(" ".into()),
            _ => None,
        });
        assert_eq!(env.get("CI_MERGE_REQUEST_IID"), Some("7"));
        assert_eq!(env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"), None);
        assert_eq!(env.get("PATH"), None);
    }
}
