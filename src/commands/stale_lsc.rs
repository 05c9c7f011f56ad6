//! `utils capf stale-lsc list|delete`.

use super::{CmdError, Deletion, Prompter, Session, found, row_sink, scoped_delete};
use crate::cli::parse::Invocation;
use crate::domain::StaleLsc;
use crate::render::{Cell, Column, Renderer};
use crate::store::{Actor, Store};

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
        // Up to 20 bytes (RFC 5280), so 40 hex digits from an external CA; ours have 32.
        width: 40,
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
    let target = Deletion {
        one: "stale LSC",
        many: "stale LSCs",
        count: Store::stale_lsc_count,
        delete: Store::delete_stale_lscs,
    };
    scoped_delete(inv, session, actor, prompter, out, &target)
}
