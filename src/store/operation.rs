//! Per-device certificate operations (scheduled by the admin, served to phones by `capfd run`)
//! and the certificate each phone last reported.

use rusqlite::{OptionalExtension, params};

use super::audit::{insert_outcome, log_ok};
use super::cached::CachedSql;
use super::lsc::mark_installed_in;
use super::{Actor, Store, StoreError, Tx, map_each_row, opt_ts_col, to_micros, ts_col};
use crate::domain::{DeviceName, NewOperation, Operation, OperationStatus, Timestamp};

/// Which operations `show capf operation` lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationFilter {
    /// Every operation.
    All,
    /// One device's.
    Device(DeviceName),
    /// Those a phone may still be served: pending or in progress.
    Pending,
    /// Those that failed or expired.
    Failed,
}

/// The certificate a phone reported (troubleshoot), or that it holds none (delete).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneCert {
    /// When the phone said so.
    pub reported_at: Timestamp,
    /// `lsc`, `mic` or `none`.
    pub cert_type: String,
    /// Serial (hex), subject, issuer, validity and DER; `None` when the phone holds none.
    pub cert: Option<ReportedCert>,
}

/// The facts of a certificate a phone reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedCert {
    /// Serial, lower-case hex.
    pub serial: String,
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// The certificate.
    pub der: Vec<u8>,
}

/// How a phone session ended, for its operation and the audit log.
#[derive(Debug, Clone)]
pub struct SessionResult<'a> {
    /// The device.
    pub device: &'a DeviceName,
    /// The new status (`None`: the operation row is left as it is, e.g. no operation exists).
    pub status: Option<OperationStatus>,
    /// Why (failed, expired, waiting), or what happened.
    pub reason: Option<&'a str>,
    /// When.
    pub at: Timestamp,
    /// The peer address.
    pub peer: &'a str,
    /// `true` for an audit line `ok`, `false` for `failed`.
    pub ok: bool,
    /// The audit detail line.
    pub detail: &'a str,
}

const OPERATION_COLUMNS: &str = "device, kind, auth_mode, auth_secret, key_type, completes_by, \
     status, reason, scheduled_at, scheduled_by, last_attempt_at, last_peer";

fn operation_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Operation> {
    fn parsed<T: std::str::FromStr>(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<T> {
        let s: String = r.get(i)?;
        s.parse().map_err(|_| {
            rusqlite::Error::FromSqlConversionFailure(
                i,
                rusqlite::types::Type::Text,
                format!("unexpected value {s:?}").into(),
            )
        })
    }
    let key: Option<String> = r.get(4)?;
    Ok(Operation {
        device: r.get(0)?,
        kind: parsed(r, 1)?,
        auth_mode: parsed(r, 2)?,
        auth_secret: r.get(3)?,
        key: match key {
            Some(k) => Some(k.parse().map_err(|_| {
                rusqlite::Error::FromSqlConversionFailure(
                    4,
                    rusqlite::types::Type::Text,
                    "unexpected key".into(),
                )
            })?),
            None => None,
        },
        completes_by: opt_ts_col(r, 5)?,
        status: parsed(r, 6)?,
        reason: r.get(7)?,
        scheduled_at: ts_col(r, 8)?,
        scheduled_by: r.get(9)?,
        last_attempt_at: opt_ts_col(r, 10)?,
        last_peer: r.get(11)?,
    })
}

fn upsert_operation(tx: &Tx<'_>, op: &NewOperation, actor: &Actor) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO operation (device, kind, auth_mode, auth_secret, key_type, completes_by,
                                status, reason, scheduled_at, scheduled_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', NULL, ?7, ?8)
         ON CONFLICT (device) DO UPDATE SET
             kind = excluded.kind, auth_mode = excluded.auth_mode,
             auth_secret = excluded.auth_secret, key_type = excluded.key_type,
             completes_by = excluded.completes_by, status = 'pending', reason = NULL,
             scheduled_at = excluded.scheduled_at, scheduled_by = excluded.scheduled_by,
             last_attempt_at = NULL, last_peer = NULL",
        params![
            op.device.as_str(),
            op.kind.as_str(),
            op.auth_mode.as_str(),
            op.auth_secret,
            op.key.map(|k| k.name()),
            op.completes_by.as_ref().map(to_micros),
            to_micros(&op.scheduled_at),
            actor.os_user,
        ],
    )?;
    Ok(())
}

/// The audit detail of a scheduled operation: never the authentication string.
fn describe(op: &NewOperation) -> String {
    let mut s = format!(
        "operation {} scheduled for {} (auth {}",
        op.kind, op.device, op.auth_mode
    );
    if let Some(k) = op.key {
        s.push_str(&format!(", key {k}"));
    }
    if let Some(by) = &op.completes_by {
        s.push_str(&format!(", by {}", by.format("%Y-%m-%d")));
    }
    s.push(')');
    s
}

impl Store {
    /// Schedules an operation for a device, replacing the one it had (CUCM keeps one per phone).
    pub fn schedule_operation(
        &mut self,
        op: &NewOperation,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            upsert_operation(tx, op, actor)?;
            log_ok(tx, actor, &describe(op))
        })
    }

    /// Schedules many operations in one transaction (bulk file): all or nothing, one audit
    /// line per device.
    pub fn schedule_operations(
        &mut self,
        ops: &[NewOperation],
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            for op in ops {
                upsert_operation(tx, op, actor)?;
                log_ok(tx, actor, &describe(op))?;
            }
            Ok(())
        })
    }

    /// Removes a device's operation (No Pending Operation); `false` when it had none.
    pub fn cancel_operation(
        &mut self,
        device: &DeviceName,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx.execute("DELETE FROM operation WHERE device = ?1", [device.as_str()])?;
            if n > 0 {
                log_ok(tx, actor, &format!("operation of {device} cancelled"))?;
            }
            Ok(n > 0)
        })
    }

    /// The device's operation, if it has one.
    pub fn operation(&self, device: &DeviceName) -> Result<Option<Operation>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {OPERATION_COLUMNS} FROM operation WHERE device = ?1"
            ))?
            .query_row([device.as_str()], operation_from_row)
            .optional()?)
    }

    /// Streams operations matching `filter` by device name; returns how many.
    pub fn each_operation<E: From<StoreError>>(
        &self,
        filter: &OperationFilter,
        f: impl FnMut(Operation) -> Result<(), E>,
    ) -> Result<u64, E> {
        let (clause, arg) = match filter {
            OperationFilter::All => ("?1 IS NULL", None),
            OperationFilter::Device(d) => ("device = ?1", Some(d.as_str().to_owned())),
            OperationFilter::Pending => ("status IN ('pending', 'in-progress') OR ?1", None),
            OperationFilter::Failed => ("status IN ('failed', 'expired') OR ?1", None),
        };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {OPERATION_COLUMNS} FROM operation WHERE {clause} ORDER BY device"
            ))
            .map_err(StoreError::from)?;
        map_each_row(&mut stmt, [arg], operation_from_row, f)
    }

    /// Whether CAPF knows the device at all: an operation, a request or an LSC. A phone that
    /// is none of these is an unknown device (reason 9).
    pub fn device_known(&self, device: &DeviceName) -> Result<bool, StoreError> {
        Ok(self.conn.query_row_cached(
            "SELECT EXISTS (SELECT 1 FROM operation WHERE device = ?1)
                 OR EXISTS (SELECT 1 FROM csr WHERE device = ?1)
                 OR EXISTS (SELECT 1 FROM lsc WHERE device = ?1)",
            [device.as_str()],
            |r| r.get(0),
        )?)
    }

    /// A phone session starts serving the device's operation: it is in progress.
    pub fn operation_started(
        &mut self,
        device: &DeviceName,
        peer: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| set_status(tx, device, OperationStatus::InProgress, None, at, peer))
    }

    /// Notes why a pending operation waits (issuer mode online/offline), keeping it pending.
    /// Written only when the reason changes, so a phone retrying costs no write.
    pub fn operation_waiting(
        &mut self,
        device: &DeviceName,
        reason: &str,
        peer: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| set_status(tx, device, OperationStatus::Pending, Some(reason), at, peer))
    }

    /// Records how a phone session ended: the operation's new status and one audit line.
    pub fn record_session(&mut self, result: &SessionResult<'_>, actor: &Actor) {
        let _ = self.try_record_session(result, actor);
    }

    /// [`Store::record_session`], reporting a store failure.
    pub fn try_record_session(
        &mut self,
        result: &SessionResult<'_>,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.write(|tx| finish_in(tx, result, actor))
    }

    /// The phone stored its LSC (reason 1): the LSC is installed and the operation succeeded,
    /// together. Returns the serial.
    pub fn install_confirmed(
        &mut self,
        result: &SessionResult<'_>,
        serial: &str,
        actor: &Actor,
    ) -> Result<String, StoreError> {
        self.write(|tx| {
            let serial = mark_installed_in(tx, result.device, Some(serial), result.at, actor)?;
            finish_in(tx, result, actor)?;
            Ok(serial)
        })
    }

    /// The phone reported its certificate (troubleshoot) or that it holds none (troubleshoot
    /// without one, delete): recorded with the operation's outcome.
    pub fn phone_reported(
        &mut self,
        result: &SessionResult<'_>,
        cert_type: &str,
        cert: Option<&ReportedCert>,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO phone_cert (device, reported_at, cert_type, serial, subject, issuer,
                                         not_before, not_after, der)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (device) DO UPDATE SET
                     reported_at = excluded.reported_at, cert_type = excluded.cert_type,
                     serial = excluded.serial, subject = excluded.subject,
                     issuer = excluded.issuer, not_before = excluded.not_before,
                     not_after = excluded.not_after, der = excluded.der",
                params![
                    result.device.as_str(),
                    to_micros(&result.at),
                    cert_type,
                    cert.map(|c| c.serial.as_str()),
                    cert.map(|c| c.subject.as_str()),
                    cert.map(|c| c.issuer.as_str()),
                    cert.map(|c| to_micros(&c.not_before)),
                    cert.map(|c| to_micros(&c.not_after)),
                    cert.map(|c| c.der.as_slice()),
                ],
            )?;
            finish_in(tx, result, actor)
        })
    }

    /// What the phone last reported, if it ever did.
    pub fn phone_cert(&self, device: &DeviceName) -> Result<Option<PhoneCert>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT reported_at, cert_type, serial, subject, issuer, not_before, not_after, der
                   FROM phone_cert WHERE device = ?1",
                [device.as_str()],
                |r| {
                    let der: Option<Vec<u8>> = r.get(7)?;
                    let cert = match der {
                        Some(der) => Some(ReportedCert {
                            serial: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                            subject: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                            issuer: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                            not_before: opt_ts_col(r, 5)?.unwrap_or_default(),
                            not_after: opt_ts_col(r, 6)?.unwrap_or_default(),
                            der,
                        }),
                        None => None,
                    };
                    Ok(PhoneCert {
                        reported_at: ts_col(r, 0)?,
                        cert_type: r.get(1)?,
                        cert,
                    })
                },
            )
            .optional()?)
    }

    /// Operations left in progress by a capfd that stopped mid-session (kill -9, power loss)
    /// become failed, saying so, with one audit line each; returns how many.
    pub fn fail_interrupted_operations(
        &mut self,
        at: Timestamp,
        actor: &Actor,
    ) -> Result<u64, StoreError> {
        self.write(|tx| {
            let devices: Vec<String> = tx
                .prepare("SELECT device FROM operation WHERE status = 'in-progress'")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for d in &devices {
                tx.execute(
                    "UPDATE operation SET status = 'failed',
                            reason = 'interrupted: capfd stopped during the session'
                      WHERE device = ?1",
                    params![d],
                )?;
                insert_outcome(
                    tx,
                    actor,
                    false,
                    &format!("operation of {d} interrupted: capfd stopped during the session"),
                    at,
                )?;
            }
            Ok(devices.len() as u64)
        })
    }

    /// Counts of operations by status, for `show capf status`-like summaries and tests.
    pub fn operation_status_count(&self, status: OperationStatus) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM operation WHERE status = ?1",
            [status.as_str()],
            |r| r.get(0),
        )?)
    }
}

fn finish_in(tx: &Tx<'_>, result: &SessionResult<'_>, actor: &Actor) -> Result<(), StoreError> {
    if let Some(status) = result.status {
        set_status(
            tx,
            result.device,
            status,
            result.reason,
            result.at,
            result.peer,
        )?;
    }
    insert_outcome(tx, actor, result.ok, result.detail, result.at)
}

/// Where a device's operation stands after a phone's attempt at `at` from `peer`.
fn set_status(
    tx: &Tx<'_>,
    device: &DeviceName,
    status: OperationStatus,
    reason: Option<&str>,
    at: Timestamp,
    peer: &str,
) -> Result<(), StoreError> {
    tx.execute_cached(
        "UPDATE operation SET status = ?2, reason = ?3, last_attempt_at = ?4, last_peer = ?5
          WHERE device = ?1",
        params![
            device.as_str(),
            status.as_str(),
            reason,
            to_micros(&at),
            peer
        ],
    )?;
    Ok(())
}
