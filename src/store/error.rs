//! Store failures, classified so each one reaches the admin as one actionable line.

use std::path::PathBuf;

use rusqlite::ErrorCode;

use crate::domain::InvalidValue;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The folder that should hold the database does not exist (and we were told not to make it).
    #[error("folder {0} does not exist: create it first or choose another path with --db")]
    FolderMissing(PathBuf),
    /// The path exists but is not a file.
    #[error("not a file: choose a database file with --db")]
    NotAFile(PathBuf),
    /// The file is not an SQLite database at all.
    #[error("not a capfsh store (not an SQLite database): check the --db path")]
    NotADatabase(PathBuf),
    /// An SQLite database that some other program made: migrating it would graft our tables
    /// onto someone else's data.
    #[error(
        "not a capfsh store (an SQLite database of another program): check the --db path; it was not modified"
    )]
    Foreign(PathBuf),
    /// The database is damaged.
    #[error("the store is corrupt (database disk image is malformed): restore it from a backup")]
    Corrupt,
    /// The store was written by a newer capfsh/capfd; we must not touch it.
    #[error(
        "schema version {found} is newer than this capfsh understands ({known}): upgrade capfsh; the store was not modified"
    )]
    NewerSchema {
        /// The store's path.
        path: PathBuf,
        /// Version found in the file.
        found: i64,
        /// Latest version this binary knows.
        known: i64,
    },
    /// The database file (or its folder) cannot be written.
    #[error("the store is read-only: check the permissions of the database file and its folder")]
    ReadOnly,
    /// Another process kept the write lock past the busy timeout.
    #[error(
        "the store is busy: another process (capfd or another capfsh) holds its write lock; try again"
    )]
    Busy,
    /// The file could not be opened.
    #[error("cannot open: {reason}")]
    CannotOpen {
        /// The store's path.
        path: PathBuf,
        /// What the OS or SQLite said.
        reason: String,
    },
    /// A value did not pass the domain rules or the schema's checks.
    #[error("{0}")]
    Invalid(String),
    /// Anything else SQLite reported.
    #[error("store error: {0}")]
    Sqlite(String),
}

impl From<InvalidValue> for StoreError {
    fn from(e: InvalidValue) -> Self {
        StoreError::Invalid(e.0)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            match f.code {
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                    return StoreError::Busy;
                }
                ErrorCode::ReadOnly => return StoreError::ReadOnly,
                ErrorCode::DatabaseCorrupt => return StoreError::Corrupt,
                ErrorCode::NotADatabase => {
                    return StoreError::Sqlite(
                        "file is not a database: check the --db path".into(),
                    );
                }
                ErrorCode::ConstraintViolation => {
                    return StoreError::Invalid(format!(
                        "refused by the store's checks: {}",
                        msg.as_deref().unwrap_or("constraint failed")
                    ));
                }
                _ => {}
            }
        }
        StoreError::Sqlite(e.to_string())
    }
}
