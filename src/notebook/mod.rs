//! Jupyter notebook diffs: the nbformat model and parser, cell alignment, the diff itself and
//! its renderings (terminal, JSON, HTML). `git exp nbdiff` and the HTML report both call it:
//!
//! ```ignore
//! let old = notebook::parse(&old_bytes)?;
//! let new = notebook::parse(&new_bytes)?;
//! let diff = notebook::diff(&old, &new, &notebook::Options::default());
//! notebook::render_terminal(&diff, &labels, &notebook::Palette::default(), &mut out)?;
//! let page = notebook::render_html(&diff, &labels);            // a whole page
//! let part = notebook::render_html_fragment(&diff, &labels);   // inside the report
//! ```
//!
//! Nothing here touches git or the file system: callers bring bytes.

mod align;
mod diff;
mod error;
mod html;
mod imagesize;
mod json;
mod lines;
mod markdown;
mod model;
mod parse;
mod syntax;
mod terminal;
mod text;

pub use diff::{Ignored, Options, diff};
pub use error::Error;
pub use html::render_html;
pub use html::{STYLESHEET, render_html_fragment};
pub use json::to_json;
pub use model::Notebook;
pub use parse::parse;
pub use terminal::{Palette, render_terminal};

/// How the two sides are named in every rendering (file names, `HEAD~1:nb.ipynb`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    pub old: String,
    pub new: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every fixture, cut short and with bytes flipped: parsing may fail, but nothing panics,
    /// and whatever parses diffs and renders in all three forms.
    #[test]
    fn no_panics_on_damaged_notebooks() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notebooks");
        let labels = Labels { old: "a".into(), new: "b".into() };
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut parsed = 0;
        for entry in std::fs::read_dir(dir).expect("fixtures exist").flatten() {
            let bytes = std::fs::read(entry.path()).expect("fixture readable");
            let Ok(original) = parse(&bytes) else { continue };
            for round in 0..24 {
                let mut damaged = bytes.clone();
                if round % 2 == 0 {
                    damaged.truncate((next() as usize) % bytes.len());
                } else {
                    for _ in 0..4 {
                        let at = (next() as usize) % damaged.len();
                        const NASTY: &[u8] = b"{}[],:\"\\0a \n\x1b";
                        damaged[at] = NASTY[(next() as usize) % NASTY.len()];
                    }
                }
                let Ok(notebook) = parse(&damaged) else { continue };
                parsed += 1;
                let all = Options { outputs: true, metadata: true, volatile_metadata: true, execution_count: true };
                let diff = diff(&original, &notebook, &all);
                render_terminal(&diff, &labels, &Palette::colored(), &mut Vec::new()).expect("writes to memory");
                to_json(&diff, &labels);
                render_html(&diff, &labels);
            }
        }
        assert!(parsed > 20, "too few damaged notebooks still parsed ({parsed}) to mean anything");
    }
}
