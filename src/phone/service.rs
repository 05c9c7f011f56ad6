//! What phone sessions share: store connections, the CAPF CA (loaded once, reloaded when it is
//! replaced), the devices being served right now, and what was already logged.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::engine::{Engine, EngineError};
use crate::logging::{Level, Logger};
use crate::pki::CapfCa;
use crate::store::{Actor, Store, StoreError, StoreLocation};

/// Most store connections the sessions share. Each SQLite connection carries its own page
/// cache (up to 2 MiB): one per session would make 500 phones cost hundreds of MiB, while the
/// store's work per step is a few short transactions, so sessions take turns instead.
const POOL_MAX: usize = 8;

/// The shared connections: idle ones, and how many are open in all.
struct Pool {
    idle: Vec<Store>,
    open: usize,
}

/// The state every session of one `capfd run` shares.
pub struct PhoneService {
    location: StoreLocation,
    pool: Mutex<Pool>,
    pool_free: Condvar,
    ca: Mutex<Option<(i64, Arc<CapfCa>)>>,
    busy: Mutex<HashSet<String>>,
    waiting_logged: Mutex<HashSet<String>>,
    /// Where log lines go.
    pub log: Logger,
    /// How long one keep-alive "minute" lasts: a minute in service; tests shorten it so an idle
    /// phone can be timed out in milliseconds.
    pub keep_alive_unit: Duration,
}

/// Locks a mutex, taking the data even if a session thread panicked while holding it (the
/// sets and the pool stay usable: a panic never leaves them half-changed).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl PhoneService {
    /// A service over the store at `location`.
    pub fn new(location: StoreLocation, keep_alive_unit: Duration, log: Logger) -> PhoneService {
        PhoneService {
            log,
            location,
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                open: 0,
            }),
            pool_free: Condvar::new(),
            ca: Mutex::new(None),
            busy: Mutex::new(HashSet::new()),
            waiting_logged: Mutex::new(HashSet::new()),
            keep_alive_unit,
        }
    }

    /// The store's path.
    pub fn db_path(&self) -> PathBuf {
        self.location.path.clone()
    }

    /// Runs `f` on a store connection from the pool: an idle one, a new one while fewer than
    /// [`POOL_MAX`] are open, else the next one returned.
    pub fn with_store<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut store = {
            let mut pool = lock(&self.pool);
            loop {
                if let Some(s) = pool.idle.pop() {
                    break s;
                }
                if pool.open < POOL_MAX {
                    pool.open += 1;
                    drop(pool);
                    match self.location.open() {
                        Ok(s) => break s,
                        Err(e) => {
                            lock(&self.pool).open -= 1;
                            self.pool_free.notify_one();
                            return Err(e.into());
                        }
                    }
                }
                pool = self.pool_free.wait(pool).unwrap_or_else(|p| p.into_inner());
            }
        };
        let out = f(&mut store);
        lock(&self.pool).idle.push(store);
        self.pool_free.notify_one();
        out
    }

    /// The active CAPF CA with its key, loaded by the engine's one load function; kept while
    /// the store's active CA stays the same record, reloaded after `capfd init --force`.
    pub fn ca(&self, store: &mut Store) -> Result<Arc<CapfCa>, EngineError> {
        Ok(self.ca_versioned(store)?.1)
    }

    /// [`PhoneService::ca`] with the store's id of that CA (the TLS identity follows it).
    pub fn ca_versioned(&self, store: &mut Store) -> Result<(i64, Arc<CapfCa>), EngineError> {
        let id = store.active_ca()?.map(|r| r.id).ok_or(EngineError::NoCa)?;
        if let Some((cached, ca)) = lock(&self.ca).as_ref()
            && *cached == id
        {
            return Ok((id, ca.clone()));
        }
        let actor = Actor {
            os_user: "capfd".into(),
            command: "capfd run".into(),
        };
        let ca = Arc::new(Engine::new(store, actor).load_ca()?);
        *lock(&self.ca) = Some((id, ca.clone()));
        Ok((id, ca))
    }

    /// Marks `device` as being served; `false` when another session serves it already.
    pub fn claim(&self, device: &str) -> bool {
        lock(&self.busy).insert(device.to_owned())
    }

    /// Ends [`PhoneService::claim`].
    pub fn release(&self, device: &str) {
        lock(&self.busy).remove(device);
    }

    /// Logs that `device` waits (issuer mode online/offline) once per device, until the mode
    /// changes ([`PhoneService::mode_changed`]).
    pub fn log_waiting_once(&self, device: &str, msg: &str) {
        if lock(&self.waiting_logged).insert(device.to_owned()) {
            self.log.log(Level::Warning, Some(device), msg);
        }
    }

    /// The issuer mode changed: waiting devices are worth a log line again.
    pub fn mode_changed(&self) {
        lock(&self.waiting_logged).clear();
    }
}
