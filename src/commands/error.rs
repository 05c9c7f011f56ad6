//! The error of a command: a kind (which decides the exit code, through
//! [`crate::error::EXIT_RULES`]), the line the admin reads, and the error it came from.

use std::error::Error;
use std::fmt;
use std::io;

use crate::domain::InvalidValue;
use crate::engine::EngineError;
use crate::error::{ErrorKind, Program};
use crate::store::StoreError;

/// The line CUCM prints after a failed command; automation greps for it, so it never changes.
pub const FAILURE_TRAILER: &str = "Executed command unsuccessfully";

/// Why a command did not succeed: its [`ErrorKind`], one line for the admin, and the source
/// error kept for whoever needs more than the line.
#[derive(Debug)]
pub struct CommandError {
    kind: ErrorKind,
    message: String,
    source: Option<Box<dyn Error + Send + Sync + 'static>>,
}

impl CommandError {
    /// An error of `kind` with this message and no source.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> CommandError {
        CommandError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// The line is not a valid command (exit code 2).
    pub fn usage(message: impl Into<String>) -> CommandError {
        CommandError::new(ErrorKind::Usage, message)
    }

    /// The command ran and refused or failed (exit code 1).
    pub fn refused(message: impl Into<String>) -> CommandError {
        CommandError::new(ErrorKind::Refused, message)
    }

    /// The admin said no, ended input or pressed Ctrl-C at a question: nothing was done, and
    /// that is not a failure (exit code 0, no failure trailer), in the REPL and one-shot alike.
    /// A script that must know whether something was deleted reads the `deleted` count, which
    /// only a run that went ahead prints.
    pub fn cancelled(message: impl Into<String>) -> CommandError {
        CommandError::new(ErrorKind::Cancelled, message)
    }

    /// A failure nobody asked for (exit code 1 in capfsh).
    pub fn internal(message: impl Into<String>) -> CommandError {
        CommandError::new(ErrorKind::Internal, message)
    }

    /// Keeps `source` as the cause.
    pub fn with_source(mut self, source: impl Error + Send + Sync + 'static) -> CommandError {
        self.source = Some(Box::new(source));
        self
    }

    /// Puts `context` before the message (`/var/db/capf.db: the store is read-only ...`).
    pub fn context(mut self, context: impl fmt::Display) -> CommandError {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The exit code of capfsh for this error, from the one exit-code table.
    pub fn exit_code(&self) -> u8 {
        self.kind.exit_code(Program::Capfsh)
    }

    /// Whether `Executed command unsuccessfully` follows the message.
    pub fn is_failure(&self) -> bool {
        self.kind.is_failure()
    }

    /// The message alone (what the audit log records as the reason).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for CommandError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

impl From<InvalidValue> for CommandError {
    fn from(e: InvalidValue) -> Self {
        CommandError::refused(e.0.clone()).with_source(e)
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        CommandError::new(e.kind(), e.to_string()).with_source(e)
    }
}

impl From<EngineError> for CommandError {
    fn from(e: EngineError) -> Self {
        CommandError::new(e.kind(), e.to_string()).with_source(e)
    }
}

/// An output error: a closed pipe is its own kind (the reader's choice), anything else is
/// internal.
impl From<io::Error> for CommandError {
    fn from(e: io::Error) -> Self {
        let kind = if e.kind() == io::ErrorKind::BrokenPipe {
            ErrorKind::BrokenPipe
        } else {
            ErrorKind::Internal
        };
        CommandError::new(kind, format!("output error: {e}")).with_source(e)
    }
}
