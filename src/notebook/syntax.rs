//! A small code highlighter for the HTML rendering: keywords, strings, comments, numbers and
//! decorators as CSS classes. Notebook code is mostly Python; other languages get the parts
//! they share with it (strings, `#` comments, numbers). A full grammar engine would cost a
//! large dependency for colours.

use std::ops::Range;

/// The CSS class of a highlighted piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Keyword,
    String,
    Comment,
    Number,
    Decorator,
}

impl Class {
    pub fn css(self) -> &'static str {
        match self {
            Class::Keyword => "k",
            Class::String => "s",
            Class::Comment => "c",
            Class::Number => "n",
            Class::Decorator => "d",
        }
    }
}

/// What carries over from one line to the next: an open triple-quoted string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State {
    open_triple: Option<char>,
}

const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "match", "case",
];

/// Returns the highlighted byte ranges of one line, updating `state` for the next line.
pub fn highlight_line(line: &str, state: &mut State, python: bool) -> Vec<(Range<usize>, Class)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    if let Some(quote) = state.open_triple {
        match find_triple(line, 0, quote) {
            Some(end) => {
                out.push((0..end, Class::String));
                at = end;
                state.open_triple = None;
            }
            None => {
                out.push((0..line.len(), Class::String));
                return out;
            }
        }
    }
    while at < bytes.len() {
        let c = bytes[at];
        match c {
            b'#' => {
                out.push((at..line.len(), Class::Comment));
                break;
            }
            b'"' | b'\'' => {
                let quote = char::from(c);
                let triple = line[at..].starts_with(&quote.to_string().repeat(3));
                if triple {
                    match find_triple(line, at + 3, quote) {
                        Some(end) => {
                            out.push((at..end, Class::String));
                            at = end;
                        }
                        None => {
                            out.push((at..line.len(), Class::String));
                            state.open_triple = Some(quote);
                            break;
                        }
                    }
                } else {
                    let end = find_quote(bytes, at + 1, c);
                    out.push((at..end, Class::String));
                    at = end;
                }
            }
            b'@' if python && line[..at].trim().is_empty() => {
                let end = word_end(bytes, at + 1);
                out.push((at..end, Class::Decorator));
                at = end;
            }
            c if c.is_ascii_digit() => {
                let end = word_end(bytes, at);
                out.push((at..end, Class::Number));
                at = end;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let end = word_end(bytes, at);
                if python && PYTHON_KEYWORDS.contains(&&line[at..end]) {
                    out.push((at..end, Class::Keyword));
                }
                at = end;
            }
            _ => at += utf8_len(c),
        }
    }
    out
}

/// End (exclusive) of a single-quoted string starting after its opening quote; the line's
/// end when it is not closed.
fn find_quote(bytes: &[u8], mut at: usize, quote: u8) -> usize {
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            c if c == quote => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

fn find_triple(line: &str, from: usize, quote: char) -> Option<usize> {
    let closing = quote.to_string().repeat(3);
    line.get(from..)?.find(&closing).map(|k| from + k + 3)
}

/// End of an identifier or number (letters, digits, `_`, and `.` inside numbers).
fn word_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_' || bytes[at] == b'.') {
        if bytes[at] == b'.' && !bytes[..at].last().is_some_and(u8::is_ascii_digit) {
            break;
        }
        at += 1;
    }
    at
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(lines: &[&str]) -> Vec<String> {
        let mut state = State::default();
        lines
            .iter()
            .map(|line| {
                highlight_line(line, &mut state, true)
                    .into_iter()
                    .map(|(r, c)| format!("{}:{}", c.css(), &line[r]))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn highlights_python() {
        assert_eq!(show(&["def f(x):  # doc"]), vec!["k:def c:# doc"]);
        assert_eq!(show(&["s = 'it\\'s' + \"q\""]), vec!["s:'it\\'s' s:\"q\""]);
        assert_eq!(show(&["x = 3.14 + y2"]), vec!["n:3.14"]);
        assert_eq!(show(&["@decorator", "class A: pass"]), vec!["d:@decorator", "k:class k:pass"]);
        assert_eq!(
            show(&["a = \"\"\"start", "middle", "end\"\"\" if b else c"]),
            vec!["s:\"\"\"start", "s:middle", "s:end\"\"\" k:if k:else"]
        );
        assert_eq!(show(&["naïve = 'é' # ü"]), vec!["s:'é' c:# ü"]);
    }
}
