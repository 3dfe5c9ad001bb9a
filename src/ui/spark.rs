//! Sparklines: a series drawn in block characters, for `show` and `tail`.

/// Draws `values` as `width` block characters (min/max scaled; non-finite values as spaces).
pub fn sparkline(values: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() || width == 0 {
        return String::new();
    }
    let (lo, hi) = finite.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let buckets = width.min(values.len());
    (0..buckets)
        .map(|b| {
            let start = b * values.len() / buckets;
            let end = ((b + 1) * values.len() / buckets).max(start + 1);
            let chunk: Vec<f64> = values[start..end].iter().copied().filter(|v| v.is_finite()).collect();
            if chunk.is_empty() {
                return ' ';
            }
            let mean = chunk.iter().sum::<f64>() / chunk.len() as f64;
            let level = if hi > lo { ((mean - lo) / (hi - lo) * 7.0).round() as usize } else { 3 };
            BARS[level.min(7)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_and_buckets() {
        assert_eq!(sparkline(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 8), "▁▂▃▄▅▆▇█");
        assert_eq!(sparkline(&[1.0; 100], 4), "▄▄▄▄");
        assert_eq!(sparkline(&[f64::NAN], 4), "");
        assert_eq!(sparkline(&(0..1000).map(f64::from).collect::<Vec<_>>(), 4).chars().count(), 4);
    }
}
