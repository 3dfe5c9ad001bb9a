/// What can go wrong choosing the runs of a diff, or a diff's gate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{spec}` is neither a run nor a git revision")]
    NotRunOrRevision { spec: String },
    #[error(
        "no completed run{} is based on `{revision}` ({commit}) or on any of its {walked} first-parent ancestors{}",
        if choice.is_empty() { String::new() } else { format!(" {choice}") },
        if *shallow { " (the history of this shallow clone ends there)" } else { "" }
    )]
    NoRunForRevision { revision: String, commit: String, walked: usize, shallow: bool, choice: String },
    #[error("none of the {count} completed runs {place} has a value of {field} to pick by")]
    NothingToPickBy { field: String, count: usize, place: String },
    #[error("`{left}` and `{right}` have no common ancestor, so `{left}...{right}` has no base side")]
    NoMergeBase { left: String, right: String },
    #[error("HEAD is not a commit: there is no change checked out to compare")]
    NoHead,
    #[error("HEAD ({head}) is not a merge commit and no base was named, so the change has no base side")]
    NoBase { head: String },
    #[error("`{spec}` is not a git revision")]
    NotRevision { spec: String },
    #[error("{what} is not in this clone")]
    MissingCommit { what: String, sha: String },
    #[error(
        "`{label}` ({commit}) has no run of its own: the nearest run, {run}, is based on a commit of the base side"
    )]
    NoRunOfItsOwn { label: String, commit: String, run: String },
    /// `--fail-if` conditions that held; each entry is the condition and the values it read.
    #[error("{} failed: {}", checks(failed.len()), failed.join("; "))]
    ChecksFailed { failed: Vec<String> },
}

fn checks(n: usize) -> String {
    if n == 1 { "1 check".to_owned() } else { format!("{n} checks") }
}

impl Error {
    /// A next step for the user, shown as `hint:`.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NotRunOrRevision { .. } => {
                Some("give a run (id, id prefix, name, `@`, `@~N`) or a git revision (`main`, `HEAD~1`)".into())
            }
            Error::NoRunForRevision { shallow: true, .. } | Error::MissingCommit { .. } => Some(
                "fetch the history with `git fetch --unshallow origin` before `git exp diff` (actions/checkout: `fetch-depth: 0`; GitLab: `GIT_DEPTH: 0`)".into(),
            ),
            Error::NoRunForRevision { choice, .. } if !choice.is_empty() => Some(
                "record such a run with `git exp run`, fetch others' runs with `git exp fetch`, or widen the choice (`--where`, `--any-run`)".into(),
            ),
            Error::NoHead => Some("check out the change to review, or give two sides: `git exp diff main HEAD`".into()),
            Error::NoBase { .. } => Some("name the base with `--base origin/main`, or give two sides: `git exp diff origin/main HEAD`".into()),
            Error::NotRevision { .. } => Some("give a branch, tag or commit, as in `origin/main`".into()),
            Error::NoRunOfItsOwn { .. } => Some(
                "record a run on the head commit (`git exp run -- python train.py`), push it with `git exp push`, and re-run this check".into(),
            ),
            Error::NoRunForRevision { .. } => Some(
                "record a run on that commit with `git exp run`, or fetch the runs of others with `git exp fetch`"
                    .into(),
            ),
            Error::NothingToPickBy { .. } => Some("`--pick latest` picks the newest run instead".into()),
            Error::NoMergeBase { .. } | Error::ChecksFailed { .. } => None,
        }
    }
}
