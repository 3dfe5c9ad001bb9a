//! The listing index's bytes: a key dictionary, one typed row per run, the row of each run ref
//! in ref name order, then a CRC-32. Layout: docs/FORMAT.md "Listing index". Lengths, counts and
//! key numbers are LEB128 varints (one byte for almost all of them: a row of two params and two
//! metrics is a third smaller than with fixed `u32`s). Every read is bounds-checked; anything
//! that does not decode whole is rejected (the caller rebuilds the file).

use std::collections::HashMap;

use jiff::Timestamp;

use super::super::index::{check_order, put_order, status_code, status_from};
use super::super::record::{RunRecord, Status};
use crate::git::Oid;

pub const MAGIC: &[u8; 8] = b"gitexpls";
/// Bumped on any change of the layout (with the file name); a reader ignores other versions.
pub const VERSION: u32 = 3;

/// Caps that keep a corrupt length field from allocating before the CRC is checked.
const MAX_RUNS: u64 = 50_000_000;
const MAX_KEYS: u32 = 10_000_000;
/// The smallest possible row (a 20-byte commit and the fixed fields): a larger count is a lie.
const MIN_ROW: usize = 44;

/// Param value types as stored.
const TEXT: u8 = 0;
const INTEGER: u8 = 1;
const FLOAT: u8 = 2;
const BOOL: u8 = 3;
/// An array, an empty table, or a key two params flatten to: only the whole record can say.
const OTHER: u8 = 4;

/// The keys of params and metrics, each stored once; rows refer to them by number.
#[derive(Default)]
pub struct KeyDict {
    keys: Vec<String>,
    ids: HashMap<String, u32>,
}

impl KeyDict {
    pub fn from_keys(keys: Vec<String>) -> Self {
        let ids = keys.iter().enumerate().map(|(i, k)| (k.clone(), u32::try_from(i).unwrap_or(u32::MAX))).collect();
        Self { keys, ids }
    }

    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    pub fn id(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
        self.keys.push(key.to_owned());
        self.ids.insert(key.to_owned(), id);
        id
    }
}

/// Encodes one run's row (without its length prefix).
pub fn encode_row(commit: Oid, record: &RunRecord, dict: &mut KeyDict) -> Vec<u8> {
    let mut out = Vec::with_capacity(160);
    let commit = commit.as_bytes();
    out.push(u8::try_from(commit.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(commit);
    out.push(status_code(record.status));
    put_time(&mut out, record.started);
    match record.ended {
        Some(ended) => {
            out.push(1);
            put_time(&mut out, ended);
        }
        None => out.push(0),
    }
    match record.exit_code {
        Some(code) => {
            out.push(1);
            out.extend_from_slice(&code.to_le_bytes());
        }
        None => out.push(0),
    }
    out.push(u8::from(record.dirty));
    put_str(&mut out, record.id.as_str());
    put_str(&mut out, &record.name);
    put_str(&mut out, &record.note);
    // `base` is not stored (a 40-character id in every row): a query on it reads whole records.
    for text in [&record.branch, &record.sweep] {
        match text {
            Some(text) => {
                out.push(1);
                put_str(&mut out, text);
            }
            None => out.push(0),
        }
    }
    put_len(&mut out, record.tags.len());
    for tag in &record.tags {
        put_str(&mut out, tag);
    }
    let params = flat_params(record);
    put_len(&mut out, params.len());
    for (key, value) in params {
        put_varint(&mut out, u64::from(dict.id(&key)));
        put_param(&mut out, value);
    }
    put_len(&mut out, record.metrics.len());
    for (key, m) in &record.metrics {
        put_varint(&mut out, u64::from(dict.id(key)));
        put_varint(&mut out, m.count);
        put_rollups(&mut out, [m.first, m.last, m.min, m.max, m.mean]);
    }
    out
}

/// Where a rollup's value is in a row: stored after the shape byte, or the same as `first` or
/// `last` (compared bit for bit, so NaN and -0.0 come back as they were).
const STORED: u8 = 0;
const AS_FIRST: u8 = 1;
const AS_LAST: u8 = 2;

/// first, last, min, max, mean: a shape byte, two bits per rollup after `first` (last in the
/// lowest, mean in the highest) saying where each is, then `first` and each value stored as an
/// `f64`. A metric of one point takes 9 bytes instead of 40, a falling loss (max is first, min
/// is last) 25.
fn put_rollups(out: &mut Vec<u8>, [first, last, min, max, mean]: [f64; 5]) {
    let same = |a: f64, b: f64| a.to_bits() == b.to_bits();
    let code = |v: f64, may_be_last: bool| {
        if same(v, first) {
            AS_FIRST
        } else if may_be_last && same(v, last) {
            AS_LAST
        } else {
            STORED
        }
    };
    let codes = [code(last, false), code(min, true), code(max, true), code(mean, true)];
    out.push(codes.iter().enumerate().fold(0, |shape, (n, c)| shape | c << (2 * n)));
    out.extend_from_slice(&first.to_le_bytes());
    for (v, c) in [last, min, max, mean].into_iter().zip(codes) {
        if c == STORED {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
}

/// How many `f64`s follow a rollup shape byte (`first` and each rollup it says is stored);
/// `None` for a shape no writer makes (a code of 3, or `last` said to be itself).
fn stored_values(shape: u8) -> Option<usize> {
    (0..4).try_fold(1, |values, n| match (shape >> (2 * n)) & 3 {
        STORED => Some(values + 1),
        AS_FIRST => Some(values),
        AS_LAST if n > 0 => Some(values),
        _ => None,
    })
}

/// Params flattened to `a.b.c` keys as `query::flat_param_keys` names them; a key reached two
/// ways (`"a.b" = 1` beside `[a] b = 2`) keeps no value, so the record decides.
fn flat_params(record: &RunRecord) -> Vec<(String, Option<&toml::Value>)> {
    fn walk<'a>(
        path: &mut String,
        key: &str,
        value: &'a toml::Value,
        out: &mut Vec<(String, Option<&'a toml::Value>)>,
    ) {
        let len = path.len();
        if len > 0 {
            path.push('.');
        }
        path.push_str(key);
        match value {
            toml::Value::Table(table) if !table.is_empty() => {
                for (inner_key, inner) in table {
                    walk(path, inner_key, inner, out);
                }
            }
            _ => out.push((path.clone(), Some(value))),
        }
        path.truncate(len);
    }
    let mut out = Vec::new();
    let mut path = String::new();
    for (key, value) in &record.params {
        walk(&mut path, key, value, &mut out);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    let mut i = 1;
    while i < out.len() {
        if out[i].0 == out[i - 1].0 {
            out[i - 1].1 = None;
            out.remove(i);
        } else {
            i += 1;
        }
    }
    out
}

fn put_param(out: &mut Vec<u8>, value: Option<&toml::Value>) {
    match value {
        Some(toml::Value::String(s)) => {
            out.push(TEXT);
            put_str(out, s);
        }
        // The query engine reads a TOML date as its text.
        Some(toml::Value::Datetime(d)) => {
            out.push(TEXT);
            put_str(out, &d.to_string());
        }
        Some(toml::Value::Integer(i)) => {
            out.push(INTEGER);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Some(toml::Value::Float(f)) => {
            out.push(FLOAT);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Some(toml::Value::Boolean(b)) => {
            out.push(BOOL);
            out.push(u8::from(*b));
        }
        Some(toml::Value::Array(_) | toml::Value::Table(_)) | None => out.push(OTHER),
    }
}

/// The whole file: header, key dictionary, rows (each with its length), the row number of each
/// run ref in ref name order, CRC-32.
pub fn encode_file(keys: &[String], rows: &[&[u8]], order: &[u32]) -> Vec<u8> {
    let size: usize = rows.iter().map(|r| r.len() + 3).sum::<usize>() + keys.iter().map(|k| k.len() + 2).sum::<usize>();
    let mut out = Vec::with_capacity(size + order.len() * 4 + 40);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    put_len(&mut out, keys.len());
    for key in keys {
        put_str(&mut out, key);
    }
    out.extend_from_slice(&u64::try_from(rows.len()).unwrap_or(u64::MAX).to_le_bytes());
    for row in rows {
        put_len(&mut out, row.len());
        out.extend_from_slice(row);
    }
    put_order(&mut out, order);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Where the parts of a checked file are: key ranges and row ranges, as byte offsets, and where
/// the ref order's row numbers start and how many there are.
pub struct Layout {
    pub keys: Vec<(usize, usize)>,
    pub rows: Vec<(usize, usize)>,
    pub order: (usize, usize),
}

/// Checks a whole file (CRC, version, every row's bounds) and returns its layout; `None` for
/// anything else. Rows are decoded when read, not here: the CRC already vouches for the bytes,
/// and decoding 100,000 rows twice was a third of a listing.
pub fn check(bytes: &[u8]) -> Option<Layout> {
    let body_len = bytes.len().checked_sub(4)?;
    let (body, crc) = bytes.split_at_checked(body_len)?;
    if crc32fast::hash(body).to_le_bytes() != crc {
        return None;
    }
    let mut r = Reader { bytes: body, at: 0 };
    if r.take(MAGIC.len())? != MAGIC || r.u32()? != VERSION {
        return None;
    }
    let key_count = usize::try_from(r.varint()?).ok()?;
    if key_count > MAX_KEYS as usize || key_count > body.len() {
        return None;
    }
    let mut keys = Vec::with_capacity(key_count);
    for _ in 0..key_count {
        let len = r.len()?;
        let start = r.at;
        std::str::from_utf8(r.take(len)?).ok()?;
        keys.push((start, len));
    }
    let count = r.u64()?;
    if count > MAX_RUNS || usize::try_from(count).ok()? > body.len() / MIN_ROW {
        return None;
    }
    let mut rows = Vec::with_capacity(usize::try_from(count).ok()?);
    for _ in 0..count {
        let len = r.len()?;
        let start = r.at;
        if len < MIN_ROW {
            return None;
        }
        r.take(len)?;
        rows.push((start, len));
    }
    let order = check_order(&mut r, rows.len())?;
    (r.at == body.len()).then_some(Layout { keys, rows, order })
}

/// One run's row, its fields borrowed from the file.
#[derive(Debug, Clone)]
pub struct RowData<'a> {
    pub commit: Oid,
    pub status: Status,
    pub started: Timestamp,
    pub ended: Option<Timestamp>,
    pub exit_code: Option<i32>,
    pub dirty: bool,
    pub id: &'a str,
    pub name: &'a str,
    pub note: &'a str,
    pub branch: Option<&'a str>,
    pub sweep: Option<&'a str>,
    pub tag_count: u32,
    pub tags: &'a [u8],
    pub param_count: u32,
    pub params: &'a [u8],
    pub metric_count: u32,
    pub metrics: &'a [u8],
}

/// A param as stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'a> {
    Text(&'a str),
    Integer(i64),
    Float(f64),
    Bool(bool),
    /// Only the whole record can say (an array, an empty table, a key reached two ways).
    Other,
}

/// A metric's rollups as stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rollups {
    pub count: u64,
    pub first: f64,
    pub last: f64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

/// Decodes a row; `key_count` bounds its key numbers. `None` if anything is out of place.
pub fn decode_row(row: &[u8], key_count: u32) -> Option<RowData<'_>> {
    let mut r = Reader { bytes: row, at: 0 };
    let commit_len = r.take(1)?[0] as usize;
    let commit = crate::git::oid_from_bytes(r.take(commit_len)?)?;
    let status = status_from(r.take(1)?[0])?;
    let started = r.time()?;
    let ended = if r.flag()? { Some(r.time()?) } else { None };
    let exit_code = if r.flag()? { Some(r.i32()?) } else { None };
    let dirty = r.flag()?;
    let id = r.vstr()?;
    let name = r.vstr()?;
    let note = r.vstr()?;
    let mut opt = || if r.flag()? { r.vstr().map(Some) } else { Some(None) };
    let (branch, sweep) = (opt()?, opt()?);

    let tag_count = r.count()?;
    let start = r.at;
    for _ in 0..tag_count {
        r.vstr()?;
    }
    let tags = &row[start..r.at];
    let param_count = r.count()?;
    let start = r.at;
    for _ in 0..param_count {
        r.key(key_count)?;
        r.param()?;
    }
    let params = &row[start..r.at];
    let metric_count = r.count()?;
    let start = r.at;
    for _ in 0..metric_count {
        r.key(key_count)?;
        r.varint()?;
        let shape = r.take(1)?[0];
        r.take(8 * stored_values(shape)?)?;
    }
    let metrics = &row[start..r.at];
    (r.at == row.len()).then_some(RowData {
        commit,
        status,
        started,
        ended,
        exit_code,
        dirty,
        id,
        name,
        note,
        branch,
        sweep,
        tag_count,
        tags,
        param_count,
        params,
        metric_count,
        metrics,
    })
}

impl<'a> RowData<'a> {
    pub fn tags(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let mut r = Reader { bytes: self.tags, at: 0 };
        (0..self.tag_count).map_while(move |_| r.vstr())
    }

    /// Every param as (key number, value), in key order.
    pub fn params(&self) -> impl Iterator<Item = (u32, Param<'a>)> + use<'a> {
        let mut r = Reader { bytes: self.params, at: 0 };
        (0..self.param_count).map_while(move |_| Some((r.key(u32::MAX)?, r.param()?)))
    }

    /// Every metric as (key number, rollups).
    pub fn metrics(&self) -> impl Iterator<Item = (u32, Rollups)> + use<'a> {
        let mut r = Reader { bytes: self.metrics, at: 0 };
        (0..self.metric_count).map_while(move |_| {
            let key = r.key(u32::MAX)?;
            let count = r.varint()?;
            let [first, last, min, max, mean] = r.rollups()?;
            Some((key, Rollups { count, first, last, min, max, mean }))
        })
    }
}

/// LEB128: seven bits a byte, low first, the high bit set on every byte but the last.
fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push(u8::try_from(n & 0x7f).unwrap_or(0) | 0x80);
        n >>= 7;
    }
    out.push(u8::try_from(n).unwrap_or(0));
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    put_varint(out, u64::try_from(n).unwrap_or(u64::MAX));
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_len(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

fn put_time(out: &mut Vec<u8>, t: Timestamp) {
    out.extend_from_slice(&t.as_second().to_le_bytes());
    out.extend_from_slice(&t.subsec_nanosecond().to_le_bytes());
}

/// A cursor over bytes whose every read is bounds-checked (the run index reads with it too).
pub(in crate::store) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(in crate::store) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    /// How many bytes have been read.
    pub(in crate::store) fn position(&self) -> usize {
        self.at
    }

    /// Every byte has been read.
    pub(in crate::store) fn at_end(&self) -> bool {
        self.at == self.bytes.len()
    }

    pub(in crate::store) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let out = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(out)
    }

    pub(in crate::store) fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    pub(in crate::store) fn flag(&mut self) -> Option<bool> {
        match self.take(1)?[0] {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    pub(in crate::store) fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub(in crate::store) fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    pub(in crate::store) fn i32(&mut self) -> Option<i32> {
        self.array().map(i32::from_le_bytes)
    }

    pub(in crate::store) fn i64(&mut self) -> Option<i64> {
        self.array().map(i64::from_le_bytes)
    }

    pub(in crate::store) fn f64(&mut self) -> Option<f64> {
        self.array().map(f64::from_le_bytes)
    }

    pub(in crate::store) fn time(&mut self) -> Option<Timestamp> {
        Timestamp::new(self.i64()?, self.i32()?).ok()
    }

    pub(in crate::store) fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    /// Bytes after their u32 length.
    pub(in crate::store) fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = self.u32()? as usize;
        self.take(len)
    }

    /// A LEB128 varint (at most ten bytes).
    pub(in crate::store) fn varint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    /// A varint length or count that fits in what is left (so it cannot make a loop spin).
    fn len(&mut self) -> Option<usize> {
        usize::try_from(self.varint()?).ok().filter(|&n| n <= self.bytes.len() - self.at)
    }

    fn count(&mut self) -> Option<u32> {
        self.len().and_then(|n| u32::try_from(n).ok())
    }

    /// A key number below `key_count`.
    fn key(&mut self, key_count: u32) -> Option<u32> {
        u32::try_from(self.varint()?).ok().filter(|&k| k < key_count)
    }

    /// Text after its varint length.
    fn vstr(&mut self) -> Option<&'a str> {
        let len = self.len()?;
        std::str::from_utf8(self.take(len)?).ok()
    }

    /// first, last, min, max, mean as `put_rollups` writes them; `None` for a shape it does not
    /// write.
    fn rollups(&mut self) -> Option<[f64; 5]> {
        let shape = self.take(1)?[0];
        stored_values(shape)?;
        let mut out = [self.f64()?; 5];
        for n in 0..4 {
            out[n + 1] = match (shape >> (2 * n)) & 3 {
                STORED => self.f64()?,
                AS_FIRST => out[0],
                _ => out[1], // AS_LAST, checked by `stored_values`: `last` is read first
            };
        }
        Some(out)
    }

    fn param(&mut self) -> Option<Param<'a>> {
        Some(match self.take(1)?[0] {
            TEXT => Param::Text(self.vstr()?),
            INTEGER => Param::Integer(self.i64()?),
            FLOAT => Param::Float(self.f64()?),
            BOOL => Param::Bool(self.flag()?),
            OTHER => Param::Other,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(toml: &str) -> RunRecord {
        let head = "schema = 1\nid = \"abcd0001\"\nname = \"r\"\nstatus = \"completed\"\ncommand = []\ncwd = \".\"\n\
                    started = \"2026-11-23T10:00:00.250Z\"\ntags = [\"best\", \"ünï\"]\n";
        RunRecord::from_toml(&format!("{head}{toml}")).expect("a valid record")
    }

    #[test]
    fn rows_round_trip_and_damage_is_rejected() {
        let rec = record(
            "[params]\nlr = 0.1\nn = 3\nname = \"x\"\nok = true\nl = [1]\n\"a.b\" = 1\n[params.a]\nb = 2\nc = 3\n\
             [metrics.acc]\ncount = 2\nfirst_step = 0\nlast_step = 1\nfirst = 0.5\nlast = 0.75\nmin = 0.5\nmax = 0.75\nmean = 0.625\n",
        );
        let mut dict = KeyDict::default();
        let commit = gix::ObjectId::from_bytes_or_panic(&[7; 20]);
        let row = encode_row(commit, &rec, &mut dict);
        let bytes = encode_file(dict.keys(), &[&row, &row], &[1, 0]);
        let layout = check(&bytes).expect("a file just written reads back");
        assert_eq!((layout.rows.len(), layout.order.1), (2, 2));
        let (start, len) = layout.rows[0];
        let data = decode_row(&bytes[start..start + len], 8).expect("row");
        assert_eq!((data.commit, data.id, data.name, data.status), (commit, "abcd0001", "r", Status::Completed));
        assert_eq!(data.started, rec.started);
        assert_eq!(data.tags().collect::<Vec<_>>(), ["best", "ünï"]);
        let params: Vec<(String, Param<'_>)> =
            data.params().map(|(k, v)| (dict.keys()[k as usize].clone(), v)).collect();
        let expected = [
            ("a.b", Param::Other), // `"a.b" = 1` and `[a] b = 2`: only the record can say
            ("a.c", Param::Integer(3)),
            ("l", Param::Other),
            ("lr", Param::Float(0.1)),
            ("n", Param::Integer(3)),
            ("name", Param::Text("x")),
            ("ok", Param::Bool(true)),
        ];
        assert_eq!(params, expected.map(|(k, v)| (k.to_owned(), v)));
        let metrics: Vec<_> = data.metrics().collect();
        assert_eq!(metrics.len(), 1);
        assert_eq!((metrics[0].1.count, metrics[0].1.last, metrics[0].1.mean), (2, 0.75, 0.625));
        // min is first, max is last: 1 shape byte and 3 values instead of 5 values.
        assert_eq!(data.metrics.len(), 1 + 1 + 1 + 8 * 3);

        for cut in 0..bytes.len() {
            assert!(check(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x40;
            assert!(check(&damaged).is_none(), "flipped byte {at}");
        }
        // A row whose key number is past the dictionary (a writer's bug under a valid CRC) passes
        // the file's check and is refused when decoded, which `ls` then reports.
        let file = encode_file(&[], &[&row], &[]);
        let layout = check(&file).expect("the bounds hold");
        let (start, len) = layout.rows[0];
        assert!(decode_row(&file[start..start + len], 0).is_none());
        assert!(check(&encode_file(&[], &[], &[])).is_some());
        // A ref order naming a row past the end is refused.
        assert!(check(&encode_file(dict.keys(), &[&row], &[1])).is_none());
        // A shape code no writer uses (3, or `last` as itself) is refused.
        for shape in [0b11, 0b10, 0b1100_0000] {
            let mut bytes = vec![shape];
            bytes.extend_from_slice(&[0; 40]);
            assert_eq!(Reader::new(&bytes).rollups(), None, "shape {shape:#b}");
        }
        let mut out = Vec::new();
        for n in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            out.clear();
            put_varint(&mut out, n);
            assert_eq!(Reader::new(&out).varint(), Some(n));
        }
    }

    #[test]
    fn rollups_read_back_bit_for_bit_whichever_repeat() {
        let values = [0.5, -0.0, 0.0, f64::NAN, -f64::NAN, f64::INFINITY, 1e-310, 0.75];
        let mut checked = 0;
        for first in values {
            for last in values {
                for min in values {
                    for max in [first, last, 2.5] {
                        for mean in [first, last, min, 0.625] {
                            let rollups = [first, last, min, max, mean];
                            let mut out = Vec::new();
                            put_rollups(&mut out, rollups);
                            let mut r = Reader::new(&out);
                            let back = r.rollups().expect("reads back");
                            assert!(r.at_end());
                            assert_eq!(back.map(f64::to_bits), rollups.map(f64::to_bits), "{rollups:?}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 8 * 8 * 8 * 3 * 4);
    }
}
