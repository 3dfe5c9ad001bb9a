//! Text helpers shared by the diff and its renderers: ANSI stripping, terminal-safe text and
//! canonical JSON.

use std::borrow::Cow;

use serde_json::Value;

/// Removes ANSI escape sequences (colours in tracebacks and progress bars): they are formatting,
/// not content, and must never reach the user's terminal from a notebook.
pub fn strip_ansi(text: &str) -> Cow<'_, str> {
    if !text.contains('\x1b') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            // CSI: ESC [ parameters intermediates final-byte (@ to ~).
            Some('[') => {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC: ESC ] ... terminated by BEL or ESC \.
            Some(']') => {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            // Two-character escapes (ESC c, ESC =, ...).
            Some(_) => {
                chars.next();
            }
            None => {}
        }
    }
    Cow::Owned(out)
}

/// Makes notebook text safe to print on a terminal: escape sequences are removed (they are a
/// traceback's colours) and other dangerous characters (`ui::is_dangerous`: control characters
/// but tab, bidi controls) shown as everywhere else in git-exp's text output (`\a`, `\u{202e}`).
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    match strip_ansi(text) {
        Cow::Borrowed(s) => crate::ui::visible_code(s),
        Cow::Owned(s) => Cow::Owned(crate::ui::visible_code(&s).into_owned()),
    }
}

/// Pretty-prints JSON with object keys sorted, so that key order never shows as a change. A
/// bare string (an output that is only a string) is shown as its text.
pub fn canonical_json(value: &Value) -> String {
    if let Value::String(text) = value {
        return text.clone();
    }
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string_pretty(&sorted(value)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_and_control_characters() {
        assert_eq!(strip_ansi("\x1b[0;31mNameError\x1b[0m: x"), "NameError: x");
        assert_eq!(strip_ansi("a\x1b]0;title\x07b"), "ab");
        assert_eq!(strip_ansi("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b"), "alinkb");
        assert_eq!(strip_ansi("trailing \x1b"), "trailing ");
        assert_eq!(strip_ansi("plain"), "plain");
        assert_eq!(terminal_safe("bell\x07 and\ttab\r"), "bell\\a and\ttab\\r");
        assert_eq!(terminal_safe("x = \"\u{202e}\" \x7f"), "x = \"\\u{202e}\" \\x7f");
        assert_eq!(terminal_safe("\x1b[1mbold\x1b[0m"), "bold");
    }

    #[test]
    fn canonical_json_sorts_keys_only() {
        let a: Value = serde_json::from_str(r#"{"b": 1, "a": [3, 1]}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a": [3, 1], "b": 1}"#).unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(canonical_json(&a), "{\n  \"a\": [\n    3,\n    1\n  ],\n  \"b\": 1\n}");
    }
}
