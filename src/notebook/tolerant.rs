//! What Python's `json` (and so Jupyter) accepts but `serde_json` refuses, rewritten into JSON
//! that `serde_json` reads: `NaN`, `Infinity` and `-Infinity` become the strings `"NaN"`, ...;
//! lone UTF-16 surrogate escapes (`"\ud800"`) become U+FFFD; values nested deeper than
//! [`MAX_DEPTH`] become one string holding their JSON text, shown as it is. One pass over the
//! bytes, no recursion, so hostile input cannot blow the stack whatever its depth.

/// Nesting kept as JSON; deeper values become text. `serde_json` stops at 128.
const MAX_DEPTH: usize = 100;

/// Returns the rewritten document, or `None` when nothing needed rewriting.
pub(super) fn rewrite(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut changed = false;
    let mut depth = 0usize;
    let mut k = 0;
    while k < bytes.len() {
        let b = bytes[k];
        match b {
            b'"' => {
                k = copy_string(bytes, k, &mut out, &mut changed);
                continue;
            }
            b'{' | b'[' if depth + 1 > MAX_DEPTH => {
                let end = matching_end(bytes, k);
                let raw = String::from_utf8_lossy(&bytes[k..end]);
                // `to_string` of a `str` cannot fail: it is a JSON string literal.
                out.extend_from_slice(serde_json::to_string(&*raw).unwrap_or_default().as_bytes());
                changed = true;
                k = end;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if let Some((word, len)) = non_finite(&bytes[k..]) {
            out.push(b'"');
            out.extend_from_slice(word.as_bytes());
            out.push(b'"');
            changed = true;
            k += len;
            continue;
        }
        out.push(b);
        k += 1;
    }
    changed.then_some(out)
}

/// `NaN`, `Infinity` or `-Infinity` at the start of `rest`, with its length.
fn non_finite(rest: &[u8]) -> Option<(&'static str, usize)> {
    ["NaN", "Infinity", "-Infinity"].into_iter().find(|w| rest.starts_with(w.as_bytes())).map(|w| (w, w.len()))
}

/// Copies the string starting at `bytes[start]` (a `"`) to `out`, replacing lone surrogate
/// escapes by `\ufffd`; returns the index after its closing quote (or the end).
fn copy_string(bytes: &[u8], start: usize, out: &mut Vec<u8>, changed: &mut bool) -> usize {
    out.push(b'"');
    let mut k = start + 1;
    while k < bytes.len() {
        match bytes[k] {
            b'"' => {
                out.push(b'"');
                return k + 1;
            }
            b'\\' if bytes.get(k + 1) == Some(&b'u') => {
                let unit = hex4(bytes, k + 2);
                let next = hex4(bytes, k + 8).filter(|_| bytes.get(k + 6..k + 8) == Some(b"\\u"));
                match (unit, next) {
                    (Some(0xD800..=0xDBFF), Some(0xDC00..=0xDFFF)) => {
                        out.extend_from_slice(&bytes[k..k + 12]);
                        k += 12;
                    }
                    (Some(0xD800..=0xDFFF), _) => {
                        out.extend_from_slice(b"\\ufffd");
                        *changed = true;
                        k += 6;
                    }
                    _ => {
                        out.extend_from_slice(&bytes[k..k + 2]);
                        k += 2;
                    }
                }
            }
            b'\\' => {
                let end = (k + 2).min(bytes.len());
                out.extend_from_slice(&bytes[k..end]);
                k = end;
            }
            b => {
                out.push(b);
                k += 1;
            }
        }
    }
    k
}

/// The value of four hex digits at `bytes[at..at + 4]`.
fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = std::str::from_utf8(bytes.get(at..at + 4)?).ok()?;
    u32::from_str_radix(digits, 16).ok()
}

/// The index after the bracket that closes the one at `bytes[start]`, skipping strings (the end
/// of the input when it is never closed).
fn matching_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut k = start;
    let mut in_string = false;
    while k < bytes.len() {
        let b = bytes[k];
        if in_string {
            match b {
                b'\\' => k += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return k + 1;
                    }
                }
                _ => {}
            }
        }
        k += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    fn read(text: &str) -> serde_json::Value {
        let bytes = rewrite(text.as_bytes()).unwrap_or_else(|| text.as_bytes().to_vec());
        serde_json::from_slice(&bytes).expect("rewritten JSON parses")
    }

    #[test]
    fn python_json_extras() {
        assert_eq!(
            read(r#"{"a": NaN, "b": [Infinity, -Infinity, 1]}"#),
            serde_json::json!({"a": "NaN", "b": ["Infinity", "-Infinity", 1]})
        );
        assert_eq!(
            read(r#"["NaN stays", "\ud83d\ude00", "\ud800", "x\udc00y"]"#),
            serde_json::json!(["NaN stays", "😀", "\u{fffd}", "x\u{fffd}y"])
        );
        assert!(rewrite(br#"{"plain": [1, "\\u", "\"quoted\""]}"#).is_none(), "valid JSON is left alone");
    }

    #[test]
    fn deep_nesting_becomes_text() {
        let n = 100_000;
        let deep = format!(r#"{{"a": {}1{}}}"#, "[".repeat(n), "]".repeat(n));
        let value = read(&deep);
        let mut v = &value["a"];
        let mut levels = 1;
        while let Some(inner) = v.as_array().and_then(|a| a.first()) {
            v = inner;
            levels += 1;
        }
        assert!(levels <= 100, "{levels}");
        let text = serde_json::to_string(&value).unwrap_or_default();
        assert!(text.contains("\"[[[") && text.contains("1]]]"), "the deep part is its text");
        // Unclosed: the rest of the input becomes the text, and serde_json reports the error.
        assert!(rewrite(format!("[{}", "[".repeat(500)).as_bytes()).is_some());
    }
}
