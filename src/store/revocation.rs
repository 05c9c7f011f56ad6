//! Revocations and the CRLs the CAPF CA issued.

use rusqlite::{OptionalExtension, params};

use super::audit::log_ok;
use super::{Actor, Store, StoreError, to_micros, ts_col};
use crate::domain::{Revocation, RevocationReason, Timestamp};

/// A CRL as recorded when it was issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlRecord {
    /// Its CRL number.
    pub number: i64,
    /// SHA-256 fingerprint of the CA that signed it.
    pub ca_fingerprint: String,
    /// thisUpdate.
    pub this_update: Timestamp,
    /// nextUpdate.
    pub next_update: Timestamp,
    /// How many revoked certificates it lists.
    pub entries: i64,
    /// The highest revocation id it covers.
    pub last_revocation_id: i64,
    /// The CRL (DER).
    pub der: Vec<u8>,
}

/// A CRL to record; its number comes from the store.
#[derive(Debug, Clone)]
pub struct NewCrl {
    /// SHA-256 fingerprint of the signing CA.
    pub ca_fingerprint: String,
    /// thisUpdate.
    pub this_update: Timestamp,
    /// nextUpdate.
    pub next_update: Timestamp,
    /// How many revoked certificates it lists.
    pub entries: i64,
    /// The highest revocation id it covers.
    pub last_revocation_id: i64,
    /// The CRL (DER).
    pub der: Vec<u8>,
}

fn revocation_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Revocation> {
    let reason: String = r.get(6)?;
    Ok(Revocation {
        id: r.get(0)?,
        serial: r.get(1)?,
        device: r.get(2)?,
        issuer: r.get(3)?,
        not_after: ts_col(r, 4)?,
        revoked_at: ts_col(r, 5)?,
        // The schema's CHECK allows only the four names.
        reason: reason.parse().unwrap_or_default(),
    })
}

impl Store {
    /// Revokes the LSCs with these serials in one transaction, with one audit line each.
    /// Serials already revoked are left as they were (their first reason and time stand).
    /// Returns how many were revoked now.
    pub fn revoke_lscs(
        &mut self,
        serials: &[String],
        reason: RevocationReason,
        at: Timestamp,
        actor: &Actor,
    ) -> Result<u64, StoreError> {
        self.write(|tx| {
            let mut n = 0u64;
            for serial in serials {
                let device: Option<String> = tx
                    .query_row(
                        "SELECT device FROM lsc WHERE serial = lower(?1)",
                        [serial],
                        |r| r.get(0),
                    )
                    .optional()?;
                let Some(device) = device else {
                    return Err(StoreError::Invalid(format!("no LSC has serial {serial}")));
                };
                let added = tx.execute(
                    "INSERT INTO revocation (serial, device, issuer, not_after, revoked_at,
                                             reason, revoked_by)
                     SELECT serial, device, issuer, not_after, ?2, ?3, ?4
                       FROM lsc WHERE serial = lower(?1)
                     ON CONFLICT (serial) DO NOTHING",
                    params![serial, to_micros(&at), reason.as_str(), actor.os_user],
                )?;
                if added > 0 {
                    log_ok(
                        tx,
                        actor,
                        &format!("lsc {serial} of {device} revoked ({reason})"),
                    )?;
                    n += 1;
                }
            }
            Ok(n)
        })
    }

    /// The revocations of LSCs issued by `issuer` (a DN), oldest first: what its CRL lists.
    pub fn revocations_by_issuer(&self, issuer: &str) -> Result<Vec<Revocation>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, serial, device, issuer, not_after, revoked_at, reason
               FROM revocation WHERE issuer = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([issuer], revocation_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The highest revocation id of LSCs issued by `issuer` (0 when none): a CRL covering
    /// less is out of date.
    pub fn last_revocation_id(&self, issuer: &str) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT coalesce(max(id), 0) FROM revocation WHERE issuer = ?1",
            [issuer],
            |r| r.get(0),
        )?)
    }

    /// The newest CRL the CA with this fingerprint issued, if any.
    pub fn latest_crl(&self, ca_fingerprint: &str) -> Result<Option<CrlRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT number, ca_fingerprint, this_update, next_update, entries,
                        last_revocation_id, der
                   FROM crl WHERE ca_fingerprint = ?1 ORDER BY number DESC LIMIT 1",
                [ca_fingerprint],
                |r| {
                    Ok(CrlRecord {
                        number: r.get(0)?,
                        ca_fingerprint: r.get(1)?,
                        this_update: ts_col(r, 2)?,
                        next_update: ts_col(r, 3)?,
                        entries: r.get(4)?,
                        last_revocation_id: r.get(5)?,
                        der: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    /// Issues a CRL: takes the next CRL number, lets `sign` build the CRL with it, and records
    /// it with an audit line, in one transaction (two engines never issue the same number).
    pub fn issue_crl<E: From<StoreError>>(
        &mut self,
        actor: &Actor,
        sign: impl FnOnce(i64) -> Result<NewCrl, E>,
    ) -> Result<CrlRecord, E> {
        self.write_with(|tx| {
            let number: i64 = tx
                .query_row("SELECT coalesce(max(number), 0) + 1 FROM crl", [], |r| {
                    r.get(0)
                })
                .map_err(StoreError::from)?;
            let crl = sign(number)?;
            tx.execute(
                "INSERT INTO crl (number, ca_fingerprint, this_update, next_update, entries,
                                  last_revocation_id, der)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    number,
                    crl.ca_fingerprint,
                    to_micros(&crl.this_update),
                    to_micros(&crl.next_update),
                    crl.entries,
                    crl.last_revocation_id,
                    crl.der
                ],
            )
            .map_err(StoreError::from)?;
            log_ok(
                tx,
                actor,
                &format!("crl {number} issued ({} revoked)", crl.entries),
            )?;
            Ok(CrlRecord {
                number,
                ca_fingerprint: crl.ca_fingerprint,
                this_update: crl.this_update,
                next_update: crl.next_update,
                entries: crl.entries,
                last_revocation_id: crl.last_revocation_id,
                der: crl.der,
            })
        })
    }
}
