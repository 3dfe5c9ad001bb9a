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
    // The bucket being filled: its column and the indices (into `kept`) of first, min, max, last.
    let mut current: Option<(usize, [(f64, f64); 4], [usize; 4])> = None;
    let flush = |bucket: (usize, [(f64, f64); 4], [usize; 4]), out: &mut Vec<(f64, f64)>| {
        let (_, pts, order) = bucket;
        let mut picks: Vec<(usize, (f64, f64))> = (0..4).map(|k| (order[k], pts[k])).collect();
        picks.sort_by_key(|(i, _)| *i);
        picks.dedup_by_key(|(i, _)| *i);
        out.extend(picks.into_iter().map(|(_, p)| p));
    };
    for (i, (x, y)) in finite.enumerate() {
        let column = column_of(x);
        match &mut current {
            Some((c, pts, order)) if *c == column => {
                if y < pts[1].1 {
                    pts[1] = (x, y);
                    order[1] = i;
                }
                if y > pts[2].1 {
                    pts[2] = (x, y);
                    order[2] = i;
                }
                pts[3] = (x, y);
                order[3] = i;
            }
            _ => {
                if let Some(done) = current.take() {
                    flush(done, &mut out);
                }
                current = Some((column, [(x, y); 4], [i; 4]));
            }
        }
    }
    if let Some(done) = current {
        flush(done, &mut out);
    }
    out
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
