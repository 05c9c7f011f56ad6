//! Issued LSCs: recording and installing them (engine), stale listing and deletion (shell).

use rusqlite::{Connection, OptionalExtension, params};

use super::audit::log_ok;
use super::cached::CachedSql;
use super::csr::{csr_is_open, insert_request};
use super::raw_rows::RawQuery;
use super::{Actor, Scope, Store, StoreError, Tx, each_row, opt_ts_col, to_micros, ts_col};
use crate::domain::{
    DeviceName, LscRecord, LscState, NewCsr, NewLsc, StaleLsc, StaleLscRow, Timestamp,
};

pub(super) fn insert_lsc(conn: &Connection, lsc: &NewLsc) -> Result<i64, StoreError> {
    // Through the `lsc` view (v10): its INSTEAD OF trigger is the one place that marks an LSC
    // recorded after a newer CSR of its device as born stale, and the row then moves to
    // lsc_stale. Such an insert leaves last_insert_rowid alone, so the id is read back by serial
    // (unique across both tables).
    conn.prepare_cached(
        "INSERT INTO lsc (device, serial, subject, issuer, not_before, not_after, issued_at,
                          csr_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        lsc.device.as_str(),
        lsc.serial,
        lsc.subject,
        lsc.issuer,
        to_micros(&lsc.not_before),
        to_micros(&lsc.not_after),
        to_micros(&lsc.issued_at),
        lsc.csr_id,
    ])?;
    let id: i64 = conn
        .prepare_cached("SELECT id FROM lsc WHERE serial = ?1")?
        .query_row([&lsc.serial], |r| r.get(0))?;
    // The certificate lives apart from the narrow live row (v6); a trigger puts it into the
    // lsc_stale row when the LSC was born stale.
    conn.prepare_cached("INSERT INTO lsc_der (lsc_id, der) VALUES (?1, ?2)")?
        .execute(params![id, lsc.der])?;
    Ok(id)
}

/// Inserts one LSC with its audit line (every single-LSC write path).
fn insert_logged_lsc(tx: &Tx<'_>, actor: &Actor, lsc: &NewLsc) -> Result<i64, StoreError> {
    let id = insert_lsc(tx, lsc)?;
    log_ok(
        tx,
        actor,
        &format!("lsc {} recorded for {}", lsc.serial, lsc.device),
    )?;
    Ok(id)
}

/// Which LSCs `show capf lsc` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LscFilter {
    /// Every LSC.
    All,
    /// LSCs whose validity ends before this instant (Bulk Administration's expiry report).
    ExpiringBefore(Timestamp),
    /// One device's LSCs.
    Device(DeviceName),
    /// The LSC with this serial (lower-case hex).
    Serial(String),
}

/// Counts for `show capf status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LscCounts {
    /// Issued, waiting to be installed (stale ones are counted apart).
    pub issued: u64,
    /// Installed on the phone.
    pub installed: u64,
    /// Stale by the one rule.
    pub stale: u64,
    /// Revoked (whatever their state before).
    pub revoked: u64,
    /// Not revoked and signed by a CAPF CA that `capfd init --force` retired.
    pub by_retired_ca: u64,
}

impl Store {
    /// Records an issued (or imported) LSC.
    pub fn record_lsc(&mut self, lsc: &NewLsc, actor: &Actor) -> Result<i64, StoreError> {
        self.write(|tx| insert_logged_lsc(tx, actor, lsc))
    }

    /// Records a CSR (as [`Store::record_csr`] does) and, in the same transaction, the LSC that
    /// `sign` makes for it from the new CSR's id, if it makes one (`capf` mode). Both are stored or
    /// neither, and no other engine can answer the CSR in between. Returns the CSR id, how many
    /// older CSRs it superseded, and what `sign` returned beside the LSC.
    pub fn record_csr_and_lsc<T, E: From<StoreError>>(
        &mut self,
        csr: &NewCsr,
        actor: &Actor,
        sign: impl FnOnce(i64) -> Result<Option<(NewLsc, T)>, E>,
    ) -> Result<(i64, usize, Option<T>), E> {
        self.record_request_and_lsc(csr, "csr", actor, sign)
    }

    /// [`Store::record_csr_and_lsc`] for a key a phone sent in a key-generate response (the
    /// CAPF protocol has no PKCS#10): `key.der` is the SubjectPublicKeyInfo. It is a pending
    /// request like a CSR (listed, superseding, making older LSCs stale) of kind `key`.
    pub fn record_key_and_lsc<T, E: From<StoreError>>(
        &mut self,
        key: &NewCsr,
        actor: &Actor,
        sign: impl FnOnce(i64) -> Result<Option<(NewLsc, T)>, E>,
    ) -> Result<(i64, usize, Option<T>), E> {
        self.record_request_and_lsc(key, "key", actor, sign)
    }

    fn record_request_and_lsc<T, E: From<StoreError>>(
        &mut self,
        csr: &NewCsr,
        kind: &str,
        actor: &Actor,
        sign: impl FnOnce(i64) -> Result<Option<(NewLsc, T)>, E>,
    ) -> Result<(i64, usize, Option<T>), E> {
        self.write_with(|tx| {
            // The clock was read before waiting for the write lock: an engine may have recorded
            // an LSC of this device in the meantime, stamped later. This CSR arrived after it,
            // so it is newer than it (and makes it stale), whatever the two clocks said.
            let latest: Option<i64> = tx
                .query_row_cached(
                    "SELECT max(issued_at) FROM lsc WHERE device = ?1",
                    [csr.device.as_str()],
                    |r| r.get(0),
                )
                .map_err(StoreError::from)?;
            let mut csr = csr.clone();
            if let Some(latest) = latest
                && to_micros(&csr.submitted_at) <= latest
            {
                csr.submitted_at = super::from_micros(latest + 1)?;
            }
            let (csr_id, superseded) = insert_request(tx, &csr, kind)?;
            let what = if kind == "key" {
                "key-generate key"
            } else {
                "csr"
            };
            // One change, one audit line: it names the request and, in capf mode, its LSC.
            let issued = match sign(csr_id)? {
                Some((mut lsc, extra)) => {
                    // Never recorded as issued before the request it answers.
                    if lsc.issued_at < csr.submitted_at {
                        lsc.issued_at = csr.submitted_at;
                    }
                    insert_lsc(tx, &lsc)?;
                    log_ok(
                        tx,
                        actor,
                        &format!(
                            "{what} recorded for {} and answered by lsc {}",
                            csr.device, lsc.serial
                        ),
                    )?;
                    Some(extra)
                }
                None => {
                    log_ok(tx, actor, &format!("{what} recorded for {}", csr.device))?;
                    None
                }
            };
            Ok((csr_id, superseded, issued))
        })
    }

    /// Records the LSC that `sign` makes for the pending CSR `csr_id`, unless it is no longer
    /// pending or another engine answered it first (then `None`, and `sign` is not called).
    /// The check and the insert share one write transaction, so two engines never both answer.
    pub fn answer_csr<T, E: From<StoreError>>(
        &mut self,
        csr_id: i64,
        actor: &Actor,
        sign: impl FnOnce() -> Result<(NewLsc, T), E>,
    ) -> Result<Option<T>, E> {
        self.write_with(|tx| {
            if !csr_is_open(tx, csr_id)? {
                return Ok(None);
            }
            let (lsc, extra) = sign()?;
            insert_logged_lsc(tx, actor, &lsc)?;
            Ok(Some(extra))
        })
    }

    /// Whether an LSC with this serial (lowercase hex) is already recorded.
    pub fn lsc_serial_exists(&self, serial: &str) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM lsc WHERE serial = lower(?1))",
            [serial],
            |r| r.get(0),
        )?)
    }

    /// The certificate (DER) of the LSC with this serial (lowercase hex), stale or not.
    pub fn lsc_der(&self, serial: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT d.der FROM lsc l JOIN lsc_der_any d ON d.lsc_id = l.id
                  WHERE l.serial = lower(?1)",
                [serial],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The serial of the LSC answering CSR `csr_id`, if one does (at most one can).
    pub fn lsc_for_csr(&self, csr_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT serial FROM lsc WHERE csr_id = ?1", [csr_id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Records many LSCs in one transaction with one audit line (bulk loads, benchmarks).
    pub fn record_lscs(&mut self, lscs: &[NewLsc], actor: &Actor) -> Result<Vec<i64>, StoreError> {
        self.write(|tx| {
            let ids = lscs
                .iter()
                .map(|l| insert_lsc(tx, l))
                .collect::<Result<Vec<_>, _>>()?;
            log_ok(tx, actor, &format!("{} lscs recorded", ids.len()))?;
            Ok(ids)
        })
    }

    /// Records that a phone installed its LSC: the newest not-installed LSC of the device, or
    /// the one with `serial`. The CSR it answered leaves the pending list. Returns the serial.
    pub fn mark_installed(
        &mut self,
        device: &DeviceName,
        serial: Option<&str>,
        at: Timestamp,
        actor: &Actor,
    ) -> Result<String, StoreError> {
        self.write(|tx| mark_installed_in(tx, device, serial, at, actor))
    }
}

/// The body of [`Store::mark_installed`], inside the caller's transaction (a phone session
/// records the installation and its operation's success together).
pub(super) fn mark_installed_in(
    tx: &Tx<'_>,
    device: &DeviceName,
    serial: Option<&str>,
    at: Timestamp,
    actor: &Actor,
) -> Result<String, StoreError> {
    // Without a serial: the newest LSC that is neither installed nor stale. A stale one
    // answered a key the phone has since replaced, so it is never installable.
    let found: Option<(i64, String, Option<i64>, Option<i64>)> = tx
        .query_row_cached(
            "SELECT id, serial, csr_id, superseded_at FROM lsc
              WHERE device = ?1 AND installed_at IS NULL
                AND (?2 IS NULL AND superseded_at IS NULL OR serial = lower(?2))
              ORDER BY issued_at DESC, id DESC LIMIT 1",
            params![device.as_str(), serial],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let (id, serial, csr_id, superseded_at) = found.ok_or_else(|| {
        StoreError::Invalid(match serial {
            Some(s) => {
                format!("device {device} has no issued, not-installed LSC with serial {s}")
            }
            None => format!("device {device} has no issued, not-installed LSC that is not stale"),
        })
    })?;
    let revoked: bool = tx.query_row_cached(
        "SELECT EXISTS (SELECT 1 FROM revocation WHERE serial = ?1)",
        [&serial],
        |r| r.get(0),
    )?;
    if revoked {
        return Err(StoreError::Invalid(format!(
            "LSC {serial} of {device} is revoked and cannot be installed"
        )));
    }
    if superseded_at.is_some() {
        return Err(StoreError::Invalid(format!(
            "LSC {serial} of {device} is stale (the device sent a newer CSR after it was issued) and cannot be installed"
        )));
    }
    // Not stale (refused above), so it is a live row (v10).
    tx.execute_cached(
        "UPDATE lsc_live SET installed_at = ?1 WHERE id = ?2",
        params![to_micros(&at), id],
    )?;
    if let Some(csr_id) = csr_id {
        tx.execute_cached(
            "UPDATE csr SET state = 'done' WHERE id = ?1 AND state = 'pending'",
            [csr_id],
        )?;
    }
    log_ok(tx, actor, &format!("lsc {serial} installed on {device}"))?;
    Ok(serial)
}

impl Store {
    /// Streams the stale LSCs (oldest issue first) to `f`; returns how many there were.
    pub fn each_stale_lsc<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(StaleLsc) -> Result<(), E>,
    ) -> Result<u64, E> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, device, serial, issued_at, not_after, superseded_at
                   FROM stale_lsc ORDER BY issued_at, id",
            )
            .map_err(StoreError::from)?;
        let mut rows = stmt.query([]).map_err(StoreError::from)?;
        let mut n = 0;
        while let Some(r) = rows.next().map_err(StoreError::from)? {
            let stale = StaleLsc {
                id: r.get(0).map_err(StoreError::from)?,
                device: r.get(1).map_err(StoreError::from)?,
                serial: r.get(2).map_err(StoreError::from)?,
                issued_at: ts_col(r, 3).map_err(StoreError::from)?,
                not_after: ts_col(r, 4).map_err(StoreError::from)?,
                superseded_at: ts_col(r, 5).map_err(StoreError::from)?,
            };
            f(stale)?;
            n += 1;
        }
        Ok(n)
    }

    /// Streams the stale LSCs (oldest issue first) to `f` as rows borrowed from SQLite's own
    /// buffers through `raw_rows::RawQuery` (the listing's hot path: no copy, no allocation per
    /// row); returns how many.
    ///
    /// The query reads only the covering index `lsc_stale_list` (v10), in list order: no sort,
    /// no certificate read.
    pub fn each_stale_lsc_row<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(&StaleLscRow<'_>) -> Result<(), E>,
    ) -> Result<u64, E> {
        RawQuery::prepare(
            &self.conn,
            c"SELECT device, serial, issued_at, not_after, superseded_at
                FROM stale_lsc ORDER BY issued_at, id",
        )?
        .each(|r| {
            f(&StaleLscRow {
                device: r.str(0)?,
                serial: r.str(1)?,
                issued_at_micros: r.micros(2)?,
                not_after_micros: r.micros(3)?,
                superseded_at_micros: r.micros(4)?,
            })
        })
    }

    /// How many LSCs are stale (all, or one device's).
    pub fn stale_lsc_count(&self, scope: &Scope) -> Result<u64, StoreError> {
        Ok(match scope {
            Scope::All => self
                .conn
                .query_row("SELECT count(*) FROM stale_lsc", [], |r| r.get(0))?,
            Scope::Device(d) => self.conn.query_row(
                "SELECT count(*) FROM stale_lsc WHERE device = ?1",
                [d.as_str()],
                |r| r.get(0),
            )?,
        })
    }

    /// Deletes stale LSCs (all, or one device's) in one transaction; returns how many.
    pub fn delete_stale_lscs(&mut self, scope: &Scope, actor: &Actor) -> Result<u64, StoreError> {
        self.write(|tx| {
            // lsc_stale holds exactly the stale LSCs, each with its certificate (v10; the
            // triggers keep it so). All of them: the table is cleared, its pages freed whole,
            // without a page of the live LSCs touched (a test holds the statement to that).
            let n = match scope {
                Scope::All => tx.execute("DELETE FROM lsc_stale", [])?,
                Scope::Device(d) => {
                    tx.execute("DELETE FROM lsc_stale WHERE device = ?1", [d.as_str()])?
                }
            };
            log_ok(tx, actor, &format!("{n} stale lscs deleted"))?;
            Ok(n as u64)
        })
    }

    /// Streams LSCs matching `filter` (by expiry, then device) to `f`; returns how many.
    pub fn each_lsc<E: From<StoreError>>(
        &self,
        filter: &LscFilter,
        mut f: impl FnMut(LscRecord) -> Result<(), E>,
    ) -> Result<u64, E> {
        let (clause, arg): (&str, rusqlite::types::Value) = match filter {
            LscFilter::All => ("1 = 1 OR ?1 IS NULL", rusqlite::types::Value::Null),
            LscFilter::ExpiringBefore(t) => ("l.not_after < ?1", to_micros(t).into()),
            LscFilter::Device(d) => ("l.device = ?1", d.as_str().to_owned().into()),
            LscFilter::Serial(s) => ("l.serial = lower(?1)", s.clone().into()),
        };
        // The certificate itself only where few rows come back (one device, one serial).
        let der = if matches!(filter, LscFilter::Device(_) | LscFilter::Serial(_)) {
            "(SELECT d.der FROM lsc_der_any d WHERE d.lsc_id = l.id)"
        } else {
            "NULL"
        };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT l.id, l.device, l.serial, l.subject, l.issuer, l.not_before, l.not_after,
                        l.issued_at, l.installed_at,
                        l.superseded_at IS NOT NULL,
                        EXISTS (SELECT 1 FROM revocation r WHERE r.serial = l.serial),
                        (SELECT c.retired_at IS NOT NULL FROM capf_ca c
                          WHERE c.subject = l.issuer
                          ORDER BY c.retired_at IS NULL DESC, c.id DESC LIMIT 1),
                        {der}
                   FROM lsc l WHERE {clause} ORDER BY l.not_after, l.device, l.id"
            ))
            .map_err(StoreError::from)?;
        each_row(&mut stmt, [arg], |r| {
            let rec = (|| -> rusqlite::Result<LscRecord> {
                let installed_at = opt_ts_col(r, 8)?;
                let stale: bool = r.get(9)?;
                let revoked: bool = r.get(10)?;
                let retired: Option<bool> = r.get(11)?;
                let issuer: String = r.get(4)?;
                let der: Option<Vec<u8>> = r.get(12)?;
                Ok(LscRecord {
                    issuer_label: issuer_label(&issuer, retired == Some(true)),
                    der: der.unwrap_or_default(),
                    id: r.get(0)?,
                    device: r.get(1)?,
                    serial: r.get(2)?,
                    subject: r.get(3)?,
                    issuer,
                    not_before: ts_col(r, 5)?,
                    not_after: ts_col(r, 6)?,
                    issued_at: ts_col(r, 7)?,
                    installed_at,
                    state: if revoked {
                        LscState::Revoked
                    } else if installed_at.is_some() {
                        LscState::Installed
                    } else if stale {
                        LscState::Stale
                    } else {
                        LscState::Issued
                    },
                })
            })()
            .map_err(StoreError::from)?;
            f(rec)
        })
    }

    /// Counts of issued, installed and stale LSCs.
    pub fn lsc_counts(&self) -> Result<LscCounts, StoreError> {
        Ok(self.conn.query_row(
            // Issued, installed and revoked LSCs are all live rows (v10): lsc_stale holds
            // neither installed nor revoked ones, so those counts need not read it.
            "SELECT (SELECT count(*) FROM lsc_live l
                      WHERE installed_at IS NULL AND superseded_at IS NULL
                       AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = l.serial)),
                    (SELECT count(*) FROM lsc_live l WHERE installed_at IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = l.serial)),
                    (SELECT count(*) FROM stale_lsc),
                    (SELECT count(*) FROM lsc_live l
                      WHERE EXISTS (SELECT 1 FROM revocation r WHERE r.serial = l.serial)),
                    (SELECT count(*) FROM lsc l
                      WHERE l.issuer IN (SELECT subject FROM capf_ca WHERE retired_at IS NOT NULL)
                        AND l.issuer NOT IN (SELECT subject FROM capf_ca WHERE retired_at IS NULL)
                        AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = l.serial))",
            [],
            |r| {
                Ok(LscCounts {
                    issued: r.get(0)?,
                    installed: r.get(1)?,
                    stale: r.get(2)?,
                    revoked: r.get(3)?,
                    by_retired_ca: r.get(4)?,
                })
            },
        )?)
    }
}

/// What listings show as an LSC's issuer: its CN (the whole DN when it has none), marked
/// `(retired)` when a newer CAPF CA replaced it.
fn issuer_label(issuer: &str, retired: bool) -> String {
    let cn = issuer
        .split(", ")
        .find_map(|rdn| rdn.strip_prefix("CN="))
        .unwrap_or(issuer);
    if retired {
        format!("{cn} (retired)")
    } else {
        cn.to_owned()
    }
}

impl Store {
    /// The current LSC of each device (or of one): the newest one, by issue time, that is
    /// neither revoked nor stale; with its certificate. Ordered by device.
    pub fn current_lscs(&self, scope: &Scope) -> Result<Vec<LscRecord>, StoreError> {
        let devices: Vec<String> = match scope {
            Scope::Device(d) => vec![d.as_str().to_owned()],
            Scope::All => {
                // A device whose LSCs are all stale has no current one: live rows suffice (v10).
                let mut stmt = self
                    .conn
                    .prepare("SELECT DISTINCT device FROM lsc_live ORDER BY device")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            }
        };
        let mut out = Vec::new();
        for device in devices {
            let serial: Option<String> = self
                .conn
                .query_row(
                    "SELECT serial FROM lsc_live l
                      WHERE device = ?1
                        AND NOT (installed_at IS NULL AND superseded_at IS NOT NULL)
                        AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = l.serial)
                      ORDER BY issued_at DESC, id DESC LIMIT 1",
                    [&device],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(serial) = serial {
                self.each_lsc(&LscFilter::Serial(serial), |rec| {
                    out.push(rec);
                    Ok::<_, StoreError>(())
                })?;
            }
        }
        Ok(out)
    }
}
