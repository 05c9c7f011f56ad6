//! The service's log lines: one line per event, on standard error, shared by everything `capfd`
//! runs (the settings watcher, pending-CSR signing, the phone-facing server).
//!
//! Under systemd (`JOURNAL_STREAM` names our standard error) a line starts with a syslog priority
//! prefix (`<6>`), which journald turns into the entry's priority, and carries no timestamp of
//! its own (the journal stamps every entry). Anywhere else a line starts with the time, in the
//! same `YYYY-MM-DD HH:MM:SS` (UTC) form as capfsh's listings, and the program name. Text from
//! the outside (device names, reasons quoting a phone) is escaped, so one event is one line.

use std::io::{self, Write};

use crate::clock::Clock;
use crate::domain::{Timestamp, format_cli};
use crate::render::escape_controls;

/// How serious an event is; the numbers are syslog's (RFC 5424), which journald understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Something failed and needs an admin (the store is unreadable, the CA key is missing).
    Error,
    /// Something was refused or passed over, the service goes on (an unsignable CSR).
    Warning,
    /// A normal but significant event (started, stopped, settings changed).
    Notice,
    /// Routine work (an LSC issued for a device).
    Info,
}

impl Level {
    /// The syslog priority number: 3 error, 4 warning, 5 notice, 6 info.
    pub fn syslog_priority(self) -> u8 {
        match self {
            Level::Error => 3,
            Level::Warning => 4,
            Level::Notice => 5,
            Level::Info => 6,
        }
    }

    /// The word a human-read line shows before the message (none for routine events).
    fn label(self) -> &'static str {
        match self {
            Level::Error => "error: ",
            Level::Warning => "warning: ",
            Level::Notice | Level::Info => "",
        }
    }
}

/// Where log lines go and in which form.
#[derive(Debug, Clone)]
pub struct Logger {
    program: &'static str,
    journal: bool,
    clock: Clock,
}

impl Logger {
    /// A logger for `program` that writes for journald when standard error is the journal's
    /// stream, and timestamped lines otherwise.
    pub fn from_env(program: &'static str) -> Logger {
        Logger {
            program,
            journal: stderr_is_journal(),
            clock: Clock::System,
        }
    }

    /// The same logger, stamping lines by the process's one clock.
    pub fn with_clock(mut self, clock: Clock) -> Logger {
        self.clock = clock;
        self
    }

    /// A logger with the form chosen by the caller (tests, or a caller that knows better).
    pub fn new(program: &'static str, journal: bool) -> Logger {
        Logger {
            program,
            journal,
            clock: Clock::System,
        }
    }

    /// Whether lines are written for journald (priority prefix, no timestamp).
    pub fn is_journal(&self) -> bool {
        self.journal
    }

    /// The line for one event, without its newline. `device` names the device the event is
    /// about, so `grep SEP001122AABBCC` over the log finds everything that happened to it.
    pub fn format(
        &self,
        level: Level,
        device: Option<&str>,
        message: &str,
        now: &Timestamp,
    ) -> String {
        let about = match device {
            Some(d) => format!("{}: ", escape_controls(d)),
            None => String::new(),
        };
        let message = escape_controls(message);
        if self.journal {
            format!("<{}>{about}{message}", level.syslog_priority())
        } else {
            format!(
                "{} {}: {}{about}{message}",
                format_cli(now),
                self.program,
                level.label()
            )
        }
    }

    /// Writes one event line to standard error (a failed write is ignored: logging must never
    /// stop the service).
    pub fn log(&self, level: Level, device: Option<&str>, message: &str) {
        let line = self.format(level, device, message, &self.clock.now());
        let mut err = io::stderr().lock();
        let _ = writeln!(err, "{line}");
        let _ = err.flush();
    }

    /// An event of the service as a whole at [`Level::Notice`].
    pub fn notice(&self, message: &str) {
        self.log(Level::Notice, None, message);
    }

    /// An error of the service as a whole.
    pub fn error(&self, message: &str) {
        self.log(Level::Error, None, message);
    }

    /// Routine work done for one device.
    pub fn device_info(&self, device: &str, message: &str) {
        self.log(Level::Info, Some(device), message);
    }

    /// Something refused or passed over for one device.
    pub fn device_warning(&self, device: &str, message: &str) {
        self.log(Level::Warning, Some(device), message);
    }
}

/// systemd sets `JOURNAL_STREAM=<device>:<inode>` for a service whose standard error goes to
/// the journal. Only when that still names our standard error is it the journal: a child that
/// inherited the variable but writes to a pipe or a file should not get priority prefixes.
pub fn stderr_is_journal() -> bool {
    let Some(value) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let Some((dev, ino)) = value.to_str().and_then(|v| v.split_once(':')) else {
        return false;
    };
    let (Ok(dev), Ok(ino)) = (dev.parse::<u64>(), ino.parse::<u64>()) else {
        return false;
    };
    stderr_identity().is_some_and(|(d, i)| d == dev && i == ino)
}

/// The device and inode of our standard error.
#[cfg(unix)]
fn stderr_identity() -> Option<(u64, u64)> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let fd = io::stderr().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn stderr_identity() -> Option<(u64, u64)> {
    None
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t() -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 25, 8, 0, 1)
            .single()
            .expect("time")
    }

    #[test]
    fn human_lines_carry_the_cli_time_and_the_level_word() {
        let log = Logger::new("capfd", false);
        assert_eq!(
            log.format(Level::Info, Some("SEP001122AABBCC"), "LSC 0A issued", &t()),
            "2026-11-25 08:00:01 capfd: SEP001122AABBCC: LSC 0A issued"
        );
        assert_eq!(
            log.format(Level::Error, None, "no CA", &t()),
            "2026-11-25 08:00:01 capfd: error: no CA"
        );
        assert_eq!(
            log.format(Level::Warning, Some("CSFX"), "passed over", &t()),
            "2026-11-25 08:00:01 capfd: warning: CSFX: passed over"
        );
    }

    #[test]
    fn journal_lines_carry_the_priority_and_no_time() {
        let log = Logger::new("capfd", true);
        assert_eq!(
            log.format(Level::Info, Some("SEP001122AABBCC"), "LSC 0A issued", &t()),
            "<6>SEP001122AABBCC: LSC 0A issued"
        );
        assert_eq!(log.format(Level::Error, None, "x", &t()), "<3>x");
        assert_eq!(log.format(Level::Warning, None, "x", &t()), "<4>x");
        assert_eq!(log.format(Level::Notice, None, "x", &t()), "<5>x");
    }

    #[test]
    fn hostile_text_stays_on_one_line() {
        let log = Logger::new("capfd", true);
        let line = log.format(Level::Warning, Some("A\nB"), "bad\r\n<3>forged", &t());
        assert!(!line.contains('\n') && !line.contains('\r'), "{line}");
    }
}
