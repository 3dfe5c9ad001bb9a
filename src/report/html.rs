//! HTML escaping for the few strings the report builds outside templates (SVG charts, the
//! coloured log). Templates escape through minijinja's autoescape.

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_into(&mut out, text);
    out
}

pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Line breaks and tabs are layout in <pre>; other control characters and bidi
            // overrides (which would make a run name read backwards) are shown, not applied.
            '\n' | '\t' | '\r' => out.push(c),
            c if crate::ui::is_dangerous(c) => out.push_str(&crate::ui::shown_char(c)),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            super::escape("<img src=x onerror='a(1)'>&\""),
            "&lt;img src=x onerror=&#39;a(1)&#39;&gt;&amp;&quot;"
        );
        assert_eq!(super::escape("a\u{202e}b\x1bc\n"), "a\\u{202e}b\\ec\n");
    }
}
