//! `utils capf stale-lsc list|delete`.

use std::sync::atomic::Ordering;

use super::delete::{Deletion, scoped_delete};
use super::{
    CONTROL_C, CommandError, Cx, DEVICE_COLUMN, EXPIRES_COLUMN, ISSUED_COLUMN, SERIAL_COLUMN, found,
};
use crate::render::{Column, RowCell};
use crate::store::Store;

/// Columns of `utils capf stale-lsc list` (field names are a documented contract).
pub const STALE_COLUMNS: &[Column] = &[
    DEVICE_COLUMN,
    SERIAL_COLUMN,
    ISSUED_COLUMN,
    EXPIRES_COLUMN,
    Column {
        field: "superseded_at",
        title: "Newer CSR At (UTC)",
        width: 0,
    },
];

/// Lists stale LSCs oldest issue first, streaming rows borrowed from the store (no allocation
/// per row, as `csr list`); Ctrl-C stops the listing.
pub fn list(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let interrupted = cx.talk.interrupted.clone();
    let store = cx.act.store()?;
    let out = &mut *cx.out;
    out.begin_list(STALE_COLUMNS)?;
    let n = store.each_stale_lsc_row(|s| {
        if interrupted.load(Ordering::Relaxed) {
            return Err(CommandError::cancelled(CONTROL_C));
        }
        out.row_ref(&[
            RowCell::Text(s.device),
            RowCell::Text(s.serial),
            RowCell::Micros(s.issued_at_micros),
            RowCell::Micros(s.not_after_micros),
            RowCell::Micros(s.superseded_at_micros),
        ])
        .map_err(CommandError::from)
    })?;
    out.end_list(&found(n, "stale LSC", "stale LSCs"))?;
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
