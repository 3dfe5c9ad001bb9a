//! Markdown cells and `text/markdown` outputs as HTML: rendered by pulldown-cmark, then
//! sanitised by ammonia, because a notebook is untrusted input (raw HTML in markdown is legal
//! and may carry scripts).

use base64::Engine as _;

use super::html::escape;
use super::model::{MimeBundle, MimeData};

/// Renders markdown to sanitised HTML. `attachment:NAME` images resolve to the cell's
/// attachments as `data:` URLs.
pub fn to_html(markdown: &str, attachments: &[(String, MimeBundle)]) -> String {
    // Bidi and other invisible controls are shown (`\u{202e}`) before rendering, as everywhere.
    let shown = visible_controls(markdown);
    let markdown: &str = &shown;
    let options = pulldown_cmark::Options::ENABLE_TABLES
        | pulldown_cmark::Options::ENABLE_STRIKETHROUGH
        | pulldown_cmark::Options::ENABLE_TASKLISTS;
    let parser = pulldown_cmark::Parser::new_ext(markdown, options);
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut raw, parser);
    // pulldown-cmark parses without recursion, but ammonia's HTML parser checks the stack of
    // open elements for each element, so time grows with the square of the nesting: 2,000
    // nested `>` or `<div>` take seconds, 50,000 hours. Too deep, the cell is shown as text.
    let depth = nesting(&raw);
    if depth > MAX_DEPTH {
        return format!(
            "<p class=\"note\">markdown nested {depth} levels deep, over the limit of {MAX_DEPTH}: shown as text</p>\n<pre>{}</pre>",
            escape(markdown)
        );
    }
    let mut schemes = ammonia::Builder::default().clone_url_schemes();
    schemes.insert("attachment");
    let mut clean = ammonia::Builder::default().url_schemes(schemes).clean(&raw).to_string();
    // Swapped in after sanitising: ammonia rightly refuses `data:` URLs from the notebook's own
    // markdown, while these are built here from validated base64 of an image type.
    for (name, bundle) in attachments {
        if let Some(url) = attachment_url(bundle) {
            let needle = format!("src=\"attachment:{}\"", escape(name));
            clean = clean.replace(&needle, &format!("src=\"{url}\""));
        }
    }
    clean
}

/// How deep HTML elements may nest in rendered markdown; real documents stay far below (a list
/// in a quote in a list is 3).
pub const MAX_DEPTH: usize = 256;

/// HTML elements with no end tag: they never nest.
const VOID: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];

/// Returns the deepest nesting of elements in `html`, as a stack of open tags: an end tag closes
/// its element only when that element is the innermost one, so that stray end tags cannot hide
/// depth (an HTML parser may close more, never less, than this counts as closed).
fn nesting(html: &str) -> usize {
    let mut open: Vec<&str> = Vec::new();
    let mut deepest = 0;
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let (closing, tail) = match rest.strip_prefix('/') {
            Some(tail) => (true, tail),
            None => (false, rest),
        };
        let end = tail.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(tail.len());
        let name = &tail[..end];
        if name.is_empty() || !name.as_bytes()[0].is_ascii_alphabetic() {
            continue;
        }
        if closing {
            if open.last().is_some_and(|top| top.eq_ignore_ascii_case(name)) {
                open.pop();
            }
        } else if !VOID.iter().any(|v| v.eq_ignore_ascii_case(name)) {
            open.push(name);
            deepest = deepest.max(open.len());
        }
    }
    deepest
}

/// Shows dangerous characters (`ui::is_dangerous`) but newlines, tabs and carriage returns.
fn visible_controls(text: &str) -> std::borrow::Cow<'_, str> {
    let hide = |c: char| crate::ui::is_dangerous(c) && !matches!(c, '\n' | '\t' | '\r');
    if !text.chars().any(hide) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars().map(|c| if hide(c) { crate::ui::shown_char(c) } else { c.to_string() }).collect()
}

/// A `data:` URL for the first displayable image of an attachment.
fn attachment_url(bundle: &MimeBundle) -> Option<String> {
    bundle.0.iter().find_map(|(mime, data)| match data {
        MimeData::Image(image) if super::html::is_inline_image(mime) && image.is_valid() => {
            Some(format!("data:{mime};base64,{}", image.base64))
        }
        MimeData::Text(svg) if mime == "image/svg+xml" => {
            // Jupyter stores every attachment as base64, SVG included; only SVG markup (as an
            // output would hold it) is encoded here, else the image would be encoded twice.
            let engine = base64::engine::general_purpose::STANDARD;
            let compact: String = svg.split_whitespace().collect();
            let encoded = if !svg.trim_start().starts_with('<') && engine.decode(&compact).is_ok() {
                compact
            } else {
                engine.encode(svg)
            };
            Some(format!("data:image/svg+xml;base64,{encoded}"))
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notebook::model::Image;

    #[test]
    fn renders_and_sanitises() {
        let html = to_html("# Title\n\n*hi* <script>alert(1)</script> <img src=x onerror=alert(2)>", &[]);
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>hi</em>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        let link = to_html("[x](javascript:alert(1))", &[]);
        assert!(!link.contains("javascript:"), "{link}");
    }

    #[test]
    fn resolves_attachments() {
        let png = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAC0lEQVR4nGNgQAYAAA4AAamRc7EAAAAASUVORK5CYII=";
        let bundle = MimeBundle(vec![("image/png".into(), MimeData::Image(Image::new(png.into())))]);
        let html = to_html("![a](attachment:a.png) ![b](attachment:missing.png)", &[("a.png".into(), bundle)]);
        assert!(html.contains(&format!("src=\"data:image/png;base64,{png}\"")), "{html}");
        assert!(html.contains("src=\"attachment:missing.png\""), "{html}");
        // SVG attachments are base64 already (Jupyter writes them so): used as they are.
        let svg = base64::engine::general_purpose::STANDARD.encode("<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        let bundle =
            MimeBundle(vec![("image/svg+xml".into(), MimeData::Text(format!("{}\n{}", &svg[..8], &svg[8..])))]);
        let html = to_html("![s](attachment:s.svg)", &[("s.svg".into(), bundle)]);
        assert!(html.contains(&format!("src=\"data:image/svg+xml;base64,{svg}\"")), "{html}");
        let bundle = MimeBundle(vec![("image/svg+xml".into(), MimeData::Text("<svg/>".into()))]);
        let html = to_html("![s](attachment:s.svg)", &[("s.svg".into(), bundle)]);
        assert!(html.contains("src=\"data:image/svg+xml;base64,PHN2Zy8+\""), "{html}");
    }

    #[test]
    fn deep_nesting_is_shown_as_text_quickly() {
        let n = 20_000;
        for deep in [
            ">".repeat(n) + " x",
            "<div>".repeat(n),
            "<div></span>".repeat(n),
            "- ".repeat(n) + "x",
            "<b><i>".repeat(n),
        ] {
            let html = to_html(&deep, &[]);
            assert!(html.starts_with("<p class=\"note\">markdown nested "), "{}", &html[..80]);
            assert!(html.contains("levels deep, over the limit of 256: shown as text</p>\n<pre>"));
            assert!(!html.contains("<div>"), "shown escaped");
        }
        // Deep enough for real documents.
        let fine = "> ".repeat(100) + "x";
        assert!(to_html(&fine, &[]).starts_with("<blockquote>"));
    }

    #[test]
    fn nesting_counts_open_elements() {
        assert_eq!(nesting("<p>a<br>b<img src=x></p><ul><li><em>x</em></li></ul>"), 3);
        assert_eq!(nesting("<div></span><div></span>"), 2, "stray end tags close nothing");
        assert_eq!(nesting("a < b, 1<2, <!-- c -->, </>"), 0);
    }
}
