//! Terminal output to HTML: SGR colours and styles become `<span>`s with classes (the report's
//! CSP allows no inline styles), other escape sequences are dropped, and a carriage return
//! overwrites the line as a terminal would, so progress bars show their final state.

use std::fmt::Write as _;

use super::html::escape_into;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Pen {
    bold: bool,
    dim: bool,
    italic: bool,
    underline: bool,
    inverse: bool,
    fg: Option<u8>,
    bg: Option<u8>,
}

impl Pen {
    fn classes(&self) -> String {
        let mut c = Vec::new();
        let (fg, bg) = if self.inverse { (self.bg.or(Some(0)), self.fg.or(Some(7))) } else { (self.fg, self.bg) };
        if let Some(f) = fg {
            c.push(format!("f{f}"));
        }
        if let Some(b) = bg {
            c.push(format!("g{b}"));
        }
        for (on, name) in [(self.bold, "b"), (self.dim, "d"), (self.italic, "i"), (self.underline, "u")] {
            if on {
                c.push(name.to_owned());
            }
        }
        c.join(" ")
    }

    /// Applies the parameters of one `ESC [ … m` sequence.
    fn apply(&mut self, params: &[u16]) {
        let mut k = 0;
        if params.is_empty() {
            *self = Pen::default();
        }
        while k < params.len() {
            let p = params[k];
            match p {
                0 => *self = Pen::default(),
                1 => self.bold = true,
                2 => self.dim = true,
                3 => self.italic = true,
                4 => self.underline = true,
                7 => self.inverse = true,
                22 => (self.bold, self.dim) = (false, false),
                23 => self.italic = false,
                24 => self.underline = false,
                27 => self.inverse = false,
                30..=37 => self.fg = Some((p - 30) as u8),
                39 => self.fg = None,
                40..=47 => self.bg = Some((p - 40) as u8),
                49 => self.bg = None,
                90..=97 => self.fg = Some((p - 90 + 8) as u8),
                100..=107 => self.bg = Some((p - 100 + 8) as u8),
                38 | 48 => {
                    let colour = match params.get(k + 1) {
                        Some(5) => {
                            k += 2;
                            params.get(k).map(|n| (*n).min(255) as u8)
                        }
                        Some(2) => {
                            k += 4;
                            let rgb = |i: usize| params.get(i).map_or(0, |v| (*v).min(255) as u8);
                            Some(nearest_256(rgb(k - 2), rgb(k - 1), rgb(k)))
                        }
                        _ => None,
                    };
                    if p == 38 { self.fg = colour } else { self.bg = colour }
                }
                _ => {}
            }
            k += 1;
        }
    }
}

/// Maps a 24-bit colour to the closest colour of the xterm 6×6×6 cube or grey ramp.
fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    let level = |v: u8| {
        if v < 48 {
            0
        } else if v < 115 {
            1
        } else {
            (u16::from(v) - 35) as u8 / 40
        }
    };
    let cube = 16 + 36 * level(r) + 6 * level(g) + level(b);
    let grey_avg = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    let spread = r.max(g).max(b) - r.min(g).min(b);
    if spread < 16 && grey_avg > 4 && grey_avg < 244 { 232 + ((grey_avg - 8) / 10).min(23) as u8 } else { cube }
}

/// Renders terminal output as HTML lines (no wrapping element).
pub fn to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut pen = Pen::default();
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let body = body.strip_suffix('\r').unwrap_or(body);
        // A carriage return starts the line again: earlier segments only change the pen.
        let mut segments: Vec<&str> = body.split('\r').collect();
        let last = segments.pop().unwrap_or("");
        for dropped in segments {
            let mut scratch = String::new();
            render_segment(dropped, &mut pen, &mut scratch);
        }
        render_segment(last, &mut pen, &mut out);
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

fn render_segment(text: &str, pen: &mut Pen, out: &mut String) {
    let mut open = false;
    let mut shown = Pen::default();
    let mut chars = text.char_indices().peekable();
    let mut plain_start = None;
    let flush = |out: &mut String, from: Option<usize>, to: usize, pen: &Pen, shown: &mut Pen, open: &mut bool| {
        let Some(from) = from else { return };
        if from >= to {
            return;
        }
        if *pen != *shown || (!*open && *pen != Pen::default()) {
            if *open {
                out.push_str("</span>");
                *open = false;
            }
            let classes = pen.classes();
            if !classes.is_empty() {
                let _ = write!(out, "<span class=\"{classes}\">");
                *open = true;
            }
            *shown = *pen;
        }
        escape_into(out, &text[from..to]);
    };
    while let Some((i, c)) = chars.next() {
        if c == '\u{1b}' {
            flush(out, plain_start.take(), i, pen, &mut shown, &mut open);
            match chars.peek().map(|(_, c)| *c) {
                Some('[') => {
                    chars.next();
                    let mut params = String::new();
                    let mut fin = None;
                    for (_, c) in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            fin = Some(c);
                            break;
                        }
                        params.push(c);
                    }
                    if fin == Some('m') {
                        let nums: Vec<u16> = params.split([';', ':']).map(|p| p.parse::<u16>().unwrap_or(0)).collect();
                        let nums = if params.is_empty() { Vec::new() } else { nums };
                        pen.apply(&nums);
                    }
                }
                Some(']') => {
                    // OSC (titles, hyperlinks): up to BEL or ESC \.
                    chars.next();
                    while let Some((_, c)) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' && chars.peek().map(|(_, c)| *c) == Some('\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            }
            continue;
        }
        // As a terminal would, other control characters (and bidi controls, see
        // `ui::is_dangerous`) are not shown.
        if crate::ui::is_dangerous(c) && c != '\t' {
            flush(out, plain_start.take(), i, pen, &mut shown, &mut open);
            continue;
        }
        if plain_start.is_none() {
            plain_start = Some(i);
        }
    }
    flush(out, plain_start, text.len(), pen, &mut shown, &mut open);
    if open {
        out.push_str("</span>");
    }
}

/// CSS for the classes [`to_html`] emits: the xterm 256-colour palette as `f<n>` (foreground)
/// and `g<n>` (background).
pub fn palette_css() -> String {
    const BASE: [&str; 16] = [
        "#1e1e1e", "#c0392b", "#2e8b57", "#b8860b", "#2f6fbf", "#a0409f", "#2a9d9d", "#c8c8c8", "#6b6b6b", "#e74c3c",
        "#3cb371", "#d4a017", "#4a90e2", "#c86ac8", "#40c0c0", "#ffffff",
    ];
    let mut css = String::from(
        ".log .b{font-weight:bold}.log .d{opacity:.7}.log .i{font-style:italic}.log .u{text-decoration:underline}\n",
    );
    for n in 0..=255u16 {
        let colour = match n {
            0..=15 => BASE[n as usize].to_owned(),
            16..=231 => {
                let v = n - 16;
                let c = |x: u16| if x == 0 { 0 } else { 55 + 40 * x };
                format!("#{:02x}{:02x}{:02x}", c(v / 36), c((v / 6) % 6), c(v % 6))
            }
            _ => {
                let g = 8 + 10 * (n - 232);
                format!("#{g:02x}{g:02x}{g:02x}")
            }
        };
        let _ = writeln!(css, ".log .f{n}{{color:{colour}}}.log .g{n}{{background:{colour}}}");
    }
    css
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_become_classes_and_text_is_escaped() {
        let cases = [
            ("plain <b>\n", "plain &lt;b&gt;\n"),
            ("\x1b[31mred\x1b[0m ok\n", "<span class=\"f1\">red</span> ok\n"),
            ("\x1b[1;92mgo\x1b[22m on\x1b[m\n", "<span class=\"f10 b\">go</span><span class=\"f10\"> on</span>\n"),
            (
                "\x1b[38;5;208mo\x1b[48;2;255;0;0mx\n",
                "<span class=\"f208\">o</span><span class=\"f208 g196\">x</span>\n",
            ),
            ("10%\r50%\r100%\n", "100%\n"),
            ("a\x1b]8;;http://x\x07link\x1b]8;;\x07\x1b[2Kb\n", "alinkb\n"),
            ("win\r\n", "win\n"),
            ("bell\x07\x08 end", "bell end"),
        ];
        for (input, want) in cases {
            assert_eq!(to_html(input), want, "{input:?}");
        }
    }

    #[test]
    fn colour_state_carries_over_lines_and_overwritten_segments() {
        assert_eq!(to_html("\x1b[32mA\nB\x1b[0m\n"), "<span class=\"f2\">A</span>\n<span class=\"f2\">B</span>\n");
        assert_eq!(to_html("\x1b[33mx\ry"), "<span class=\"f3\">y</span>");
    }

    #[test]
    fn palette_has_every_class() {
        let css = palette_css();
        assert!(
            css.contains(".log .f255{")
                && !css.contains(".log .g16{color")
                && css.contains(".log .g16{background:#000000}")
        );
    }
}
