//! The one clock: every write takes its timestamp from it, and tests pin it.
//!
//! The binaries make one [`Clock`] at start-up and pass it in (through the store location to
//! the store, the commands and the engine), so nothing reads the system time on its own.

use crate::domain::{InvalidValue, Timestamp};

/// Environment variable that pins the clock to an RFC 3339 instant (tests, reproducible demos).
pub const NOW_ENV: &str = "CAPFSH_NOW";

/// Where "now" comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The system's clock.
    #[default]
    System,
    /// Always this instant: tests and snapshots stay the same from run to run.
    Fixed(Timestamp),
}

impl Clock {
    /// The current instant.
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => chrono::Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }

    /// The system clock, or the instant `CAPFSH_NOW` pins it to; a value that is not an
    /// RFC 3339 instant is refused rather than ignored.
    pub fn from_env() -> Result<Clock, InvalidValue> {
        match std::env::var(NOW_ENV) {
            Ok(v) if !v.is_empty() => Clock::parse(&v),
            _ => Ok(Clock::System),
        }
    }

    /// A clock fixed at the RFC 3339 instant `text`.
    pub fn parse(text: &str) -> Result<Clock, InvalidValue> {
        chrono::DateTime::parse_from_rfc3339(text.trim())
            .map(|t| Clock::Fixed(t.with_timezone(&chrono::Utc)))
            .map_err(|e| {
                InvalidValue(format!(
                    "{NOW_ENV}={text:?} is not an RFC 3339 instant (2026-11-25T08:00:00Z): {e}"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_clock_stays_put_and_a_bad_one_is_refused() {
        let c = Clock::parse("2026-11-25T08:00:00Z").expect("clock");
        assert_eq!(c.now(), c.now());
        assert_eq!(crate::domain::format_cli(&c.now()), "2026-11-25 08:00:00");
        assert!(Clock::parse("yesterday").is_err());
        assert!(Clock::System.now() > c.now() - chrono::Duration::days(365 * 100));
    }
}
