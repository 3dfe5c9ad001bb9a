//! Legend label templates: `--label '{name} lr={params.lr}'`. A `{field}` is any field of the
//! query language (`{name}`, `{params.x}`, `{tags}`, `{metrics.y:max}`); `{{` and `}}` are
//! literal braces. Templates are checked before anything is read, so a typo is a usage error.

use crate::query::{CellStyle, Field, field_cell};
use crate::store::Run;
use crate::ui::UsageError;

/// A parsed label template.
#[derive(Debug, Clone)]
pub struct LabelTemplate {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Field(Field),
}

impl LabelTemplate {
    /// Parses a template, naming the bad field or brace in the error.
    pub fn parse(text: &str) -> Result<Self, UsageError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(pos) = rest.find(['{', '}']) {
            literal.push_str(&rest[..pos]);
            let tail = &rest[pos..];
            if let Some(after) = tail.strip_prefix("{{") {
                literal.push('{');
                rest = after;
            } else if let Some(after) = tail.strip_prefix("}}") {
                literal.push('}');
                rest = after;
            } else if tail.starts_with('}') {
                return Err(UsageError::with_hint(
                    format!("--label `{text}` has a `}}` without a `{{`"),
                    "write `}}` for a literal brace",
                ));
            } else {
                let end = tail.find('}').ok_or_else(|| {
                    UsageError::with_hint(
                        format!("--label `{text}` has a `{{` without a `}}`"),
                        "write `{{` for a literal brace",
                    )
                })?;
                let name = tail[1..end].trim();
                let field = Field::parse(name, 0).map_err(|e| {
                    let message = format!("--label `{text}`: {}", e.message);
                    match e.hint {
                        Some(hint) => UsageError::with_hint(message, hint),
                        None => UsageError::new(message),
                    }
                })?;
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(Part::Field(field));
                rest = &tail[end + 1..];
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Self { parts })
    }

    /// Returns the label of `run`, fields shown as `ls` shows them (times in UTC, so the site
    /// is the same wherever it is built); a field the run lacks shows as `–`.
    pub fn render(&self, run: &Run, now: jiff::Timestamp) -> String {
        let style = CellStyle { human: true, tz: jiff::tz::TimeZone::UTC };
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Field(field) => {
                    let value = field.get(run, now);
                    if value.is_missing() {
                        out.push('–');
                    } else {
                        out.push_str(&field_cell(&value, field, &style).text);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_problem() {
        let cases = [
            ("{name", "has a `{` without a `}`"),
            ("name}", "has a `}` without a `{`"),
            ("{nmae}", "unknown field `nmae`"),
            ("{params.}", "`params` needs a key"),
        ];
        for (text, want) in cases {
            let err = LabelTemplate::parse(text).expect_err(text);
            assert!(err.message.contains(want), "{text}: {}", err.message);
        }
        assert!(LabelTemplate::parse("{{literal}} {name} lr={params.lr} {metrics.acc:max} {tags}").is_ok());
    }
}
