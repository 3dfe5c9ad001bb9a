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
#[expect(unused_imports, reason = "the HTML report embeds notebook diffs (issue 5)")]
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
