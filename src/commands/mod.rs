//! What each command does. A command gets its parsed [`Invocation`], the [`Session`] (the store,
//! who is acting, the output format) and a [`Prompter`] for questions, and hands its results to a
//! [`Renderer`]; it never touches the terminal directly.

mod certs;
mod csr;
mod lifecycle;
mod report;
mod settings;
mod stale_lsc;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cli::parse::{Invocation, ParseError};
use crate::cli::tree::CommandId;
use crate::domain::{DeviceName, InvalidValue};
use crate::render::{Format, Renderer};
pub use crate::store::StoreLocation;
use crate::store::{Actor, Scope, Store, StoreError};

/// The line CUCM prints after a failed command; automation greps for it, so it never changes.
pub const FAILURE_TRAILER: &str = "Executed command unsuccessfully";

/// Why a command did not succeed, and so which exit code it earns.
#[derive(Debug, thiserror::Error)]
pub enum CmdError {
    /// The line is not a valid command (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// The command ran and failed (exit code 1).
    #[error("{0}")]
    Failed(String),
    /// The admin said no, ended input or pressed Ctrl-C at a question: nothing was done, and
    /// that is not a failure of the command (exit code 0, no failure trailer), the same in the
    /// REPL and one-shot. A script that must know whether something was deleted reads the
    /// `deleted` count, which only a run that went ahead prints.
    #[error("{0}")]
    Cancelled(String),
}

impl CmdError {
    /// The process exit code for this error: 2 usage, 1 failed, 0 cancelled by the admin.
    pub fn exit_code(&self) -> u8 {
        match self {
            CmdError::Usage(_) => 2,
            CmdError::Failed(_) => 1,
            CmdError::Cancelled(_) => 0,
        }
    }
}

impl From<ParseError> for CmdError {
    fn from(e: ParseError) -> Self {
        CmdError::Usage(e.to_string())
    }
}

impl From<InvalidValue> for CmdError {
    fn from(e: InvalidValue) -> Self {
        CmdError::Failed(e.0)
    }
}

impl From<StoreError> for CmdError {
    fn from(e: StoreError) -> Self {
        CmdError::Failed(e.to_string())
    }
}

impl From<std::io::Error> for CmdError {
    fn from(e: std::io::Error) -> Self {
        CmdError::Failed(format!("output error: {e}"))
    }
}

/// An answer to a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A line was typed.
    Line(String),
    /// Ctrl-C.
    Interrupted,
    /// End of input.
    Eof,
}

/// Asks the admin things. Implemented by the REPL; scripts and one-shot runs have none, so a
/// command that would ask fails at once and says what to pass instead.
pub trait Prompter {
    /// Asks `prompt` and returns the answer.
    fn ask(&mut self, prompt: &str) -> Answer;
    /// Tells the admin something between two questions (why an answer was refused).
    fn note(&mut self, text: &str);
}

/// No terminal: nothing can be asked.
pub struct NoPrompter;

impl Prompter for NoPrompter {
    fn ask(&mut self, _prompt: &str) -> Answer {
        Answer::Eof
    }

    fn note(&mut self, _text: &str) {}
}

/// What a command may use: the store, the actor, the output settings.
pub struct Session {
    location: StoreLocation,
    store: Option<Store>,
    /// Output format.
    pub format: Format,
    /// `--yes`: confirmations are answered yes.
    pub assume_yes: bool,
    /// Whether questions can be asked (a terminal is attached).
    pub interactive: bool,
    /// The OS user, for the audit log.
    pub os_user: String,
    /// Set by SIGINT while a command runs; long commands stop when they see it.
    pub interrupted: Arc<AtomicBool>,
    /// `set cli pagination` state (accepted; capfsh never pages).
    pub pagination: bool,
    /// Width of the terminal output goes to, if it goes to one (tables wrap to it).
    pub terminal_width: Option<usize>,
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
    /// A session on the store at `location`.
    pub fn new(location: StoreLocation, format: Format, interactive: bool) -> Session {
        Session {
            location,
            store: None,
            format,
            assume_yes: false,
            interactive,
            os_user: os_user(),
            interrupted: Arc::new(AtomicBool::new(false)),
            pagination: true,
            terminal_width: crate::render::terminal_width(),
        }
    }

    /// Reads the terminal's width again. The REPL calls it before each command: an admin
    /// resizes the window during a session, and tables should follow (one ioctl, cheap).
    pub fn refresh_terminal_width(&mut self) {
        self.terminal_width = crate::render::terminal_width();
    }

    /// The store location.
    pub fn location(&self) -> &StoreLocation {
        &self.location
    }

    /// The store, opened on first use.
    pub fn store(&mut self) -> Result<&mut Store, CmdError> {
        if self.store.is_none() {
            let store = self
                .location
                .open()
                .map_err(|e| CmdError::Failed(format!("{}: {e}", self.location.path.display())))?;
            self.store = Some(store);
        }
        match self.store.as_mut() {
            Some(s) => Ok(s),
            None => Err(CmdError::Failed("the store is not open".into())),
        }
    }

    fn actor(&self, line: &str) -> Actor {
        Actor {
            os_user: self.os_user.clone(),
            command: line.to_owned(),
        }
    }

    /// Asks `Continue (y/n)?` unless `noconfirm`/`--yes` was given; without a terminal, refuses
    /// and says what to add. `effect` completes "This will ..." (`delete 1 stale LSC`);
    /// `declined` is the line printed when the admin says no or ends input.
    fn confirm(
        &self,
        inv: &Invocation,
        effect: &str,
        declined: &str,
        prompter: &mut dyn Prompter,
    ) -> Result<(), CmdError> {
        if inv.noconfirm || self.assume_yes {
            return Ok(());
        }
        if !self.interactive {
            return Err(CmdError::Failed(format!(
                "{} would {effect} and needs confirmation, but there is no terminal to ask on: \
                 add noconfirm (or --yes)",
                inv.canonical()
            )));
        }
        loop {
            match prompter.ask(&format!("This will {effect}.\nContinue (y/n)?")) {
                Answer::Line(l) => match l.trim().to_ascii_lowercase().as_str() {
                    "y" | "yes" => return Ok(()),
                    "n" | "no" => return Err(CmdError::Cancelled(declined.into())),
                    _ => continue,
                },
                Answer::Interrupted => {
                    return Err(CmdError::Cancelled("Control-C pressed".into()));
                }
                Answer::Eof => return Err(CmdError::Cancelled(declined.into())),
            }
        }
    }
}

/// The OS user running us, for the audit log: `$USER`/`$LOGNAME`, else the name of our uid.
pub fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(user_of_this_process)
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(unix)]
fn user_of_this_process() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id = f.nth(1)?;
        (id.parse::<u32>().ok()? == uid).then(|| name.to_owned())
    })
}

#[cfg(not(unix))]
fn user_of_this_process() -> Option<String> {
    None
}

/// Whether a command changes the store (and so is audited, failures included).
pub fn mutates(id: CommandId) -> bool {
    matches!(
        id,
        CommandId::SetKeepAlive
            | CommandId::SetMode
            | CommandId::SetValidity
            | CommandId::CsrDelete
            | CommandId::StaleDelete
            | CommandId::CertImport
            | CommandId::TrustImport
            | CommandId::LscRevoke
            | CommandId::LscRevokeSerial
            | CommandId::Tidy
    )
}

/// Parses `all|<device>`.
fn scope(value: Option<&str>) -> Result<Scope, CmdError> {
    match value {
        Some("all") => Ok(Scope::All),
        Some(d) => Ok(Scope::Device(d.parse::<DeviceName>()?)),
        None => Err(CmdError::Usage("specify all or a device name".into())),
    }
}

/// Runs one parsed command. `line` is what the admin typed (for the audit log).
pub fn run(
    inv: &Invocation,
    line: &str,
    session: &mut Session,
    prompter: &mut dyn Prompter,
    out: &mut dyn Renderer,
) -> Result<Flow, CmdError> {
    session.interrupted.store(false, Ordering::Relaxed);
    let result = dispatch(inv, line, session, prompter, out);
    if let Err(CmdError::Failed(reason)) = &result
        && mutates(inv.id)
    {
        let actor = session.actor(line);
        if let Some(store) = session.store.as_mut() {
            store.log_failure(&actor, reason);
        }
    }
    out.flush()?;
    result
}

fn dispatch(
    inv: &Invocation,
    line: &str,
    session: &mut Session,
    prompter: &mut dyn Prompter,
    out: &mut dyn Renderer,
) -> Result<Flow, CmdError> {
    use CommandId::*;
    let actor = session.actor(line);
    match inv.id {
        SetKeepAlive => settings::set_keep_alive(inv, session, &actor, prompter, out)?,
        SetMode => settings::set_mode(inv, session, &actor, out)?,
        SetValidity => settings::set_validity(inv, session, &actor, out)?,
        ShowKeepAlive => settings::show_keep_alive(session, out)?,
        ShowStatus => report::status(session, out)?,
        ShowAudit => report::audit(inv, session, out)?,
        ShowCert => certs::show_cert(session, out)?,
        ShowCertAll => lifecycle::show_cert_all(session, out)?,
        LscRevoke | LscRevokeSerial => lifecycle::revoke(inv, session, &actor, prompter, out)?,
        LscExport => lifecycle::export(inv, session, out)?,
        Tidy => lifecycle::tidy(inv, session, &actor, prompter, out)?,
        CsrExport => certs::csr_export(inv, session, out)?,
        CertImport => certs::cert_import(inv, session, &actor, out)?,
        TrustImport => certs::trust_import(inv, session, &actor, out)?,
        ShowTrust => report::trust(session, out)?,
        ShowLsc => report::lsc(inv, report::LscReport::All, session, out)?,
        ShowLscExpiring => report::lsc(inv, report::LscReport::Expiring, session, out)?,
        ShowLscDevice => report::lsc(inv, report::LscReport::Device, session, out)?,
        SetPagination => settings::set_pagination(inv, session, out)?,
        CsrList => csr::list(session, out)?,
        CsrCount => csr::count(session, out)?,
        CsrDump => csr::dump(inv, session, out)?,
        CsrDelete => csr::delete(inv, session, &actor, prompter, out)?,
        StaleList => stale_lsc::list(session, out)?,
        StaleDelete => stale_lsc::delete(inv, session, &actor, prompter, out)?,
        Help => {
            let lines = match inv.arg(0) {
                None => crate::cli::help::general_help(),
                Some(words) => crate::cli::help::command_help(words, session.interactive)
                    .map_err(CmdError::Usage)?,
            };
            out.text(&lines)?;
        }
        Quit | Exit => return Ok(Flow::Quit),
    }
    Ok(Flow::Continue)
}

/// What a scoped delete (`... delete all|<device>`) removes: its nouns and its store calls.
struct Deletion {
    one: &'static str,
    many: &'static str,
    count: fn(&Store, &Scope) -> Result<u64, StoreError>,
    delete: fn(&mut Store, &Scope, &Actor) -> Result<u64, StoreError>,
}

/// `delete all|<device> [noconfirm]`: says when there is nothing to delete (an unknown device
/// is an error), asks for confirmation, deletes in one transaction, reports how many.
fn scoped_delete(
    inv: &Invocation,
    session: &mut Session,
    actor: &Actor,
    prompter: &mut dyn Prompter,
    out: &mut dyn Renderer,
    target: &Deletion,
) -> Result<(), CmdError> {
    let scope = scope(inv.arg(0))?;
    let n = (target.count)(session.store()?, &scope)?;
    let noun = |n| if n == 1 { target.one } else { target.many };
    if n == 0 {
        return match scope {
            Scope::All => {
                out.outcome(
                    &format!("No {} found; nothing deleted", target.many),
                    &[("deleted", crate::render::Cell::Int(0))],
                )?;
                Ok(())
            }
            Scope::Device(d) => Err(CmdError::Failed(format!(
                "no {} for device {d}",
                target.one
            ))),
        };
    }
    let effect = match &scope {
        Scope::All => format!("delete {n} {}", noun(n)),
        Scope::Device(d) => format!("delete {n} {} of {d}", noun(n)),
    };
    session.confirm(inv, &effect, "Cancelled: nothing was deleted", prompter)?;
    let deleted = (target.delete)(session.store()?, &scope, actor)?;
    out.outcome(
        &format!("Deleted {deleted} {}", noun(deleted)),
        &[("deleted", crate::render::Cell::Int(deleted as i64))],
    )?;
    Ok(())
}

/// The row handler of a streamed listing: checks for Ctrl-C, renders the row.
fn row_sink<'a, T: 'a, const N: usize>(
    interrupted: Arc<AtomicBool>,
    out: &'a mut dyn Renderer,
    row: fn(&T) -> [crate::render::Cell; N],
) -> impl FnMut(T) -> Result<(), CmdError> + 'a {
    move |item| {
        if interrupted.load(Ordering::Relaxed) {
            return Err(CmdError::Cancelled("Control-C pressed".into()));
        }
        out.row(&row(&item)).map_err(CmdError::from)
    }
}

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
