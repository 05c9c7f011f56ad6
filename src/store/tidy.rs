//! Tidy: deleting what no one needs any more, past a safety margin (expired LSCs, superseded
//! CSRs), as Vault's and ADCS's tidy operations do.

use rusqlite::params;

use super::audit::log_ok;
use super::{Actor, Store, StoreError, to_micros, ts_col};
use crate::domain::Timestamp;

/// What a tidy deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TidyScope {
    /// LSCs whose validity ended before `cutoff`. Their revocations stay (the CRL keeps them).
    pub expired_lscs: bool,
    /// CSRs superseded by a newer CSR of their device, submitted before `cutoff`.
    pub superseded_csrs: bool,
    /// Now minus the safety margin.
    pub cutoff: Timestamp,
}

/// What a tidy would delete, for `dry-run` and the confirmation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TidyPlan {
    /// (device, serial, end of validity) of each expired LSC.
    pub lscs: Vec<(String, String, Timestamp)>,
    /// (device, submitted at) of each superseded CSR.
    pub csrs: Vec<(String, Timestamp)>,
}

const EXPIRED_LSCS: &str = "FROM lsc WHERE not_after < ?1";
const SUPERSEDED_CSRS: &str = "FROM csr WHERE state = 'superseded' AND submitted_at < ?1";

impl Store {
    /// What [`Store::tidy`] would delete with this scope.
    pub fn tidy_plan(&self, scope: &TidyScope) -> Result<TidyPlan, StoreError> {
        let cutoff = to_micros(&scope.cutoff);
        let mut plan = TidyPlan::default();
        if scope.expired_lscs {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT device, serial, not_after {EXPIRED_LSCS} ORDER BY not_after, id"
            ))?;
            let rows = stmt.query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?, ts_col(r, 2)?)))?;
            plan.lscs = rows.collect::<Result<_, _>>()?;
        }
        if scope.superseded_csrs {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT device, submitted_at {SUPERSEDED_CSRS} ORDER BY submitted_at, id"
            ))?;
            let rows = stmt.query_map([cutoff], |r| Ok((r.get(0)?, ts_col(r, 1)?)))?;
            plan.csrs = rows.collect::<Result<_, _>>()?;
        }
        Ok(plan)
    }

    /// Deletes what the scope names in one transaction with one audit line; returns how many
    /// (LSCs, CSRs) went. An LSC's revocation is not deleted with it: the CRL keeps listing it.
    pub fn tidy(&mut self, scope: &TidyScope, actor: &Actor) -> Result<(u64, u64), StoreError> {
        self.write(|tx| {
            let cutoff = to_micros(&scope.cutoff);
            // From each table of LSCs (v10): a delete through the `lsc` view would count none.
            let lscs = if scope.expired_lscs {
                (tx.execute("DELETE FROM lsc_live WHERE not_after < ?1", params![cutoff])?
                    + tx.execute(
                        "DELETE FROM lsc_stale WHERE not_after < ?1",
                        params![cutoff],
                    )?) as u64
            } else {
                0
            };
            let csrs = if scope.superseded_csrs {
                tx.execute(&format!("DELETE {SUPERSEDED_CSRS}"), params![cutoff])? as u64
            } else {
                0
            };
            log_ok(
                tx,
                actor,
                &format!(
                    "tidy: {lscs} expired lscs and {csrs} superseded csrs deleted (before {})",
                    crate::domain::format_cli(&scope.cutoff)
                ),
            )?;
            Ok((lscs, csrs))
        })
    }
}
