//! The CAPF engine's operations over the store: the CA, CSR intake, LSC issuance, installation,
//! and certificates signed by an external CA. `capfd` drives these; capfsh's import commands
//! use them too, so every list the shell shows has one true source.

pub mod atomic;
mod keyfile;
mod watch;

use std::path::{Path, PathBuf};

use crate::domain::{DeviceName, IssuerMode, NewCsr, NewLsc, Timestamp};
use crate::pki::{CaKeyKind, CaSubject, CapfCa, IssuedLsc, ParsedCert, ParsedCsr, PkiError};
use crate::store::{Actor, CrlRecord, NewCa, NewCrl, NewTrustAnchor, Scope, Store, StoreError};

pub use keyfile::{key_path, read_private_key};
pub use watch::SettingsWatch;

/// Why an engine operation failed: one line for the admin.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store refused or failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A CSR, certificate or key was refused.
    #[error("{0}")]
    Pki(#[from] PkiError),
    /// Something else: the message says what.
    #[error("{0}")]
    Other(String),
}

/// What `enroll` did.
#[derive(Debug)]
pub struct Enrollment {
    /// Id of the recorded CSR.
    pub csr_id: i64,
    /// The CSR as parsed.
    pub csr: ParsedCsr,
    /// Older pending CSRs of the device that this one superseded.
    pub superseded: usize,
    /// LSCs of the device that became stale by this CSR.
    pub newly_stale: u64,
    /// The LSC, when the mode is `capf`.
    pub lsc: Option<IssuedLsc>,
    /// The mode in force.
    pub mode: IssuerMode,
}

/// Outcome of importing externally signed certificates.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// (device, serial) of each certificate that passed every check.
    pub accepted: Vec<(String, String)>,
    /// (where it came from, reason) of each refused one.
    pub refused: Vec<(String, String)>,
    /// Whether the accepted ones were recorded: only when none was refused.
    pub committed: bool,
}

/// What one `sign_pending` pass did.
#[derive(Debug, Default)]
pub struct SignReport {
    /// How many CSRs got their LSC.
    pub signed: u64,
    /// (device, reason) of each CSR that could not be signed; it stays pending.
    pub refused: Vec<(String, String)>,
    /// (device, effective end, end the validity setting asked for) of each LSC cut to the
    /// CA's end of validity.
    pub cut: Vec<(String, Timestamp, Timestamp)>,
}

/// The engine over one open store.
pub struct Engine<'s> {
    store: &'s mut Store,
    db_path: PathBuf,
    actor: Actor,
}

impl<'s> Engine<'s> {
    /// Works on an open store; `actor` names who acts in the audit log.
    pub fn new(store: &'s mut Store, actor: Actor) -> Engine<'s> {
        let db_path = store.path().to_path_buf();
        Engine {
            store,
            db_path,
            actor,
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        self.store
    }

    /// Creates the CAPF CA. The private key goes to a 0600 file beside the database, never into
    /// the store. With `force`, an existing CA is retired (kept in the store, its key file kept
    /// with a `.retired-<time>` suffix); without, an existing CA is an error.
    pub fn init_ca(
        &mut self,
        kind: CaKeyKind,
        subject: &CaSubject,
        force: bool,
        now: Timestamp,
    ) -> Result<CapfCa, EngineError> {
        if !force && self.store.active_ca()?.is_some() {
            return Err(StoreError::Invalid(
                "a CAPF CA certificate already exists: use --force to replace it (the old one is kept as retired)".into(),
            )
            .into());
        }
        let (ca, generated) = CapfCa::generate(kind, subject, now)?;
        let path = key_path(&self.db_path);
        let retired = keyfile::retire_existing(&path, now)?;
        keyfile::write_private_key(&path, &generated.key_pem)?;
        let record = NewCa {
            subject: ca.subject().to_owned(),
            not_before: ca.not_before(),
            not_after: ca.not_after(),
            sha256_fingerprint: ca.fingerprint(),
            key_file: file_name(&path),
            retired_key_file: retired.as_deref().map(file_name),
            der: ca.cert_der().to_vec(),
        };
        if let Err(e) = self.store.install_ca(&record, force, &self.actor) {
            // Leave things as they were: no new key without its certificate.
            let _ = std::fs::remove_file(&path);
            if let Some(old) = retired {
                let _ = std::fs::rename(old, &path);
            }
            return Err(e.into());
        }
        Ok(ca)
    }

    /// Issues a CRL signed by the active CAPF CA, listing every revoked LSC it issued, valid
    /// for `days` days from `now`; records it (with its CRL number) and returns it.
    pub fn issue_crl(&mut self, days: u32, now: Timestamp) -> Result<CrlRecord, EngineError> {
        let ca = self.load_ca()?;
        let revoked = self.store.revocations_by_issuer(ca.subject())?;
        let last = revoked.iter().map(|r| r.id).max().unwrap_or(0);
        let fingerprint = ca.fingerprint();
        self.store.issue_crl(&self.actor, |number| {
            let der = ca.sign_crl(number, &revoked, now, days)?;
            Ok::<_, EngineError>(NewCrl {
                ca_fingerprint: fingerprint.clone(),
                this_update: whole_seconds(now),
                next_update: whole_seconds(now + chrono::Duration::days(i64::from(days))),
                entries: revoked.len() as i64,
                last_revocation_id: last,
                der,
            })
        })
    }

    /// Whether the active CA's CRL must be reissued: there is none, an LSC was revoked since,
    /// or half of its validity has passed (so a fresh one is out well before nextUpdate).
    pub fn crl_due(&self, now: Timestamp) -> Result<bool, EngineError> {
        let Some(ca) = self.store.active_ca()? else {
            return Ok(false);
        };
        let Some(latest) = self.store.latest_crl(&ca.sha256_fingerprint)? else {
            return Ok(true);
        };
        let halfway = latest.this_update + (latest.next_update - latest.this_update) / 2;
        Ok(now >= halfway
            || self.store.last_revocation_id(&ca.subject)? > latest.last_revocation_id)
    }

    /// Loads the active CAPF CA with its key (refusing a key file others can read).
    pub fn load_ca(&self) -> Result<CapfCa, EngineError> {
        let record = self.store.active_ca()?.ok_or_else(|| {
            EngineError::Other("no CAPF CA certificate yet: run `capfd init` first".into())
        })?;
        let key_file = record.key_file.unwrap_or_default();
        let key_path = self
            .db_path
            .parent()
            .map(|d| d.join(&key_file))
            .unwrap_or_else(|| PathBuf::from(&key_file));
        let key_pem = read_private_key(&key_path)?;
        Ok(CapfCa::load(
            &crate::pki::to_pem("CERTIFICATE", &record.der),
            &key_pem,
        )?)
    }

    /// What CAPF does when a phone sends its CSR: verify it, record it as pending (superseding
    /// the device's older pending CSR, which makes an issued-but-not-installed LSC stale), and in
    /// `capf` mode sign the LSC at once.
    pub fn enroll(
        &mut self,
        device: &DeviceName,
        input: &[u8],
        now: Timestamp,
    ) -> Result<Enrollment, EngineError> {
        let csr = ParsedCsr::parse(input)?;
        let settings = self.store.settings()?;
        // Load the CA before recording anything: in capf mode a missing CA is refused up front.
        let ca = match settings.issuer_mode {
            IssuerMode::Capf => Some(self.load_ca()?),
            _ => None,
        };
        let scope = Scope::Device(device.clone());
        let stale_before = self.store.stale_lsc_count(&scope)?;
        let new_csr = NewCsr {
            device: device.clone(),
            submitted_at: now,
            subject: csr.subject.clone(),
            key_algorithm: csr.key.algorithm.as_str().to_owned(),
            key_bits: csr.key.bits,
            public_key_sha256: csr.public_key_sha256.clone(),
            der: csr.der.clone(),
        };
        let validity = settings.validity.days();
        // The CSR and its LSC go in together: a failed signing stores nothing, and an engine
        // signing pending CSRs meanwhile cannot answer this one too.
        let (csr_id, superseded, lsc) =
            self.store
                .record_csr_and_lsc(&new_csr, &self.actor, |csr_id| match &ca {
                    Some(ca) => sign(ca, device, &csr, csr_id, validity, now).map(Some),
                    None => Ok::<_, EngineError>(None),
                })?;
        let newly_stale = self
            .store
            .stale_lsc_count(&scope)?
            .saturating_sub(stale_before);
        Ok(Enrollment {
            csr_id,
            csr,
            superseded,
            newly_stale,
            lsc,
            mode: settings.issuer_mode,
        })
    }

    /// In `capf` mode, signs up to `limit` pending CSRs that have no LSC yet (left by an earlier
    /// mode or a failed signing), oldest first, passing over the ids in `refused`. A CSR that
    /// cannot be signed (a key this build refuses, say) is added to `refused` with its device
    /// and reason in the report, and the others are still signed: one bad request must not
    /// stall the queue.
    pub fn sign_pending(
        &mut self,
        limit: u32,
        now: Timestamp,
        refused: &mut std::collections::HashSet<i64>,
    ) -> Result<SignReport, EngineError> {
        let extra = u32::try_from(refused.len()).unwrap_or(u32::MAX);
        let pending: Vec<_> = self
            .store
            .unanswered_csrs(limit.saturating_add(extra))?
            .into_iter()
            .filter(|r| !refused.contains(&r.csr.id))
            .take(limit as usize)
            .collect();
        let mut report = SignReport::default();
        if pending.is_empty() {
            return Ok(report);
        }
        let ca = self.load_ca()?;
        let validity = self.store.settings()?.validity.days();
        for rec in pending {
            let attempt = (|| -> Result<Option<IssuedLsc>, EngineError> {
                let device: DeviceName = rec
                    .csr
                    .device
                    .parse()
                    .map_err(|e: crate::domain::InvalidValue| EngineError::Other(e.0))?;
                let csr = ParsedCsr::parse(&rec.der)?;
                // Re-checked inside the write: another engine (or an enrollment) may have
                // answered this CSR since it was listed.
                let signed = self.store.answer_csr(rec.csr.id, &self.actor, || {
                    sign(&ca, &device, &csr, rec.csr.id, validity, now)
                })?;
                Ok(signed)
            })();
            match attempt {
                Ok(Some(lsc)) => {
                    report.signed += 1;
                    if let Some(wanted) = lsc.cut_from {
                        report
                            .cut
                            .push((rec.csr.device.clone(), lsc.not_after, wanted));
                    }
                }
                Ok(None) => {}
                // The store itself failing (busy, read-only) is not this CSR's fault.
                Err(EngineError::Store(e)) => return Err(e.into()),
                Err(e) => {
                    refused.insert(rec.csr.id);
                    report.refused.push((rec.csr.device.clone(), e.to_string()));
                }
            }
        }
        Ok(report)
    }

    /// Records that the phone installed its LSC; returns the serial.
    pub fn installed(
        &mut self,
        device: &DeviceName,
        serial: Option<&str>,
        now: Timestamp,
    ) -> Result<String, EngineError> {
        Ok(self
            .store
            .mark_installed(device, serial, now, &self.actor)?)
    }

    /// Adds CA certificates to the trust list, all or nothing: every one must pass the CAPF
    /// rules (CA:TRUE, Certificate Sign, no `CAPF-` in the CN) and be unexpired at `now`. Returns how many were new.
    pub fn trust(&mut self, certs: &[ParsedCert], now: Timestamp) -> Result<usize, EngineError> {
        let mut anchors = Vec::with_capacity(certs.len());
        for c in certs {
            c.check_trust_anchor()?;
            if c.not_after <= now {
                return Err(EngineError::Other(format!(
                    "{}: refused: the CA certificate expired on {}",
                    c.subject,
                    crate::domain::format_cli(&c.not_after)
                )));
            }
            anchors.push(NewTrustAnchor {
                subject: c.subject.clone(),
                not_after: c.not_after,
                sha256_fingerprint: c.fingerprint.clone(),
                der: c.der.clone(),
            });
        }
        Ok(self.store.add_trust_anchors(&anchors, &self.actor)?)
    }

    /// Imports certificates signed by an external CA, all or nothing: each must be issued by a
    /// trusted, unexpired CA, be an unexpired certificate usable as an LSC, and answer a pending
    /// CSR (matched by public key) that has no LSC yet. Only when every one passes are they
    /// recorded, in one transaction; otherwise nothing is, and the report says why each refused
    /// one was refused. `certs` pairs each certificate with where it came from (a file name);
    /// `may_commit` is false when the caller already refused part of the batch (an unreadable
    /// file), so the rest is checked and reported but not recorded either.
    pub fn import_certs(
        &mut self,
        certs: &[(String, ParsedCert)],
        now: Timestamp,
        may_commit: bool,
    ) -> Result<ImportReport, EngineError> {
        let anchors: Vec<ParsedCert> = self
            .store
            .trust_anchors()?
            .into_iter()
            .filter_map(|a| ParsedCert::from_der(a.der).ok())
            .collect();
        let mut report = ImportReport::default();
        let mut accepted: Vec<NewLsc> = Vec::new();
        for (source, cert) in certs {
            let checked = self.check_import(cert, &anchors, now).and_then(|lsc| {
                if accepted.iter().any(|l| l.serial == lsc.serial) {
                    Err(format!(
                        "serial {} appears twice in this import",
                        lsc.serial
                    ))
                } else if accepted.iter().any(|l| l.csr_id == lsc.csr_id) {
                    Err(format!(
                        "a second certificate for the pending CSR of {} in this import",
                        lsc.device
                    ))
                } else {
                    Ok(lsc)
                }
            });
            match checked {
                Ok(lsc) => {
                    report
                        .accepted
                        .push((lsc.device.to_string(), lsc.serial.clone()));
                    accepted.push(NewLsc {
                        issued_at: now,
                        ..lsc
                    });
                }
                Err(reason) => report
                    .refused
                    .push((format!("{source} ({})", cert.subject), reason)),
            }
        }
        if may_commit && report.refused.is_empty() && !accepted.is_empty() {
            self.store.record_lscs(&accepted, &self.actor)?;
            report.committed = true;
        }
        Ok(report)
    }

    fn check_import(
        &self,
        cert: &ParsedCert,
        anchors: &[ParsedCert],
        now: Timestamp,
    ) -> Result<NewLsc, String> {
        cert.check_lsc_usable().map_err(|e| e.to_string())?;
        if cert.not_after <= now {
            return Err(format!(
                "expired on {}",
                crate::domain::format_cli(&cert.not_after)
            ));
        }
        // RFC 5280 section 6.1.3: the current time must lie inside the validity, both ends.
        if cert.not_before > now {
            return Err(format!(
                "not valid yet: its validity starts on {}",
                crate::domain::format_cli(&cert.not_before)
            ));
        }
        if anchors.is_empty() {
            return Err("no trusted CA: add the issuing CA with `utils capf trust import`".into());
        }
        // A renewed CA certificate (same key) sits beside the expired one: prefer a valid one.
        let mut issuers: Vec<&ParsedCert> = Vec::new();
        let mut unsupported = None;
        for a in anchors {
            match cert.verify_issued_by(a) {
                Ok(()) => issuers.push(a),
                // The trusted CA signed with an algorithm capfsh cannot check: say so by name,
                // not as a trust problem the admin would chase in the trust list.
                Err(PkiError::UnsupportedAlgorithm(name)) => unsupported = Some(name),
                Err(_) => {}
            }
        }
        issuers.sort_by_key(|a| std::cmp::Reverse(a.not_after));
        let issuer = match (issuers.first(), unsupported) {
            (Some(i), _) => i,
            (None, Some(name)) => return Err(format!("unsupported signature algorithm {name}")),
            (None, None) => {
                return Err(format!(
                    "issuer {} is not in the trust list (or the signature does not verify)",
                    cert.issuer
                ));
            }
        };
        if issuer.not_after <= now {
            return Err(format!(
                "the issuing CA {} expired on {}: import its renewed certificate first",
                issuer.subject,
                crate::domain::format_cli(&issuer.not_after)
            ));
        }
        if self
            .store
            .lsc_serial_exists(&cert.serial_hex)
            .map_err(|e| e.to_string())?
        {
            return Err(format!(
                "an LSC with serial {} is already in the store (imported before?)",
                cert.serial_hex
            ));
        }
        let candidates = self
            .store
            .pending_csrs_by_public_key(&cert.public_key_sha256, 8)
            .map_err(|e| e.to_string())?;
        // Two devices with one key (a cloned phone): the certificate's CN must say which.
        let csr = match candidates.as_slice() {
            [] => return Err("no pending CSR has this public key".to_owned()),
            [one] => one,
            many => {
                let cn = cert.subject_cn.as_deref().unwrap_or_default();
                many.iter()
                    .find(|c| c.device.eq_ignore_ascii_case(cn))
                    .ok_or_else(|| {
                        format!(
                            "the public key matches the pending CSRs of {} and the certificate's CN does not name one of them",
                            many.iter()
                                .map(|c| c.device.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })?
            }
        };
        // The key matched; the name must too: an LSC says which device it is for.
        match cert.subject_cn.as_deref() {
            Some(cn) if cn.eq_ignore_ascii_case(&csr.device) => {}
            Some(cn) => {
                return Err(format!(
                    "its Common Name {cn:?} is not the device name {} of the pending CSR with \
                     this key",
                    csr.device
                ));
            }
            None => {
                return Err(format!(
                    "it has no Common Name: an LSC's CN is the device name ({})",
                    csr.device
                ));
            }
        }
        if let Some(serial) = self.store.lsc_for_csr(csr.id).map_err(|e| e.to_string())? {
            return Err(format!(
                "the pending CSR of {} is already answered by LSC {serial}",
                csr.device
            ));
        }
        let device: DeviceName = csr
            .device
            .parse()
            .map_err(|e: crate::domain::InvalidValue| e.0)?;
        Ok(NewLsc {
            device,
            serial: cert.serial_hex.clone(),
            subject: cert.subject.clone(),
            issuer: cert.issuer.clone(),
            not_before: cert.not_before,
            not_after: cert.not_after,
            issued_at: cert.not_before,
            csr_id: Some(csr.id),
            der: cert.der.clone(),
        })
    }
}

/// Signs the LSC for a CSR and describes it for the store (recorded by the caller, inside the
/// same transaction as whatever makes the signing due).
fn sign(
    ca: &CapfCa,
    device: &DeviceName,
    csr: &ParsedCsr,
    csr_id: i64,
    validity_days: u16,
    now: Timestamp,
) -> Result<(NewLsc, IssuedLsc), EngineError> {
    let lsc = ca.sign_lsc(csr, device.as_str(), u32::from(validity_days), now)?;
    let record = NewLsc {
        device: device.clone(),
        serial: lsc.serial_hex.clone(),
        subject: lsc.subject.clone(),
        issuer: lsc.issuer.clone(),
        not_before: lsc.not_before,
        not_after: lsc.not_after,
        issued_at: now,
        csr_id: Some(csr_id),
        der: lsc.der.clone(),
    };
    Ok((record, lsc))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Certificates and CRLs carry whole seconds.
fn whole_seconds(t: Timestamp) -> Timestamp {
    chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}
