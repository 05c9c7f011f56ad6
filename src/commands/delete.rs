//! `... delete all|<device> [noconfirm]`: the one shape of every scoped delete.

use super::{CommandError, Cx, required};
use crate::render::Cell;
use crate::store::{Actor, Scope, Store, StoreError};

/// What a scoped delete removes: its nouns and its store calls.
pub(super) struct Deletion {
    pub one: &'static str,
    pub many: &'static str,
    pub count: fn(&Store, &Scope) -> Result<u64, StoreError>,
    pub delete: fn(&mut Store, &Scope, &Actor) -> Result<u64, StoreError>,
}

/// Says when there is nothing to delete (an unknown device is an error), asks for
/// confirmation, deletes in one transaction, reports how many.
pub(super) fn scoped_delete(cx: &mut Cx<'_>, target: &Deletion) -> Result<(), CommandError> {
    let scope = required(cx.args.scope(0), "all|device")?.clone();
    let n = (target.count)(cx.store()?, &scope)?;
    let noun = |n| if n == 1 { target.one } else { target.many };
    if n == 0 {
        return match scope {
            Scope::All => {
                cx.out.outcome(
                    &format!("No {} found; nothing deleted", target.many),
                    &[("deleted", Cell::Int(0))],
                )?;
                Ok(())
            }
            Scope::Device(d) => Err(CommandError::refused(format!(
                "no {} for device {d}",
                target.one
            ))),
        };
    }
    let effect = match &scope {
        Scope::All => format!("delete {n} {}", noun(n)),
        Scope::Device(d) => format!("delete {n} {} of {d}", noun(n)),
    };
    cx.confirm(&effect, "Cancelled: nothing was deleted")?;
    let deleted = (target.delete)(cx.act.store()?, &scope, &cx.actor)?;
    cx.out.outcome(
        &format!("Deleted {deleted} {}", noun(deleted)),
        &[("deleted", Cell::Int(deleted as i64))],
    )?;
    Ok(())
}
