//! Metric series files: `.git-exp/metrics/<key>.csv` with the header `step,value,time`, and
//! the one-to-one mapping between metric keys and those file names.

use std::collections::HashMap;

use serde::Serialize;

use super::record::METRICS_DIR;
use crate::git::{Oid, Repo};

/// How a `.` is written where it would end a directory name in `.csv` (see [`series_path`]).
/// Keys never contain `%`, so the escape cannot be confused with a key's own characters.
const ESCAPED_DOT: &str = "%2E";

/// The file of series `key` below `.git-exp/metrics/`: `<key>.csv`, except that a directory
/// component ending in `.csv` has that dot written `%2E`. Without the escape, keys `a` and
/// `a.csv/b` would both need a tree entry `a.csv` (a file and a directory). With it, only file
/// names end in `.csv`, and a file name is a whole key plus `.csv`, so no two keys share a path.
pub fn series_file_name(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 8);
    let mut segments = key.split('/').peekable();
    while let Some(segment) = segments.next() {
        if segments.peek().is_none() {
            out.push_str(segment);
            out.push_str(".csv");
        } else {
            match segment.strip_suffix(".csv") {
                Some(stem) => {
                    out.push_str(stem);
                    out.push_str(ESCAPED_DOT);
                    out.push_str("csv/");
                }
                None => {
                    out.push_str(segment);
                    out.push('/');
                }
            }
        }
    }
    out
}

/// Inverse of [`series_file_name`]; `None` for a name that is not a series file. Also maps the
/// layout before the escape (`a.csv/b.csv`) to its key, as the escape only changed such names.
pub fn series_key(file_name: &str) -> Option<String> {
    let stem = file_name.strip_suffix(".csv")?;
    Some(stem.replace(ESCAPED_DOT, "."))
}

/// Path of series `key` in a run tree.
pub fn series_path(key: &str) -> String {
    format!("{METRICS_DIR}/{}", series_file_name(key))
}

/// The bytes of series `key` in `tree`, also where a record from before the escape has it.
/// For a few keys; [`SeriesFiles`] for all of a run's.
pub fn read_series_file(repo: &Repo, tree: Oid, key: &str) -> crate::git::Result<Option<Vec<u8>>> {
    match repo.read_path(tree, &series_path(key))? {
        Some(bytes) => Ok(Some(bytes)),
        None if series_file_name(key) != format!("{key}.csv") => {
            repo.read_path(tree, &format!("{METRICS_DIR}/{key}.csv"))
        }
        None => Ok(None),
    }
}

/// The series files of one run tree by key, listed once: reading one series per key through a
/// path lookup would decode the whole metrics directory for each key (quadratic in the keys).
pub struct SeriesFiles {
    by_key: HashMap<String, Oid>,
}

impl SeriesFiles {
    /// Lists `.git-exp/metrics/` of `tree` (empty when the run has no metrics).
    pub fn list(repo: &Repo, tree: Oid) -> crate::git::Result<Self> {
        let mut by_key = HashMap::new();
        if let Some(dir) = repo.tree_at(tree, METRICS_DIR)? {
            for file in repo.list_files(dir)? {
                if let Some(key) = series_key(&file.path) {
                    by_key.insert(key, file.blob);
                }
            }
        }
        Ok(Self { by_key })
    }

    /// The bytes of series `key`, or `None` when the run has no file for it.
    pub fn read(&self, repo: &Repo, key: &str) -> crate::git::Result<Option<Vec<u8>>> {
        self.by_key.get(key).map(|id| repo.read_blob(*id)).transpose()
    }

    /// Series `key` opened for reading front to back (streamed when large).
    fn open(&self, repo: &Repo, key: &str) -> crate::git::Result<Option<Box<dyn std::io::BufRead>>> {
        self.by_key.get(key).map(|id| repo.open_blob(*id)).transpose()
    }
}

/// One point of a series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    pub step: i64,
    #[serde(with = "super::record::float")]
    pub value: f64,
    /// Unix seconds with millisecond precision.
    pub time: f64,
}

/// Parses a series file held in memory; rows that do not parse are reported by line number.
/// The bytes read as if through `String::from_utf8_lossy` (a byte that is not UTF-8 fails only
/// a field that holds it). A report parses every point of every run (10 M rows for 1,000 runs
/// of 10 series), so this walks the bytes once: no copy of each line, no UTF-8 pass first.
pub fn parse_series(bytes: &[u8]) -> Result<Vec<Point>, String> {
    let mut lines = bytes.split(|b| *b == b'\n');
    match lines.next() {
        Some(b"step,value,time") => {}
        first => {
            let found = first.unwrap_or_default();
            return Err(format!("expected the header `step,value,time`, found `{}`", String::from_utf8_lossy(found)));
        }
    }
    // Rows are about 35 bytes (`12,0.36787944117144233,1795428000.5`).
    let mut points = Vec::with_capacity(bytes.len() / 32);
    for (i, line) in lines.enumerate() {
        if line.is_empty() {
            continue;
        }
        let point = parse_lossy(line)
            .ok_or_else(|| format!("line {}: cannot parse `{}`", i + 2, String::from_utf8_lossy(line)))?;
        points.push(point);
    }
    Ok(points)
}

/// One row of a series file.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    /// A row as git-exp writes it: each field is exactly the text its writer prints for the
    /// number it reads as, so an export that prints the same forms can copy it.
    Stored(StoredRow<'a>),
    /// Any other row that reads as a point (a hand-edited `1.50`, a value of 17 digits).
    Parsed(Point),
}

impl Row<'_> {
    /// The point of any row (the tests compare readers by their points; the export prints rows).
    #[cfg(test)]
    pub fn point(&self) -> Point {
        match self {
            Row::Stored(row) => row.point(),
            Row::Parsed(point) => *point,
        }
    }
}

/// The fields of a [`Row::Stored`]: `step` as `i64` displays it, `value` as
/// [`crate::format::exact`] writes it, `time` as `{:.3}` prints it.
#[derive(Debug, Clone, Copy)]
pub struct StoredRow<'a> {
    pub step: &'a str,
    pub value: &'a str,
    pub time: &'a str,
}

impl<'a> StoredRow<'a> {
    /// The row, when every field is in the form its writer prints (`format::stored` decides from
    /// the characters alone, without parsing).
    fn new(line: &'a [u8]) -> Option<Self> {
        use crate::format::stored;
        // The commas found in one pass over the bytes, and the line checked as UTF-8 once (one
        // call costs more than its pass over 35 bytes): a comma is ASCII, so the fields are
        // slices at its character boundaries.
        let first = line.iter().position(|&b| b == b',')?;
        let second = first + 1 + line[first + 1..].iter().position(|&b| b == b',')?;
        let line = std::str::from_utf8(line).ok()?;
        let (step, value, time) = (line.get(..first)?, line.get(first + 1..second)?, line.get(second + 1..)?);
        (stored::is_integer(step) && stored::is_fixed3(time) && stored::is_exact(value)).then_some(Self {
            step,
            value,
            time,
        })
    }

    #[cfg(test)]
    pub fn point(&self) -> Point {
        point_of(self.step, self.value, self.time).expect("the fields of a stored row are numbers, checked by `new`")
    }

    /// The value alone, for a writer that copies the step and the time.
    pub fn value(&self) -> f64 {
        parse_value(self.value).expect("the value of a stored row is a number, checked by `new`")
    }
}

/// Reads a series file front to back: checks the header, then calls `each` with every row in
/// order (blank lines are skipped), reading in the pieces `reader` holds, so a series of any
/// length is never held whole. A file that does not read is `bad(detail)`, rows that do not
/// parse are named by line number; an error of `each` (a closed pipe) stops the reading.
pub fn read_rows<E>(
    mut reader: impl std::io::BufRead,
    bad: impl Fn(String) -> E,
    mut each: impl FnMut(Row<'_>) -> Result<(), E>,
) -> Result<(), E> {
    const HEADER: &[u8] = b"step,value,time";
    let lossy = |line: &[u8]| String::from_utf8_lossy(line).into_owned();
    let mut number = 0;
    let mut line = |text: &[u8]| {
        number += 1;
        if number == 1 {
            return match text {
                HEADER => Ok(()),
                other => Err(bad(format!("expected the header `step,value,time`, found `{}`", lossy(other)))),
            };
        }
        if text.is_empty() {
            return Ok(());
        }
        match StoredRow::new(text) {
            Some(row) => each(Row::Stored(row)),
            None => match parse_point(text) {
                Some(point) => each(Row::Parsed(point)),
                None => Err(bad(format!("line {number}: cannot parse `{}`", lossy(text)))),
            },
        }
    };
    // The part of a line that began in an earlier piece.
    let mut carry = Vec::new();
    let mut any_line = false;
    loop {
        let piece = match reader.fill_buf() {
            Ok([]) => break,
            Ok(piece) => piece,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(bad(error.to_string())),
        };
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', piece) {
            any_line = true;
            if carry.is_empty() {
                line(&piece[start..end])?;
            } else {
                carry.extend_from_slice(&piece[start..end]);
                line(&carry)?;
                carry.clear();
            }
            start = end + 1;
        }
        carry.extend_from_slice(&piece[start..]);
        let read = piece.len();
        reader.consume(read);
    }
    if !carry.is_empty() || !any_line {
        // The last line without its newline, or the header line of an empty file.
        line(&carry)?;
    }
    Ok(())
}

/// A row `step,value,time` of a streamed file: the whole row must be UTF-8.
fn parse_point(line: &[u8]) -> Option<Point> {
    parse_text(std::str::from_utf8(line).ok()?)
}

/// A row of a file read as text with `String::from_utf8_lossy`: a byte that is not UTF-8
/// becomes U+FFFD, so it only fails the row where a field holds it. Rows written by git-exp
/// are ASCII, hence UTF-8, and take the first branch.
fn parse_lossy(line: &[u8]) -> Option<Point> {
    // One UTF-8 check per row, not one per field (10 M rows in a large report).
    match std::str::from_utf8(line) {
        Ok(text) => parse_text(text),
        Err(_) => parse_text(&String::from_utf8_lossy(line)),
    }
}

/// The fields of a row; anything after a third comma is ignored.
fn parse_text(line: &str) -> Option<Point> {
    let mut fields = line.splitn(4, ',');
    point_of(fields.next()?, fields.next()?, fields.next()?)
}

fn point_of(step: &str, value: &str, time: &str) -> Option<Point> {
    Some(Point { step: step.parse().ok()?, value: parse_value(value)?, time: time.parse().ok()? })
}

fn parse_value(text: &str) -> Option<f64> {
    match text {
        "nan" => Some(f64::NAN),
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => text.parse().ok(),
    }
}

/// The series of one run, listed once ([`SeriesFiles`]), so reading all its keys stays linear.
pub struct RunSeries<'a> {
    store: &'a super::Store,
    id: String,
    files: SeriesFiles,
}

impl RunSeries<'_> {
    /// The raw file of series `key`, or `None` when the run has none.
    pub fn bytes(&self, key: &str) -> super::Result<Option<Vec<u8>>> {
        Ok(self.files.read(&self.store.repo, key)?)
    }

    /// Calls `each` with the rows of series `key` in order, read one piece of the stored file at
    /// a time, so a series of any length is read in the memory of that piece. Stops at the first
    /// error of `each` (a closed pipe) or of the file; errors name the run and the file.
    pub fn for_each_row<E: From<super::Error>>(
        &self,
        key: &str,
        each: impl FnMut(Row<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let path = series_path(key);
        let bad = |detail| E::from(super::Error::BadSeries { id: self.id.clone(), path: path.clone(), detail });
        let reader = self
            .files
            .open(&self.store.repo, key)
            .map_err(super::Error::from)?
            .ok_or_else(|| super::Error::NoSeries { id: self.id.clone(), path: path.clone() })?;
        read_rows(reader, bad, each)
    }
}

impl super::Store {
    /// The series files of `run`, listed once; read through [`RunSeries`].
    pub fn run_series(&self, run: &super::Run) -> super::Result<RunSeries<'_>> {
        let files = SeriesFiles::list(&self.repo, self.run_tree(run)?)?;
        Ok(RunSeries { store: self, id: run.id().to_string(), files })
    }

    /// The raw series file of metric `key` in a run's `tree`, if there is one (also where a
    /// record from before the file-name escape has it). For a few keys; [`Self::run_series`]
    /// for many.
    pub fn series_file(&self, tree: crate::git::Oid, key: &str) -> super::Result<Option<Vec<u8>>> {
        Ok(read_series_file(&self.repo, tree, key)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values_including_non_finite() {
        let points = parse_series(b"step,value,time\n0,1.5,10.000\n1,nan,10.5\n2,-inf,11\n").expect("valid");
        assert_eq!(points.len(), 3);
        assert!(points[1].value.is_nan());
        assert_eq!(points[2].value, f64::NEG_INFINITY);
    }

    #[test]
    fn series_file_names_are_one_to_one() {
        let keys = ["a", "a.csv", "a.csv/b", "a/b", "a.csv.csv/b.csv", "x/a.csv/b", "acsv/b"];
        let names: Vec<String> = keys.iter().map(|k| series_file_name(k)).collect();
        assert_eq!(names[..4], ["a.csv", "a.csv.csv", "a%2Ecsv/b.csv", "a/b.csv"]);
        assert_eq!(names[4], "a.csv%2Ecsv/b.csv.csv");
        for (key, name) in keys.iter().zip(&names) {
            // No directory component ends in `.csv`, so no file can be a directory of another.
            assert!(name.split('/').rev().skip(1).all(|dir| !dir.ends_with(".csv")), "{name}");
            if !key.contains('%') {
                assert_eq!(series_key(name).as_deref(), Some(*key));
            }
        }
        let unique: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        // The layout before the escape reads as the same key.
        assert_eq!(series_key("a.csv/b.csv").as_deref(), Some("a.csv/b"));
    }

    #[test]
    fn reports_bad_rows_by_line() {
        assert_eq!(parse_series(b"step,value,time\n0,x,1\n"), Err("line 2: cannot parse `0,x,1`".into()));
        assert!(parse_series(b"a,b\n").is_err());
    }

    /// What reports parsed before `parse_series`: the file read lossily as text, then the
    /// streaming parser over its lines.
    fn lossy_then_lines(bytes: &[u8]) -> Result<Vec<Point>, String> {
        let mut points = Vec::new();
        read_rows(
            String::from_utf8_lossy(bytes).as_bytes(),
            |detail| detail,
            |row| {
                points.push(row.point());
                Ok(())
            },
        )?;
        Ok(points)
    }

    #[test]
    fn bytes_parse_as_their_lossy_text_did() {
        let cases: [&[u8]; 14] = [
            b"",
            b"\n",
            b"step,value,time",
            b"step,value,time\r\n0,1,2\n",
            b"st\xffep,value,time\n",
            b"step,value,time\n0,0.36787944117144233,1795428000.5\n\n\n7,+1e-300,-3\n",
            b"step,value,time\n0,1,2,extra,fields\n1,2,3",
            b"step,value,time\n0,1,2,\xff\xfe\n",
            b"step,value,time\n0,1\xff,2\n",
            b"step,value,time\n\xff0,1,2\n",
            b"step,value,time\n0,1,2\n-5,inf,NaN\n+6,-inf,1e3\n",
            b"step,value,time\n0,1,2\n1,,3\n",
            b"step,value,time\n9223372036854775808,1,2\n",
            b"step,value,time\n0,1,2\r\n",
        ];
        for bytes in cases {
            let (new, old) = (parse_series(bytes), lossy_then_lines(bytes));
            // NaN != NaN: compare the bits.
            let bits = |r: &Result<Vec<Point>, String>| {
                r.clone().map(|p| p.iter().map(|p| (p.step, p.value.to_bits(), p.time.to_bits())).collect::<Vec<_>>())
            };
            assert_eq!(bits(&new), bits(&old), "{}", String::from_utf8_lossy(bytes));
        }
    }
}
