//! The HTML rendering: a self-contained page (inline CSS, images as `data:` URLs, no script,
//! no network) or a fragment for the report.
//!
//! Safety rules, in one place: every notebook string goes through [`escape`]; markdown is
//! sanitised (see `markdown.rs`); `text/html` outputs are only ever shown inside
//! `<iframe sandbox srcdoc>` without `allow-scripts` or `allow-same-origin`, so they can neither
//! run code nor reach the page; JavaScript outputs are shown as escaped text; image `data:` URLs
//! are built only from base64 that decodes and from a fixed list of image types. The page's
//! Content-Security-Policy (which `srcdoc` frames inherit) forbids scripts and network loads as
//! a second line of defence.

use std::fmt::Write as _;

use base64::Engine as _;

use super::Labels;
use super::diff::{CellDiff, NotebookDiff, OutputDiff, PartChange, Status, error_text, mime_text};
use super::lines::{LineDiff, LineTag};
use super::markdown;
use super::model::{Cell, CellKind, Image, MimeData, Output, OutputKind};
use super::syntax::{self, State};
use super::terminal::image_summary;
use super::text::{canonical_json, strip_ansi};

/// The stylesheet of the page; the report includes it once when embedding fragments.
pub const STYLESHEET: &str = include_str!("nbdiff.css");

/// Longest line the highlighter colours.
const MAX_HIGHLIGHT_LINE: usize = 4_000;

/// No scripts, no network: only inline styles, `data:` images and `srcdoc` frames.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'";

/// Renders the diff as a complete, self-contained HTML page.
pub fn render_html(diff: &NotebookDiff<'_>, labels: &Labels) -> String {
    let title = format!("nbdiff {} → {}", labels.old, labels.new);
    let body = render_html_fragment(diff, labels);
    let mut page = String::with_capacity(body.len() + STYLESHEET.len() + 512);
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(page, "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(page, "<title>{}</title>", escape(&title));
    let _ = writeln!(page, "<style>\n{STYLESHEET}</style>\n</head>\n<body>");
    page.push_str(&body);
    page.push_str("</body>\n</html>\n");
    page
}

/// Renders the diff as one `<div class="nbdiff">`, styled by [`STYLESHEET`].
pub fn render_html_fragment(diff: &NotebookDiff<'_>, labels: &Labels) -> String {
    let python = diff.new.language().eq_ignore_ascii_case("python");
    let mut h = Html { out: String::new(), python };
    h.fragment(diff, labels);
    h.out
}

struct Html {
    out: String,
    python: bool,
}

impl Html {
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn text(&mut self, s: &str) {
        escape_into(&mut self.out, s);
    }

    fn fragment(&mut self, diff: &NotebookDiff<'_>, labels: &Labels) {
        self.push(
            "<div class=\"nbdiff\">\n<header class=\"nbd-head\">\n<h1>Notebook diff</h1>\n<p class=\"nbd-files\">",
        );
        self.push("<span class=\"nbd-old\">− ");
        self.text(&labels.old);
        self.push("</span><br><span class=\"nbd-new\">+ ");
        self.text(&labels.new);
        self.push("</span></p>\n");
        let s = diff.summary();
        let _ = writeln!(
            self.out,
            "<p class=\"nbd-summary\">{} added, {} deleted, {} modified, {} moved, {} unchanged cells</p>",
            s.added, s.deleted, s.modified, s.moved, s.unchanged
        );
        if !diff.has_changes() {
            self.push("<p class=\"nbd-same\">The notebooks do not differ in the compared parts.</p>\n");
        }
        self.push("</header>\n");
        if let Some(metadata) = &diff.metadata {
            self.push("<section class=\"nbd-cell nbd-modified\">\n<h2>Notebook metadata</h2>\n");
            self.line_diff(metadata, false);
            self.push("</section>\n");
        }
        let mut k = 0;
        while k < diff.cells.len() {
            if diff.cells[k].is_change() {
                self.cell(&diff.cells[k]);
                k += 1;
                continue;
            }
            let run = diff.cells[k..].iter().take_while(|c| !c.is_change()).count();
            let _ = writeln!(
                self.out,
                "<details class=\"nbd-unchanged\"><summary>{run} unchanged cell{}</summary>",
                if run == 1 { "" } else { "s" }
            );
            for cell in &diff.cells[k..k + run] {
                self.cell(cell);
            }
            self.push("</details>\n");
            k += run;
        }
        self.push("</div>\n");
    }

    fn cell(&mut self, cell: &CellDiff<'_>) {
        let shown = cell.cell();
        let status = match (cell.status, cell.moved) {
            (Status::Added, _) => "nbd-added",
            (Status::Deleted, _) => "nbd-deleted",
            (Status::Modified, _) => "nbd-modified",
            (Status::Unchanged, true) => "nbd-moved",
            (Status::Unchanged, false) => "nbd-same",
        };
        let badge = cell.describe();
        let number = cell.new.or(cell.old).map_or(0, |(i, _)| i + 1);
        let side = if cell.status == Status::Deleted { "old " } else { "" };
        let _ = write!(
            self.out,
            "<section class=\"nbd-cell {status}\" id=\"cell-{number}\">\n<h2>{side}cell {number} <span class=\"nbd-kind\">"
        );
        match (cell.old, cell.new) {
            (Some((_, a)), Some((_, b))) if a.kind != b.kind => {
                self.text(&format!("{} → {}", a.kind.as_str(), b.kind.as_str()));
            }
            _ => self.text(shown.kind.as_str()),
        }
        self.push("</span>");
        if !badge.is_empty() {
            let _ = write!(self.out, " <span class=\"nbd-badge\">{badge}</span>");
        }
        if let Some((old, new)) = cell.execution_count {
            let show = |c: Option<i64>| c.map_or_else(|| "none".to_owned(), |c| c.to_string());
            let _ = write!(self.out, " <span class=\"nbd-count\">execution count {} → {}</span>", show(old), show(new));
        }
        self.push("</h2>\n");
        match cell.status {
            Status::Added | Status::Deleted | Status::Unchanged => {
                let side = match cell.status {
                    Status::Added => "ins",
                    Status::Deleted => "del",
                    _ => "",
                };
                self.whole_cell(shown, side);
            }
            Status::Modified => self.changed_cell(cell),
        }
        self.push("</section>\n");
    }

    /// A cell shown as it is: rendered markdown, or highlighted code and its outputs.
    fn whole_cell(&mut self, cell: &Cell, side: &str) {
        let _ = write!(self.out, "<div class=\"nbd-whole {side}\">");
        match cell.kind {
            CellKind::Markdown => {
                // Added or deleted: the source too, not only the rendering, so that what the
                // sanitiser removed (a script, an event attribute) stays visible to a reviewer.
                if !side.is_empty() {
                    self.code(&cell.source, false);
                }
                self.push("<div class=\"nbd-md\">");
                self.push(&markdown::to_html(&cell.source, &cell.attachments));
                self.push("</div>");
            }
            _ => self.code(&cell.source, cell.kind == CellKind::Code),
        }
        self.push("</div>\n");
        if !cell.outputs.is_empty() {
            self.push("<div class=\"nbd-outputs\">\n");
            for output in &cell.outputs {
                self.output(output, side);
            }
            self.push("</div>\n");
        }
    }

    fn changed_cell(&mut self, cell: &CellDiff<'_>) {
        if let Some((old, new)) = cell.id {
            self.push("<h3>id ");
            self.text(old);
            self.push(" → ");
            self.text(new);
            self.push("</h3>\n");
        }
        let highlight = cell.cell().kind == CellKind::Code;
        if let Some(source) = &cell.source {
            self.line_diff(source, highlight);
        } else {
            self.code(&cell.cell().source, highlight);
        }
        if let (Some((_, a)), Some((_, b))) = (cell.old, cell.new)
            && b.kind == CellKind::Markdown
            && (cell.source.is_some() || cell.attachments_changed)
        {
            self.push(
                "<div class=\"nbd-pair\">\n<figure class=\"del\"><figcaption>before</figcaption><div class=\"nbd-md\">",
            );
            self.push(&markdown::to_html(&a.source, &a.attachments));
            self.push("</div></figure>\n<figure class=\"ins\"><figcaption>after</figcaption><div class=\"nbd-md\">");
            self.push(&markdown::to_html(&b.source, &b.attachments));
            self.push("</div></figure>\n</div>\n");
        }
        if !cell.outputs.is_empty() {
            self.push("<div class=\"nbd-outputs\">\n");
            for output in &cell.outputs {
                self.output_diff(output);
            }
            self.push("</div>\n");
        } else if let Some((_, new)) = cell.new
            && !new.outputs.is_empty()
        {
            self.push("<div class=\"nbd-outputs\">\n");
            for output in &new.outputs {
                self.output(output, "");
            }
            self.push("</div>\n");
        }
        if let Some(metadata) = &cell.metadata {
            self.push("<h3>metadata</h3>\n");
            self.line_diff(metadata, false);
        }
    }

    fn output_diff(&mut self, output: &OutputDiff<'_>) {
        match (output.status, output.old, output.new) {
            (Status::Added, _, Some((_, o))) => self.output(o, "ins"),
            (Status::Deleted, Some((_, o)), _) => self.output(o, "del"),
            (Status::Unchanged, _, Some((_, o))) => self.output(o, ""),
            _ => {
                let k = output.new.or(output.old).map_or(0, |(k, _)| k + 1);
                self.push("<div class=\"nbd-output-diff\">");
                for part in &output.parts {
                    let _ = write!(self.out, "<h3>output {k} ({}) ", escape(&output.output().label()));
                    self.text(&part.name);
                    self.push("</h3>\n");
                    match &part.change {
                        PartChange::Text(diff) => self.line_diff(diff, false),
                        PartChange::Binary { old, new } => self.image_pair(&part.name, *old, *new),
                    }
                }
                // Markup changes are easier to judge rendered; images already are.
                let rendered = ["text/html", "image/svg+xml", "text/markdown"];
                if let (Some((_, old)), Some((_, new))) = (output.old, output.new)
                    && output.parts.iter().any(|p| rendered.contains(&p.name.as_str()))
                {
                    self.push("<div class=\"nbd-pair\">\n<figure class=\"del\"><figcaption>before</figcaption>");
                    self.output(old, "");
                    self.push("</figure>\n<figure class=\"ins\"><figcaption>after</figcaption>");
                    self.output(new, "");
                    self.push("</figure>\n</div>\n");
                }
                self.push("</div>\n");
            }
        }
    }

    /// Old and new image side by side, each with its size and digest.
    fn image_pair(&mut self, mime: &str, old: Option<&Image>, new: Option<&Image>) {
        self.push("<div class=\"nbd-pair\">\n");
        for (side, caption, image) in [("del", "before", old), ("ins", "after", new)] {
            let _ = write!(self.out, "<figure class=\"{side}\"><figcaption>{caption}</figcaption>");
            match image {
                Some(image) => {
                    self.image(mime, image);
                    self.push("<p class=\"nbd-note\">");
                    self.text(&image_summary(mime, image));
                    self.push("</p>");
                }
                None => self.push("<p class=\"nbd-note\">none</p>"),
            }
            self.push("</figure>\n");
        }
        self.push("</div>\n");
    }

    fn image(&mut self, mime: &str, image: &Image) {
        if is_inline_image(mime) && image.is_valid() {
            let _ = write!(self.out, "<img alt=\"{mime} output\" src=\"data:{mime};base64,{}\">", image.base64);
        } else if !image.is_valid() {
            self.push("<p class=\"nbd-note\">invalid image data (");
            self.text(mime);
            self.push(")</p>");
        } else {
            self.push("<p class=\"nbd-note\">");
            self.text(mime);
            self.push(" output (not shown)</p>");
        }
    }

    /// One output, rendered from its richest safe representation.
    fn output(&mut self, output: &Output, side: &str) {
        let _ = write!(self.out, "<div class=\"nbd-output {side}\">");
        match &output.kind {
            OutputKind::Stream { name, text } => {
                let class = if name == "stderr" { "nbd-stderr" } else { "nbd-stream" };
                let _ = write!(self.out, "<pre class=\"{class}\">");
                self.text(&strip_ansi(text));
                self.push("</pre>");
            }
            OutputKind::Error { .. } => {
                self.push("<pre class=\"nbd-error\">");
                self.text(&strip_ansi(&error_text(output)));
                self.push("</pre>");
            }
            OutputKind::Other { output_type, fields } => {
                self.push("<p class=\"nbd-note\">unknown output type ");
                self.text(output_type);
                self.push("</p><pre>");
                self.text(&canonical_json(fields));
                self.push("</pre>");
            }
            OutputKind::DisplayData | OutputKind::ExecuteResult => self.bundle(output),
        }
        self.push("</div>\n");
    }

    fn bundle(&mut self, output: &Output) {
        const ORDER: &[&str] = &[
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/webp",
            "image/svg+xml",
            "text/html",
            "text/markdown",
            "text/latex",
            "application/json",
            "text/plain",
        ];
        let bundle = &output.data;
        let chosen = ORDER
            .iter()
            .find_map(|m| bundle.get(m).map(|d| (*m, d)))
            .or_else(|| bundle.0.first().map(|(m, d)| (m.as_str(), d)));
        let Some((mime, data)) = chosen else {
            self.push("<p class=\"nbd-note\">empty output</p>");
            return;
        };
        match (mime, data) {
            (_, MimeData::Image(image)) => self.image(mime, image),
            ("image/svg+xml", MimeData::Text(svg)) => {
                // As an <img>, SVG cannot run scripts or load anything.
                let b64 = base64::engine::general_purpose::STANDARD.encode(svg);
                let _ = write!(self.out, "<img alt=\"SVG output\" src=\"data:image/svg+xml;base64,{b64}\">");
            }
            ("text/html", MimeData::Text(html)) => {
                // Sandboxed without allow-scripts and allow-same-origin: the frame renders markup
                // but runs nothing and cannot touch this page.
                self.push("<iframe class=\"nbd-html\" sandbox=\"\" title=\"HTML output\" srcdoc=\"");
                self.text(html);
                self.push("\"></iframe>");
            }
            ("text/markdown", MimeData::Text(md)) => {
                self.push("<div class=\"nbd-md\">");
                self.push(&markdown::to_html(md, &[]));
                self.push("</div>");
            }
            _ => {
                if mime.contains("javascript") {
                    self.push("<p class=\"nbd-note\">JavaScript output, shown as text and not run</p>");
                } else if mime != "text/plain" && mime != "application/json" && mime != "text/latex" {
                    self.push("<p class=\"nbd-note\">");
                    self.text(mime);
                    self.push("</p>");
                }
                self.push("<pre>");
                self.text(&strip_ansi(&mime_text(data)));
                self.push("</pre>");
            }
        }
    }

    /// Unchanged source: highlighted, no diff marks.
    fn code(&mut self, source: &str, highlight: bool) {
        self.push("<pre class=\"nbd-code\">");
        let mut state = State::default();
        for (k, line) in source.split('\n').enumerate() {
            if k > 0 {
                self.push("\n");
            }
            self.line(&[(false, line.to_owned())], highlight, &mut state);
        }
        self.push("</pre>\n");
    }

    fn line_diff(&mut self, diff: &LineDiff, highlight: bool) {
        self.push("<table class=\"nbd-diff\">\n");
        let (mut old_state, mut new_state) = (State::default(), State::default());
        for line in &diff.lines {
            let (class, state) = match line.tag {
                LineTag::Equal => ("", &mut new_state),
                LineTag::Delete => ("del", &mut old_state),
                LineTag::Insert => ("ins", &mut new_state),
            };
            let sign = line.tag.sign();
            let no = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
            let _ = write!(
                self.out,
                "<tr class=\"{class}\"><td class=\"nbd-no\">{}</td><td class=\"nbd-no\">{}</td><td class=\"nbd-sign\">{sign}</td><td class=\"nbd-text\">",
                no(line.old_no),
                no(line.new_no)
            );
            let mut line_state = *state;
            self.line(&line.segments, highlight, &mut line_state);
            *state = line_state;
            if line.tag == LineTag::Equal {
                old_state = line_state;
            }
            self.push("</td></tr>\n");
        }
        self.push("</table>\n");
    }

    /// One line: emphasis from the word diff (`<mark>`), classes from the highlighter, split
    /// wherever either changes.
    fn line(&mut self, segments: &[(bool, String)], highlight: bool, state: &mut State) {
        let text: String = segments.iter().map(|(_, s)| s.as_str()).collect();
        // Minified or generated lines get no colours: splitting them costs more than it shows.
        let tokens = if highlight && text.len() <= MAX_HIGHLIGHT_LINE {
            syntax::highlight_line(&text, state, self.python)
        } else {
            Vec::new()
        };
        let mut cuts: Vec<usize> = vec![0, text.len()];
        let mut offset = 0;
        let mut emphasis = Vec::new();
        for (emphasized, s) in segments {
            if *emphasized {
                emphasis.push(offset..offset + s.len());
            }
            offset += s.len();
            cuts.push(offset);
        }
        cuts.extend(tokens.iter().flat_map(|(r, _)| [r.start, r.end]));
        cuts.sort_unstable();
        cuts.dedup();
        for pair in cuts.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let Some(piece) = text.get(a..b) else { continue };
            let marked = emphasis.iter().any(|r| r.start <= a && b <= r.end);
            let class = tokens.iter().find(|(r, _)| r.start <= a && b <= r.end).map(|(_, c)| c.css());
            if marked {
                self.push("<mark>");
            }
            if let Some(class) = class {
                let _ = write!(self.out, "<span class=\"{class}\">");
            }
            self.text(piece);
            if class.is_some() {
                self.push("</span>");
            }
            if marked {
                self.push("</mark>");
            }
        }
    }
}

/// Image types a browser shows from a `data:` URL without any risk of running code.
pub(super) fn is_inline_image(mime: &str) -> bool {
    matches!(mime, "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/bmp")
}

/// Escapes text for HTML content and double-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// HTML-escapes `s`; bidi controls and other invisible control characters (but newlines and
/// tabs) are shown as `\u{202e}`, as on the terminal, so they cannot reorder the page's text.
fn escape_into(out: &mut String, s: &str) {
    let mut last = 0;
    for (k, c) in s.char_indices() {
        let shown;
        let rep = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            '\n' | '\t' | '\r' => continue,
            c if crate::ui::is_dangerous(c) => {
                shown = crate::ui::shown_char(c);
                shown.as_str()
            }
            _ => continue,
        };
        out.push_str(&s[last..k]);
        out.push_str(rep);
        last = k + c.len_utf8();
    }
    out.push_str(&s[last..]);
}
