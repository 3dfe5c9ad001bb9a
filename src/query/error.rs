use std::ops::Range;

/// A filter, sort key or column list that cannot be used, with the part of the text at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    /// One line, lower case, naming what was wrong.
    pub message: String,
    /// Byte range of the offending token in the text.
    pub span: Range<usize>,
    /// A next step, when there is an obvious one.
    pub hint: Option<String>,
}

impl Error {
    pub fn new(span: Range<usize>, message: impl Into<String>) -> Self {
        Self { message: message.into(), span, hint: None }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Returns the text with a caret line under the offending token, each line indented by two
    /// spaces, as rustc and jj show a bad revset.
    pub fn snippet(&self, text: &str) -> String {
        // Control characters would shift the caret; the text is shown on one line.
        let shown: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        let start = self.span.start.min(text.len());
        let end = self.span.end.clamp(start, text.len());
        // Spans come from the lexer and fall on character boundaries; `get` keeps a wrong one
        // from panicking.
        let pad = text.get(..start).map_or(start, display_width);
        let carets = text.get(start..end).map_or(1, display_width).max(1);
        format!("  {shown}\n  {}{}", " ".repeat(pad), "^".repeat(carets))
    }

    /// Converts the error into a usage error (exit code 2) that shows `what` (`--where`,
    /// `--sort`) and the text with a caret under the bad token.
    pub fn into_usage(self, what: &str, text: &str) -> crate::ui::UsageError {
        let snippet = self.snippet(text);
        let mut usage = crate::ui::UsageError::new(format!("invalid {what}: {}", self.message)).with_snippet(snippet);
        usage.hint = self.hint;
        usage
    }
}

fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_points_at_the_span() {
        let err = Error::new(12..15, "expected a value");
        assert_eq!(err.snippet("params.lr < and x"), "  params.lr < and x\n              ^^^");
        let at_end = Error::new(11..11, "expected a value");
        assert_eq!(at_end.snippet("params.lr <"), "  params.lr <\n             ^");
    }
}
