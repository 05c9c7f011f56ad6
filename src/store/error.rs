//! Store failures, classified so each one reaches the admin as one actionable line.

use std::path::PathBuf;

use rusqlite::ErrorCode;

use crate::domain::InvalidValue;
use crate::error::ErrorKind;

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
    /// The store's file is empty: capfsh never leaves one so, so it was destroyed (truncated by
    /// another program). Starting a new store over it would hide the loss.
    #[error(
        "the store file is empty (0 bytes), so its data was lost: restore it from a backup, or \
         remove the file to start a new store; it was not modified"
    )]
    EmptyFile(PathBuf),
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
    /// The file or its folder could not be created or looked at.
    #[error("cannot open: {source}")]
    CannotOpen {
        /// The store's path.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// SQLite could not open the file.
    #[error("cannot open: {source}")]
    CannotOpenDb {
        /// The store's path.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// No `--db`, no `CAPFSH_DB` and no data directory to put the default store in.
    #[error("cannot open: no data directory for the default store (is HOME set?): pass --db PATH")]
    NoDataDir,
    /// A value did not pass the domain rules.
    #[error("{0}")]
    Invalid(String),
    /// A write broke one of the schema's checks (a CHECK, UNIQUE or trigger).
    #[error("refused by the store's checks: {}", constraint_message(.0))]
    Constraint(#[source] rusqlite::Error),
    /// SQLite says the file is not a database (outside [`Store::open`](super::Store::open), which
    /// turns it into [`StoreError::NotADatabase`] with the path).
    #[error("store error: file is not a database: check the --db path")]
    FileNotDatabase(#[source] rusqlite::Error),
    /// The file refused WAL mode (a read-only folder or a network file system, say).
    #[error("store error: could not switch the store to WAL mode (got {0})")]
    NotWal(String),
    /// A stored timestamp is outside what the domain can represent.
    #[error("store error: timestamp {0} out of range")]
    TimestampOutOfRange(i64),
    /// Anything else SQLite reported.
    #[error("store error: {0}")]
    Sqlite(#[source] rusqlite::Error),
}

/// The message SQLite gave with a constraint failure.
fn constraint_message(e: &rusqlite::Error) -> &str {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg,
        _ => "constraint failed",
    }
}

impl StoreError {
    /// Which kind of failure this is (the exit code follows from it).
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Busy | StoreError::ReadOnly => ErrorKind::StoreUnavailable,
            StoreError::NotWal(_) | StoreError::TimestampOutOfRange(_) | StoreError::Sqlite(_) => {
                ErrorKind::Internal
            }
            _ => ErrorKind::Refused,
        }
    }
}

impl From<InvalidValue> for StoreError {
    fn from(e: InvalidValue) -> Self {
        StoreError::Invalid(e.0)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly,
            Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt,
            Some(ErrorCode::NotADatabase) => StoreError::FileNotDatabase(e),
            Some(ErrorCode::ConstraintViolation) => StoreError::Constraint(e),
            _ => StoreError::Sqlite(e),
        }
    }
}
