//! Makes untrusted text safe to print on a terminal: control characters are shown, never sent.
//!
//! Names, tags, notes, params and paths come from runs that others wrote; printed raw, an
//! `ESC ] 0 ; … BEL` retitles the terminal and `ESC [ 2 J` clears it, and a bidi override
//! (U+202E) makes text read differently from what it is (CVE-2021-42574, "Trojan Source"). JSON
//! and CSV are data for programs and keep the raw strings (their encoders escape what their
//! syntax needs).
//!
//! [`is_dangerous`] is the one list of such characters: the terminal escaping here, notebook
//! text (`notebook::text`), the report's HTML (`report::html`, `report::ansi`) and the markdown
//! comment all use it.

use std::borrow::Cow;

/// Returns whether `c` must not reach a terminal, a page or a comment as it is: a control
/// character (C0, DEL, C1) or an invisible bidi control (embeddings, overrides and isolates
/// U+202A–U+202E and U+2066–U+2069, the marks U+200E, U+200F and U+061C), which reorder the text
/// around them.
pub fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

/// Returns `c` as it is shown in place of a dangerous character: `\e`, `\a`, `\t`, `\r`, `\n`,
/// else `\xNN` (C0 and DEL) or `\u{NN}` (C1 and bidi controls).
pub fn shown(c: char) -> String {
    match c {
        '\x1b' => "\\e".into(),
        '\x07' => "\\a".into(),
        '\t' => "\\t".into(),
        '\r' => "\\r".into(),
        '\n' => "\\n".into(),
        c if u32::from(c) < 0x80 => format!("\\x{:02x}", u32::from(c)),
        c => format!("\\u{{{:x}}}", u32::from(c)),
    }
}

/// Like [`visible`] but keeps `\n` and `\t`, for whole documents (the markdown comment, whose
/// patches are indented with tabs).
pub fn visible_document(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n' || c == '\t')
}

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
    let needs = |c: char| is_dangerous(c) && !keep(c);
    if !s.chars().any(needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs(c) {
            out.push_str(&shown(c));
        } else {
            out.push(c);
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
    fn bidi_controls_are_shown() {
        assert_eq!(visible("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(visible("\u{2066}\u{2069}\u{200f}\u{61c}"), "\\u{2066}\\u{2069}\\u{200f}\\u{61c}");
        assert_eq!(visible_document("a\n\tb\u{202d}"), "a\n\tb\\u{202d}");
        assert!(matches!(visible("עברית العربية"), Cow::Borrowed(_)), "right-to-left text itself is fine");
    }

    #[test]
    fn no_dangerous_character_survives() {
        let all: String = (0u32..0x100).chain(0x2000..0x2070).chain([0x61c]).filter_map(char::from_u32).collect();
        assert!(!visible(&all).chars().any(is_dangerous));
        assert!(!visible_lines(&all).chars().any(|c| is_dangerous(c) && c != '\n'));
    }
}
