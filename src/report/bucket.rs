//! Min/max bucketing: a series longer than the chart is wide is reduced to the points that
//! decide what each pixel column shows (its first, lowest, highest and last point), so spikes
//! survive and the line looks the same as if every point were drawn.

/// Returns the points of `points` (x, y; sorted by x) that a chart `columns` pixels wide needs,
/// in order. Series with at most `columns` points come back unchanged; non-finite y values are
/// dropped (the caller counts them).
pub fn reduce(points: &[(f64, f64)], x_min: f64, x_max: f64, columns: usize) -> Vec<(f64, f64)> {
    let finite = points.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite());
    if points.len() <= columns || columns == 0 {
        return finite.collect();
    }
    let span = x_max - x_min;
    let column_of = |x: f64| {
        if span > 0.0 {
            (((x - x_min) / span) * columns as f64).floor().clamp(0.0, (columns - 1) as f64) as usize
        } else {
            0
        }
    };
    let mut out = Vec::with_capacity(columns * 4);
    let mut current: Option<Bucket> = None;
    for (i, (x, y)) in finite.enumerate() {
        let column = column_of(x);
        match &mut current {
            Some(bucket) if bucket.column == column => bucket.add(i, (x, y)),
            _ => {
                if let Some(done) = current.take() {
                    done.emit(&mut out);
                }
                current = Some(Bucket { column, picks: [(i, (x, y)); 4] });
            }
        }
    }
    if let Some(done) = current {
        done.emit(&mut out);
    }
    out
}

/// The points of one pixel column: (index, point) of its first, lowest, highest and last point.
struct Bucket {
    column: usize,
    picks: [(usize, (f64, f64)); 4],
}

impl Bucket {
    fn add(&mut self, i: usize, p: (f64, f64)) {
        if p.1 < self.picks[1].1.1 {
            self.picks[1] = (i, p);
        }
        if p.1 > self.picks[2].1.1 {
            self.picks[2] = (i, p);
        }
        self.picks[3] = (i, p);
    }

    /// Appends the picked points in the order they came, each once.
    fn emit(mut self, out: &mut Vec<(f64, f64)>) {
        self.picks.sort_by_key(|(i, _)| *i);
        let mut last = None;
        for (i, p) in self.picks {
            if last != Some(i) {
                out.push(p);
                last = Some(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_series_are_kept_whole() {
        let pts = [(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0)];
        assert_eq!(reduce(&pts, 0.0, 2.0, 10), vec![(0.0, 1.0), (2.0, 3.0)]);
    }

    #[test]
    fn long_series_keep_first_min_max_last_per_column() {
        // 1,000 points into 10 columns: at most 4 points each, and the spike at x=555 survives.
        let pts: Vec<(f64, f64)> =
            (0..1000).map(|i| (f64::from(i), if i == 555 { 100.0 } else { f64::from(i % 7) })).collect();
        let out = reduce(&pts, 0.0, 999.0, 10);
        assert!(out.len() <= 40 && out.len() >= 20, "{}", out.len());
        assert!(out.contains(&(555.0, 100.0)));
        assert_eq!(out.first(), Some(&(0.0, 0.0)));
        assert_eq!(out.last(), Some(&(999.0, f64::from(999 % 7))));
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "kept in x order");
        let lowest = out.iter().map(|p| p.1).fold(f64::MAX, f64::min);
        assert_eq!(lowest, 0.0);
    }
}
