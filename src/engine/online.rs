//! Certificates that the online CA (EST) returned: checked with exactly the rules of
//! `utils capf cert import`, then recorded as the LSC of the CSR that was sent.

use super::Engine;
use crate::domain::{CsrRecord, NewLsc, Timestamp};
use crate::pki::ParsedCert;

impl Engine<'_> {
    /// Takes the certificates of an EST `simpleenroll` reply for the pending CSR `csr`: the one
    /// with the CSR's public key must pass the import rules (usable as an LSC, unexpired,
    /// issued by a trusted CA, a serial not seen before, answering this very CSR) and is then
    /// recorded with an audit line naming the server. Returns its serial, `None` when the CSR
    /// left the pending list meanwhile, or why the certificate was refused (nothing recorded).
    pub fn accept_online_lsc(
        &mut self,
        csr: &CsrRecord,
        certs: &[Vec<u8>],
        server: &str,
        now: Timestamp,
    ) -> Result<Option<String>, String> {
        let parsed: Vec<ParsedCert> = certs
            .iter()
            .filter_map(|d| ParsedCert::from_der(d.clone()).ok())
            .collect();
        let cert = parsed
            .iter()
            .find(|c| c.public_key_sha256 == csr.csr.public_key_sha256)
            .ok_or_else(|| {
                let subjects = parsed
                    .iter()
                    .map(|c| c.subject.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                format!(
                    "no certificate in the reply has the public key of the CSR of {} (got: {})",
                    csr.csr.device,
                    if subjects.is_empty() {
                        "none readable"
                    } else {
                        &subjects
                    }
                )
            })?;
        let anchors: Vec<ParsedCert> = self
            .store
            .trust_anchors()
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter_map(|a| ParsedCert::from_der(a.der).ok())
            .collect();
        let lsc = self
            .check_import(cert, &anchors, now)
            .map_err(|e| e.to_string())?
            .map_err(|r| r.to_string())?;
        if lsc.csr_id != Some(csr.csr.id) {
            return Err(format!(
                "the certificate answers the pending CSR of {}, not the one sent for {}",
                lsc.device, csr.csr.device
            ));
        }
        let record = NewLsc {
            issued_at: now,
            ..lsc
        };
        let recorded = self
            .store
            .record_online_lsc(csr.csr.id, &record, server, &self.actor)
            .map_err(|e| e.to_string())?;
        Ok(recorded.then(|| record.serial.clone()))
    }
}
