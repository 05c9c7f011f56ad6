//! `utils capf set ...`, `show capf keep_alive`, `set cli pagination`.

use super::{Answer, CONTROL_C, CommandError, Cx, Prompter, required};
use crate::domain::{IssuerMode, KeepAlive, ValidityDays};
use crate::render::Cell;

/// `utils capf set keep_alive [minutes]`: asks for the value in the REPL when none is given.
pub fn set_keep_alive(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let value = match cx.args.number(0) {
        Some(v) => KeepAlive::from_minutes(v)?,
        None if !cx.talk.interactive => {
            return Err(CommandError::refused(format!(
                "no keep_alive value given and no terminal to ask on: pass the minutes, e.g. \
                 'utils capf set keep_alive {}' ({}-{})",
                KeepAlive::DEFAULT,
                KeepAlive::MIN,
                KeepAlive::MAX
            )));
        }
        None => ask_keep_alive(cx.prompter)?,
    };
    let old = cx.act.store()?.set_keep_alive(value, &cx.actor)?;
    changed(
        cx,
        &format!("CAPF keep-alive changed from {old} to {value} minutes"),
        "keep_alive",
        old.minutes().into(),
        value.minutes().into(),
    )
}

/// Asks until a valid number comes, as CUCM does; Ctrl-C or end of input cancels.
fn ask_keep_alive(prompter: &mut dyn Prompter) -> Result<KeepAlive, CommandError> {
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
            Answer::Interrupted => return Err(CommandError::cancelled(CONTROL_C)),
            Answer::Eof => {
                return Err(CommandError::cancelled("Cancelled: keep-alive not changed"));
            }
        }
    }
}

/// `show capf keep_alive`.
pub fn show_keep_alive(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let s = cx.store()?.settings()?;
    cx.out.record(&[
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

/// `utils capf set mode <capf|online|offline>`. Setting the mode in force changes nothing:
/// it says so, and writes and audits nothing.
pub fn set_mode(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let mode: IssuerMode = required(cx.args.word(0), "mode")?.parse()?;
    let store = cx.act.store()?;
    let (text, old) = if store.settings()?.issuer_mode == mode {
        (
            format!("CAPF issuer mode is already {mode}; nothing changed"),
            mode,
        )
    } else {
        let old = store.set_issuer_mode(mode, &cx.actor)?;
        (
            format!("CAPF issuer mode changed from {old} to {mode}"),
            old,
        )
    };
    cx.out.outcome(
        &text,
        &[
            ("setting", "issuer_mode".into()),
            ("old", old.as_str().into()),
            ("new", mode.as_str().into()),
        ],
    )?;
    Ok(())
}

/// `utils capf set validity <days>`.
pub fn set_validity(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let days = ValidityDays::from_days(required(cx.args.number(0), "days")?)?;
    let old = cx.act.store()?.set_validity(days, &cx.actor)?;
    changed(
        cx,
        &format!("LSC validity changed from {old} to {days} days"),
        "validity_days",
        old.days().into(),
        days.days().into(),
    )
}

/// `set cli pagination on|off`: the interactive shell on a terminal pages long output as CUCM
/// does until this turns it off (for the session); one-shot and scripts never page, and say the
/// same as CUCM so automation that sends it first sees no difference.
pub fn set_pagination(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let on = cx.args.word(0) == Some("on");
    cx.talk.pagination = on;
    let word = if on { "on" } else { "off" };
    cx.out.outcome(
        &format!("Automatic pagination is turned {word}"),
        &[("pagination", word.into())],
    )?;
    Ok(())
}

/// Reports a number setting changed (`line`), with its field name and both values for JSON and
/// CSV.
fn changed(
    cx: &mut Cx<'_>,
    line: &str,
    setting: &str,
    old: i64,
    new: i64,
) -> Result<(), CommandError> {
    cx.out.outcome(
        line,
        &[
            ("setting", setting.into()),
            ("old", Cell::Int(old)),
            ("new", Cell::Int(new)),
        ],
    )?;
    Ok(())
}
