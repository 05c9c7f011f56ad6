//! `utils capf set ...`, `show capf keep_alive`, `set cli pagination`.

use super::{Answer, CmdError, Prompter, Session};
use crate::cli::parse::Invocation;
use crate::domain::{IssuerMode, KeepAlive, ValidityDays};
use crate::render::{Cell, Renderer};
use crate::store::Actor;

/// `utils capf set keep_alive [minutes]`: asks for the value in the REPL when none is given.
pub fn set_keep_alive(
    inv: &Invocation,
    session: &mut Session,
    actor: &Actor,
    prompter: &mut dyn Prompter,
    out: &mut dyn Renderer,
) -> Result<(), CmdError> {
    let value = match inv.arg(0) {
        Some(v) => v.parse::<KeepAlive>()?,
        None if !session.interactive => {
            return Err(CmdError::Failed(format!(
                "no keep_alive value given and no terminal to ask on: pass the minutes, e.g. \
                 'utils capf set keep_alive {}' ({}-{})",
                KeepAlive::DEFAULT,
                KeepAlive::MIN,
                KeepAlive::MAX
            )));
        }
        None => ask_keep_alive(prompter)?,
    };
    let old = session.store()?.set_keep_alive(value, actor)?;
    out.outcome(
        &format!("CAPF keep-alive changed from {old} to {value} minutes"),
        &[
            ("setting", "keep_alive".into()),
            ("old", Cell::Int(old.minutes().into())),
            ("new", Cell::Int(value.minutes().into())),
        ],
    )?;
    Ok(())
}

/// Asks until a valid number comes, as CUCM does; Ctrl-C or end of input cancels.
fn ask_keep_alive(prompter: &mut dyn Prompter) -> Result<KeepAlive, CmdError> {
    let prompt = format!(
        "Enter the keep-alive timer in minutes, a number between {} and {}:",
        KeepAlive::MIN,
        KeepAlive::MAX
    );
    loop {
        match prompter.ask(&prompt) {
            Answer::Line(l) => match l.parse::<KeepAlive>() {
                Ok(v) => return Ok(v),
                Err(e) => prompter.note(&e.0),
            },
            Answer::Interrupted => return Err(CmdError::Cancelled("Control-C pressed".into())),
            Answer::Eof => {
                return Err(CmdError::Cancelled(
                    "Cancelled: keep-alive not changed".into(),
                ));
            }
        }
    }
}

/// `show capf keep_alive`.
pub fn show_keep_alive(session: &mut Session, out: &mut dyn Renderer) -> Result<(), CmdError> {
    let s = session.store()?.settings()?;
    out.record(&[
        (
            "keep_alive",
            "CAPF keep-alive (minutes)",
            Cell::Int(s.keep_alive.minutes().into()),
        ),
        (
            "set_at",
            "Last set at (UTC)",
            Cell::MaybeTime(s.keep_alive_set_at),
        ),
        (
            "set_by",
            "Last set by",
            s.keep_alive_set_by.map_or(Cell::Null, Cell::Text),
        ),
    ])?;
    Ok(())
}

/// `utils capf set mode <capf|online|offline>`.
pub fn set_mode(
    inv: &Invocation,
    session: &mut Session,
    actor: &Actor,
    out: &mut dyn Renderer,
) -> Result<(), CmdError> {
    let mode: IssuerMode = inv.arg(0).unwrap_or_default().parse()?;
    let old = session.store()?.set_issuer_mode(mode, actor)?;
    out.outcome(
        &format!("CAPF issuer mode changed from {old} to {mode}"),
        &[
            ("setting", "issuer_mode".into()),
            ("old", old.as_str().into()),
            ("new", mode.as_str().into()),
        ],
    )?;
    Ok(())
}

/// `utils capf set validity <days>`.
pub fn set_validity(
    inv: &Invocation,
    session: &mut Session,
    actor: &Actor,
    out: &mut dyn Renderer,
) -> Result<(), CmdError> {
    let days: ValidityDays = inv.arg(0).unwrap_or_default().parse()?;
    let old = session.store()?.set_validity(days, actor)?;
    out.outcome(
        &format!("LSC validity changed from {old} to {days} days"),
        &[
            ("setting", "validity_days".into()),
            ("old", Cell::Int(old.days().into())),
            ("new", Cell::Int(days.days().into())),
        ],
    )?;
    Ok(())
}

/// `set cli pagination on|off`: accepted; capfsh never pages.
pub fn set_pagination(
    inv: &Invocation,
    session: &mut Session,
    out: &mut dyn Renderer,
) -> Result<(), CmdError> {
    session.pagination = inv.arg(0) == Some("on");
    out.outcome(
        &format!(
            "Pagination is {} (capfsh never pages: output is always complete)",
            if session.pagination { "on" } else { "off" }
        ),
        &[(
            "pagination",
            (if session.pagination { "on" } else { "off" }).into(),
        )],
    )?;
    Ok(())
}
