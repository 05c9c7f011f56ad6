//! Where the store is, and a read-side lookup of device names for completion.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use crate::clock::Clock;

use super::{DEFAULT_BUSY_TIMEOUT, DeviceSource, OpenOptions, Store, StoreError, default_path};

/// Environment variable naming the store (same as `--db`).
pub const DB_ENV: &str = "CAPFSH_DB";

/// Environment variable overriding the lock wait in milliseconds (tests, slow disks).
pub const BUSY_TIMEOUT_ENV: &str = "CAPFSH_BUSY_TIMEOUT_MS";

/// The longest lock wait `CAPFSH_BUSY_TIMEOUT_MS` may ask for: one hour (SQLite itself takes
/// at most `i32::MAX` ms; anything near that is a typo, not a wish).
pub const MAX_BUSY_TIMEOUT_MS: u64 = 3_600_000;

/// `CAPFSH_BUSY_TIMEOUT_MS`, checked: a value that is not a whole number of milliseconds in
/// range is refused, not replaced by the default behind the admin's back.
pub fn busy_timeout_from_env() -> Result<Duration, StoreError> {
    let Some(raw) = std::env::var_os(BUSY_TIMEOUT_ENV).filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_BUSY_TIMEOUT);
    };
    let text = raw.to_string_lossy();
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|ms| *ms <= MAX_BUSY_TIMEOUT_MS)
        .map(Duration::from_millis)
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "{BUSY_TIMEOUT_ENV}={text:?} is not valid: give the lock wait in milliseconds, \
                 0 to {MAX_BUSY_TIMEOUT_MS}"
            ))
        })
}

/// Where the store is and how to open it. Opened on first use by callers, so `help` or a parse
/// error never needs (or creates) a database.
#[derive(Debug, Clone)]
pub struct StoreLocation {
    /// Database file.
    pub path: PathBuf,
    /// Create a missing folder (only for the default location).
    pub create_folder: bool,
    /// Lock wait.
    pub busy_timeout: Duration,
    /// The one clock of the process: the store's writes and the commands read it.
    pub clock: Clock,
}

impl StoreLocation {
    /// `--db PATH` when given (its folder must exist: a missing one is more likely a typo), else
    /// `$CAPFSH_DB`, else the default under the data dir (created on first use).
    pub fn resolve(db: Option<&Path>) -> Result<StoreLocation, StoreError> {
        let busy_timeout = busy_timeout_from_env()?;
        let explicit = db.map(Path::to_path_buf).or_else(|| {
            std::env::var_os(DB_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        if let Some(path) = explicit {
            return Ok(StoreLocation {
                path,
                create_folder: false,
                busy_timeout,
                clock: Clock::System,
            });
        }
        default_path()
            .map(|path| StoreLocation {
                path,
                create_folder: true,
                busy_timeout,
                clock: Clock::System,
            })
            .ok_or(StoreError::NoDataDir)
    }

    /// The same location, with writes and commands reading `clock`.
    pub fn with_clock(mut self, clock: Clock) -> StoreLocation {
        self.clock = clock;
        self
    }

    /// Opens the store here.
    pub fn open(&self) -> Result<Store, StoreError> {
        Store::open(
            &self.path,
            &OpenOptions {
                create_folder: self.create_folder,
                busy_timeout: self.busy_timeout,
                clock: self.clock,
            },
        )
    }
}

/// A device lookup that found more names than it hands back ends its list with this marker
/// followed by how many it left out (`49,950`), so `?` and Tab can say so instead of showing 50
/// of 50,000 silently. No device name can start with it.
pub const MORE_MARKER: &str = "\u{0}more:";

/// The marker for `n` names left out, with thousands separators.
pub fn more_marker(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{MORE_MARKER}{grouped}")
}

/// Looks device names up for completion (REPL Tab and `?`, shell completion). Opens its own
/// connection lazily and only when the database already exists: completing never creates a
/// store.
pub struct StoreDevices {
    location: StoreLocation,
    store: Mutex<Option<Store>>,
}

impl StoreDevices {
    /// Device lookups against the store at `location`.
    pub fn new(location: StoreLocation) -> Self {
        StoreDevices {
            location,
            store: Mutex::new(None),
        }
    }

    /// Up to `limit` names of `source` starting with `prefix`, followed by a
    /// [`MORE_MARKER`] entry when there are more; nothing on any error
    /// (completion is a convenience, the command itself reports store problems).
    pub fn lookup(&self, source: DeviceSource, prefix: &str, limit: u32) -> Vec<String> {
        let Ok(mut guard) = self.store.lock() else {
            return Vec::new();
        };
        if guard.is_none() {
            if !self.location.path.is_file() {
                return Vec::new();
            }
            let mut location = self.location.clone();
            location.create_folder = false;
            *guard = location.open().ok();
        }
        let Some(store) = guard.as_ref() else {
            return Vec::new();
        };
        // One more than asked tells whether there are more; only then are they counted.
        let mut names = store
            .device_names(source, prefix, limit.saturating_add(1))
            .unwrap_or_default();
        if names.len() > limit as usize {
            names.truncate(limit as usize);
            if let Ok(total) = store.count_device_names(source, prefix) {
                names.push(more_marker(total.saturating_sub(u64::from(limit))));
            }
        }
        names
    }
}
