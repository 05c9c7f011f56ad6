//! Device names for completion, read from the store on demand.

use std::sync::Mutex;

use crate::cli::complete::DEVICE_LIMIT;
use crate::cli::tree::DeviceSource;
use crate::commands::StoreLocation;
use crate::store::{OpenOptions, Store};

/// Looks device names up in the store for Tab and `?`. Opens its own connection lazily and only
/// when the database already exists: completing must never create a store.
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

    /// Up to [`DEVICE_LIMIT`] names of `source` starting with `prefix`; nothing on any error
    /// (completion is a convenience, the command itself reports store problems).
    pub fn lookup(&self, source: DeviceSource, prefix: &str) -> Vec<String> {
        let Ok(mut guard) = self.store.lock() else {
            return Vec::new();
        };
        if guard.is_none() {
            if !self.location.path.is_file() {
                return Vec::new();
            }
            let opts = OpenOptions {
                create_folder: false,
                busy_timeout: self.location.busy_timeout,
            };
            *guard = Store::open(&self.location.path, &opts).ok();
        }
        guard
            .as_ref()
            .and_then(|s| s.device_names(source, prefix, DEVICE_LIMIT).ok())
            .unwrap_or_default()
    }
}
