//! capfd's log lines: on standard error, with a timestamp on a terminal or in a file, and with
//! a syslog priority prefix (`<6>`) and no timestamp under systemd, whose journal stamps lines
//! itself and reads the prefix as the priority (`JOURNAL_STREAM` is set there).

use std::io::Write;

use crate::domain::format_rfc3339;
use crate::render::escape_controls;

/// A log line's priority (syslog numbering).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// 3: something failed that the admin must fix (no CA, store unwritable).
    Error,
    /// 4: a session failed or a peer misbehaved.
    Warning,
    /// 6: what happened.
    Info,
}

impl Priority {
    fn code(self) -> u8 {
        match self {
            Priority::Error => 3,
            Priority::Warning => 4,
            Priority::Info => 6,
        }
    }
}

/// Whether stderr goes to the journal (systemd sets `JOURNAL_STREAM` for the service's streams).
pub fn under_journal() -> bool {
    std::env::var_os("JOURNAL_STREAM").is_some_and(|v| !v.is_empty())
}

/// The line as written (without the newline): `<6>capfd: msg` under the journal, else
/// `<RFC 3339 time> capfd: msg`. Control characters in `msg` are escaped: device names and
/// reasons can come from a phone.
pub fn format_line(priority: Priority, msg: &str, journal: bool) -> String {
    if journal {
        format!("<{}>capfd: {}", priority.code(), escape_controls(msg))
    } else {
        format!(
            "{} capfd: {}",
            format_rfc3339(&chrono::Utc::now()),
            escape_controls(msg)
        )
    }
}

/// Writes one log line to standard error (one write, so lines of threads never interleave).
pub fn log(priority: Priority, msg: &str) {
    let mut line = format_line(priority, msg, under_journal());
    line.push('\n');
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_lines_carry_the_priority_and_no_time() {
        assert_eq!(
            format_line(Priority::Warning, "x\ny", true),
            "<4>capfd: x\\x0ay"
        );
        let plain = format_line(Priority::Info, "started", false);
        assert!(
            plain.ends_with(" capfd: started") && plain.starts_with("20"),
            "{plain}"
        );
    }
}
