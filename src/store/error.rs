use crate::git;

/// What can go wrong in the run store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Git(#[from] git::Error),
    #[error("no run matches `{spec}` (tried {tried})")]
    NoMatch { spec: String, tried: &'static str },
    #[error("`{spec}` is ambiguous: it matches {}", candidates.join(", "))]
    Ambiguous { spec: String, candidates: Vec<String> },
    #[error("there is no run `{spec}`: only {count} runs are recorded")]
    NotThatMany { spec: String, count: usize },
    #[error("cannot read run {reference}: {detail}")]
    BadRecord { reference: String, detail: String },
    #[error("run {id} is in the trash")]
    InTrash { id: String },
    #[error("run {id} is {status} now, no longer running")]
    NoLongerRunning { id: String, status: String },
    #[error("run {id} kept changing while it was being updated; gave up after {tries} tries")]
    Contended { id: String, tries: u32 },
    #[error("`{name}` is not a valid branch name")]
    InvalidRefName { name: String },
    #[error("branch `{name}` already exists")]
    BranchExists { name: String },
    #[error("run {id} has no {path}")]
    NoSeries { id: String, path: String },
    #[error("{path} of run {id}: {detail}")]
    BadSeries { id: String, path: String, detail: String },
    #[error(transparent)]
    Apply(#[from] super::checkout::ApplyError),
}

impl Error {
    /// True when git refuses the repository (`safe.directory`): then git's words alone are said.
    pub fn is_refused_repository(&self) -> bool {
        matches!(self, Error::Git(git::Error::DubiousOwnership { .. }))
    }

    /// True when the user's input was at fault (exit status 2).
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::InvalidRefName { .. } | Error::BranchExists { .. })
    }

    /// A next step for the user, shown as `hint:`.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NoMatch { .. } | Error::NotThatMany { .. } => Some("`git exp ls` lists the runs".into()),
            Error::Ambiguous { .. } => Some("use more characters of the id, or the full id".into()),
            Error::InTrash { id } => Some(format!("`git exp restore {id}` brings it back")),
            Error::Git(e) => e.hint(),
            _ => None,
        }
    }
}
