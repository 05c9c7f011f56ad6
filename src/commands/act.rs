//! What a command needs to act: the store (opened on first use), the clock, and who is acting.

use super::CommandError;
use crate::clock::Clock;
use crate::domain::Timestamp;
use crate::store::{Actor, Store, StoreLocation};

/// The store and the acting OS user of a session.
pub struct Act {
    location: StoreLocation,
    store: Option<Store>,
    /// The OS user, for the audit log.
    pub os_user: String,
}

impl Act {
    /// Acts on the store at `location` as the OS user running us.
    pub fn new(location: StoreLocation) -> Act {
        Act {
            location,
            store: None,
            os_user: crate::actor::os_user(),
        }
    }

    /// Now, by the session's one clock (the store's writes read the same one).
    pub fn now(&self) -> Timestamp {
        self.clock().now()
    }

    /// The session's clock.
    pub fn clock(&self) -> Clock {
        self.location.clock
    }

    /// The store location.
    pub fn location(&self) -> &StoreLocation {
        &self.location
    }

    /// The store, opened on first use.
    pub fn store(&mut self) -> Result<&mut Store, CommandError> {
        let store = match self.store.take() {
            Some(s) => s,
            None => self
                .location
                .open()
                .map_err(|e| CommandError::from(e).context(self.location.path.display()))?,
        };
        Ok(self.store.insert(store))
    }

    /// The store if a command already opened it.
    pub fn open_store(&mut self) -> Option<&mut Store> {
        self.store.as_mut()
    }

    /// The store for the audit line of a refused change: already open, or opened now when its
    /// file exists, so a value refused before the command needed the store (`set keep_alive
    /// 99`) is audited too. A missing store is not created for it, and the line itself never
    /// waits for the write lock ([`Store::log_failure`]).
    pub fn store_for_audit(&mut self) -> Option<&mut Store> {
        if self.store.is_none() && self.location.path.is_file() {
            self.store = self.location.open().ok();
        }
        self.store.as_mut()
    }

    /// Who acts with the command line `line`, for the audit log: the caller masks any
    /// authentication string in it first (the dispatcher does), since the log keeps it.
    pub fn actor(&self, line: &str) -> Actor {
        Actor {
            os_user: self.os_user.clone(),
            command: line.to_owned(),
        }
    }
}
