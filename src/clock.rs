//! The one place that reads the wall clock, so that tests can pin it with `GIT_EXP_NOW`.

use jiff::Timestamp;

/// Returns the current time, or the RFC 3339 instant in `GIT_EXP_NOW` when it is set.
///
/// An unparsable `GIT_EXP_NOW` is ignored rather than fatal: it is a test seam, not user input.
pub fn now() -> Timestamp {
    if let Some(fixed) = std::env::var_os("GIT_EXP_NOW")
        && let Some(ts) = fixed.to_str().and_then(|s| s.parse::<Timestamp>().ok())
    {
        return ts;
    }
    #[allow(clippy::disallowed_methods)] // this is the one sanctioned clock read
    Timestamp::now()
}

/// Whether `GIT_EXP_NOW` pins the clock: the report then embeds that instant, so that the
/// browser reads `7d ago` from the same "now" as `ls --where` did (docs/REPORT.md).
pub fn is_pinned() -> bool {
    std::env::var_os("GIT_EXP_NOW").and_then(|v| v.to_str().map(|s| s.parse::<Timestamp>().is_ok())).unwrap_or(false)
}

/// Returns the real current time, ignoring `GIT_EXP_NOW`: for what the outside world checks
/// against its own clock (S3 request signatures are refused when more than 15 minutes off).
pub fn wall() -> Timestamp {
    #[allow(clippy::disallowed_methods)] // a pinned clock would break request signing
    Timestamp::now()
}

/// Formats a timestamp as RFC 3339 in UTC with millisecond precision (`2026-11-23T10:00:00.123Z`).
pub fn rfc3339(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Returns Unix seconds with millisecond precision, the unit of a metric point's `time`.
pub fn unix_seconds(ts: Timestamp) -> f64 {
    ts.as_millisecond() as f64 / 1000.0
}
