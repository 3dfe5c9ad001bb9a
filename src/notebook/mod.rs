//! Jupyter notebook diffs: the nbformat model and parser, cell alignment, the diff itself and
//! its renderings (terminal, JSON, HTML). `git exp nbdiff` and the HTML report both call it:
//!
//! ```ignore
//! let old = notebook::parse(&old_bytes)?;
//! let new = notebook::parse(&new_bytes)?;
//! let diff = notebook::diff(&old, &new, &notebook::Options::default());
//! notebook::render_terminal(&diff, &labels, &notebook::Palette::plain(), &mut out)?;
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

pub use diff::{CellDiff, Ignored, NotebookDiff, Options, OutputDiff, PartChange, PartDiff, Status, Summary, diff};
pub use error::Error;
pub use html::{STYLESHEET, render_html, render_html_fragment};
pub use json::to_json;
pub use lines::{DiffLine, Hunk, LineDiff, LineTag};
pub use model::{Cell, CellKind, Image, ImageInfo, MimeBundle, MimeData, Notebook, Output, OutputKind};
pub use parse::parse;
pub use terminal::{Palette, render_terminal};

/// How the two sides are named in every rendering (file names, `HEAD~1:nb.ipynb`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    pub old: String,
    pub new: String,
}
