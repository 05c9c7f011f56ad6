//! The CAPF CA certificate and the trust list of external CAs.

use rusqlite::{OptionalExtension, params};

use super::audit::log_ok;
use super::cached::CachedSql;
use super::{Actor, Store, StoreError, to_micros, ts_col};
use crate::domain::Timestamp;

/// A CA certificate as the store keeps it (the CAPF CA, or a trusted external CA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaRecord {
    /// Row id.
    pub id: i64,
    /// Subject DN.
    pub subject: String,
    /// End of validity.
    pub not_after: Timestamp,
    /// SHA-256 of the DER, colon-separated hex (as openssl prints it).
    pub sha256_fingerprint: String,
    /// The certificate.
    pub der: Vec<u8>,
    /// CAPF CA only: the private key file beside the database.
    pub key_file: Option<String>,
    /// When it was created or added.
    pub added_at: Timestamp,
}

/// A new CAPF CA certificate to record.
#[derive(Debug, Clone)]
pub struct NewCa {
    /// Subject DN.
    pub subject: String,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// SHA-256 fingerprint of the DER.
    pub sha256_fingerprint: String,
    /// The private key's file name beside the store (never the key itself, never a path: a
    /// store copied or restored elsewhere finds its keys beside it).
    pub key_file: String,
    /// The certificate.
    pub der: Vec<u8>,
}

/// A new trusted external CA.
#[derive(Debug, Clone)]
pub struct NewTrustAnchor {
    /// Subject DN.
    pub subject: String,
    /// End of validity.
    pub not_after: Timestamp,
    /// SHA-256 fingerprint of the DER.
    pub sha256_fingerprint: String,
    /// The certificate.
    pub der: Vec<u8>,
}

impl Store {
    /// The active CAPF CA certificate, if one was created.
    pub fn active_ca(&self) -> Result<Option<CaRecord>, StoreError> {
        Ok(self
            .conn
            .query_row_cached(
                "SELECT id, subject, not_after, sha256_fingerprint, der, key_file, created_at
                   FROM capf_ca WHERE retired_at IS NULL",
                [],
                ca_row,
            )
            .optional()?)
    }

    /// Records a new CAPF CA. With `replace`, the active one is retired (kept in the store,
    /// still naming its own key file); without, an existing active CA is an error and nothing
    /// changes. `write_key` runs inside the transaction, after the checks: the key file appears
    /// only while this process holds the write lock, so two replacements never interleave, and
    /// the certificate that names it commits only once it is written and synced. (A crash
    /// between the two leaves an unnamed key file: the old CA stays active with its own key.)
    pub fn install_ca<E: From<StoreError>>(
        &mut self,
        ca: &NewCa,
        replace: bool,
        actor: &Actor,
        write_key: impl FnOnce() -> Result<(), E>,
    ) -> Result<i64, E> {
        self.write_with(|tx| {
            let now = to_micros(&tx.now());
            let active: Option<String> = tx
                .query_row("SELECT subject FROM capf_ca WHERE retired_at IS NULL", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(StoreError::from)?;
            if let Some(subject) = active {
                if !replace {
                    return Err(StoreError::Invalid(format!(
                        "a CAPF CA certificate already exists ({subject}): use --force to replace it (the old one is kept as retired)"
                    ))
                    .into());
                }
                tx.execute(
                    "UPDATE capf_ca SET retired_at = ?1 WHERE retired_at IS NULL",
                    params![now],
                )
                .map_err(StoreError::from)?;
            }
            tx.execute(
                "INSERT INTO capf_ca (subject, not_before, not_after, sha256_fingerprint, key_file,
                                      der, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    ca.subject,
                    to_micros(&ca.not_before),
                    to_micros(&ca.not_after),
                    ca.sha256_fingerprint,
                    ca.key_file,
                    ca.der,
                    now
                ],
            )
            .map_err(StoreError::from)?;
            let id = tx.last_insert_rowid();
            log_ok(tx, actor, &format!("capf ca created: {}", ca.subject))?;
            write_key()?;
            Ok(id)
        })
    }

    /// Runs `f` with the key file names the store names while holding the write lock (and
    /// changing nothing), so no replacement can be between writing its key and committing:
    /// what `f` sees unnamed is an orphan of a crash, safe to remove.
    pub fn with_ca_key_files_locked<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&[String]) -> Result<T, E>,
    ) -> Result<T, E> {
        self.write_with(|tx| {
            let names: Vec<String> = tx
                .prepare("SELECT key_file FROM capf_ca")
                .and_then(|mut stmt| {
                    stmt.query_map([], |r| r.get(0))?
                        .collect::<Result<Vec<String>, _>>()
                })
                .map_err(StoreError::from)?;
            f(&names)
        })
    }

    /// The external CAs trusted to issue LSCs (purpose `lsc`), oldest first.
    pub fn trust_anchors(&self) -> Result<Vec<CaRecord>, StoreError> {
        self.trust_anchors_for(Some("lsc"))
    }

    /// The manufacturer CAs trusted to vouch for phones' MICs and SUDI certificates (purpose
    /// `mic`), oldest first. They never issue LSCs.
    pub fn mic_anchors(&self) -> Result<Vec<CaRecord>, StoreError> {
        self.trust_anchors_for(Some("mic"))
    }

    /// Every trust anchor with its purpose (`lsc` or `mic`), oldest first (`show capf trust`).
    pub fn trust_anchors_with_purpose(&self) -> Result<Vec<(CaRecord, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, subject, not_after, sha256_fingerprint, der, NULL, added_at, purpose
               FROM trust_anchor ORDER BY added_at, id",
        )?;
        let rows = stmt.query_map([], |r| Ok((ca_row(r)?, r.get(7)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every CAPF CA certificate, the active one first, then retired ones newest first: an LSC
    /// a phone presents may come from a CA since replaced.
    pub fn capf_cas(&self) -> Result<Vec<CaRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, subject, not_after, sha256_fingerprint, der, key_file, created_at
               FROM capf_ca ORDER BY retired_at IS NOT NULL, created_at DESC, id DESC",
        )?;
        let rows = stmt.query_map([], ca_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn trust_anchors_for(&self, purpose: Option<&str>) -> Result<Vec<CaRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, subject, not_after, sha256_fingerprint, der, NULL, added_at
               FROM trust_anchor WHERE ?1 IS NULL OR purpose = ?1 ORDER BY added_at, id",
        )?;
        let rows = stmt.query_map([purpose], ca_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Adds trusted external CAs in one transaction; ones already present (same fingerprint)
    /// are skipped. Returns how many were added.
    pub fn add_trust_anchors(
        &mut self,
        anchors: &[NewTrustAnchor],
        actor: &Actor,
    ) -> Result<usize, StoreError> {
        self.add_trust_anchors_for(anchors, "lsc", actor)
    }

    /// [`Store::add_trust_anchors`] with a purpose: `lsc` (may issue LSCs) or `mic`
    /// (manufacturer CAs for MIC and SUDI checks). A certificate already trusted keeps the
    /// purpose it was first imported with.
    pub fn add_trust_anchors_for(
        &mut self,
        anchors: &[NewTrustAnchor],
        purpose: &str,
        actor: &Actor,
    ) -> Result<usize, StoreError> {
        self.write(|tx| {
            let now = to_micros(&tx.now());
            let mut added = 0;
            for a in anchors {
                added += tx.execute(
                    "INSERT INTO trust_anchor (subject, not_after, sha256_fingerprint, der,
                                               added_at, added_by, purpose)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (sha256_fingerprint) DO NOTHING",
                    params![
                        a.subject,
                        to_micros(&a.not_after),
                        a.sha256_fingerprint,
                        a.der,
                        now,
                        actor.os_user,
                        purpose
                    ],
                )?;
            }
            let what = if purpose == "mic" { " (MIC)" } else { "" };
            log_ok(tx, actor, &format!("{added} trust anchors added{what}"))?;
            Ok(added)
        })
    }
}

/// A CAPF CA certificate, active or retired, for `show capf cert all`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapfCaEntry {
    /// Subject DN.
    pub subject: String,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// SHA-256 fingerprint (colon-separated hex).
    pub sha256_fingerprint: String,
    /// When `capfd init --force` replaced it; `None` for the active one.
    pub retired_at: Option<Timestamp>,
    /// The certificate.
    pub der: Vec<u8>,
}

impl Store {
    /// Every CAPF CA certificate, the active one first, then the retired ones newest first.
    pub fn capf_ca_history(&self) -> Result<Vec<CapfCaEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT subject, not_before, not_after, sha256_fingerprint, retired_at, der
               FROM capf_ca ORDER BY retired_at IS NOT NULL, retired_at DESC, id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(CapfCaEntry {
                subject: r.get(0)?,
                not_before: ts_col(r, 1)?,
                not_after: ts_col(r, 2)?,
                sha256_fingerprint: r.get(3)?,
                retired_at: super::opt_ts_col(r, 4)?,
                der: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A CA certificate row: id, subject, not_after, fingerprint, der, key file (NULL for a trust
/// anchor), when it was added.
pub(super) fn ca_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaRecord> {
    Ok(CaRecord {
        id: r.get(0)?,
        subject: r.get(1)?,
        not_after: ts_col(r, 2)?,
        sha256_fingerprint: r.get(3)?,
        der: r.get(4)?,
        key_file: r.get(5)?,
        added_at: ts_col(r, 6)?,
    })
}
