//! The CAPF engine's operations over the store: the CA, CSR intake, LSC issuance, installation,
//! and certificates signed by an external CA. `capfd` drives these; capfsh's import commands
//! use them too, so every list the shell shows has one true source.

mod identity;
mod keyfile;
mod online;
pub use online::OnlineRefusal;
mod outpath;
mod watch;

use std::path::{Path, PathBuf};

use crate::domain::{DeviceName, InvalidValue, IssuerMode, NewCsr, NewLsc, Timestamp, format_cli};
use crate::error::ErrorKind;
use crate::pki::{CaKeyKind, CaSubject, CapfCa, IssuedLsc, ParsedCert, ParsedCsr, PkiError};
use crate::store::{Actor, CrlRecord, NewCa, NewCrl, NewTrustAnchor, Scope, Store, StoreError};

pub use identity::ErrorIdentity;
pub use keyfile::{key_file_name, read_private_key, resolve_key_file, store_folder};
pub use outpath::refuse_store_file;
pub use watch::SettingsWatch;

/// Why an engine operation failed: one line for the admin.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store refused or failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The store could not be opened.
    #[error("{}: {source}", .path.display())]
    OpenStore {
        /// Its path.
        path: PathBuf,
        /// Why.
        #[source]
        source: StoreError,
    },
    /// The phone service could not start or serve (a port taken, no TLS identity).
    #[error("{0}")]
    Service(String),
    /// No subcommand was given.
    #[error("no command: see capfd --help")]
    NoCommand,
    /// An environment variable holds a value that cannot be used (`CAPFSH_NOW`).
    #[error("{0}")]
    Environment(InvalidValue),
    /// A CSR, certificate or key was refused.
    #[error("{0}")]
    Pki(#[from] PkiError),
    /// A value (a device name) did not pass the domain rules.
    #[error("{0}")]
    Invalid(#[from] InvalidValue),
    /// `init` without `--force` over an existing CA.
    #[error(
        "a CAPF CA certificate already exists: use --force to replace it (the old one is kept as retired)"
    )]
    CaExists,
    /// Signing needs the CAPF CA, and there is none yet.
    #[error("no CAPF CA certificate yet: run `capfd init` first")]
    NoCa,
    /// A CA certificate offered for the trust list has expired.
    #[error("{subject}: refused: the CA certificate expired on {}", format_cli(.expired))]
    TrustAnchorExpired {
        /// Its subject.
        subject: String,
        /// When it expired.
        expired: Timestamp,
    },
    /// A file could not be read, written, created or moved.
    #[error("cannot {action} {}: {source}", .path.display())]
    File {
        /// What was being done (`read`, `write`, `read the CA key`).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Standard input could not be read.
    #[error("cannot read standard input: {0}")]
    Stdin(#[source] std::io::Error),
    /// The CA key file may be read by others: it is refused, not used.
    #[error(
        "refusing the CA key {}: mode {mode:04o} lets others read it; run chmod 600 on it",
        .path.display()
    )]
    KeyReadable {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The CA key file is larger than any key.
    #[error("the CA key {} is too large to be a key", .0.display())]
    KeyTooLarge(PathBuf),
    /// The active CA's key file, as its record names it, is not there.
    #[error(
        "the key of the active CAPF CA {subject} is missing: the store names {} beside it; \
         restore that file (from the backup of the store) or replace the CA with \
         `capfd init --force`",
        .path.display()
    )]
    KeyMissing {
        /// The active CA's subject.
        subject: String,
        /// Where its key should be.
        path: PathBuf,
    },
    /// The active CA's key file holds another key (another CA's, say).
    #[error(
        "the key file {} does not hold the key of the active CAPF CA {subject}: restore the \
         right key under that name or replace the CA with `capfd init --force`",
        .path.display()
    )]
    KeyMismatch {
        /// The active CA's subject.
        subject: String,
        /// The key file.
        path: PathBuf,
    },
    /// An output path that is the store, one of its side files, or a CA key.
    #[error("refusing to write {}: it is {what}; choose another file", .path.display())]
    ProtectedFile {
        /// The path given.
        path: PathBuf,
        /// What it is (`the store`, `a CA key file`).
        what: &'static str,
    },
    /// The service could not install its SIGINT/SIGTERM handlers.
    #[error("cannot handle signals: {0}")]
    Signals(#[source] std::io::Error),
    /// The online CA worker thread could not be started.
    #[error("cannot start the online CA worker: {0}")]
    Worker(#[source] std::io::Error),
    /// A backup could not be restored (nothing was changed).
    #[error("{0}")]
    Backup(#[from] crate::backup::BackupError),
    /// The user's role does not allow the command (see [`crate::roles`]).
    #[error("{0}")]
    Role(#[from] crate::roles::RoleError),
    /// `capfd setup` could not lay out or check the store's folder.
    #[error("{0}")]
    Layout(#[from] crate::layout::LayoutError),
    /// Standard output could not be written (a closed pipe is the reader's choice, exit 0).
    #[error("cannot write to standard output: {0}")]
    Output(#[source] std::io::Error),
}

impl EngineError {
    /// A file operation that failed.
    pub fn file(action: &'static str, path: &Path, source: std::io::Error) -> EngineError {
        EngineError::File {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    /// Which kind of failure this is (the exit code follows from it).
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::Store(e) | EngineError::OpenStore { source: e, .. } => e.kind(),
            EngineError::NoCommand | EngineError::Environment(_) => ErrorKind::Usage,
            EngineError::Signals(_) | EngineError::Worker(_) => ErrorKind::Internal,
            EngineError::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                ErrorKind::BrokenPipe
            }
            EngineError::Output(_) => ErrorKind::Internal,
            EngineError::Backup(e) => e.kind(),
            EngineError::Layout(e) => e.kind(),
            _ => ErrorKind::Refused,
        }
    }
}

/// Why one certificate of an import was refused. Each reason is the admin's to fix (a file to
/// remove, a CA to trust first); a store that cannot answer is not one of them: it stops the
/// import as an [`EngineError`].
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Unreadable(#[source] std::io::Error),
    /// The file holds no certificate we can decode, or one that cannot be an LSC.
    #[error("{0}")]
    Certificate(#[from] PkiError),
    /// The certificate has expired.
    #[error("expired on {}", format_cli(.0))]
    Expired(Timestamp),
    /// The certificate's validity has not started.
    #[error("not valid yet: its validity starts on {}", format_cli(.0))]
    NotYetValid(Timestamp),
    /// The trusted CA signed with an algorithm capfsh cannot check.
    #[error("unsupported signature algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The key matched a pending CSR, but the certificate names another device.
    #[error(
        "its Common Name {cn:?} is not the device name {device} of the pending CSR with this key"
    )]
    CnNotDevice {
        /// The certificate's CN.
        cn: String,
        /// The device of the CSR.
        device: String,
    },
    /// The certificate has no CN to name its device.
    #[error("it has no Common Name: an LSC's CN is the device name ({0})")]
    NoCn(String),
    /// The trust list is empty.
    #[error("no trusted CA: add the issuing CA with `utils capf trust import`")]
    NoTrustedCa,
    /// No trusted CA signed it.
    #[error("issuer {0} is not in the trust list (or the signature does not verify)")]
    IssuerNotTrusted(String),
    /// The trusted CA that signed it has expired.
    #[error("the issuing CA {subject} expired on {}: import its renewed certificate first", format_cli(.expired))]
    IssuerExpired {
        /// The CA's subject.
        subject: String,
        /// When it expired.
        expired: Timestamp,
    },
    /// An LSC with this serial is recorded already.
    #[error("an LSC with serial {0} is already in the store (imported before?)")]
    SerialExists(String),
    /// No pending CSR has the certificate's public key.
    #[error("no pending CSR has this public key")]
    NoPendingCsr,
    /// Several devices sent this key and the certificate's CN names none of them.
    #[error("the public key matches the pending CSRs of {} and the certificate's CN does not name one of them", .0.join(", "))]
    AmbiguousKey(Vec<String>),
    /// The matching CSR has its LSC already.
    #[error("the pending CSR of {device} is already answered by LSC {serial}")]
    AlreadyAnswered {
        /// The device.
        device: String,
        /// The LSC's serial.
        serial: String,
    },
    /// The stored device name no longer passes the rules.
    #[error("{0}")]
    Device(#[from] InvalidValue),
    /// Two certificates of the import share a serial.
    #[error("serial {0} appears twice in this import")]
    DuplicateSerial(String),
    /// Two certificates of the import answer the same CSR.
    #[error("a second certificate for the pending CSR of {0} in this import")]
    SecondForCsr(String),
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
    pub refused: Vec<(String, Refusal)>,
    /// Whether the accepted ones were recorded: only when none was refused.
    pub committed: bool,
}

/// What one `sign_pending` pass did.
#[derive(Debug, Default)]
pub struct SignReport {
    /// How many CSRs got their LSC.
    pub signed: u64,
    /// (device, serial) of each LSC issued, so the service log can name every device.
    pub issued: Vec<(String, String)>,
    /// (device, reason) of each CSR that could not be signed; it stays pending.
    pub refused: Vec<(String, EngineError)>,
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

    /// The store, for writes the engine makes outside its own operations (the service's
    /// start-up clean-up).
    pub fn store_mut(&mut self) -> &mut Store {
        self.store
    }

    /// Creates the CAPF CA. The private key goes to a new 0600 file beside the database,
    /// named after the certificate and recorded with it in one transaction, never into the
    /// store. With `force`, an existing CA is retired (kept in the store with its own key file,
    /// which is never touched); without, an existing CA is an error.
    ///
    /// Crash-safe and serialised: the key file is written and synced while this process holds
    /// the store's write lock, and the certificate naming it commits after; a crash in between
    /// leaves the old CA active with its old key and an unnamed key file, removed by the next
    /// `init`. Two replacements at once run one after the other.
    pub fn init_ca(
        &mut self,
        kind: CaKeyKind,
        subject: &CaSubject,
        force: bool,
        now: Timestamp,
    ) -> Result<CapfCa, EngineError> {
        if !force && self.store.active_ca()?.is_some() {
            return Err(EngineError::CaExists);
        }
        let (ca, generated) = CapfCa::generate(kind, subject, now)?;
        let key_file = keyfile::key_file_name(&self.db_path, &ca.fingerprint());
        let path = keyfile::resolve_key_file(&self.db_path, &key_file);
        let record = NewCa {
            subject: ca.subject().to_owned(),
            not_before: ca.not_before(),
            not_after: ca.not_after(),
            sha256_fingerprint: ca.fingerprint(),
            key_file,
            der: ca.cert_der().to_vec(),
        };
        let mut written = false;
        let installed = self.store.install_ca(&record, force, &self.actor, || {
            keyfile::write_new_key(&path, &generated.key_pem)?;
            written = true;
            Ok::<_, EngineError>(())
        });
        if let Err(e) = installed {
            // No new key without its certificate. A failed commit may still have committed
            // (an I/O error after the write): keep the key whenever the store names it.
            let named = self
                .store
                .active_ca()
                .ok()
                .flatten()
                .is_some_and(|a| a.sha256_fingerprint == record.sha256_fingerprint);
            if written && !named {
                let _ = std::fs::remove_file(&path);
            }
            return Err(e);
        }
        // Keys of replacements that crashed before their commit: nothing names them.
        let db_path = self.db_path.clone();
        let _ = self.store.with_ca_key_files_locked(|named| {
            Ok::<_, StoreError>(keyfile::remove_orphans(&db_path, named))
        });
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

    /// Where the active CAPF CA's key file is (the name its record holds, in the store's own
    /// folder), if there is an active CA.
    pub fn active_key_path(&self) -> Result<Option<PathBuf>, EngineError> {
        Ok(self
            .store
            .active_ca()?
            .and_then(|r| r.key_file)
            .map(|k| keyfile::resolve_key_file(&self.db_path, &k)))
    }

    /// Loads the active CAPF CA with its key, as one pair: the certificate and the name of its
    /// key come from one row, and that file never changes once named, so a CA replaced
    /// meanwhile still signs as a whole (old or new, never the certificate of one with the key
    /// of the other). A key that is missing, unreadable or not the certificate's is named
    /// precisely, with the way out.
    pub fn load_ca(&self) -> Result<CapfCa, EngineError> {
        let record = self.store.active_ca()?.ok_or(EngineError::NoCa)?;
        let key_file = record.key_file.clone().unwrap_or_default();
        let key_path = keyfile::resolve_key_file(&self.db_path, &key_file);
        let key_pem = match read_private_key(&key_path) {
            Ok(pem) => pem,
            Err(_) if !key_path.exists() => {
                return Err(EngineError::KeyMissing {
                    subject: record.subject,
                    path: key_path,
                });
            }
            Err(e) => return Err(e),
        };
        let cert_pem = crate::pki::to_pem("CERTIFICATE", &record.der);
        CapfCa::load(&cert_pem, &key_pem).map_err(|e| match e {
            PkiError::KeyMismatch => EngineError::KeyMismatch {
                subject: record.subject.clone(),
                path: key_path.clone(),
            },
            other => other.into(),
        })
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

    /// What CAPF does when a phone answers the protocol's key-generate request with a public
    /// key (no CSR): the key is recorded as a pending request of kind `key` (superseding the
    /// device's older request, which makes an LSC it never installed stale) and its LSC is
    /// signed by `ca` with exactly the rules of [`Engine::enroll`], in one transaction.
    /// The caller loaded `ca` with [`Engine::load_ca`] (a service keeps it between phones).
    pub fn enroll_key(
        &mut self,
        ca: &CapfCa,
        device: &DeviceName,
        key: &crate::pki::PhoneKey,
        validity_days: u16,
        now: Timestamp,
    ) -> Result<(i64, IssuedLsc), EngineError> {
        let new_key = NewCsr {
            device: device.clone(),
            submitted_at: now,
            subject: format!("CN={device}"),
            key_algorithm: key.key.algorithm.as_str().to_owned(),
            key_bits: key.key.bits,
            public_key_sha256: key.public_key_sha256.clone(),
            der: key.spki_der.clone(),
        };
        let (id, _, lsc) = self.store.record_key_and_lsc(&new_key, &self.actor, |id| {
            let lsc = ca.sign_lsc_for_key(
                &key.spki_der,
                device.as_str(),
                u32::from(validity_days),
                now,
            )?;
            Ok::<_, EngineError>(Some((lsc_record(device, &lsc, id, now), lsc)))
        })?;
        let lsc = lsc.ok_or_else(|| EngineError::Service("no LSC was signed".into()))?;
        Ok((id, lsc))
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
                let device: DeviceName = rec.csr.device.parse()?;
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
                    report
                        .issued
                        .push((rec.csr.device.clone(), lsc.serial_hex.clone()));
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
                    report.refused.push((rec.csr.device.clone(), e));
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
        self.trust_for(certs, "lsc", now)
    }

    /// [`Engine::trust`] for a purpose: `lsc` (may issue LSCs) or `mic` (manufacturer CAs
    /// that vouch for phones' MICs and SUDI certificates; never LSC issuers). The same rules
    /// apply to both.
    pub fn trust_for(
        &mut self,
        certs: &[ParsedCert],
        purpose: &str,
        now: Timestamp,
    ) -> Result<usize, EngineError> {
        let mut anchors = Vec::with_capacity(certs.len());
        for c in certs {
            c.check_trust_anchor()?;
            if c.not_after <= now {
                return Err(EngineError::TrustAnchorExpired {
                    subject: c.subject.clone(),
                    expired: c.not_after,
                });
            }
            anchors.push(NewTrustAnchor {
                subject: c.subject.clone(),
                not_after: c.not_after,
                sha256_fingerprint: c.fingerprint.clone(),
                der: c.der.clone(),
            });
        }
        Ok(self
            .store
            .add_trust_anchors_for(&anchors, purpose, &self.actor)?)
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
        let anchors = self.trust_anchor_certs()?;
        let mut report = ImportReport::default();
        let mut accepted: Vec<NewLsc> = Vec::new();
        for (source, cert) in certs {
            let checked = self.check_import(cert, &anchors, now)?.and_then(|lsc| {
                if accepted.iter().any(|l| l.serial == lsc.serial) {
                    Err(Refusal::DuplicateSerial(lsc.serial))
                } else if accepted.iter().any(|l| l.csr_id == lsc.csr_id) {
                    Err(Refusal::SecondForCsr(lsc.device.to_string()))
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

    /// Checks one certificate for import: the outer error is the store failing (which stops
    /// the import), the inner one why this certificate is refused.
    /// The trusted CA certificates that may issue LSCs, parsed (one that no longer parses
    /// vouches for nothing).
    fn trust_anchor_certs(&self) -> Result<Vec<ParsedCert>, StoreError> {
        Ok(self
            .store
            .trust_anchors()?
            .into_iter()
            .filter_map(|a| ParsedCert::from_der(a.der).ok())
            .collect())
    }

    fn check_import(
        &self,
        cert: &ParsedCert,
        anchors: &[ParsedCert],
        now: Timestamp,
    ) -> Result<Result<NewLsc, Refusal>, StoreError> {
        if let Err(e) = cert.check_lsc_usable() {
            return Ok(Err(e.into()));
        }
        if cert.not_after <= now {
            return Ok(Err(Refusal::Expired(cert.not_after)));
        }
        // RFC 5280 section 6.1.3: the current time must lie inside the validity, both ends.
        if cert.not_before > now {
            return Ok(Err(Refusal::NotYetValid(cert.not_before)));
        }
        if anchors.is_empty() {
            return Ok(Err(Refusal::NoTrustedCa));
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
            (None, Some(name)) => return Ok(Err(Refusal::UnsupportedAlgorithm(name))),
            (None, None) => return Ok(Err(Refusal::IssuerNotTrusted(cert.issuer.clone()))),
        };
        if issuer.not_after <= now {
            return Ok(Err(Refusal::IssuerExpired {
                subject: issuer.subject.clone(),
                expired: issuer.not_after,
            }));
        }
        if self.store.lsc_serial_exists(&cert.serial_hex)? {
            return Ok(Err(Refusal::SerialExists(cert.serial_hex.clone())));
        }
        let candidates = self
            .store
            .pending_csrs_by_public_key(&cert.public_key_sha256, 8)?;
        // Two devices with one key (a cloned phone): the certificate's CN must say which.
        let csr = match candidates.as_slice() {
            [] => return Ok(Err(Refusal::NoPendingCsr)),
            [one] => one,
            many => {
                let cn = cert.subject_cn.as_deref().unwrap_or_default();
                match many.iter().find(|c| c.device.eq_ignore_ascii_case(cn)) {
                    Some(c) => c,
                    None => {
                        return Ok(Err(Refusal::AmbiguousKey(
                            many.iter().map(|c| c.device.clone()).collect(),
                        )));
                    }
                }
            }
        };
        // The key matched; the name must too: an LSC says which device it is for.
        match cert.subject_cn.as_deref() {
            Some(cn) if cn.eq_ignore_ascii_case(&csr.device) => {}
            Some(cn) => {
                return Ok(Err(Refusal::CnNotDevice {
                    cn: cn.to_owned(),
                    device: csr.device.clone(),
                }));
            }
            None => return Ok(Err(Refusal::NoCn(csr.device.clone()))),
        }
        if let Some(serial) = self.store.lsc_for_csr(csr.id)? {
            return Ok(Err(Refusal::AlreadyAnswered {
                device: csr.device.clone(),
                serial,
            }));
        }
        let device: DeviceName = match csr.device.parse() {
            Ok(d) => d,
            Err(e) => return Ok(Err(Refusal::Device(e))),
        };
        Ok(Ok(NewLsc {
            device,
            serial: cert.serial_hex.clone(),
            subject: cert.subject.clone(),
            issuer: cert.issuer.clone(),
            not_before: cert.not_before,
            not_after: cert.not_after,
            issued_at: cert.not_before,
            csr_id: Some(csr.id),
            der: cert.der.clone(),
        }))
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
    Ok((lsc_record(device, &lsc, csr_id, now), lsc))
}

/// The store's record of an LSC signed for request `csr_id`.
fn lsc_record(device: &DeviceName, lsc: &IssuedLsc, csr_id: i64, now: Timestamp) -> NewLsc {
    NewLsc {
        device: device.clone(),
        serial: lsc.serial_hex.clone(),
        subject: lsc.subject.clone(),
        issuer: lsc.issuer.clone(),
        not_before: lsc.not_before,
        not_after: lsc.not_after,
        issued_at: now,
        csr_id: Some(csr_id),
        der: lsc.der.clone(),
    }
}

/// Certificates and CRLs carry whole seconds.
fn whole_seconds(t: Timestamp) -> Timestamp {
    chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}
