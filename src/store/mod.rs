//! The CAPF store: one SQLite file shared by capfsh and the engine.
//!
//! SQL lives only under this module; callers ask questions in CAPF terms (`each_pending_csr`,
//! `delete_stale_lscs`). The file runs in WAL mode with a busy timeout so the shell and the engine
//! can work at the same time, and every write starts with `BEGIN IMMEDIATE` so lock waits happen
//! up front instead of halfway through a change.

mod audit;
mod backup;
mod ca;
mod cached;
mod csr;
mod error;
mod location;
mod lsc;
mod migrate;
mod online_ca;
mod operation;
mod raw_rows;
mod revocation;
mod settings;
mod tidy;

use std::fs;
use std::io;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, FileControl, OpenFlags, Transaction, TransactionBehavior};

use crate::clock::Clock;
use crate::domain::Timestamp;

pub use audit::{Actor, AuditEntry};
pub use backup::check_copy;
pub use ca::{CaRecord, CapfCaEntry, NewCa, NewTrustAnchor};
pub use csr::DeviceSource;
pub use error::StoreError;
pub use location::{
    BUSY_TIMEOUT_ENV, DB_ENV, MORE_MARKER, StoreDevices, StoreLocation, more_marker,
};
pub use lsc::{LscCounts, LscFilter};
pub use migrate::{LATEST_VERSION, MIGRATIONS, schema_version};
pub use online_ca::{EstAttempt, NewOnlineCa};
pub use operation::{OperationFilter, PhoneCert, ReportedCert, SessionResult};
pub use revocation::{CrlRecord, NewCrl};
pub use tidy::{TidyPlan, TidyScope};

/// How long a command waits for another process's write lock before giving up.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Which rows a destructive command targets: all of them, or one device's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every matching row.
    All,
    /// Only the rows of this device.
    Device(crate::domain::DeviceName),
}

/// How to open a store.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Create the parent folder (0700) when missing: yes for the default path, no for `--db`,
    /// where a missing folder is more likely a typo than a wish.
    pub create_folder: bool,
    /// Busy timeout for lock waits.
    pub busy_timeout: Duration,
    /// Where the timestamps of writes come from.
    pub clock: Clock,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            create_folder: false,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            clock: Clock::System,
        }
    }
}

/// An open, migrated store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    read_only: bool,
    busy_timeout: std::time::Duration,
    clock: Clock,
}

/// A write transaction and the one instant its rows and audit line carry, read from the
/// store's clock when the write lock was taken.
pub(crate) struct Tx<'c> {
    tx: Transaction<'c>,
    now: Timestamp,
}

impl<'c> Deref for Tx<'c> {
    type Target = Transaction<'c>;

    fn deref(&self) -> &Transaction<'c> {
        &self.tx
    }
}

impl Tx<'_> {
    /// When this write happens.
    pub(crate) fn now(&self) -> Timestamp {
        self.now
    }
}

/// The default store location: `<data dir>/capfsh/capf.db`.
pub fn default_path() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("capfsh").join("capf.db"))
}

impl Store {
    /// Opens (creating on first use) the store at `path` and brings its schema up to date.
    ///
    /// A store with a newer schema (or another program's file) is refused before anything can
    /// checkpoint or write it, so its files stay byte for byte as they were. A user who may not
    /// write the file (or whose permission bits allow no writing at all, even root, so an
    /// admin's `chmod a-w` is honoured) opens it read-only and never creates its `-wal`/`-shm`:
    /// a reader must never leave files the owner's next write would trip over.
    pub fn open(path: &Path, opts: &OpenOptions) -> Result<Store, StoreError> {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            if opts.create_folder {
                crate::sys::create_private_dir(&parent).map_err(|source| {
                    StoreError::CannotOpen {
                        path: parent.clone(),
                        source,
                    }
                })?;
            } else {
                return Err(StoreError::FolderMissing(parent));
            }
        }
        let read_only = match fs::metadata(path) {
            Ok(m) if !m.is_file() => return Err(StoreError::NotAFile(path.to_path_buf())),
            // capfsh never leaves an empty file under a store's name (a new store appears
            // whole), so an empty one was destroyed: starting afresh would hide that.
            Ok(m) if m.len() == 0 => return Err(StoreError::EmptyFile(path.to_path_buf())),
            Ok(m) => m.permissions().readonly() || !may_write(path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                create_store_file(path)?;
                false
            }
            Err(source) => {
                return Err(StoreError::CannotOpen {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        if !read_only {
            check_wal_files_writable(path)?;
        }
        let mut conn = if read_only {
            open_reader(path)?
        } else {
            Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|source| StoreError::CannotOpenDb {
                path: path.to_path_buf(),
                source,
            })?
        };
        // Until the store is known to be ours and not newer, closing must not checkpoint: a
        // refused store's `-wal` stays a `-wal`, its main file untouched.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        conn.set_prepared_statement_cache_capacity(cached::CACHE_CAPACITY);
        conn.busy_timeout(
            opts.busy_timeout
                .min(Duration::from_millis(i32::MAX as u64)),
        )?;
        let version = schema_version(&conn).map_err(|e| match e {
            StoreError::FileNotDatabase(_) => StoreError::NotADatabase(path.to_path_buf()),
            other => other,
        })?;
        if version > LATEST_VERSION {
            return Err(StoreError::NewerSchema {
                path: path.to_path_buf(),
                found: version,
                known: LATEST_VERSION,
            });
        }
        if (version == 0 && has_schema_objects(&conn)?)
            || (version > 0 && !has_capfsh_tables(&conn)?)
        {
            return Err(StoreError::Foreign(path.to_path_buf()));
        }
        // Write bits for someone else (or a read-only mount) still leave us a read-only handle.
        let read_only = read_only || conn.is_readonly(rusqlite::MAIN_DB)?;
        conn.pragma_update(None, "foreign_keys", true)?;
        if !read_only {
            let mode: String =
                conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::NotWal(mode));
            }
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            // Keep `-wal`/`-shm` when the last writer closes: a reader that may not create
            // them (or must not, to leave no files of its own) can then read while we write.
            let mut persist = 1;
            conn.file_control(
                Some(rusqlite::MAIN_DB),
                FileControl::PersistWal(&mut persist),
            )?;
            conn.pragma_update(None, "journal_size_limit", 4 * 1024 * 1024)?;
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
            share_wal_files_like(path);
        }
        if version < LATEST_VERSION {
            if read_only {
                return Err(StoreError::ReadOnly);
            }
            migrate::migrate(&mut conn)?;
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            read_only,
            busy_timeout: opts.busy_timeout,
            clock: opts.clock,
        })
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The clock this store's writes take their timestamps from.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Whether the file was opened read-only (its permission bits allow no writes).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// SQLite's counter of commits made by *other* connections; the engine polls it to notice
    /// a settings change without re-reading the settings every time.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: all of it commits, or none of it.
    fn write<T>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.write_with(f)
    }

    /// [`Store::write`] for callers whose own work inside the transaction (signing, say) fails
    /// with their own error type.
    fn write_with<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.read_only {
            return Err(StoreError::ReadOnly.into());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let tx = Tx {
            tx,
            now: self.clock.now(),
        };
        let value = f(&tx)?;
        tx.tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }
}

/// Whether an unversioned database already holds tables, views or indexes (someone else's).
fn has_schema_objects(conn: &Connection) -> Result<bool, StoreError> {
    Ok(
        conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_schema)", [], |r| {
            r.get(0)
        })?,
    )
}

/// Whether a versioned database has the tables every capfsh schema version has: a file of
/// another program that happens to set `user_version` is not ours to migrate. (`lsc` is a view
/// of two tables since v10.)
fn has_capfsh_tables(conn: &Connection) -> Result<bool, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema
          WHERE type IN ('table', 'view') AND name IN ('settings', 'csr', 'lsc', 'audit_log')",
        [],
        |r| r.get(0),
    )?;
    Ok(n == 4)
}

/// Whether this process's real user may write `path` (root may, except where the permission
/// bits say nobody may, which the caller checks apart).
fn may_write(path: &Path) -> bool {
    nix::unistd::access(path, nix::unistd::AccessFlags::W_OK).is_ok()
}

/// The store's `-wal` or `-shm` file (`suffix` is `"-wal"` or `"-shm"`).
pub(crate) fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// A file kept beside the store at `db`, named after it: `<db file name><suffix>` (the roles,
/// the online CA password). A store copied or restored elsewhere finds its files beside it.
pub fn companion_path(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "capf.db".into());
    name.push(suffix);
    db.with_file_name(name)
}

/// A writer whose `-wal`/`-shm` belong to someone it cannot write for (left by a reader of an
/// older capfsh) would fail halfway with "read-only": say what is wrong before starting.
fn check_wal_files_writable(path: &Path) -> Result<(), StoreError> {
    for suffix in ["-wal", "-shm"] {
        let file = sidecar(path, suffix);
        if file.exists() && !may_write(&file) {
            let owner = fs::metadata(&file)
                .map(|m| {
                    use std::os::unix::fs::MetadataExt;
                    let uid = nix::unistd::Uid::from_raw(m.uid());
                    nix::unistd::User::from_uid(uid)
                        .ok()
                        .flatten()
                        .map_or_else(|| format!("uid {uid}"), |u| u.name)
                })
                .unwrap_or_else(|_| "another user".into());
            return Err(StoreError::CannotOpen {
                path: path.to_path_buf(),
                source: io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "{} belongs to {owner} and this user cannot write it: have root give it \
                         to the store's owner (chown), then try again",
                        file.display()
                    ),
                ),
            });
        }
    }
    Ok(())
}

/// A read-only connection that never creates a file. With `-wal` and `-shm` in place and
/// readable, SQLite reads through them (a `-shm` the reader may not write is used read-only),
/// so commits still in the `-wal` are seen. Without them, or with an empty `-wal` it may not
/// read, the main file holds every commit and is read as immutable: opening it normally would
/// create `-wal`/`-shm` owned by the reader, which the owner's next write trips over, or fail
/// in a folder the reader cannot write.
fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let cannot = |source: rusqlite::Error| StoreError::CannotOpenDb {
        path: path.to_path_buf(),
        source,
    };
    let (wal, shm) = (sidecar(path, "-wal"), sidecar(path, "-shm"));
    let readable = |p: &Path| nix::unistd::access(p, nix::unistd::AccessFlags::R_OK).is_ok();
    if wal.exists() && shm.exists() && readable(&wal) && readable(&shm) {
        return Connection::open_with_flags(path, flags).map_err(cannot);
    }
    let wal_len = fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    if wal_len > 0 {
        return Err(StoreError::CannotOpen {
            path: path.to_path_buf(),
            source: io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} holds changes not yet in the store file, and this user cannot read it \
                     or its -shm: the store's owner gives them the store's mode with any \
                     change (or chmod them like the store)",
                    wal.display()
                ),
            ),
        });
    }
    let uri = format!("file:{}?immutable=1", uri_escape(path));
    Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI).map_err(cannot)
}

/// Percent-escapes a path for an SQLite `file:` URI.
fn uri_escape(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Gives `-wal`/`-shm` the main file's read bits, so `chmod 640` on the store lets a group
/// read it (SQLite makes them once, with the mode the file had then).
fn share_wal_files_like(path: &Path) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Ok(main) = fs::metadata(path) else {
        return;
    };
    let me = nix::unistd::Uid::current().as_raw();
    for suffix in ["-wal", "-shm"] {
        let file = sidecar(path, suffix);
        if let Ok(m) = fs::metadata(&file) {
            let want = main.mode() & 0o666;
            if m.uid() == me && m.mode() & 0o777 != want {
                let _ = fs::set_permissions(&file, fs::Permissions::from_mode(want));
            }
        }
    }
}

/// Makes a new store at `path` with no moment where an empty or half-made file sits under its
/// name: the schema is built in a 0600 file under a temporary name beside it, synced, then
/// linked into place. When another process made the store meanwhile, the link fails and its
/// store is used.
fn create_store_file(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    let cannot = |source: io::Error| StoreError::CannotOpen {
        path: path.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "capf.db".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = path.with_file_name(format!(".{name}.{}.{nanos:x}.new", std::process::id()));
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(&tmp)
        .map_err(cannot)?;
    let built = (|| -> Result<(), StoreError> {
        let mut conn = Connection::open_with_flags(
            &tmp,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::CannotOpenDb {
            path: path.to_path_buf(),
            source,
        })?;
        migrate::migrate(&mut conn)?;
        drop(conn);
        fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(cannot)?;
        match fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(cannot(e)),
        }
    })();
    let _ = fs::remove_file(&tmp);
    let _ = fs::remove_file(sidecar(&tmp, "-journal"));
    if let Some(dir) = path.parent()
        && let Ok(d) = fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = d.sync_all();
    }
    built
}

/// Timestamps are stored as integer microseconds (UTC).
fn to_micros(t: &Timestamp) -> i64 {
    t.timestamp_micros()
}

/// The inverse of `to_micros`, for values the store computed itself.
fn from_micros(v: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_timestamp_micros(v).ok_or(StoreError::TimestampOutOfRange(v))
}

/// Reads a timestamp column inside a row mapper.
fn ts_col(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Timestamp> {
    let v: i64 = row.get(idx)?;
    Timestamp::from_timestamp_micros(v).ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, v))
}

/// Hands every row `stmt` yields for `params` to `each`, one at a time; returns how many there
/// were. The streaming listings share it, so a million rows never sit in memory together.
fn each_row<P: rusqlite::Params, E: From<StoreError>>(
    stmt: &mut rusqlite::Statement<'_>,
    params: P,
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<(), E>,
) -> Result<u64, E> {
    let mut rows = stmt.query(params).map_err(StoreError::from)?;
    let mut n = 0;
    while let Some(row) = rows.next().map_err(StoreError::from)? {
        each(row)?;
        n += 1;
    }
    Ok(n)
}

/// [`each_row`] for listings whose rows become owned values: `map` reads a row, `f` takes it.
fn map_each_row<P: rusqlite::Params, T, E: From<StoreError>>(
    stmt: &mut rusqlite::Statement<'_>,
    params: P,
    map: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    mut f: impl FnMut(T) -> Result<(), E>,
) -> Result<u64, E> {
    each_row(stmt, params, |row| f(map(row).map_err(StoreError::from)?))
}

/// Reads a nullable timestamp column inside a row mapper.
fn opt_ts_col(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Option<Timestamp>> {
    match row.get::<_, Option<i64>>(idx)? {
        None => Ok(None),
        Some(v) => Timestamp::from_timestamp_micros(v)
            .map(Some)
            .ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, v)),
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_v10;
#[cfg(test)]
mod tests_v6;
