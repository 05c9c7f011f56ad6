//! `utils capf stale-lsc list|delete`.

use super::delete::{Deletion, scoped_delete};
use super::{CommandError, Cx, DEVICE_COLUMN, SERIAL_COLUMN, found, row_sink};
use crate::domain::StaleLsc;
use crate::render::{Cell, Column};
use crate::store::Store;

/// Columns of `utils capf stale-lsc list` (field names are a documented contract).
pub const STALE_COLUMNS: &[Column] = &[
    DEVICE_COLUMN,
    SERIAL_COLUMN,
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
pub fn list(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let store = cx.act.store()?;
    cx.out.begin_list(STALE_COLUMNS)?;
    let n = store.each_stale_lsc(row_sink(cx.talk, cx.out, stale_row))?;
    cx.out.end_list(&found(n, "stale LSC", "stale LSCs"))?;
    Ok(())
}

/// Deletes stale LSCs after confirmation, in one transaction.
pub fn delete(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let target = Deletion {
        one: "stale LSC",
        many: "stale LSCs",
        count: Store::stale_lsc_count,
        delete: Store::delete_stale_lscs,
    };
    scoped_delete(cx, &target)
}
