//! Certificates that the online CA (EST) returned: checked with exactly the rules of
//! `utils capf cert import`, then recorded as the LSC of the CSR that was sent.

use super::{Engine, Refusal};
use crate::domain::{CsrRecord, NewLsc, Timestamp};
use crate::pki::ParsedCert;
use crate::store::StoreError;

/// Why a certificate the online CA returned is not recorded. Typed, so the EST worker tells
/// one lasting refusal from another by what it is rather than by its text, and a store that
/// fails meanwhile is a store error, never a refused certificate.
#[derive(Debug)]
pub enum OnlineRefusal {
    /// No certificate of the reply carries the CSR's public key.
    NoMatchingKey {
        /// The device of the CSR that was sent.
        device: String,
        /// The subjects of the certificates that could be read, `; `-separated.
        subjects: String,
    },
    /// The certificate breaks an import rule.
    Import(Refusal),
    /// The certificate answers another pending CSR than the one sent.
    OtherCsr {
        /// The device the certificate answers.
        answers: String,
        /// The device of the CSR that was sent.
        sent: String,
    },
}

impl std::fmt::Display for OnlineRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OnlineRefusal::NoMatchingKey { device, subjects } => write!(
                f,
                "no certificate in the reply has the public key of the CSR of {device} (got: {})",
                if subjects.is_empty() {
                    "none readable"
                } else {
                    subjects
                }
            ),
            OnlineRefusal::Import(r) => write!(f, "{r}"),
            OnlineRefusal::OtherCsr { answers, sent } => write!(
                f,
                "the certificate answers the pending CSR of {answers}, not the one sent for {sent}"
            ),
        }
    }
}

impl Engine<'_> {
    /// Takes the certificates of an EST `simpleenroll` reply for the pending CSR `csr`: the one
    /// with the CSR's public key must pass the import rules (usable as an LSC, unexpired,
    /// issued by a trusted CA, a serial not seen before, answering this very CSR) and is then
    /// recorded with an audit line naming the server. Returns its serial, `None` when the CSR
    /// left the pending list meanwhile, or why the certificate was refused (nothing recorded); a failing store is an error.
    pub fn accept_online_lsc(
        &mut self,
        csr: &CsrRecord,
        certs: &[Vec<u8>],
        server: &str,
        now: Timestamp,
    ) -> Result<Result<Option<String>, OnlineRefusal>, StoreError> {
        let parsed: Vec<ParsedCert> = certs
            .iter()
            .filter_map(|d| ParsedCert::from_der(d.clone()).ok())
            .collect();
        let Some(cert) = parsed
            .iter()
            .find(|c| c.public_key_sha256 == csr.csr.public_key_sha256)
        else {
            return Ok(Err(OnlineRefusal::NoMatchingKey {
                device: csr.csr.device.to_string(),
                subjects: parsed
                    .iter()
                    .map(|c| c.subject.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            }));
        };
        let anchors = self.trust_anchor_certs()?;
        let lsc = match self.check_import(cert, &anchors, now)? {
            Ok(lsc) => lsc,
            Err(r) => return Ok(Err(OnlineRefusal::Import(r))),
        };
        if lsc.csr_id != Some(csr.csr.id) {
            return Ok(Err(OnlineRefusal::OtherCsr {
                answers: lsc.device.to_string(),
                sent: csr.csr.device.to_string(),
            }));
        }
        let record = NewLsc {
            issued_at: now,
            ..lsc
        };
        let recorded = self
            .store
            .record_online_lsc(csr.csr.id, &record, server, &self.actor)?;
        Ok(Ok(recorded.then(|| record.serial.clone())))
    }
}
