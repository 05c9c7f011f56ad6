//! The engine's view of the settings: re-read only when the store says something changed.

use crate::domain::Settings;
use crate::store::{Store, StoreError};

/// Follows the settings row cheaply: `PRAGMA data_version` (a counter of other connections'
/// commits, no disk read) is polled, and the settings are re-read only when it moved and the
/// settings `revision` changed.
pub struct SettingsWatch {
    data_version: i64,
    revision: i64,
    current: Settings,
}

impl SettingsWatch {
    /// Starts watching, reading the settings once.
    pub fn new(store: &Store) -> Result<Self, StoreError> {
        Ok(SettingsWatch {
            data_version: store.data_version()?,
            revision: store.settings_revision()?,
            current: store.settings()?,
        })
    }

    /// The settings as last read.
    pub fn current(&self) -> &Settings {
        &self.current
    }

    /// Returns the new settings when they changed since the last call.
    pub fn poll(&mut self, store: &Store) -> Result<Option<&Settings>, StoreError> {
        let dv = store.data_version()?;
        if dv == self.data_version {
            return Ok(None);
        }
        self.data_version = dv;
        let rev = store.settings_revision()?;
        if rev == self.revision {
            return Ok(None);
        }
        self.revision = rev;
        self.current = store.settings()?;
        Ok(Some(&self.current))
    }
}
