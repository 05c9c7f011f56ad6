//! Timestamps: stored as microseconds since the Unix epoch (UTC), shown the CUCM way or RFC 3339.

use chrono::{DateTime, SecondsFormat, Utc};

/// All timestamps in capfsh are UTC instants; the store keeps them as integer microseconds so the
/// stale-LSC rule can compare them exactly even when two events fall in the same second.
pub type Timestamp = DateTime<Utc>;

/// `YYYY-MM-DD HH:MM:SS`, the format of CUCM CLI listings.
pub fn format_cli(t: &Timestamp) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// RFC 3339 in UTC with a `Z`, for JSON and CSV where scripts need the full instant.
pub fn format_rfc3339(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}
