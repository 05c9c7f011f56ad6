//! The audit log: who changed the store, with which command, and how it ended.

use rusqlite::{Connection, params};

use super::cached::CachedSql;
use super::{Store, StoreError, Tx, to_micros, ts_col};
use crate::domain::Timestamp;

/// Who is acting and with which command line; written to the audit log with every change.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The OS user running capfsh/capfd.
    pub os_user: String,
    /// The command line as the admin typed it (abbreviations and all).
    pub command: String,
}

/// One audit log row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub os_user: String,
    /// What was typed.
    pub command: String,
    /// `ok` or `failed`.
    pub outcome: String,
    /// What changed, or why it failed.
    pub detail: Option<String>,
}

/// Appends a successful change inside the caller's transaction, so the change and its record
/// commit together.
pub(super) fn log_ok(tx: &Tx<'_>, actor: &Actor, detail: &str) -> Result<(), StoreError> {
    insert(tx, actor, "ok", detail)
}

/// Appends a phone session's outcome (`ok` or `failed`) at `at`, inside the caller's
/// transaction.
pub(super) fn insert_outcome(
    tx: &Tx<'_>,
    actor: &Actor,
    ok: bool,
    detail: &str,
    at: crate::domain::Timestamp,
) -> Result<(), StoreError> {
    insert_at(tx, actor, if ok { "ok" } else { "failed" }, detail, at)
}

/// Appends a line stamped with the transaction's own instant.
fn insert(tx: &Tx<'_>, actor: &Actor, outcome: &str, detail: &str) -> Result<(), StoreError> {
    insert_at(tx, actor, outcome, detail, tx.now())
}

fn insert_at(
    tx: &Tx<'_>,
    actor: &Actor,
    outcome: &str,
    detail: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    let conn: &Connection = tx;
    conn.execute_cached(
        "INSERT INTO audit_log (at, os_user, command, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            to_micros(&at),
            actor.os_user,
            actor.command,
            outcome,
            detail
        ],
    )?;
    Ok(())
}

impl Store {
    /// Records a change that was refused or failed. Best effort: when the store itself is the
    /// problem (read-only, locked) there is nowhere to write, and the admin already sees why.
    ///
    /// It does not wait for the write lock: a command that failed because the store was busy
    /// must not make the admin wait a second busy timeout for its audit line.
    pub fn log_failure(&mut self, actor: &Actor, reason: &str) {
        let timeout = self.busy_timeout;
        if self.conn.busy_timeout(std::time::Duration::ZERO).is_err() {
            return;
        }
        let _ = self.write(|tx| insert(tx, actor, "failed", reason));
        let _ = self.conn.busy_timeout(timeout);
    }

    /// The newest `limit` audit entries, newest first.
    pub fn recent_audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT at, os_user, command, outcome, detail FROM audit_log ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok(AuditEntry {
                at: ts_col(r, 0)?,
                os_user: r.get(1)?,
                command: r.get(2)?,
                outcome: r.get(3)?,
                detail: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
