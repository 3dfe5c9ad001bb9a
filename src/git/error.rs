use std::path::PathBuf;

/// What can go wrong talking to git.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a git repository: {} ({detail})", path.display())]
    NotARepository { path: PathBuf, detail: String },
    #[error("the repository has no working tree")]
    Bare,
    /// A compare-and-swap lost: somebody else moved the ref first.
    #[error("ref `{name}` was changed by another process")]
    RefMoved { name: String },
    /// A create-only update found the ref already there.
    #[error("ref `{name}` already exists")]
    RefExists { name: String },
    #[error("no object at `{spec}`")]
    NotFound { spec: String },
    #[error("`{remote}` is not a remote of this repository{}", known_list(known))]
    UnknownRemote { remote: String, known: Vec<String> },
    #[error("cannot reach remote `{remote}`: {detail}")]
    RemoteUnreachable { remote: String, detail: String },
    #[error("remote `{remote}` refused the credentials: {detail}")]
    RemoteAuth { remote: String, detail: String },
    #[error("remote `{remote}` rejected {}", rejected_list(refs))]
    PushRejected { remote: String, refs: Vec<(String, String)> },
    /// git's own refusal (CVE-2022-24765), in git's words: the repository belongs to another
    /// user and `safe.directory` does not list it.
    #[error("detected dubious ownership in repository at '{}'", path.display())]
    DubiousOwnership { path: PathBuf },
    #[error("git 2.34 or newer is needed for push and fetch; found `{found}`")]
    GitTooOld { found: String },
    #[error("{what}: {detail}")]
    Git { what: String, detail: String },
    /// A path from a run that must not be written (see `relpath`).
    #[error(transparent)]
    UnsafePath(#[from] crate::relpath::PrepareError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() { " (it has none)".into() } else { format!(" (known: {})", known.join(", ")) }
}

fn rejected_list(refs: &[(String, String)]) -> String {
    let describe = |why: &str| match why {
        // git's words for "the remote has commits on this ref that you lack".
        "fetch first" | "non-fast-forward" => format!("it has edits this clone lacks ({why})"),
        _ => why.to_owned(),
    };
    refs.iter().map(|(name, why)| format!("{name}: {}", describe(why))).collect::<Vec<_>>().join("; ")
}

impl From<crate::relpath::UnsafePath> for Error {
    fn from(e: crate::relpath::UnsafePath) -> Self {
        Self::UnsafePath(e.into())
    }
}

impl Error {
    /// A next step for the user, shown as `hint:`.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::UnknownRemote { .. } => Some("add one with `git remote add origin <url>`".into()),
            Error::PushRejected { refs, .. }
                if refs.iter().any(|(_, why)| why.contains("fast-forward") || why.contains("fetch first")) =>
            {
                Some(
                    "the remote has edits of these runs that you do not; `git exp pull` merges them, then push again"
                        .into(),
                )
            }
            Error::RemoteAuth { .. } => Some("check that `git fetch` works with this remote".into()),
            Error::DubiousOwnership { path } => Some(format!(
                "if you trust this repository, add an exception as for git: git config --global --add safe.directory {}",
                path.display()
            )),
            _ => None,
        }
    }

    pub(super) fn git(what: impl Into<String>, err: &gix::Error) -> Self {
        Self::Git { what: what.into(), detail: describe(err) }
    }

    pub(super) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io { what: what.into(), source }
    }
}

/// gix's `Display` shows only the top frame; join the whole chain into one line.
pub(super) fn describe(err: &gix::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in err.iter_errors() {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}
