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
    #[error("{what}: {detail}")]
    Git { what: String, detail: String },
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
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
