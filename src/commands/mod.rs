//! What each command does.
//!
//! A command is a handler `fn(&mut Cx) -> Result<(), CommandError>` in the file of its group
//! (`csr.rs` for `utils capf csr ...`). It gets its typed parameter values, the store and who
//! acts ([`Act`]), the output settings and a way to ask ([`Talk`], [`Prompter`]), and hands its
//! results to a [`Renderer`]; it never touches the terminal directly. [`run`] audits a failed
//! command that changes the store, as its [`Effect`](crate::cli::tree::Effect) in the tree says.

mod act;
mod backup;
mod certs;
mod csr;
mod delete;
mod error;
mod lifecycle;
mod online_ca;
mod operation;
mod report;
mod settings;
mod stale_lsc;
mod talk;

use std::sync::atomic::Ordering;

pub use act::Act;
pub use error::{CommandError, FAILURE_TRAILER};
pub use talk::{Answer, CONTROL_C, NoPrompter, Prompter, Talk, ask_secret_on_terminal};

use crate::cli::parse::{Args, Invocation};
use crate::cli::tree::CommandId;
use crate::render::{Cell, Column, Format, Renderer};
pub use crate::store::StoreLocation;
use crate::store::{Actor, Store};

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
    /// The command as parsed (its canonical line, `noconfirm`).
    pub inv: &'a Invocation,
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
}

impl Cx<'_> {
    /// The store, opened on first use.
    pub fn store(&mut self) -> Result<&mut Store, CommandError> {
        self.act.store()
    }

    /// Asks `Continue (y/n)?` for this command (see [`Talk::confirm`]).
    pub fn confirm(&mut self, effect: &str, declined: &str) -> Result<(), CommandError> {
        self.talk.confirm(
            &self.inv.canonical(),
            self.inv.noconfirm,
            effect,
            declined,
            self.prompter,
        )
    }
}

/// A command's handler.
type Handler = fn(&mut Cx<'_>) -> Result<(), CommandError>;

/// The handler of each command: the one place a [`CommandId`] meets its code. The match is
/// exhaustive, so a command added to the tree does not compile until it has a handler.
fn handler(id: CommandId) -> Handler {
    use CommandId::*;
    match id {
        SetKeepAlive => settings::set_keep_alive,
        SetMode => settings::set_mode,
        SetValidity => settings::set_validity,
        ShowKeepAlive => settings::show_keep_alive,
        SetPagination => settings::set_pagination,
        ShowStatus => report::status,
        ShowAudit => report::audit,
        ShowTrust => report::trust,
        ShowLsc => report::lsc_all,
        ShowLscExpiring => report::lsc_expiring,
        ShowLscDevice => report::lsc_device,
        ShowCert => certs::show_cert,
        ShowCertAll => lifecycle::show_cert_all,
        LscRevoke | LscRevokeSerial => lifecycle::revoke,
        LscExport => lifecycle::export,
        Tidy => lifecycle::tidy,
        CsrExport => certs::csr_export,
        CertImport => certs::cert_import,
        TrustImport => certs::trust_import,
        Backup => backup::run,
        CsrList => csr::list,
        CsrCount => csr::count,
        CsrDump => csr::dump,
        CsrDelete => csr::delete,
        StaleList => stale_lsc::list,
        StaleDelete => stale_lsc::delete,
        OperationInstall => operation::install,
        OperationTroubleshoot => operation::troubleshoot,
        OperationDelete => operation::delete,
        OperationInstallFile => operation::install_file,
        OperationCancel => operation::cancel,
        ShowOperation => operation::show,
        ShowPhone => operation::phone,
        SetOnlineCa => online_ca::set,
        OnlineCaCacerts => online_ca::cacerts,
        ShowOnlineCa => online_ca::show,
        ShowOnlineCaRequests => online_ca::requests,
        Help => help,
        Quit | Exit => |_| Ok(()),
    }
}

/// Runs one parsed command. `line` is what the admin typed (for the audit log). A failure of a
/// command that changes the store is audited when the store is open.
pub fn run(
    inv: &Invocation,
    line: &str,
    session: &mut Session,
    prompter: &mut dyn Prompter,
    out: &mut dyn Renderer,
) -> Result<Flow, CommandError> {
    session.talk.interrupted.store(false, Ordering::Relaxed);
    let actor = session.act.actor(line);
    if let Err(e) = permitted(inv, session) {
        // A refused role is audited like any refused change, where the user may write at all
        // (a reader cannot write the store by any means, so the refusal is only reported).
        if inv.effect.mutates()
            && let Ok(store) = session.act.store()
        {
            store.log_failure(&actor, e.message());
        }
        out.flush()?;
        return Err(e);
    }
    let result = inv.values().map_err(CommandError::from).and_then(|args| {
        let mut cx = Cx {
            inv,
            args,
            actor: actor.clone(),
            act: &mut session.act,
            talk: &mut session.talk,
            prompter,
            out: &mut *out,
        };
        handler(inv.id)(&mut cx)
    });
    if let Err(e) = &result
        && inv.effect.mutates()
        && e.is_failure()
        && let Some(store) = session.act.store_for_audit()
    {
        store.log_failure(&actor, e.message());
    }
    out.flush()?;
    result?;
    Ok(match inv.id {
        CommandId::Quit | CommandId::Exit => Flow::Quit,
        _ => Flow::Continue,
    })
}

/// `help [command]`.
/// Whether the user running us has the role the command needs (its [`Effect`](crate::cli::tree::Effect)
/// decides which).
fn permitted(inv: &Invocation, session: &Session) -> Result<(), CommandError> {
    crate::roles::check(
        &session.location().path,
        inv.id,
        inv.effect,
        &inv.canonical(),
    )
    .map_err(|e| CommandError::refused(e.to_string()))
}

fn help(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let lines = match cx.args.text(0) {
        None => crate::cli::help::general_help(),
        Some(words) => crate::cli::help::command_help(words, cx.talk.interactive)
            .map_err(CommandError::usage)?,
    };
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
