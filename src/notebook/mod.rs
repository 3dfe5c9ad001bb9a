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
//! Nothing here touches git or the file system: callers bring bytes (or a reader).

mod align;
mod diff;
mod document;
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
mod tolerant;

pub use diff::{Ignored, Options, diff};
pub use error::Error;
pub use html::render_html;
pub use html::{STYLESHEET, render_html_fragment};
pub use json::to_json;
pub use model::Notebook;
pub use parse::{parse, parse_lean, parse_lean_from};
pub use terminal::{Palette, render_terminal, render_textconv};

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

/// Property tests: any bytes, and any JSON shaped more or less like a notebook, parse or fail
/// with an error; what parses diffs against another and renders in all three forms.
#[cfg(test)]
mod props {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[a-z #>*\\-\\[\\]()<>/\n]{0,24}",
            Just("<div><script>alert(1)</script>".to_owned()),
            Just("![a](attachment:a.png)\n| a | b |\n|---|---|\n| 1 | 2 |".to_owned()),
            Just("\u{1b}[31mred\u{1b}[0m\r\n".to_owned()),
            any::<String>(),
        ]
    }

    /// Any JSON value, a few levels deep.
    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            text().prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::btree_map("[a-z/_]{0,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A text field as nbformat writes it (string or list of lines) or something odd.
    fn multiline() -> impl Strategy<Value = Value> {
        prop_oneof![
            text().prop_map(Value::from),
            proptest::collection::vec(text(), 0..4).prop_map(Value::from),
            value(),
        ]
    }

    fn bundle() -> impl Strategy<Value = Value> {
        let mime = prop_oneof![
            Just("text/plain"),
            Just("text/html"),
            Just("text/markdown"),
            Just("image/png"),
            Just("image/svg+xml"),
            Just("application/json"),
            Just("application/vnd.weird"),
        ];
        proptest::collection::btree_map(mime, multiline(), 0..4)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
    }

    fn output() -> impl Strategy<Value = Value> {
        let kind = prop_oneof![
            Just("stream"),
            Just("execute_result"),
            Just("display_data"),
            Just("error"),
            Just("pyout"),
            Just("other"),
        ];
        (kind, multiline(), bundle(), value(), proptest::collection::vec(text(), 0..3)).prop_map(
            |(kind, text, data, count, traceback)| {
                json!({"output_type": kind, "name": "stdout", "text": text, "data": data, "png": "iVBORw0KGgo=",
                       "execution_count": count, "ename": "E", "evalue": "v", "traceback": traceback, "metadata": {}})
            },
        )
    }

    fn cell() -> impl Strategy<Value = Value> {
        let kind = prop_oneof![
            Just(json!("code")),
            Just(json!("markdown")),
            Just(json!("raw")),
            Just(json!("heading")),
            value()
        ];
        (kind, multiline(), proptest::collection::vec(output(), 0..3), value(), value(), bundle()).prop_map(
            |(kind, source, outputs, count, metadata, attachment)| {
                json!({"cell_type": kind, "source": source, "input": source, "outputs": outputs,
                       "execution_count": count, "metadata": metadata, "attachments": {"a.png": attachment}})
            },
        )
    }

    fn notebook() -> impl Strategy<Value = Vec<u8>> {
        let v4 = (proptest::collection::vec(cell(), 0..5), value()).prop_map(
            |(cells, metadata)| json!({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells}),
        );
        let v3 = proptest::collection::vec(cell(), 0..5)
            .prop_map(|cells| json!({"nbformat": 3, "worksheets": [{"cells": cells}], "metadata": {}}));
        prop_oneof![
            v4.prop_map(|v| v.to_string().into_bytes()),
            v3.prop_map(|v| v.to_string().into_bytes()),
            value().prop_map(|v| v.to_string().into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..256),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn notebooks_parse_diff_and_render_or_fail(a in notebook(), b in notebook()) {
            let labels = Labels { old: "a".into(), new: "b".into() };
            let (Ok(old), new) = (parse(&a), parse(&b)) else { return Ok(()) };
            let new = new.unwrap_or_else(|_| old.clone());
            for options in [
                Options::default(),
                Options { outputs: true, metadata: true, volatile_metadata: true, execution_count: true },
            ] {
                let diff = diff(&old, &new, &options);
                render_terminal(&diff, &labels, &Palette::colored(), &mut Vec::new()).expect("writes to memory");
                to_json(&diff, &labels);
                render_html(&diff, &labels);
                render_html_fragment(&diff, &labels);
            }
        }
    }
}
