//! `utils capf stale-lsc list|delete`.

use super::{CmdError, Prompter, Session, found, plural, row_sink, scope};
use crate::cli::parse::Invocation;
use crate::domain::StaleLsc;
use crate::render::{Cell, Column, Renderer};
use crate::store::{Actor, Scope};

/// Columns of `utils capf stale-lsc list` (field names are a documented contract).
pub const STALE_COLUMNS: &[Column] = &[
    Column {
        field: "device",
        title: "Device Name",
        width: 15,
    },
    Column {
        field: "serial",
        title: "Serial",
        width: 32,
    },
    Column {
        field: "issued_at",
        title: "Issued At (UTC)",
        width: 19,
    },
    Column {
        field: "expires_at",
        title: "Expires (UTC)",
        width: 19,
    },
    Column {
        field: "superseded_at",
        title: "Newer CSR At (UTC)",
        width: 0,
    },
];

fn stale_row(s: &StaleLsc) -> [Cell; 5] {
    [
        Cell::Text(s.device.clone()),
        Cell::Text(s.serial.clone()),
        Cell::Time(s.issued_at),
        Cell::Time(s.not_after),
        Cell::Time(s.superseded_at),
    ]
}

/// Lists stale LSCs, streaming; Ctrl-C stops the listing.
pub fn list(session: &mut Session, out: &mut dyn Renderer) -> Result<(), CmdError> {
    let interrupted = session.interrupted.clone();
    let store = session.store()?;
    out.begin_list(STALE_COLUMNS)?;
    let n = store.each_stale_lsc(row_sink(interrupted, out, stale_row))?;
    out.end_list(&found(n, "stale LSC", "stale LSCs"))?;
    Ok(())
}

/// Deletes stale LSCs after confirmation, in one transaction.
pub fn delete(
    inv: &Invocation,
    session: &mut Session,
    actor: &Actor,
    prompter: &mut dyn Prompter,
    out: &mut dyn Renderer,
) -> Result<(), CmdError> {
    let scope = scope(inv.arg(0))?;
    let store = session.store()?;
    let stale = store.stale_lsc_count(&scope)?;
    if stale == 0 {
        return match scope {
            Scope::All => {
                out.outcome(
                    "No stale LSCs found; nothing deleted",
                    &[("deleted", Cell::Int(0))],
                )?;
                Ok(())
            }
            Scope::Device(d) => Err(CmdError::Failed(format!("no stale LSC for device {d}"))),
        };
    }
    let what = match &scope {
        Scope::All => format!("This deletes {}", plural(stale, "stale LSC", "stale LSCs")),
        Scope::Device(d) => format!(
            "This deletes {} of {d}",
            plural(stale, "stale LSC", "stale LSCs")
        ),
    };
    session.confirm(inv, &what, prompter)?;
    let n = session.store()?.delete_stale_lscs(&scope, actor)?;
    out.outcome(
        &format!("Deleted {}", plural(n, "stale LSC", "stale LSCs")),
        &[("deleted", Cell::Int(n as i64))],
    )?;
    Ok(())
}
