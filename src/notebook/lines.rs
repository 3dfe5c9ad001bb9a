//! Line diffs with word-level emphasis inside changed lines, the unit every text part of a
//! notebook (sources, text outputs, metadata) is compared in.

use std::time::{Duration, Instant};

use similar::{Algorithm, DiffOp, DiffTag};

/// Past this, a diff settles for a coarser (still correct) result rather than stall.
const DEADLINE: Duration = Duration::from_millis(200);
/// Changed lines less alike than this are shown whole: emphasising every word says nothing.
const MIN_WORD_SIMILARITY: f32 = 0.4;
/// Word diffs of very long lines (minified JSON, base64) cost more than they show.
const MAX_WORD_DIFF_LINE: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum LineTag {
    Equal,
    Delete,
    Insert,
}

impl LineTag {
    /// The unified-diff prefix: ` `, `-` or `+`.
    pub fn sign(self) -> char {
        match self {
            LineTag::Equal => ' ',
            LineTag::Delete => '-',
            LineTag::Insert => '+',
        }
    }
}

/// One line of a diff, without its line terminator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub tag: LineTag,
    /// 1-based line number on the old side (for equal and deleted lines).
    pub old_no: Option<usize>,
    /// 1-based line number on the new side (for equal and inserted lines).
    pub new_no: Option<usize>,
    /// The text in pieces; `true` marks a piece that changed within a changed line.
    pub segments: Vec<(bool, String)>,
}

impl DiffLine {
    /// The whole line's text.
    pub fn text(&self) -> String {
        self.segments.iter().map(|(_, s)| s.as_str()).collect()
    }

    fn plain(tag: LineTag, old_no: Option<usize>, new_no: Option<usize>, text: &str) -> Self {
        Self { tag, old_no, new_no, segments: vec![(false, text.to_owned())] }
    }
}

/// A line diff of two texts. Holds every line of both, so renderers choose their context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineDiff {
    pub lines: Vec<DiffLine>,
}

/// A run of lines shown together, with its position in both texts (as in `@@ -a,b +c,d @@`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub old_start: usize,
    pub old_len: usize,
    pub new_start: usize,
    pub new_len: usize,
    /// Indices into [`LineDiff::lines`].
    pub lines: std::ops::Range<usize>,
}

impl LineDiff {
    /// Diffs two texts line by line, then word by word inside lines that were changed.
    pub fn new(old: &str, new: &str) -> Self {
        let old_lines = split_lines(old);
        let new_lines = split_lines(new);
        let ops = similar::capture_diff_slices_deadline(
            Algorithm::Patience,
            &old_lines,
            &new_lines,
            Some(Instant::now() + DEADLINE),
        );
        let mut lines = Vec::with_capacity(old_lines.len().max(new_lines.len()));
        for op in ops {
            let (o, n) = (op.old_range(), op.new_range());
            match op.tag() {
                DiffTag::Equal => {
                    for (k, text) in old_lines[o.clone()].iter().enumerate() {
                        lines.push(DiffLine::plain(LineTag::Equal, Some(o.start + k + 1), Some(n.start + k + 1), text));
                    }
                }
                DiffTag::Delete | DiffTag::Insert | DiffTag::Replace => {
                    push_changed(&mut lines, &old_lines, &new_lines, &op);
                }
            }
        }
        Self { lines }
    }

    /// Groups changed lines with `context` lines around them, merging groups that touch.
    pub fn hunks(&self, context: usize) -> Vec<Hunk> {
        let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
        for (k, line) in self.lines.iter().enumerate() {
            if line.tag == LineTag::Equal {
                continue;
            }
            let start = k.saturating_sub(context);
            let end = (k + 1 + context).min(self.lines.len());
            match ranges.last_mut() {
                Some(last) if start <= last.end => last.end = end,
                _ => ranges.push(start..end),
            }
        }
        ranges.into_iter().map(|range| self.hunk(range)).collect()
    }

    fn hunk(&self, range: std::ops::Range<usize>) -> Hunk {
        let slice = &self.lines[range.clone()];
        let old_len = slice.iter().filter(|l| l.tag != LineTag::Insert).count();
        let new_len = slice.iter().filter(|l| l.tag != LineTag::Delete).count();
        // An empty side starts at the line before, as in unified diffs.
        let old_start = slice.iter().find_map(|l| l.old_no).unwrap_or_else(|| self.before(range.start, |l| l.old_no));
        let new_start = slice.iter().find_map(|l| l.new_no).unwrap_or_else(|| self.before(range.start, |l| l.new_no));
        Hunk { old_start, old_len, new_start, new_len, lines: range }
    }

    fn before(&self, at: usize, side: impl Fn(&DiffLine) -> Option<usize>) -> usize {
        self.lines[..at].iter().rev().find_map(side).unwrap_or(0)
    }
}

/// Splits on `\n`, dropping the terminators, so that adding a line after an unterminated last
/// line (the usual shape of a notebook cell) changes one line, not two.
fn split_lines(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect()
}

fn push_changed(lines: &mut Vec<DiffLine>, old_lines: &[&str], new_lines: &[&str], op: &DiffOp) {
    let (o, n) = (op.old_range(), op.new_range());
    let paired = o.len().min(n.len());
    let mut words: Vec<Option<(Segments, Segments)>> = Vec::with_capacity(paired);
    for k in 0..paired {
        words.push(word_diff(old_lines[o.start + k], new_lines[n.start + k]));
    }
    for (k, i) in o.clone().enumerate() {
        let segments = match words.get_mut(k) {
            Some(Some((old_words, _))) => std::mem::take(old_words),
            _ => vec![(false, old_lines[i].to_owned())],
        };
        lines.push(DiffLine { tag: LineTag::Delete, old_no: Some(i + 1), new_no: None, segments });
    }
    for (k, j) in n.clone().enumerate() {
        let segments = match words.get_mut(k) {
            Some(Some((_, new_words))) => std::mem::take(new_words),
            _ => vec![(false, new_lines[j].to_owned())],
        };
        lines.push(DiffLine { tag: LineTag::Insert, old_no: None, new_no: Some(j + 1), segments });
    }
}

type Segments = Vec<(bool, String)>;

/// Word-level diff of a changed line pair, or `None` when the lines are too different (or too
/// long) for emphasis to help.
fn word_diff(old: &str, new: &str) -> Option<(Segments, Segments)> {
    if old.len() > MAX_WORD_DIFF_LINE || new.len() > MAX_WORD_DIFF_LINE {
        return None;
    }
    let diff = similar::TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .deadline(Instant::now() + DEADLINE)
        .diff_unicode_words(old, new);
    if diff.ratio() < MIN_WORD_SIMILARITY {
        return None;
    }
    let mut old_segments = Segments::new();
    let mut new_segments = Segments::new();
    for change in diff.iter_all_changes() {
        let text = change.value();
        match change.tag() {
            similar::ChangeTag::Equal => {
                push_segment(&mut old_segments, false, text);
                push_segment(&mut new_segments, false, text);
            }
            similar::ChangeTag::Delete => push_segment(&mut old_segments, true, text),
            similar::ChangeTag::Insert => push_segment(&mut new_segments, true, text),
        }
    }
    Some((old_segments, new_segments))
}

/// Appends to the last segment when emphasis is the same, so a line has few pieces.
fn push_segment(segments: &mut Segments, emphasized: bool, text: &str) {
    match segments.last_mut() {
        Some((e, s)) if *e == emphasized => s.push_str(text),
        _ => segments.push((emphasized, text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders a diff as `-`/`+`/` ` lines with `[..]` around emphasised pieces.
    fn show(old: &str, new: &str) -> String {
        let diff = LineDiff::new(old, new);
        diff.lines
            .iter()
            .map(|l| {
                let text: String =
                    l.segments.iter().map(|(e, s)| if *e { format!("[{s}]") } else { s.clone() }).collect();
                format!("{}{text}\n", l.tag.sign())
            })
            .collect()
    }

    #[test]
    fn line_and_word_diffs() {
        assert_eq!(show("a\nb", "a\nb"), " a\n b\n");
        assert_eq!(show("a\nb", "a\nb\nc"), " a\n b\n+c\n", "appending after an unterminated line");
        assert_eq!(show("x = 1\ny = 2\n", "x = 1\ny = 3\n"), " x = 1\n-y = [2]\n+y = [3]\n");
        assert_eq!(show("", "new"), "+new\n");
        assert_eq!(show("old", ""), "-old\n");
        assert_eq!(show("alpha beta", "totally different words"), "-alpha beta\n+totally different words\n");
        assert_eq!(show("a\r\nb\r\n", "a\nb\n"), " a\n b\n", "line endings are not changes");
    }

    #[test]
    fn hunks_keep_context_and_merge() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let new: String = (1..=20)
            .map(|i| match i {
                3 => "three\n".to_owned(),
                18 => "eighteen\n".to_owned(),
                i => format!("{i}\n"),
            })
            .collect();
        let diff = LineDiff::new(&old, &new);
        let hunks = diff.hunks(2);
        assert_eq!(hunks.len(), 2);
        assert_eq!((hunks[0].old_start, hunks[0].old_len, hunks[0].new_start, hunks[0].new_len), (1, 5, 1, 5));
        assert_eq!((hunks[1].old_start, hunks[1].old_len), (16, 5));
        assert_eq!(diff.hunks(20).len(), 1, "wide context merges the hunks");
        assert_eq!(LineDiff::new("", "a").hunks(3)[0].old_start, 0, "empty old side starts at 0");
    }
}
