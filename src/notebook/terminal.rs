//! The terminal rendering: git-diff-like text, one `## cell` header per changed cell and one
//! `@@ part @@` header per changed part, `-`/`+` lines, changed words emphasised by colour.
//! Without colour there is no word marking at all, so the text stays clean to read and paste.

use std::io::{self, Write};

use anstyle::{AnsiColor, Effects, Style};
use sha2::Digest as _;

use super::Labels;
use super::diff::{CellDiff, NotebookDiff, OutputDiff, PartChange, Status, error_text, mime_text};
use super::lines::{LineDiff, LineTag};
use super::model::{Cell, Image, MimeData, Notebook, Output, OutputKind};
use super::text::terminal_safe;

/// Lines of unchanged text kept around each change.
const CONTEXT: usize = 3;
/// Lines of an added or deleted output shown before the rest is summarised.
const MAX_OUTPUT_LINES: usize = 40;

/// Styles of the terminal rendering; the default has no styling at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct Palette {
    pub file: Style,
    pub cell: Style,
    pub section: Style,
    pub delete: Style,
    pub insert: Style,
    pub delete_word: Style,
    pub insert_word: Style,
}

impl Palette {
    /// Applies `f` to every style (the command passes its colour decision this way).
    pub fn map(self, f: impl Fn(Style) -> Style) -> Self {
        Self {
            file: f(self.file),
            cell: f(self.cell),
            section: f(self.section),
            delete: f(self.delete),
            insert: f(self.insert),
            delete_word: f(self.delete_word),
            insert_word: f(self.insert_word),
        }
    }

    /// git's diff colours, with changed words in reverse video (as `diff-highlight` does).
    pub fn colored() -> Self {
        let red = AnsiColor::Red.on_default();
        let green = AnsiColor::Green.on_default();
        Self {
            file: Style::new().bold(),
            cell: AnsiColor::Yellow.on_default().bold(),
            section: AnsiColor::Cyan.on_default(),
            delete: red,
            insert: green,
            delete_word: red.effects(Effects::INVERT),
            insert_word: green.effects(Effects::INVERT),
        }
    }
}

/// Writes the diff as text. Writes nothing when the notebooks do not differ, unless a side is
/// `/dev/null` (git's added or deleted file): an empty notebook added still gets its header.
pub fn render_terminal(
    diff: &NotebookDiff<'_>,
    labels: &Labels,
    palette: &Palette,
    out: &mut dyn Write,
) -> io::Result<()> {
    let whole_file = [&labels.old, &labels.new].iter().any(|l| *l == "/dev/null");
    if !diff.has_changes() && !whole_file {
        return Ok(());
    }
    let mut r = Renderer { out, p: palette, output_lines: MAX_OUTPUT_LINES };
    let file = palette.file;
    writeln!(r.out, "{file}--- {}{file:#}", terminal_safe(&labels.old))?;
    writeln!(r.out, "{file}+++ {}{file:#}", terminal_safe(&labels.new))?;
    if let Some(metadata) = &diff.metadata {
        r.header("notebook metadata: modified")?;
        r.line_diff("metadata", metadata)?;
    }
    for cell in diff.cells.iter().filter(|c| c.is_change()) {
        r.cell(cell)?;
    }
    if !diff.has_changes() {
        let what = if labels.old == "/dev/null" { "added" } else { "deleted" };
        r.header(&format!("notebook {what}: no cells"))?;
    }
    Ok(())
}

/// Writes one notebook as plain text for git's `textconv` (`git log -p`, `git show`): every
/// cell under a `## <kind> cell` header (with its id when it has one), its source, and its
/// outputs as the diff shows added ones, uncut; no cell numbers or execution counts, so that
/// inserting a cell or re-running the notebook changes only the lines that really changed.
pub fn render_textconv(notebook: &Notebook, out: &mut dyn Write) -> io::Result<()> {
    let palette = Palette::default();
    let mut r = Renderer { out, p: &palette, output_lines: usize::MAX };
    for cell in &notebook.cells {
        let id = cell.id.as_deref().map(|id| format!(" {id}")).unwrap_or_default();
        r.header(&terminal_safe(&format!("{} cell{id}", cell.kind.as_str())))?;
        r.whole_cell(cell, Sign::Plain)?;
    }
    Ok(())
}

struct Renderer<'w, 'p> {
    out: &'w mut dyn Write,
    p: &'p Palette,
    /// Lines of an added or deleted output shown before the rest is summarised.
    output_lines: usize,
}

impl Renderer<'_, '_> {
    fn header(&mut self, text: &str) -> io::Result<()> {
        let style = self.p.cell;
        writeln!(self.out, "{style}## {text}{style:#}")
    }

    fn section(&mut self, text: &str) -> io::Result<()> {
        let style = self.p.section;
        writeln!(self.out, "{style}@@ {text} @@{style:#}")
    }

    fn cell(&mut self, cell: &CellDiff<'_>) -> io::Result<()> {
        let shown = cell.cell();
        let number = cell.new.or(cell.old).map_or(0, |(i, _)| i + 1);
        let kind = match (cell.old, cell.new) {
            (Some((_, a)), Some((_, b))) if a.kind != b.kind => format!("{} → {}", a.kind.as_str(), b.kind.as_str()),
            _ => shown.kind.as_str().to_owned(),
        };
        let what = cell.describe();
        let side = if cell.status == Status::Deleted { "old " } else { "" };
        self.header(&format!("{side}cell {number} ({}): {what}", terminal_safe(&kind)))?;
        match cell.status {
            Status::Added => self.whole_cell(shown, Sign::Insert),
            Status::Deleted => self.whole_cell(shown, Sign::Delete),
            _ => self.changed_cell(cell),
        }
    }

    fn changed_cell(&mut self, cell: &CellDiff<'_>) -> io::Result<()> {
        if let Some((old, new)) = cell.id {
            self.section(&format!("id {} → {}", terminal_safe(old), terminal_safe(new)))?;
        }
        if let Some(source) = &cell.source {
            self.line_diff("source", source)?;
        }
        for attachment in &cell.attachments {
            self.section(&format!("attachment {}", terminal_safe(attachment.name)))?;
            for (sign, bundle) in [(Sign::Delete, attachment.old), (Sign::Insert, attachment.new)] {
                for (mime, data) in bundle.map_or(&[][..], |b| &b.0[..]) {
                    self.signed(sign, &data_summary(mime, data))?;
                }
            }
        }
        if cell.attachments_changed && cell.attachments.is_empty() {
            // Same names and contents in another order.
            self.section("attachments reordered")?;
        }
        for output in cell.outputs.iter().filter(|o| o.status != Status::Unchanged) {
            self.output_diff(output)?;
        }
        if let Some(metadata) = &cell.metadata {
            self.line_diff("metadata", metadata)?;
        }
        if let Some((old, new)) = cell.execution_count {
            let show = |c: Option<i64>| c.map_or_else(|| "none".to_owned(), |c| c.to_string());
            self.section(&format!("execution count {} → {}", show(old), show(new)))?;
        }
        Ok(())
    }

    fn whole_cell(&mut self, cell: &Cell, sign: Sign) -> io::Result<()> {
        self.text_lines(&cell.source, sign, usize::MAX)?;
        for (k, output) in cell.outputs.iter().enumerate() {
            self.whole_output(k, output, sign)?;
        }
        Ok(())
    }

    fn output_diff(&mut self, output: &OutputDiff<'_>) -> io::Result<()> {
        match (output.status, output.old, output.new) {
            (Status::Added, _, Some((k, o))) => self.whole_output(k, o, Sign::Insert),
            (Status::Deleted, Some((k, o)), _) => self.whole_output(k, o, Sign::Delete),
            _ => {
                let (k, o) = (output.new.or(output.old).map_or(0, |(k, _)| k + 1), output.output());
                for part in &output.parts {
                    let title = format!("output {k} ({}) {}", terminal_safe(&o.label()), terminal_safe(&part.name));
                    match &part.change {
                        PartChange::Text(diff) => self.line_diff(&title, diff)?,
                        PartChange::Binary { old, new } => {
                            self.section(&title)?;
                            if let Some(image) = old {
                                self.signed(Sign::Delete, &image_summary(&part.name, image))?;
                            }
                            if let Some(image) = new {
                                self.signed(Sign::Insert, &image_summary(&part.name, image))?;
                            }
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// An added or deleted output: its plain text (or its first text form), images as a summary.
    fn whole_output(&mut self, k: usize, output: &Output, sign: Sign) -> io::Result<()> {
        let label = terminal_safe(&output.label()).into_owned();
        match &output.kind {
            OutputKind::Stream { text, .. } => {
                self.section(&format!("output {} ({label})", k + 1))?;
                return self.text_lines(text, sign, self.output_lines);
            }
            OutputKind::Error { .. } => {
                self.section(&format!("output {} ({label})", k + 1))?;
                return self.text_lines(&error_text(output), sign, self.output_lines);
            }
            OutputKind::Other { fields, .. } => {
                self.section(&format!("output {} ({label})", k + 1))?;
                return self.text_lines(&super::text::canonical_json(fields), sign, self.output_lines);
            }
            OutputKind::DisplayData | OutputKind::ExecuteResult => {}
        }
        let bundle = &output.data.0;
        let text = bundle
            .iter()
            .find(|(m, _)| m == "text/plain")
            .or_else(|| bundle.iter().find(|(_, d)| !matches!(d, MimeData::Image(_))));
        let mut shown = Vec::new();
        if let Some((mime, data)) = text {
            shown.push(mime.as_str());
            let others: Vec<&str> = bundle.iter().map(|(m, _)| m.as_str()).filter(|m| m != mime).collect();
            let also = if others.is_empty() { String::new() } else { format!(", also {}", others.join(", ")) };
            self.section(&terminal_safe(&format!("output {} ({label}) {mime}{also}", k + 1)))?;
            self.text_lines(&mime_text(data), sign, self.output_lines)?;
        } else {
            self.section(&format!("output {} ({label})", k + 1))?;
        }
        for (mime, data) in bundle {
            if let MimeData::Image(image) = data {
                self.signed(sign, &image_summary(mime, image))?;
            }
        }
        Ok(())
    }

    fn line_diff(&mut self, title: &str, diff: &LineDiff) -> io::Result<()> {
        let hunks = diff.hunks(CONTEXT);
        let whole = hunks.len() == 1 && hunks[0].lines.start == 0 && hunks[0].lines.end == diff.lines.len();
        for hunk in &hunks {
            if whole {
                self.section(title)?;
            } else {
                self.section(&format!(
                    "{title} -{},{} +{},{}",
                    hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len
                ))?;
            }
            for line in &diff.lines[hunk.lines.clone()] {
                let (style, word) = match line.tag {
                    LineTag::Equal => (Style::new(), Style::new()),
                    LineTag::Delete => (self.p.delete, self.p.delete_word),
                    LineTag::Insert => (self.p.insert, self.p.insert_word),
                };
                let sign = line.tag.sign();
                write!(self.out, "{style}{sign}")?;
                for (emphasized, text) in &line.segments {
                    let text = terminal_safe(text);
                    if *emphasized {
                        write!(self.out, "{style:#}{word}{text}{word:#}{style}")?;
                    } else {
                        write!(self.out, "{text}")?;
                    }
                }
                writeln!(self.out, "{style:#}")?;
            }
        }
        Ok(())
    }

    /// Prints `text` whole on one side, cut after `limit` lines.
    fn text_lines(&mut self, text: &str, sign: Sign, limit: usize) -> io::Result<()> {
        let text = text.strip_suffix('\n').unwrap_or(text);
        if text.is_empty() {
            return Ok(());
        }
        let total = text.split('\n').count();
        for line in text.split('\n').take(limit) {
            self.signed(sign, line)?;
        }
        if total > limit {
            self.signed(sign, &format!("… {} more lines", total - limit))?;
        }
        Ok(())
    }

    fn signed(&mut self, sign: Sign, text: &str) -> io::Result<()> {
        let (c, style) = match sign {
            Sign::Insert => ("+", self.p.insert),
            Sign::Delete => ("-", self.p.delete),
            Sign::Plain => ("", Style::new()),
        };
        writeln!(self.out, "{style}{c}{}{style:#}", terminal_safe(text.strip_suffix('\r').unwrap_or(text)))
    }
}

#[derive(Debug, Clone, Copy)]
enum Sign {
    Insert,
    Delete,
    /// No sign: a whole notebook as text (`render_textconv`).
    Plain,
}

/// One line about an image: `image/png 2×2, 70 bytes, sha256 4f2a9c01b3d2`.
pub(super) fn image_summary(mime: &str, image: &Image) -> String {
    let info = image.info();
    let size = info.size.map(|(w, h)| format!(" {w}×{h},")).unwrap_or_default();
    match info.bytes {
        Some(bytes) if !info.valid => {
            format!("{mime}{size} {}, invalid: truncated, sha256 {}", human_bytes(bytes), image.short_digest())
        }
        Some(bytes) => format!("{mime}{size} {}, sha256 {}", human_bytes(bytes), image.short_digest()),
        None => format!("{mime}: invalid base64 ({} characters), sha256 {}", image.base64_len, image.short_digest()),
    }
}

/// One line about a mime value: images as [`image_summary`], text by size and digest.
fn data_summary(mime: &str, data: &MimeData) -> String {
    match data {
        MimeData::Image(image) => image_summary(mime, image),
        other => {
            let text = mime_text(other);
            let digest = sha2::Sha256::digest(text.as_bytes());
            format!("{mime} {}, sha256 {}", human_bytes(text.len()), hex::encode(&digest[..6]))
        }
    }
}

pub(super) fn human_bytes(bytes: usize) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.1} kB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}
