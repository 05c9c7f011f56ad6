//! Certificate signing requests: recording them (engine side) and listing/deleting them (shell).

use rusqlite::{Connection, OptionalExtension, params};

use super::audit::log_ok;
use super::cached::CachedSql;
use super::raw_rows::RawQuery;
use super::{Actor, Scope, Store, StoreError, map_each_row, to_micros, ts_col};
use crate::domain::{CsrRecord, DeviceName, NewCsr, PendingCsr, PendingCsrRow};

const PENDING_COLUMNS: &str =
    "id, device, submitted_at, subject, key_algorithm, key_bits, public_key_sha256, kind = 'key'";

fn pending_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PendingCsr> {
    Ok(PendingCsr {
        id: r.get(0)?,
        device: r.get(1)?,
        submitted_at: ts_col(r, 2)?,
        subject: r.get(3)?,
        key_algorithm: r.get(4)?,
        key_bits: r.get(5)?,
        public_key_sha256: r.get(6)?,
        from_key_generate: r.get(7)?,
    })
}

/// A pending CSR with its DER: the columns [`pending_from_row`] reads, then `der` (column 8).
pub(super) fn record_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CsrRecord> {
    Ok(CsrRecord {
        csr: pending_from_row(r)?,
        der: r.get(8)?,
    })
}

/// Whether CSR `csr_id` still waits for an answer: pending, and no LSC answers it yet. Asked
/// inside the write transaction that would answer it, so two engines never both do.
pub(super) fn csr_is_open(conn: &Connection, csr_id: i64) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT state = 'pending'
                    AND NOT EXISTS (SELECT 1 FROM lsc WHERE csr_id = ?1)
               FROM csr WHERE id = ?1",
            [csr_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false))
}

/// Which rows device-name completion draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceSource {
    /// Devices with a pending CSR.
    PendingCsr,
    /// Devices with a stale LSC.
    StaleLsc,
    /// Devices with any LSC.
    Lsc,
    /// Devices with a scheduled certificate operation.
    Operation,
}

/// Inserts one CSR, superseding the device's older pending CSR; returns (id, superseded count).
pub(super) fn insert_csr(conn: &Connection, csr: &NewCsr) -> Result<(i64, usize), StoreError> {
    insert_request(conn, csr, "csr")
}

/// Inserts a pending request of `kind` (`csr`, or `key` for a key from a phone's key-generate
/// response, whose `der` is the SubjectPublicKeyInfo), superseding the device's older one.
pub(super) fn insert_request(
    conn: &Connection,
    csr: &NewCsr,
    kind: &str,
) -> Result<(i64, usize), StoreError> {
    let superseded = conn.execute_cached(
        "UPDATE csr SET state = 'superseded' WHERE device = ?1 AND state = 'pending'",
        [csr.device.as_str()],
    )?;
    conn.execute_cached(
        "INSERT INTO csr (device, submitted_at, subject, key_algorithm, key_bits,
                          public_key_sha256, der, kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            csr.device.as_str(),
            to_micros(&csr.submitted_at),
            csr.subject,
            csr.key_algorithm,
            csr.key_bits,
            csr.public_key_sha256,
            csr.der,
            kind
        ],
    )?;
    Ok((conn.last_insert_rowid(), superseded))
}

impl Store {
    /// Records a CSR as pending. An older pending CSR of the same device is superseded: it stays
    /// in history but leaves the pending list (one pending CSR per device, as the schema enforces).
    /// Returns the new CSR's id and how many older CSRs it superseded.
    pub fn record_csr(&mut self, csr: &NewCsr, actor: &Actor) -> Result<(i64, usize), StoreError> {
        self.write(|tx| {
            let out = insert_csr(tx, csr)?;
            log_ok(tx, actor, &format!("csr recorded for {}", csr.device))?;
            Ok(out)
        })
    }

    /// Records many CSRs in one transaction with one audit line (bulk loads, tests, benchmarks).
    pub fn record_csrs(&mut self, csrs: &[NewCsr], actor: &Actor) -> Result<Vec<i64>, StoreError> {
        self.write(|tx| {
            let ids = csrs
                .iter()
                .map(|c| insert_csr(tx, c).map(|(id, _)| id))
                .collect::<Result<Vec<_>, _>>()?;
            log_ok(tx, actor, &format!("{} csrs recorded", ids.len()))?;
            Ok(ids)
        })
    }

    /// Streams the pending CSRs, oldest first, to `f`; returns how many there were.
    ///
    /// Rows are handed out one at a time so a listing of a million CSRs never holds them all.
    pub fn each_pending_csr<E: From<StoreError>>(
        &self,
        f: impl FnMut(PendingCsr) -> Result<(), E>,
    ) -> Result<u64, E> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {PENDING_COLUMNS} FROM csr WHERE state = 'pending' ORDER BY submitted_at, id"
            ))
            .map_err(StoreError::from)?;
        map_each_row(&mut stmt, [], pending_from_row, f)
    }

    /// Streams the pending CSRs, oldest first, to `f` as rows borrowed from SQLite's own buffers
    /// (the listing's hot path: no copy, no allocation per row, one SQLite call per value
    /// through `raw_rows::RawQuery`); returns how many there were.
    ///
    /// The query reads only the covering index `csr_pending_list` (v6, with the kind since v7),
    /// never the CSR table.
    pub fn each_pending_csr_row<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(&PendingCsrRow<'_>) -> Result<(), E>,
    ) -> Result<u64, E> {
        RawQuery::prepare(
            &self.conn,
            c"SELECT device, submitted_at, subject, key_algorithm, key_bits, kind
                FROM csr WHERE state = 'pending' ORDER BY submitted_at, id",
        )?
        .each(|r| {
            let bits = r.int(4)?;
            f(&PendingCsrRow {
                device: r.str(0)?,
                submitted_at_micros: r.micros(1)?,
                subject: r.str(2)?,
                key_algorithm: r.str(3)?,
                key_bits: u32::try_from(bits).map_err(|_| {
                    StoreError::from(rusqlite::Error::IntegralValueOutOfRange(4, bits))
                })?,
                from_key_generate: r.text(5) == Some(b"key"),
            })
        })
    }

    /// Pending CSRs that no LSC answers yet, oldest first, at most `limit` (the engine signs
    /// these in `capf` mode).
    pub fn unanswered_csrs(&self, limit: u32) -> Result<Vec<CsrRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PENDING_COLUMNS}, der FROM csr c
              WHERE state = 'pending' AND kind = 'csr'
                AND NOT EXISTS (SELECT 1 FROM lsc l WHERE l.csr_id = c.id)
              ORDER BY submitted_at, id LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit], record_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many CSRs are pending.
    pub fn pending_csr_count(&self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM csr WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )?)
    }

    /// The pending CSR of one device, with its DER.
    pub fn pending_csr(&self, device: &DeviceName) -> Result<Option<CsrRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {PENDING_COLUMNS}, der FROM csr WHERE state = 'pending' AND device = ?1"
                ),
                [device.as_str()],
                record_from_row,
            )
            .optional()?)
    }

    /// Every pending CSR that no LSC answers yet, with its DER, oldest first, streamed (for
    /// export to an offline CA: one already answered would be refused when its certificate comes
    /// back, and would take the rest of the import with it).
    pub fn each_unanswered_csr_der<E: From<StoreError>>(
        &self,
        f: impl FnMut(CsrRecord) -> Result<(), E>,
    ) -> Result<u64, E> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {PENDING_COLUMNS}, der FROM csr c
                  WHERE state = 'pending' AND kind = 'csr'
                    AND NOT EXISTS (SELECT 1 FROM lsc l WHERE l.csr_id = c.id)
                  ORDER BY submitted_at, id"
            ))
            .map_err(StoreError::from)?;
        map_each_row(&mut stmt, [], record_from_row, f)
    }

    /// The pending CSRs whose public key has this SHA-256, newest first, at most `limit` (to
    /// match an imported certificate; more than one means two devices sent the same key).
    pub fn pending_csrs_by_public_key(
        &self,
        public_key_sha256: &str,
        limit: u32,
    ) -> Result<Vec<PendingCsr>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PENDING_COLUMNS} FROM csr
              WHERE state = 'pending' AND public_key_sha256 = ?1
              ORDER BY submitted_at DESC, id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![public_key_sha256, limit], pending_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Deletes pending CSRs (all, or one device's) in one transaction; returns how many.
    pub fn delete_pending_csrs(&mut self, scope: &Scope, actor: &Actor) -> Result<u64, StoreError> {
        self.write(|tx| {
            let n = match scope {
                Scope::All => tx.execute("DELETE FROM csr WHERE state = 'pending'", [])?,
                Scope::Device(d) => tx.execute(
                    "DELETE FROM csr WHERE state = 'pending' AND device = ?1",
                    [d.as_str()],
                )?,
            };
            log_ok(tx, actor, &format!("{n} pending csrs deleted"))?;
            Ok(n as u64)
        })
    }

    /// How many distinct names of `source` start with `prefix` (what completion leaves out
    /// when it shows only the first ones). Reads the same index range as
    /// [`Store::device_names`].
    pub fn count_device_names(
        &self,
        source: DeviceSource,
        prefix: &str,
    ) -> Result<u64, StoreError> {
        let Some((table, prefix, upper)) = name_range(source, prefix) else {
            return Ok(0);
        };
        let mut stmt = self.conn.prepare_cached(&match merged_lsc_names(source) {
            Some(names) => format!("SELECT count(*) FROM ({names})"),
            None => {
                format!("SELECT count(DISTINCT device) FROM {table} device >= ?1 AND device < ?2")
            }
        })?;
        let n: i64 = stmt.query_row(params![prefix, upper], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Device names starting with `prefix`, for completion: an indexed range scan with a limit,
    /// so it answers at once even with a million devices.
    pub fn device_names(
        &self,
        source: DeviceSource,
        prefix: &str,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let Some((table, prefix, upper)) = name_range(source, prefix) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare_cached(&match merged_lsc_names(source) {
            Some(names) => format!("{names} LIMIT ?3"),
            None => format!(
                "SELECT DISTINCT device FROM {table} device >= ?1 AND device < ?2
                  ORDER BY device LIMIT ?3"
            ),
        })?;
        let rows = stmt.query_map(params![prefix, upper, limit], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The table (with the start of its WHERE clause) holding the names of `source`, and the
/// index range of the names starting with `prefix`; `None` when no name can start so.
fn name_range(source: DeviceSource, prefix: &str) -> Option<(&'static str, String, String)> {
    if !prefix.chars().all(DeviceName::is_name_char) {
        return None;
    }
    let table = match source {
        DeviceSource::PendingCsr => "csr WHERE state = 'pending' AND",
        DeviceSource::StaleLsc => "stale_lsc WHERE",
        DeviceSource::Lsc => "lsc WHERE",
        DeviceSource::Operation => "operation WHERE",
    };
    // Names are stored upper-case (see DeviceName); `sep00<Tab>` finds `SEP00…`.
    let prefix = prefix.to_ascii_uppercase();
    // The upper bound of the prefix range: every name starting with `prefix` sorts below
    // `prefix` followed by U+10FFFF; device names are ASCII, so '~' (after 'z') suffices.
    let upper = format!("{prefix}~");
    Some((table, prefix, upper))
}

/// The LSCs' names in the range `?1 ..< ?2`, distinct and in order, for [`DeviceSource::Lsc`]:
/// LSCs sit in two tables since v10, and through the `lsc` view a distinct, ordered range
/// would gather and sort every name first. Each table's index is read in order and the two
/// merged, so a limit stops the reading early.
pub(super) fn merged_lsc_names(source: DeviceSource) -> Option<&'static str> {
    (source == DeviceSource::Lsc).then_some(
        "SELECT device FROM lsc_live WHERE device >= ?1 AND device < ?2
         UNION
         SELECT device FROM lsc_stale WHERE device >= ?1 AND device < ?2
         ORDER BY device",
    )
}
