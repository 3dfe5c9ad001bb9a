/// Why a byte string is not a notebook we can diff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The bytes are not JSON at all; `line` and `column` are 1-based, as editors count.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    InvalidJson { line: usize, column: usize, message: String },
    /// Valid JSON, but not shaped like a notebook.
    #[error("not a Jupyter notebook: {reason}")]
    NotANotebook { reason: String },
}

impl Error {
    pub(super) fn from_json(err: &serde_json::Error) -> Self {
        // serde_json appends " at line L column C" to its message; it is reported separately.
        let text = err.to_string();
        let mut message = match text.rfind(" at line ") {
            Some(cut) => text[..cut].to_owned(),
            None => text,
        };
        // serde_json stops at 128 nested arrays and objects (its default recursion limit, kept:
        // deeper input would overflow the stack of whatever walks the value).
        if message == "recursion limit exceeded" {
            message = "it nests arrays and objects deeper than 128 levels".to_owned();
        }
        Self::InvalidJson { line: err.line(), column: err.column(), message }
    }

    pub(super) fn not_a_notebook(reason: impl Into<String>) -> Self {
        Self::NotANotebook { reason: reason.into() }
    }
}
