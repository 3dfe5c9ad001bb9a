//! Makes untrusted text safe to print on a terminal: control characters are shown, never sent.
//!
//! Names, tags, notes, params and paths come from runs that others wrote; printed raw, an
//! `ESC ] 0 ; … BEL` retitles the terminal and `ESC [ 2 J` clears it. JSON and CSV are data for
//! programs and keep the raw strings (their encoders escape what their syntax needs).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Returns `s` with every control character (C0, DEL, C1) shown as an escape: `\e`, `\a`, `\t`,
/// `\r`, `\n`, else `\xNN` (C0 and DEL) or `\u{NN}` (C1). Borrowed when there is nothing to
/// escape, which is almost always: this runs on every table cell.
pub fn visible(s: &str) -> Cow<'_, str> {
    escape(s, |_| false)
}

/// Like [`visible`] but keeps `\n`, for text that is meant to span lines (a note, output lines).
pub fn visible_lines(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n')
}

/// Like [`visible`] but keeps `\t`, for lines of code (a patch), where tabs are indentation.
pub fn visible_code(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\t')
}

fn escape(s: &str, keep: fn(char) -> bool) -> Cow<'_, str> {
    let needs = |c: char| c.is_control() && !keep(c);
    if !s.chars().any(needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs(c) {
            out.push(c);
            continue;
        }
        match c {
            '\x1b' => out.push_str("\\e"),
            '\x07' => out.push_str("\\a"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            // Writing to a String cannot fail.
            c if u32::from(c) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(visible("brave-otter ünïcode ✓"), Cow::Borrowed(_)));
        assert!(matches!(visible_lines("two\nlines"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequences_are_shown_not_sent() {
        assert_eq!(visible("\x1b]0;pwned\x07"), "\\e]0;pwned\\a");
        assert_eq!(visible("\x1b[2J"), "\\e[2J");
        assert_eq!(visible("a\tb\r\nc"), "a\\tb\\r\\nc");
        assert_eq!(visible("\0\x7f"), "\\x00\\x7f");
        assert_eq!(visible("\u{9b}31m\u{85}"), "\\u{9b}31m\\u{85}");
    }

    #[test]
    fn lines_keep_newlines_only() {
        assert_eq!(visible_lines("a\n\x1b[2Jb\r"), "a\n\\e[2Jb\\r");
        assert_eq!(visible_code("\tx\x1b[2J"), "\tx\\e[2J");
    }

    #[test]
    fn no_control_character_survives() {
        let all: String = (0u32..0x100).filter_map(char::from_u32).collect();
        assert!(!visible(&all).chars().any(char::is_control));
        assert!(!visible_lines(&all).chars().any(|c| c.is_control() && c != '\n'));
    }
}
