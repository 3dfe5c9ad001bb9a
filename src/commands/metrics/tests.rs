//! The export against the code it replaced, which parsed and printed every point: the same bytes
//! for every format, for stored rows, other spellings, blank lines and bad rows.

use anstyle::Style;
use proptest::prelude::*;
use serde::Serialize;
use serde::ser::{SerializeMap as _, SerializeSeq as _};

use crate::store::Point;
use crate::ui::{Format, RowWriter, Widths};

/// The reader before: header, then every line parsed (blank lines skipped), stopping at the
/// first that does not parse.
fn old_points(text: &str, mut each: impl FnMut(Point) -> std::io::Result<()>) -> Result<(), String> {
    let mut lines = text.split_inclusive('\n').map(|l| l.strip_suffix('\n').unwrap_or(l));
    let header = lines.next().unwrap_or("");
    if header != "step,value,time" {
        return Err(format!("expected the header `step,value,time`, found `{header}`"));
    }
    for (n, line) in lines.enumerate() {
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split(',');
        let value = |t: &str| match t {
            "nan" => Some(f64::NAN),
            "inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            _ => t.parse().ok(),
        };
        let point = (|| {
            Some(Point {
                step: fields.next()?.parse().ok()?,
                value: value(fields.next()?)?,
                time: fields.next()?.parse().ok()?,
            })
        })();
        let point = point.ok_or_else(|| format!("line {}: cannot parse `{line}`", n + 2))?;
        each(point).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `git exp metrics --format json` before: serde_json's pretty printer over the parsed points.
fn old_json(files: &[(String, String)]) -> (Vec<u8>, bool) {
    struct Series<'a>(&'a [(String, String)]);
    struct Points<'a>(&'a str);
    impl Serialize for Series<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(self.0.len()))?;
            for (key, text) in self.0 {
                map.serialize_entry(key, &Points(text))?;
            }
            map.end()
        }
    }
    impl Serialize for Points<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(None)?;
            let mut failed = None;
            let read = old_points(self.0, |p| {
                seq.serialize_element(&p).map_err(|e| {
                    failed = Some(e);
                    std::io::Error::other("write")
                })
            });
            if let Some(e) = failed {
                return Err(e);
            }
            match read {
                Ok(()) => seq.end(),
                Err(detail) => Err(serde::ser::Error::custom(detail)),
            }
        }
    }
    let mut out = Vec::new();
    let mut json = serde_json::Serializer::pretty(&mut out);
    let ok = Series(files).serialize(&mut json).is_ok();
    if ok {
        out.push(b'\n');
    }
    (out, ok)
}

/// The tables before: every row's cells formatted, written through `RowWriter`.
fn old_rows(files: &[(String, String)], format: Format) -> (Vec<u8>, bool) {
    let columns: &[&str] = if files.len() > 1 { &["key", "step", "value", "time"] } else { &["step", "value", "time"] };
    let value = match format {
        Format::Table | Format::Md => crate::format::number,
        _ => crate::format::exact,
    };
    let cells = |key: &str, p: Point| {
        let row = [key.to_owned(), p.step.to_string(), value(p.value), format!("{:.3}", p.time)];
        row.into_iter().skip(4 - columns.len()).collect::<Vec<String>>()
    };
    let mut widths = Widths::of_columns(columns);
    if format == Format::Table {
        for (key, text) in files {
            if old_points(text, |p| {
                widths.measure(&cells(key, p).iter().map(String::as_str).collect::<Vec<_>>());
                Ok(())
            })
            .is_err()
            {
                return (Vec::new(), false);
            }
        }
    }
    let mut out = Vec::new();
    let mut rows = RowWriter::new(format, columns, widths, Style::new(), &mut out).unwrap();
    let mut ok = true;
    for (key, text) in files {
        ok = old_points(text, |p| rows.row(&cells(key, p).iter().map(String::as_str).collect::<Vec<_>>())).is_ok();
        if !ok {
            break;
        }
    }
    rows.finish().unwrap();
    (out, ok)
}

fn new_output(files: &[(String, String)], format: Format) -> (Vec<u8>, bool) {
    let keys: Vec<String> = files.iter().map(|(k, _)| k.clone()).collect();
    let each_row = |key: &str, each: &mut dyn FnMut(crate::store::Row<'_>) -> anyhow::Result<()>| {
        let text = &files.iter().find(|(k, _)| k == key).expect("a key of the files").1;
        crate::store::read_rows(text.as_bytes(), |detail| anyhow::anyhow!(detail), each)
    };
    let mut out = Vec::new();
    let ok = match format {
        Format::Json => super::json::write(&mut out, &keys, &each_row).is_ok(),
        format => super::rows::write(&mut out, Style::new(), format, &keys, &each_row).is_ok(),
    };
    (out, ok)
}

fn same_as_before(files: &[(String, String)]) {
    for format in Format::ALL.iter().copied() {
        let before = if format == Format::Json { old_json(files) } else { old_rows(files, format) };
        let (out, ok) = new_output(files, format);
        assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(&before.0), "{format:?} of {files:?}");
        assert_eq!(ok, before.1, "{format:?} of {files:?}");
    }
}

fn series(rows: &[&str]) -> String {
    let mut text = String::from("step,value,time\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

#[test]
fn stored_rows_and_other_spellings_print_as_before() {
    let stored =
        series(&["0,0.5,1795428060.000", "1,nan,1795428060.125", "2,-inf,0.000", "3,1e-7,12.500", "4,1e16,1.001"]);
    let other = series(&[
        "1,1.50,10.5",
        "+2,3,4",
        "007,1e5,3",
        "5,0.1000000000000000055511151231257827,1.0000",
        "6,0.30000000000000004,NaN",
        "7,-0,0.000",
        "8,1e-5,-1.000",
        "9,123456789.123456,99999999999999.999",
        "",
        "10,inf,1",
        "11,-inf,2,extra",
        "12,1e300,1e20",
        "13,5e-324,0",
        "-14,-2.5e-5,1795428060.001",
        "15,1234567,inf",
        "16,0.0001234,-0.000",
        "17,99999.95,1e-3",
        "18,0.30000000000000004,1.000",
        "19,562949953421312.2,1.000",
        "20,562949953421312.3,1.000",
        "21,9.9999996123456789e-7,1.000",
        "22,1.2345678901234567e20,1.000",
        "23,1.2345678901234567e+20,1.000",
        "24,5e-324,1.000",
        "25,1e-310,1.000",
        "26,-0.0,1.000",
        "27,0.000012345678901234567,1.000",
        "28,1.2345678901234567E5,1.000",
        "29,+0.30000000000000004,1.000",
        "30,0.99999996123456789,1.000",
        "31,0.1000000000000000055511151231257827,1.000",
        "32,1.5e-5,1.000",
        "33,1.2345678901234567e-5,1.000",
    ]);
    let no_newline = "step,value,time\n0,1,2.000\n1,2,3.000".to_owned();
    same_as_before(&[("loss".into(), stored.clone())]);
    same_as_before(&[("loss".into(), other.clone())]);
    same_as_before(&[("loss".into(), no_newline.clone())]);
    same_as_before(&[("loss".into(), series(&[]))]);
    // Several keys, one of them needing quotes, escapes or wide characters in each format.
    same_as_before(&[
        ("a,b|c".into(), stored.clone()),
        ("train/loss".into(), other.clone()),
        ("é\u{1b}x".into(), no_newline),
        ("empty".into(), series(&[])),
    ]);
    same_as_before(&[]);
}

#[test]
fn bad_files_fail_as_before_after_the_same_rows() {
    same_as_before(&[("loss".into(), series(&["0,1,2.000", "1,x,3.000", "2,3,4.000"]))]);
    same_as_before(&[("loss".into(), series(&["0,1,2.000\r"]))]);
    same_as_before(&[("loss".into(), "step,value\n0,1\n".into())]);
    same_as_before(&[("loss".into(), String::new())]);
    same_as_before(&[("a".into(), series(&["0,1,2.000"])), ("b".into(), series(&["0,1"]))]);
}

/// A row in one of the ways a series file may spell it.
fn spelled(step: i64, value: f64, time: f64, how: u8) -> String {
    let exact = crate::format::exact(value);
    match how % 10 {
        0..=3 => format!("{step},{exact},{time:.3}"),
        4 => format!("{step},{value:e},{time}"),
        5 => format!("{step},{value},{time:.1}"),
        6 => format!("{step:03},{exact}0,{time:.4}"),
        // As serde_json or another shortest formatter writes it (a tie rounds to even, where
        // `{:?}` rounds up), and with 17 digits whether or not they are the shortest.
        7 if value.is_finite() => {
            format!("{step},{},{time:.3}", zmij::Buffer::new().format_finite(value).replace("e+", "e"))
        }
        8 => format!("{step},{value:.16e},{time:.3}"),
        _ => String::new(),
    }
}

fn value_strategy() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        (0u64..1_000_000, -12i32..12).prop_map(|(d, e)| d as f64 * 10f64.powi(e)),
        (0u64..1000).prop_map(|d| 1.0 / (d as f64 + 1.0)),
        // Losses as Python has them: 16 and 17 digits, float32 values, at every scale.
        (0u64..1 << 53, -12i32..4).prop_map(|(m, e)| m as f64 * 2f64.powi(-53) * 10f64.powi(e)),
        any::<u32>().prop_map(|b| f64::from(f32::from_bits(b))),
        // Exactly halfway between two shortest texts: `{:?}` and zmij differ.
        (0u64..1 << 20).prop_map(|n| 2f64.powi(49) + n as f64 * 0.25),
        Just(0.0),
        Just(-0.0),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn any_series_prints_as_before(
        rows in proptest::collection::vec(
            (-1_000_000_000_000i64..1_000_000_000_000, value_strategy(), 0u64..4_000_000_000_000, any::<u8>()),
            0..40,
        ),
        keys in 1usize..3,
    ) {
        let lines: Vec<String> =
            rows.iter().map(|&(step, value, time_ms, how)| spelled(step, value, time_ms as f64 / 1000.0, how)).collect();
        let text = series(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        let files: Vec<(String, String)> = (0..keys).map(|k| (format!("k{k}"), text.clone())).collect();
        same_as_before(&files);
    }
}

/// A write error (a closed pipe) stops the export with that error.
#[test]
fn a_failing_stream_stops_the_export() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let lines: Vec<String> = (0..20_000).map(|i| format!("{i},0.5,1.000")).collect();
    let text = series(&lines.iter().map(String::as_str).collect::<Vec<_>>());
    let keys = vec!["loss".to_owned()];
    let each_row = |_: &str, each: &mut dyn FnMut(crate::store::Row<'_>) -> anyhow::Result<()>| {
        crate::store::read_rows(text.as_bytes(), |detail| anyhow::anyhow!(detail), each)
    };
    let error = super::json::write(&mut Full, &keys, &each_row).unwrap_err();
    assert!(crate::ui::is_broken_pipe(&error), "{error:?}");
    let error = super::rows::write(&mut Full, Style::new(), Format::Csv, &keys, &each_row).unwrap_err();
    assert!(crate::ui::is_broken_pipe(&error), "{error:?}");
}
