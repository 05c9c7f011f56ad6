//! The SQL side of backups: a consistent online copy of the store, the check of a copy, and
//! putting a copy back into a live store.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::audit::log_ok;
use super::{Actor, Store, StoreError};

impl Store {
    /// Every CA key file the store names, active and retired, as recorded (relative to the
    /// store's folder), in the order the CAs were created.
    pub fn ca_key_files(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key_file FROM capf_ca ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Writes a consistent copy of the whole store to `dest`, which must not exist yet.
    ///
    /// `VACUUM INTO` reads the store in one read transaction, so the copy is one moment of it
    /// even while capfd and other shells keep writing (WAL readers do not block writers), and
    /// the copy is compact, with no `-wal` file of its own to carry along.
    pub fn copy_into(&self, dest: &Path) -> Result<(), StoreError> {
        let dest = dest.to_str().ok_or_else(|| {
            StoreError::Invalid(format!(
                "{} is not valid UTF-8: choose a backup folder with a plain name",
                dest.display()
            ))
        })?;
        self.conn.execute("VACUUM INTO ?1", [dest])?;
        Ok(())
    }

    /// Replaces the whole content of this store with the database at `src`, through SQLite's
    /// online backup API: other connections (a running capfd) see the old store or the new
    /// one, never a mix, and the `-wal` file stays consistent. An audit line naming `detail`
    /// is added to the restored content.
    pub fn replace_from(
        &mut self,
        src: &Path,
        actor: &Actor,
        detail: &str,
    ) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        self.conn
            .restore(
                rusqlite::MAIN_DB,
                src,
                None::<fn(rusqlite::backup::Progress)>,
            )
            .map_err(StoreError::from)?;
        self.write(|tx| log_ok(tx, actor, detail))
    }

    /// Adds an `ok` audit line for an operation done outside the store's own writes (a
    /// restore into a new file).
    pub fn log_event(&mut self, actor: &Actor, detail: &str) -> Result<(), StoreError> {
        self.write(|tx| log_ok(tx, actor, detail))
    }
}

/// Checks a copy of a store without changing it: SQLite's `integrity_check` must say `ok`, and
/// its schema version must be one this build knows. Returns the schema version.
pub fn check_copy(path: &Path) -> Result<i64, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| StoreError::CannotOpenDb {
        path: path.to_path_buf(),
        source,
    })?;
    let version = super::schema_version(&conn).map_err(|e| match e {
        StoreError::FileNotDatabase(_) => StoreError::NotADatabase(path.to_path_buf()),
        other => other,
    })?;
    if version > super::LATEST_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            known: super::LATEST_VERSION,
        });
    }
    if version == 0 || !super::has_capfsh_tables(&conn)? {
        return Err(StoreError::Foreign(path.to_path_buf()));
    }
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let problems: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    if problems != ["ok"] {
        return Err(StoreError::Invalid(format!(
            "{} fails SQLite's integrity check: {}",
            path.display(),
            problems.into_iter().take(3).collect::<Vec<_>>().join("; ")
        )));
    }
    Ok(version)
}
