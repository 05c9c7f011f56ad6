//! The settings row: keep-alive, issuer mode, validity.

use rusqlite::{OptionalExtension, params};

use rusqlite::ToSql;
use rusqlite::types::FromSql;

use super::audit::log_ok;
use super::cached::CachedSql;
use super::{Actor, Store, StoreError, Tx, opt_ts_col, to_micros};
use crate::domain::{IssuerMode, KeepAlive, Settings, ValidityDays};

impl Store {
    /// The current settings.
    pub fn settings(&self) -> Result<Settings, StoreError> {
        let row = self
            .conn
            .query_row_cached(
                "SELECT keep_alive_minutes, keep_alive_set_at, keep_alive_set_by, issuer_mode,
                        validity_days
                   FROM settings WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        opt_ts_col(r, 1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                },
            )
            .optional()?;
        let (ka, set_at, set_by, mode, validity) =
            row.ok_or_else(|| StoreError::Invalid("the settings row is missing".into()))?;
        Ok(Settings {
            keep_alive: KeepAlive::from_minutes(ka)?,
            keep_alive_set_at: set_at,
            keep_alive_set_by: set_by,
            issuer_mode: mode.parse()?,
            validity: ValidityDays::from_days(validity)?,
        })
    }

    /// A number that changes whenever a setting changes (cheap to poll).
    pub fn settings_revision(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT revision FROM settings WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    /// Sets keep-alive and returns the value it replaced.
    pub fn set_keep_alive(
        &mut self,
        value: KeepAlive,
        actor: &Actor,
    ) -> Result<KeepAlive, StoreError> {
        self.write(|tx| {
            let old: i64 = replace_setting(
                tx,
                "keep_alive_minutes",
                value.minutes(),
                "keep_alive",
                actor,
            )?;
            tx.execute(
                "UPDATE settings SET keep_alive_set_at = ?1, keep_alive_set_by = ?2 WHERE id = 1",
                params![to_micros(&tx.now()), actor.os_user],
            )?;
            Ok(KeepAlive::from_minutes(old)?)
        })
    }

    /// Sets the issuer mode and returns the mode it replaced.
    pub fn set_issuer_mode(
        &mut self,
        mode: IssuerMode,
        actor: &Actor,
    ) -> Result<IssuerMode, StoreError> {
        self.write(|tx| {
            let old: String =
                replace_setting(tx, "issuer_mode", mode.as_str(), "issuer_mode", actor)?;
            Ok(old.parse()?)
        })
    }

    /// Sets the validity of new LSCs and returns the value it replaced.
    pub fn set_validity(
        &mut self,
        days: ValidityDays,
        actor: &Actor,
    ) -> Result<ValidityDays, StoreError> {
        self.write(|tx| {
            let old: i64 =
                replace_setting(tx, "validity_days", days.days(), "validity_days", actor)?;
            Ok(ValidityDays::from_days(old)?)
        })
    }
}

/// Sets one settings `column` to `value` (a new revision, so the engine notices) and logs
/// `<label> <old> -> <new>`; returns the stored value it replaced, for the caller to check.
/// `column` is always one of this module's literals, never input.
fn replace_setting<T: FromSql + std::fmt::Display>(
    tx: &Tx<'_>,
    column: &str,
    value: impl ToSql + std::fmt::Display,
    label: &str,
    actor: &Actor,
) -> Result<T, StoreError> {
    let old: T = tx.query_row(
        &format!("SELECT {column} FROM settings WHERE id = 1"),
        [],
        |r| r.get(0),
    )?;
    tx.execute(
        &format!("UPDATE settings SET {column} = ?1, revision = revision + 1 WHERE id = 1"),
        [&value],
    )?;
    log_ok(tx, actor, &format!("{label} {old} -> {value}"))?;
    Ok(old)
}
