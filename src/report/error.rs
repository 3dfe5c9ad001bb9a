use std::path::PathBuf;

/// What can go wrong writing a report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{0}` is not empty and holds no report written by git-exp")]
    NotASite(PathBuf),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("template {0}")]
    Template(String),
    #[error("--templates `{dir}`: {detail}")]
    TemplateDir { dir: PathBuf, detail: String },
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// A page or data file whose name, built from a run, is not a safe relative path.
    #[error("report file: {0}")]
    UnsafePath(#[from] crate::relpath::UnsafePath),
}

impl From<minijinja::Error> for Error {
    fn from(e: minijinja::Error) -> Self {
        // minijinja's Display already names the template and line: "undefined value (in run.html:12)".
        let mut text = e.to_string();
        if let Some(detail) = e.detail()
            && !text.contains(detail)
        {
            text = format!("{text}: {detail}");
        }
        Error::Template(text)
    }
}
