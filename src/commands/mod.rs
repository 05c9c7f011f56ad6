//! What each command does.
//!
//! A command is a [`Handler`], `fn(&mut Cx) -> Result<(), CommandError>`, in the file of its
//! group (`csr.rs` for `utils capf csr ...`), named by its node in the command tree. It gets its
//! typed parameter values ([`args`]), the store and who acts ([`Act`]), the output settings and a
//! way to ask ([`Talk`], [`Prompter`]), and hands its results to a [`Renderer`]; it never touches
//! the terminal directly. This module knows nothing of the tree or the parser: they sit above
//! it, and the dispatcher (`cli::run`) audits a failed command that changes the store.

mod act;
pub mod args;
pub mod backup;
pub mod certs;
pub mod csr;
mod delete;
mod error;
pub mod lifecycle;
pub mod online_ca;
pub mod operation;
pub mod report;
pub mod settings;
pub mod stale_lsc;
mod talk;

use std::sync::atomic::Ordering;

pub use act::Act;
pub use error::{CommandError, FAILURE_TRAILER};
pub use talk::{Answer, CONTROL_C, NoPrompter, Prompter, Talk, ask_secret_on_terminal};

use crate::render::{Cell, Column, Format, Renderer};
pub use crate::store::StoreLocation;
use crate::store::{Actor, Store};
use args::Args;

/// A session: what commands act on ([`Act`]) and how they talk ([`Talk`]).
pub struct Session {
    /// The store and the acting user.
    pub act: Act,
    /// Output settings, questions, interruption.
    pub talk: Talk,
}

/// What the caller should do after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// End the session (`quit`, `exit`).
    Quit,
}

impl Session {
    /// A session on the store at `location`; `interactive` when a terminal can answer.
    pub fn new(location: StoreLocation, format: Format, interactive: bool) -> Session {
        Session {
            act: Act::new(location),
            talk: Talk::new(format, interactive),
        }
    }

    /// The store location.
    pub fn location(&self) -> &StoreLocation {
        self.act.location()
    }
}

/// Everything one run of a command gets.
pub struct Cx<'a> {
    /// The command written in full (`utils capf csr delete all`), for its question.
    pub command: String,
    /// `noconfirm` was given.
    pub noconfirm: bool,
    /// Its parameter values, typed and checked.
    pub args: Args,
    /// Who acts, with the line as typed, for the audit log.
    pub actor: Actor,
    /// The store.
    pub act: &'a mut Act,
    /// Output settings and questions.
    pub talk: &'a mut Talk,
    /// Asks the admin.
    pub prompter: &'a mut dyn Prompter,
    /// Where results go.
    pub out: &'a mut dyn Renderer,
    /// Describes commands as `help` prints them (given by the dispatcher, which sits above the
    /// command tree: handlers never read the tree themselves).
    pub describe: Describe,
}

/// What `help [command]` prints for the words after it, in the REPL or not.
pub type Describe = fn(Option<&str>, bool) -> Result<Vec<String>, String>;

impl Cx<'_> {
    /// The store, opened on first use.
    pub fn store(&mut self) -> Result<&mut Store, CommandError> {
        self.act.store()
    }

    /// Asks `Continue (y/n)?` for this command (see [`Talk::confirm`]).
    pub fn confirm(&mut self, effect: &str, declined: &str) -> Result<(), CommandError> {
        self.talk.confirm(
            &self.command,
            self.noconfirm,
            effect,
            declined,
            self.prompter,
        )
    }
}

/// A command's handler, named by its node in the command tree.
pub type Handler = fn(&mut Cx<'_>) -> Result<(), CommandError>;

/// `help [command]`.
pub fn help(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let lines = (cx.describe)(cx.args.text(0), cx.talk.interactive).map_err(CommandError::usage)?;
    cx.out.text(&lines)?;
    Ok(())
}

/// A required parameter's value. The parser refuses a line without it, so a `None` here is a
/// tree and handler that disagree: an internal error, not a panic.
fn required<T>(value: Option<T>, name: &str) -> Result<T, CommandError> {
    value.ok_or_else(|| CommandError::internal(format!("missing <{name}>")))
}

/// The row handler of a streamed listing: checks for Ctrl-C, renders the row.
fn row_sink<'a, T: 'a, const N: usize>(
    talk: &Talk,
    out: &'a mut dyn Renderer,
    row: fn(&T) -> [Cell; N],
) -> impl FnMut(T) -> Result<(), CommandError> + 'a {
    let interrupted = talk.interrupted.clone();
    move |item| {
        if interrupted.load(Ordering::Relaxed) {
            return Err(CommandError::cancelled(CONTROL_C));
        }
        out.row(&row(&item)).map_err(CommandError::from)
    }
}

/// The device column of every listing of devices.
const DEVICE_COLUMN: Column = Column {
    field: "device",
    title: "Device Name",
    width: 15,
};

/// The serial column of every listing of certificates.
const SERIAL_COLUMN: Column = Column {
    field: "serial",
    title: "Serial",
    // Up to 20 bytes (RFC 5280), so 40 hex digits from an external CA; ours have 32.
    width: 40,
};

/// When a certificate was issued, in every listing of certificates.
const ISSUED_COLUMN: Column = Column {
    field: "issued_at",
    title: "Issued At (UTC)",
    width: 19,
};

/// When a certificate's validity ends, in every listing of certificates.
const EXPIRES_COLUMN: Column = Column {
    field: "expires_at",
    title: "Expires (UTC)",
    width: 19,
};

/// When a CSR arrived, in every listing of CSRs.
const SUBMITTED_COLUMN: Column = Column {
    field: "submitted_at",
    title: "Submitted At (UTC)",
    width: 19,
};

/// A certificate's SHA-256 fingerprint (32 bytes as colon-separated hex).
const FINGERPRINT_COLUMN: Column = Column {
    field: "sha256_fingerprint",
    title: "SHA-256 Fingerprint",
    width: 95,
};

/// The closing line of a listing: `No pending CSRs found` or `3 pending CSRs found`.
fn found(n: u64, one: &str, many: &str) -> String {
    if n == 0 {
        format!("No {many} found")
    } else {
        format!("{} found", plural(n, one, many))
    }
}

/// Plural helper for closing lines: `1 pending CSR`, `2 pending CSRs`.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
