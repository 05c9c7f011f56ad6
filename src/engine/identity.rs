//! Which failure an error is, as a value a log can compare: a lasting failure of `capfd run`
//! (a missing CA key, a locked store) is said once, not at every tick, and that needs "the same
//! failure again" without reading the text, which may carry a changing detail (a count, an
//! SQLite message) or be shared by two different failures.

use std::mem::{Discriminant, discriminant};
use std::path::PathBuf;

use super::EngineError;
use crate::pki::PkiError;
use crate::store::StoreError;

/// The identity of an [`EngineError`]: its variant, the variant of the error it carries (a
/// store, PKI or OS error, and SQLite's extended code), and the file it concerns. Two errors
/// with the same identity are one failure lasting; anything else is a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorIdentity {
    engine: Discriminant<EngineError>,
    store: Option<Discriminant<StoreError>>,
    pki: Option<Discriminant<PkiError>>,
    io: Option<std::io::ErrorKind>,
    sqlite: Option<i32>,
    action: Option<&'static str>,
    path: Option<PathBuf>,
}

impl EngineError {
    /// Which failure this is, for "said once" logs (see [`ErrorIdentity`]).
    pub fn identity(&self) -> ErrorIdentity {
        let mut id = ErrorIdentity {
            engine: discriminant(self),
            store: None,
            pki: None,
            io: None,
            sqlite: None,
            action: None,
            path: None,
        };
        match self {
            EngineError::Store(e) => id.store_error(e),
            EngineError::OpenStore { path, source } => {
                id.path = Some(path.clone());
                id.store_error(source);
            }
            EngineError::Pki(e) => id.pki = Some(discriminant(e)),
            EngineError::File {
                action,
                path,
                source,
            } => {
                id.action = Some(action);
                id.path = Some(path.clone());
                id.io = Some(source.kind());
            }
            EngineError::Stdin(e)
            | EngineError::Signals(e)
            | EngineError::Worker(e)
            | EngineError::Output(e) => id.io = Some(e.kind()),
            EngineError::KeyReadable { path, .. }
            | EngineError::KeyTooLarge(path)
            | EngineError::KeyMissing { path, .. }
            | EngineError::KeyMismatch { path, .. }
            | EngineError::ProtectedFile { path, .. } => id.path = Some(path.clone()),
            _ => {}
        }
        id
    }
}

impl ErrorIdentity {
    fn store_error(&mut self, e: &StoreError) {
        self.store = Some(discriminant(e));
        match e {
            StoreError::CannotOpen { path, source } => {
                self.path = Some(path.clone());
                self.io = Some(source.kind());
            }
            StoreError::CannotOpenDb { path, source } => {
                self.path = Some(path.clone());
                self.sqlite = sqlite_code(source);
            }
            StoreError::Constraint(source)
            | StoreError::FileNotDatabase(source)
            | StoreError::Sqlite(source) => self.sqlite = sqlite_code(source),
            StoreError::FolderMissing(path)
            | StoreError::NotAFile(path)
            | StoreError::NotADatabase(path)
            | StoreError::Foreign(path)
            | StoreError::EmptyFile(path)
            | StoreError::NewerSchema { path, .. } => self.path = Some(path.clone()),
            _ => {}
        }
    }
}

/// SQLite's extended result code, which tells failures apart that share a primary code.
fn sqlite_code(e: &rusqlite::Error) -> Option<i32> {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.extended_code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::InvalidValue;

    fn sqlite(code: i32, msg: &str) -> StoreError {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            Some(msg.into()),
        ))
    }

    /// One failure whose text changes (SQLite's message, say) is still one failure.
    #[test]
    fn a_lasting_failure_with_a_changing_text_is_one() {
        let a = EngineError::Store(sqlite(rusqlite::ffi::SQLITE_IOERR, "disk I/O error (1)"));
        let b = EngineError::Store(sqlite(rusqlite::ffi::SQLITE_IOERR, "disk I/O error (2)"));
        assert_ne!(a.to_string(), b.to_string());
        assert_eq!(a.identity(), b.identity());
        let missing = |subject: &str| EngineError::KeyMissing {
            subject: subject.into(),
            path: PathBuf::from("/s/capf.db.ca-key-1.pem"),
        };
        assert_eq!(missing("CN=a").identity(), missing("CN=b").identity());
    }

    /// Two failures with the same text are two.
    #[test]
    fn different_failures_with_one_text_are_two() {
        let a = EngineError::Invalid(InvalidValue("bad device".into()));
        let b = EngineError::Store(StoreError::Invalid("bad device".into()));
        assert_eq!(a.to_string(), b.to_string());
        assert_ne!(a.identity(), b.identity());
        let key = |p: &str| EngineError::KeyTooLarge(PathBuf::from(p));
        assert_ne!(key("/a/k.pem").identity(), key("/b/k.pem").identity());
        let io = |kind| EngineError::File {
            action: "read",
            path: PathBuf::from("/a"),
            source: std::io::Error::new(kind, "same words"),
        };
        assert_eq!(
            io(std::io::ErrorKind::NotFound).to_string(),
            io(std::io::ErrorKind::PermissionDenied).to_string()
        );
        assert_ne!(
            io(std::io::ErrorKind::NotFound).identity(),
            io(std::io::ErrorKind::PermissionDenied).identity()
        );
        assert_ne!(
            EngineError::Store(StoreError::Busy).identity(),
            EngineError::Store(StoreError::ReadOnly).identity()
        );
    }
}
