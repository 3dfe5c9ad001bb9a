//! The notebook as the diff sees it: nbformat 3 and 4 read into one shape, with multi-line
//! strings joined and images reduced to a digest so that equal images compare in O(1).

use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

/// A parsed notebook (nbformat 4, or 3 converted on the fly).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Notebook {
    pub nbformat: u64,
    pub nbformat_minor: u64,
    pub metadata: Map<String, Value>,
    pub cells: Vec<Cell>,
}

impl Notebook {
    /// The language of code cells as the notebook declares it (`python` when it does not say).
    pub fn language(&self) -> &str {
        let info = self.metadata.get("language_info").and_then(|i| i.get("name"));
        let spec = self.metadata.get("kernelspec").and_then(|k| k.get("language"));
        info.or(spec).and_then(Value::as_str).unwrap_or("python")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CellKind {
    Code,
    Markdown,
    Raw,
    /// A cell type this version does not know; kept and shown under its own name.
    Other(String),
}

impl CellKind {
    pub fn as_str(&self) -> &str {
        match self {
            CellKind::Code => "code",
            CellKind::Markdown => "markdown",
            CellKind::Raw => "raw",
            CellKind::Other(name) => name,
        }
    }

    pub(super) fn from_name(name: &str) -> Self {
        match name {
            "code" => CellKind::Code,
            "markdown" => CellKind::Markdown,
            "raw" => CellKind::Raw,
            other => CellKind::Other(other.to_owned()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// nbformat 4.5 cell id; absent in older notebooks.
    pub id: Option<String>,
    pub kind: CellKind,
    pub source: String,
    pub execution_count: Option<i64>,
    pub metadata: Map<String, Value>,
    pub outputs: Vec<Output>,
    /// Files embedded in markdown cells (`![](attachment:name)`), by name.
    pub attachments: Vec<(String, MimeBundle)>,
}

impl Cell {
    /// Frees the base64 text of every image, keeping digest, size and validity: the text and
    /// JSON renderings need no more, and images are most of a notebook's bytes
    /// ([`super::parse_lean`] calls it on each cell as it is read).
    pub fn drop_image_data(&mut self) {
        let outputs = self.outputs.iter_mut().map(|o| &mut o.data);
        for bundle in outputs.chain(self.attachments.iter_mut().map(|(_, b)| b)) {
            for (_, data) in &mut bundle.0 {
                if let MimeData::Image(image) = data {
                    image.drop_data();
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub kind: OutputKind,
    /// Only `execute_result` outputs carry one.
    pub execution_count: Option<i64>,
    pub data: MimeBundle,
    pub metadata: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OutputKind {
    Stream {
        name: String,
        text: String,
    },
    DisplayData,
    ExecuteResult,
    Error {
        ename: String,
        evalue: String,
        traceback: Vec<String>,
    },
    /// An output type this version does not know: its fields besides `output_type` and
    /// `metadata`, shown as JSON.
    Other {
        output_type: String,
        fields: Value,
    },
}

impl Output {
    /// The nbformat 4 name of the output type.
    pub fn output_type(&self) -> &str {
        match &self.kind {
            OutputKind::Stream { .. } => "stream",
            OutputKind::DisplayData => "display_data",
            OutputKind::ExecuteResult => "execute_result",
            OutputKind::Error { .. } => "error",
            OutputKind::Other { output_type, .. } => output_type,
        }
    }

    /// A short label: `stream stdout`, `error NameError`, `execute_result`.
    pub fn label(&self) -> String {
        match &self.kind {
            OutputKind::Stream { name, .. } => format!("stream {name}"),
            OutputKind::Error { ename, .. } => format!("error {ename}"),
            _ => self.output_type().to_owned(),
        }
    }
}

/// Representations of one value keyed by mime type, in the order the notebook lists them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MimeBundle(pub Vec<(String, MimeData)>);

impl MimeBundle {
    pub fn get(&self, mime: &str) -> Option<&MimeData> {
        self.0.iter().find(|(m, _)| m == mime).map(|(_, d)| d)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum MimeData {
    Text(String),
    /// `application/json` and `*+json` values, kept as JSON (key order does not matter).
    Json(Value),
    Image(Image),
}

/// A base64-encoded binary output. Compared by digest, never diffed byte by byte.
#[derive(Debug, Clone)]
pub struct Image {
    /// The base64 text with whitespace removed (ready for a `data:` URL); empty once
    /// [`Cell::drop_image_data`] kept only what the text and JSON renderings need.
    pub base64: String,
    /// SHA-256 of `base64`: equal images have equal digests whatever their line wrapping.
    pub digest: [u8; 32],
    /// Length of `base64`, kept when the text is dropped.
    pub base64_len: usize,
    /// What decoding told, once the text is dropped.
    kept_info: Option<ImageInfo>,
}

impl PartialEq for Image {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest
    }
}

/// What decoding an image's base64 tells about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// Decoded size in bytes, `None` when the base64 is broken (truncated, bad characters).
    pub bytes: Option<usize>,
    /// Width and height, read from PNG, JPEG or GIF headers.
    pub size: Option<(u32, u32)>,
    /// The base64 decodes and, for PNG, JPEG and GIF, the data is not cut short.
    pub valid: bool,
}

impl Image {
    pub(super) fn new(text: String) -> Self {
        // Images are most of a notebook's bytes: find whitespace with memchr's vectorised scan.
        let bytes = text.as_bytes();
        let has_space = memchr::memchr3(b'\n', b'\r', b' ', bytes).is_some() || memchr::memchr(b'\t', bytes).is_some();
        let base64 = if has_space { text.chars().filter(|c| !c.is_ascii_whitespace()).collect() } else { text };
        let digest = Sha256::digest(base64.as_bytes()).into();
        Self { base64_len: base64.len(), base64, digest, kept_info: None }
    }

    /// An image from base64 text borrowed from the document. Without `keep`, the text is not
    /// copied at all: only digest, length and what decoding tells are kept (as after
    /// [`Cell::drop_image_data`]), so reading a notebook allocates nothing per image.
    pub(super) fn from_text(text: &str, keep: bool) -> Self {
        let bytes = text.as_bytes();
        let has_space = memchr::memchr3(b'\n', b'\r', b' ', bytes).is_some() || memchr::memchr(b'\t', bytes).is_some();
        if keep || has_space {
            let mut image = Self::new(text.to_owned());
            if !keep {
                image.drop_data();
            }
            return image;
        }
        let digest = Sha256::digest(bytes).into();
        Self { base64: String::new(), digest, base64_len: text.len(), kept_info: Some(Self::decode_info(text)) }
    }

    /// Decodes once for [`Image::info`] and frees the base64 text.
    fn drop_data(&mut self) {
        if self.kept_info.is_none() {
            self.kept_info = Some(self.info());
            self.base64 = String::new();
        }
    }

    /// The first 12 hex digits of the digest, enough to tell images apart in a summary.
    pub fn short_digest(&self) -> String {
        hex::encode(&self.digest[..6])
    }

    /// Decodes the image to learn its size; only called for images that are shown.
    pub fn info(&self) -> ImageInfo {
        match self.kept_info {
            Some(info) => info,
            None => Self::decode_info(&self.base64),
        }
    }

    /// What decoding `base64` tells. The decoded bytes go to one buffer per thread, reused:
    /// a notebook's images are decoded one after another, and a fresh buffer for each would
    /// leave the allocator holding pages for all of them.
    fn decode_info(base64: &str) -> ImageInfo {
        use base64::Engine as _;
        thread_local! {
            static DECODED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        DECODED.with_borrow_mut(|bytes| {
            bytes.clear();
            let info = match base64::engine::general_purpose::STANDARD.decode_vec(base64.as_bytes(), bytes) {
                Ok(()) => ImageInfo {
                    bytes: Some(bytes.len()),
                    size: super::imagesize::dimensions(bytes),
                    valid: !super::imagesize::truncated(bytes),
                },
                Err(_) => ImageInfo { bytes: None, size: None, valid: false },
            };
            // Keep the buffer for the next image unless it was unusually large.
            if bytes.capacity() > 4 << 20 {
                *bytes = Vec::new();
            }
            info
        })
    }

    /// True when the base64 decodes to a whole image; a truncated image is shown as such
    /// instead of a broken picture.
    pub fn is_valid(&self) -> bool {
        self.info().valid
    }
}

/// Returns true for mime types whose notebook value is base64 text, as nbformat defines them:
/// images other than SVG, audio, video and PDF.
pub(super) fn is_binary_mime(mime: &str) -> bool {
    (mime.starts_with("image/") && mime != "image/svg+xml")
        || mime.starts_with("audio/")
        || mime.starts_with("video/")
        || mime == "application/pdf"
}
