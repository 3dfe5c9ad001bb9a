//! Metric series files: `.git-exp/metrics/<key>.csv` with the header `step,value,time`.

use serde::Serialize;

/// One point of a series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    pub step: i64,
    #[serde(with = "super::record::float")]
    pub value: f64,
    /// Unix seconds with millisecond precision.
    pub time: f64,
}

/// Parses a series file. Rows that do not parse are reported by line number.
pub fn parse_series_csv(text: &str) -> Result<Vec<Point>, String> {
    let mut lines = text.lines();
    match lines.next() {
        Some("step,value,time") => {}
        other => {
            return Err(format!("expected the header `step,value,time`, found `{}`", other.unwrap_or("")));
        }
    }
    let mut points = Vec::new();
    for (n, line) in lines.enumerate() {
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split(',');
        let parsed = (|| {
            let step = fields.next()?.parse().ok()?;
            let value = parse_value(fields.next()?)?;
            let time = fields.next()?.parse().ok()?;
            Some(Point { step, value, time })
        })();
        points.push(parsed.ok_or_else(|| format!("line {}: cannot parse `{line}`", n + 2))?);
    }
    Ok(points)
}

fn parse_value(text: &str) -> Option<f64> {
    match text {
        "nan" => Some(f64::NAN),
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => text.parse().ok(),
    }
}

impl super::Store {
    /// Returns the raw series file of metric `key` in a run's `tree`, if there is one.
    pub fn series_file(&self, tree: crate::git::Oid, key: &str) -> super::Result<Option<Vec<u8>>> {
        self.read_file(tree, &format!("{}/{key}.csv", super::record::METRICS_DIR))
    }

    /// Reads and parses the series of metric `key` of `run`; errors name the run and the file.
    pub fn read_series(&self, run: &super::Run, key: &str) -> super::Result<Vec<Point>> {
        let path = format!("{}/{key}.csv", super::record::METRICS_DIR);
        let bytes = self
            .series_file(self.run_tree(run)?, key)?
            .ok_or_else(|| super::Error::NoSeries { id: run.id().to_string(), path: path.clone() })?;
        parse_series_csv(&String::from_utf8_lossy(&bytes)).map_err(|detail| super::Error::BadSeries {
            id: run.id().to_string(),
            path,
            detail,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values_including_non_finite() {
        let points = parse_series_csv("step,value,time\n0,1.5,10.000\n1,nan,10.5\n2,-inf,11\n").expect("valid");
        assert_eq!(points.len(), 3);
        assert!(points[1].value.is_nan());
        assert_eq!(points[2].value, f64::NEG_INFINITY);
    }

    #[test]
    fn reports_bad_rows_by_line() {
        assert_eq!(parse_series_csv("step,value,time\n0,x,1\n"), Err("line 2: cannot parse `0,x,1`".into()));
        assert!(parse_series_csv("a,b\n").is_err());
    }
}
