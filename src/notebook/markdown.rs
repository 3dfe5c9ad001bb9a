//! Markdown cells and `text/markdown` outputs as HTML: rendered by pulldown-cmark, then
//! sanitised by ammonia, because a notebook is untrusted input (raw HTML in markdown is legal
//! and may carry scripts).

use base64::Engine as _;

use super::html::escape;
use super::model::{MimeBundle, MimeData};

/// Renders markdown to sanitised HTML. `attachment:NAME` images resolve to the cell's
/// attachments as `data:` URLs.
pub fn to_html(markdown: &str, attachments: &[(String, MimeBundle)]) -> String {
    let options = pulldown_cmark::Options::ENABLE_TABLES
        | pulldown_cmark::Options::ENABLE_STRIKETHROUGH
        | pulldown_cmark::Options::ENABLE_TASKLISTS;
    let parser = pulldown_cmark::Parser::new_ext(markdown, options);
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut raw, parser);
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

/// A `data:` URL for the first displayable image of an attachment.
fn attachment_url(bundle: &MimeBundle) -> Option<String> {
    bundle.0.iter().find_map(|(mime, data)| match data {
        MimeData::Image(image) if super::html::is_inline_image(mime) && image.is_valid() => {
            Some(format!("data:{mime};base64,{}", image.base64))
        }
        MimeData::Text(svg) if mime == "image/svg+xml" => {
            Some(format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg)))
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
        let png = "iVBORw0KGgo=";
        let bundle = MimeBundle(vec![("image/png".into(), MimeData::Image(Image::new(png.into())))]);
        let html = to_html("![a](attachment:a.png) ![b](attachment:missing.png)", &[("a.png".into(), bundle)]);
        assert!(html.contains(&format!("src=\"data:image/png;base64,{png}\"")), "{html}");
        assert!(html.contains("src=\"attachment:missing.png\""), "{html}");
    }
}
