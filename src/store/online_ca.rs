//! The online CA (EST) settings, the CA certificates trusted for its TLS server, and where each
//! pending CSR stands with it.

use rusqlite::{OptionalExtension, params};

use super::audit::log_ok;
use super::ca::{CaRecord, NewTrustAnchor, ca_row};
use super::csr::{csr_is_open, record_from_row};
use super::{Actor, Store, StoreError, each_row, opt_ts_col, to_micros, ts_col};
use crate::domain::{
    CsrRecord, EstHost, EstLabel, EstRequest, EstState, EstUser, NewLsc, OnlineCa, Timestamp,
};

/// New online CA settings (the password goes to its own file, never here).
#[derive(Debug, Clone)]
pub struct NewOnlineCa {
    /// EST server host.
    pub host: EstHost,
    /// EST server port.
    pub port: u16,
    /// CA label, if any.
    pub label: Option<EstLabel>,
    /// User for HTTP Basic authentication.
    pub user: EstUser,
    /// Name of the password file beside the store.
    pub password_file: String,
}

/// What the last attempt for a CSR was, so capfd logs a refusal once, not at every try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstAttempt {
    /// Where it stood.
    pub state: EstState,
    /// Why.
    pub detail: String,
    /// Attempts so far.
    pub attempts: i64,
}

impl Store {
    /// The online CA settings, if they were ever set.
    pub fn online_ca(&self) -> Result<Option<OnlineCa>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT host, port, label, username, password_file, set_at, set_by, revision,
                        last_contact_at, last_result
                   FROM online_ca WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        ts_col(r, 5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, i64>(7)?,
                        opt_ts_col(r, 8)?,
                        r.get::<_, Option<String>>(9)?,
                    ))
                },
            )
            .optional()?;
        let Some((host, port, label, user, password_file, set_at, set_by, revision, lc, lr)) = row
        else {
            return Ok(None);
        };
        Ok(Some(OnlineCa {
            host: host.parse()?,
            port: u16::try_from(port)
                .map_err(|_| StoreError::Invalid(format!("online CA port {port} out of range")))?,
            label: label.map(|l| l.parse()).transpose()?,
            user: user.parse()?,
            password_file,
            set_at,
            set_by,
            revision,
            last_contact_at: lc,
            last_result: lr,
        }))
    }

    /// Sets the online CA; returns the revision now in force. The audit line names the
    /// server and the user, and says the password was replaced, never what it is.
    pub fn set_online_ca(&mut self, ca: &NewOnlineCa, actor: &Actor) -> Result<i64, StoreError> {
        self.write(|tx| {
            let now = to_micros(&tx.now());
            tx.execute(
                "INSERT INTO online_ca (id, host, port, label, username, password_file, set_at,
                                        set_by, revision)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)
                 ON CONFLICT (id) DO UPDATE SET
                    host = excluded.host, port = excluded.port, label = excluded.label,
                    username = excluded.username, password_file = excluded.password_file,
                    set_at = excluded.set_at, set_by = excluded.set_by,
                    revision = online_ca.revision + 1,
                    last_contact_at = NULL, last_result = NULL",
                params![
                    ca.host.as_str(),
                    ca.port,
                    ca.label.as_ref().map(EstLabel::as_str),
                    ca.user.as_str(),
                    ca.password_file,
                    now,
                    actor.os_user
                ],
            )?;
            let revision: i64 =
                tx.query_row("SELECT revision FROM online_ca WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
            log_ok(
                tx,
                actor,
                &format!(
                    "online_ca host {} port {} label {} user {} (password replaced)",
                    ca.host,
                    ca.port,
                    ca.label.as_ref().map_or("-", EstLabel::as_str),
                    ca.user
                ),
            )?;
            Ok(revision)
        })
    }

    /// Notes the outcome of talking to the online CA (for `show capf online-ca`); no audit line:
    /// nothing an admin decided changed.
    pub fn note_online_ca_contact(
        &mut self,
        at: Timestamp,
        result: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE online_ca SET last_contact_at = ?1, last_result = ?2 WHERE id = 1",
                params![to_micros(&at), result],
            )?;
            Ok(())
        })
    }

    /// The CA certificates trusted to authenticate the EST server, oldest first.
    pub fn est_server_cas(&self) -> Result<Vec<CaRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, subject, not_after, sha256_fingerprint, der, NULL, added_at
               FROM est_server_ca ORDER BY added_at, id",
        )?;
        let rows = stmt.query_map([], ca_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Replaces the CA certificates trusted for the EST server with `cas` (what `/cacerts`
    /// returned and the admin confirmed), in one transaction. Returns how many were trusted before.
    pub fn replace_est_server_cas(
        &mut self,
        cas: &[NewTrustAnchor],
        actor: &Actor,
    ) -> Result<usize, StoreError> {
        self.write(|tx| {
            let now = to_micros(&tx.now());
            let before = tx.execute("DELETE FROM est_server_ca", [])?;
            for a in cas {
                tx.execute(
                    "INSERT INTO est_server_ca (subject, not_after, sha256_fingerprint, der,
                                                added_at, added_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (sha256_fingerprint) DO NOTHING",
                    params![
                        a.subject,
                        to_micros(&a.not_after),
                        a.sha256_fingerprint,
                        a.der,
                        now,
                        actor.os_user
                    ],
                )?;
            }
            let fingerprints = cas
                .iter()
                .map(|a| a.sha256_fingerprint.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            log_ok(
                tx,
                actor,
                &format!(
                    "{} online CA server certificates trusted (replacing {before}): {fingerprints}",
                    cas.len()
                ),
            )?;
            // Requests that failed for want of trust are worth another try at once.
            tx.execute(
                "UPDATE online_ca SET revision = revision + 1 WHERE id = 1",
                [],
            )?;
            Ok(before)
        })
    }

    /// Pending CSRs without an LSC that are due for the online CA at `now`, oldest first, at
    /// most `limit`: never sent, due again, or last tried under other settings (`revision`).
    pub fn est_due_csrs(
        &self,
        revision: i64,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<CsrRecord>, StoreError> {
        // The columns of `record_from_row`. Only CSRs go to an EST server (a bare key has
        // nothing to send), so `from_key_generate` is always false here.
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, c.device, c.submitted_at, c.subject, c.key_algorithm, c.key_bits,
                    c.public_key_sha256, c.kind = 'key', c.der
               FROM csr c LEFT JOIN est_attempt a ON a.csr_id = c.id
              WHERE c.state = 'pending' AND c.kind = 'csr'
                AND NOT EXISTS (SELECT 1 FROM lsc l WHERE l.csr_id = c.id)
                AND (a.csr_id IS NULL OR a.next_try_at <= ?1 OR a.config_revision <> ?2)
              ORDER BY c.submitted_at, c.id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![to_micros(&now), revision, limit], record_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The last attempt for a CSR, if there was one under settings `revision`.
    pub fn est_attempt(
        &self,
        csr_id: i64,
        revision: i64,
    ) -> Result<Option<EstAttempt>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT state, detail, attempts FROM est_attempt
                  WHERE csr_id = ?1 AND config_revision = ?2",
                params![csr_id, revision],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(state, detail, attempts)| {
            Ok(EstAttempt {
                state: EstState::parse(&state)?,
                detail,
                attempts,
            })
        })
        .transpose()
    }

    /// Records an attempt that left the CSR pending; returns the attempt count (which starts
    /// over when the settings changed).
    pub fn record_est_attempt(
        &mut self,
        csr_id: i64,
        state: EstState,
        detail: &str,
        now: Timestamp,
        next_try_at: Timestamp,
        revision: i64,
    ) -> Result<i64, StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO est_attempt (csr_id, state, detail, attempts, last_try_at,
                                          next_try_at, config_revision)
                 SELECT ?1, ?2, ?3, 1, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM csr WHERE id = ?1)
                 ON CONFLICT (csr_id) DO UPDATE SET
                    state = excluded.state, detail = excluded.detail,
                    attempts = CASE WHEN est_attempt.config_revision = excluded.config_revision
                                    THEN est_attempt.attempts + 1 ELSE 1 END,
                    last_try_at = excluded.last_try_at, next_try_at = excluded.next_try_at,
                    config_revision = excluded.config_revision",
                params![
                    csr_id,
                    state.as_str(),
                    detail,
                    to_micros(&now),
                    to_micros(&next_try_at),
                    revision
                ],
            )?;
            Ok(tx
                .query_row(
                    "SELECT attempts FROM est_attempt WHERE csr_id = ?1",
                    [csr_id],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0))
        })
    }

    /// Records the LSC the online CA issued for CSR `csr_id`, with its audit line, unless the CSR
    /// is no longer pending or is already answered (then `false`). Check and insert share one
    /// write transaction, as [`Store::answer_csr`] does for CAPF-signed LSCs.
    pub fn record_online_lsc(
        &mut self,
        csr_id: i64,
        lsc: &NewLsc,
        server: &str,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            if !csr_is_open(tx, csr_id)? {
                return Ok(false);
            }
            super::lsc::insert_lsc(tx, lsc)?;
            tx.execute("DELETE FROM est_attempt WHERE csr_id = ?1", [csr_id])?;
            log_ok(
                tx,
                actor,
                &format!(
                    "lsc {} recorded for {} from online CA {server}",
                    lsc.serial, lsc.device
                ),
            )?;
            Ok(true)
        })
    }

    /// Streams the pending CSRs that wait on the online CA (no LSC yet), oldest first, with
    /// where each stands; returns how many there were.
    pub fn each_est_request<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(EstRequest) -> Result<(), E>,
    ) -> Result<u64, E> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT c.id, c.device, c.submitted_at, a.state, a.detail, a.attempts,
                        a.last_try_at, a.next_try_at
                   FROM csr c LEFT JOIN est_attempt a ON a.csr_id = c.id
                  WHERE c.state = 'pending'
                    AND NOT EXISTS (SELECT 1 FROM lsc l WHERE l.csr_id = c.id)
                  ORDER BY c.submitted_at, c.id",
            )
            .map_err(StoreError::from)?;
        each_row(&mut stmt, [], |r| {
            let state: Option<String> = r.get(3).map_err(StoreError::from)?;
            let req = EstRequest {
                csr_id: r.get(0).map_err(StoreError::from)?,
                device: r.get(1).map_err(StoreError::from)?,
                submitted_at: ts_col(r, 2).map_err(StoreError::from)?,
                state: match state {
                    Some(s) => EstState::parse(&s).map_err(StoreError::from)?,
                    None => EstState::Waiting,
                },
                detail: r
                    .get::<_, Option<String>>(4)
                    .map_err(StoreError::from)?
                    .unwrap_or_default(),
                attempts: r
                    .get::<_, Option<i64>>(5)
                    .map_err(StoreError::from)?
                    .unwrap_or(0),
                last_try_at: opt_ts_col(r, 6).map_err(StoreError::from)?,
                next_try_at: opt_ts_col(r, 7).map_err(StoreError::from)?,
            };
            f(req)
        })
    }

    /// How many pending CSRs have no LSC yet (in mode online: how many wait on the online CA).
    pub fn unanswered_csr_count(&self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM csr c
              WHERE state = 'pending' AND NOT EXISTS (SELECT 1 FROM lsc l WHERE l.csr_id = c.id)",
            [],
            |r| r.get(0),
        )?)
    }
}
