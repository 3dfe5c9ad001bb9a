//! `git exp metrics --format json`: `{"key": [{"step", "value", "time"}, …], …}` byte for byte as
//! serde_json's pretty printer writes it, one point at a time into one buffer.

use std::io::Write;

use serde_json::ser::Formatter as _;

use super::EachRow;
use crate::format::stored;
use crate::store::Row;

/// Output is handed to the stream in pieces of about this size.
const PIECE: usize = 64 * 1024;

pub(super) fn write(out: &mut dyn Write, keys: &[String], each_row: &EachRow<'_>) -> anyhow::Result<()> {
    let mut buf = Vec::with_capacity(PIECE + 1024);
    let written = write_keys(out, &mut buf, keys, each_row);
    // What was written before an error is printed with it.
    let flushed = out.write_all(&buf);
    written?;
    Ok(flushed?)
}

fn write_keys(out: &mut dyn Write, buf: &mut Vec<u8>, keys: &[String], each_row: &EachRow<'_>) -> anyhow::Result<()> {
    buf.push(b'{');
    for (n, key) in keys.iter().enumerate() {
        buf.extend_from_slice(if n == 0 { b"\n  " } else { b",\n  " });
        serde_json::to_writer(&mut *buf, key)?;
        buf.extend_from_slice(b": [");
        let mut empty = true;
        each_row(key, &mut |row| {
            buf.extend_from_slice(if empty { b"\n    {\n      \"step\": " } else { b",\n    {\n      \"step\": " });
            empty = false;
            point(buf, &row)?;
            buf.extend_from_slice(b"\n    }");
            if buf.len() >= PIECE {
                out.write_all(buf)?;
                buf.clear();
            }
            Ok(())
        })?;
        buf.extend_from_slice(if empty { b"]" } else { b"\n  ]" });
    }
    buf.extend_from_slice(if keys.is_empty() { b"}\n" } else { b"\n}\n" });
    Ok(())
}

/// The fields of one point after `"step": `: a stored row's texts where serde_json prints the
/// same digits, else the point as serde_json serialises it.
fn point(buf: &mut Vec<u8>, row: &Row<'_>) -> std::io::Result<()> {
    match row {
        Row::Stored(stored) => {
            buf.extend_from_slice(stored.step.as_bytes());
            buf.extend_from_slice(b",\n      \"value\": ");
            if !stored::json_of_exact(stored.value, buf) {
                value(buf, stored.value())?;
            }
            buf.extend_from_slice(b",\n      \"time\": ");
            stored::json_of_fixed3(stored.time, buf);
        }
        Row::Parsed(point) => {
            // serde_json writes integers in decimal, as Display does.
            write!(buf, "{}", point.step)?;
            buf.extend_from_slice(b",\n      \"value\": ");
            value(buf, point.value)?;
            buf.extend_from_slice(b",\n      \"time\": ");
            if point.time.is_finite() {
                serde_json::ser::CompactFormatter.write_f64(buf, point.time)?;
            } else {
                // serde_json's serialisation of a non-finite f64.
                buf.extend_from_slice(b"null");
            }
        }
    }
    Ok(())
}

/// A value as `store::record::float` serialises it: a number, or its name as a string.
fn value(buf: &mut Vec<u8>, value: f64) -> std::io::Result<()> {
    if value.is_finite() {
        serde_json::ser::CompactFormatter.write_f64(buf, value)
    } else {
        buf.push(b'"');
        buf.extend_from_slice(crate::store::record::float::name(value).as_bytes());
        buf.push(b'"');
        Ok(())
    }
}
