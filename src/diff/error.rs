/// What can go wrong choosing the runs of a diff, or a diff's gate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{spec}` is neither a run nor a git revision")]
    NotRunOrRevision { spec: String },
    #[error(
        "no completed run is based on `{revision}` ({commit}) or on any of its {walked} first-parent ancestors{}",
        if *shallow { " (the history of this shallow clone ends there)" } else { "" }
    )]
    NoRunForRevision { revision: String, commit: String, walked: usize, shallow: bool },
    #[error("none of the {count} completed runs {place} has a value of {field} to pick by")]
    NothingToPickBy { field: String, count: usize, place: String },
    #[error("`{left}` and `{right}` have no common ancestor, so `{left}...{right}` has no base side")]
    NoMergeBase { left: String, right: String },
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
            Error::NoRunForRevision { shallow: true, .. } => {
                Some("fetch more history with `git fetch --unshallow` (in CI: a checkout with fetch-depth 0)".into())
            }
            Error::NoRunForRevision { .. } => Some(
                "record a run on that commit with `git exp run`, or fetch the runs of others with `git exp fetch`"
                    .into(),
            ),
            Error::NothingToPickBy { .. } => Some("`--pick latest` picks the newest run instead".into()),
            Error::NoMergeBase { .. } | Error::ChecksFailed { .. } => None,
        }
    }
}
