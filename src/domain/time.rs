//! Timestamps: stored as microseconds since the Unix epoch (UTC), shown the CUCM way or RFC 3339.

use chrono::{DateTime, SecondsFormat, Utc};

/// All timestamps in capfsh are UTC instants; the store keeps them as integer microseconds so the
/// stale-LSC rule can compare them exactly even when two events fall in the same second.
pub type Timestamp = DateTime<Utc>;

/// `YYYY-MM-DD HH:MM:SS`, the format of CUCM CLI listings. Written field by field: listings
/// format millions of these, and a strftime pattern is parsed anew on every call.
pub fn format_cli(t: &Timestamp) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// RFC 3339 in UTC with a `Z`, for JSON and CSV where scripts need the full instant.
pub fn format_rfc3339(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn cli_and_rfc3339_formats() {
        let t = chrono::Utc
            .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
            .single()
            .expect("time");
        assert_eq!(format_cli(&t), "2026-01-02 03:04:05");
        assert_eq!(format_rfc3339(&t), "2026-01-02T03:04:05.000000Z");
    }
}
