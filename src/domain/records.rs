//! CSR and LSC records, and the stale-LSC notion, as the store hands them out.

use super::{DeviceName, Timestamp};

/// A CSR as the engine records it when a phone asks for a certificate.
///
/// The engine verifies the signature and the key before building one; the store trusts it.
#[derive(Debug, Clone)]
pub struct NewCsr {
    /// The endpoint that sent the request.
    pub device: DeviceName,
    /// When CAPF received it.
    pub submitted_at: Timestamp,
    /// Subject DN as the CSR states it (may hold hostile characters; renderers escape them).
    pub subject: String,
    /// `RSA` or `EC`.
    pub key_algorithm: String,
    /// Key size in bits (RSA modulus, or 256/384/521 for EC curves).
    pub key_bits: u32,
    /// Lower-case hex SHA-256 of the SubjectPublicKeyInfo: matches imported certificates to CSRs.
    pub public_key_sha256: String,
    /// The CSR exactly as received (DER).
    pub der: Vec<u8>,
}

/// One row of `utils capf csr list`: a CSR still waiting for its LSC to be installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCsr {
    /// Row id in the store.
    pub id: i64,
    /// Requesting endpoint.
    pub device: String,
    /// When CAPF received it.
    pub submitted_at: Timestamp,
    /// Subject DN.
    pub subject: String,
    /// `RSA` or `EC`.
    pub key_algorithm: String,
    /// Key size in bits.
    pub key_bits: u32,
    /// SHA-256 of the public key (hex).
    pub public_key_sha256: String,
    /// The request came as a key from the phone's key-generate response (CAPF protocol), not
    /// as a PKCS#10 CSR; it is pending, supersedes and goes stale exactly like a CSR.
    pub from_key_generate: bool,
}

impl PendingCsr {
    /// The key as admins read it: `RSA-2048`, `EC-P256`; a key from a key-generate response
    /// says so (`EC-P256 keygen`), since there is no CSR to dump or export.
    pub fn key_label(&self) -> String {
        let label = key_label(&self.key_algorithm, self.key_bits);
        if self.from_key_generate {
            format!("{label} keygen")
        } else {
            label
        }
    }
}

/// The key as admins read it: `RSA-2048`, `EC-P256`.
pub fn key_label(algorithm: &str, bits: u32) -> String {
    if algorithm.eq_ignore_ascii_case("EC") {
        format!("EC-P{bits}")
    } else {
        format!("{algorithm}-{bits}")
    }
}

/// A pending CSR with its DER, for `utils capf csr dump` and export.
#[derive(Debug, Clone)]
pub struct CsrRecord {
    /// The listing fields.
    pub csr: PendingCsr,
    /// The request as received.
    pub der: Vec<u8>,
}

/// An LSC the engine issued (or imported from an external CA), to be recorded in the store.
#[derive(Debug, Clone)]
pub struct NewLsc {
    /// Endpoint the certificate is for.
    pub device: DeviceName,
    /// Serial, lower-case hex without separators.
    pub serial: String,
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// When CAPF issued (or imported) it.
    pub issued_at: Timestamp,
    /// The CSR it answers.
    pub csr_id: Option<i64>,
    /// The certificate (DER).
    pub der: Vec<u8>,
}

keywords! {
    /// Where an LSC is in its life: issued and waiting, installed on the phone, or stale. The
    /// word is what listings and JSON show; the store derives the state, never stores it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum LscState {
        /// Issued, the phone has not reported installing it yet.
        Issued = "issued",
        /// The phone installed it.
        Installed = "installed",
        /// Never installed and superseded by a newer CSR of the same device.
        Stale = "stale",
        /// Revoked (listed on the CRL); whatever it was before.
        Revoked = "revoked",
    }
}

/// An issued LSC as the store reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LscRecord {
    /// Row id.
    pub id: i64,
    /// Endpoint.
    pub device: String,
    /// Serial (hex).
    pub serial: String,
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// When the phone installed it, if it has.
    pub installed_at: Option<Timestamp>,
    /// Issued / installed / stale, by the store's one stale rule, or revoked.
    pub state: LscState,
    /// Which CA issued it, as listings show it: the issuer's CN, marked `(retired)` when it
    /// is a CAPF CA replaced by `capfd init --force`.
    pub issuer_label: String,
    /// The certificate (DER).
    pub der: Vec<u8>,
}

/// One row of `utils capf stale-lsc list`.
///
/// A stale LSC was generated in response to an endpoint's CSR but never installed, because the
/// endpoint sent a newer CSR after it was issued: the rule is [`super::stale_since`], which the
/// store's `stale_lsc` view implements (and a test holds the two to agreement), so the shell, the
/// engine and any SQL client agree on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleLsc {
    /// Row id of the LSC.
    pub id: i64,
    /// Endpoint.
    pub device: String,
    /// Serial (hex).
    pub serial: String,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// When the first newer CSR of the device arrived, which made this LSC stale.
    pub superseded_at: Timestamp,
}

/// One row of `utils capf stale-lsc list` borrowed from the store's current row: nothing in it
/// is copied (as [`PendingCsrRow`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleLscRow<'a> {
    /// Endpoint.
    pub device: &'a str,
    /// Serial (hex).
    pub serial: &'a str,
    /// When it was issued, in microseconds since the Unix epoch (UTC), as stored.
    pub issued_at_micros: i64,
    /// End of validity, likewise.
    pub not_after_micros: i64,
    /// When the first newer CSR of the device arrived, likewise.
    pub superseded_at_micros: i64,
}

/// One row of `utils capf csr list` borrowed from the store's current row: listings stream a
/// million of these, so nothing in it is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingCsrRow<'a> {
    /// Requesting endpoint.
    pub device: &'a str,
    /// When CAPF received it, in microseconds since the Unix epoch (UTC), as stored.
    pub submitted_at_micros: i64,
    /// Subject DN (may hold hostile characters; renderers escape them).
    pub subject: &'a str,
    /// `RSA` or `EC`.
    pub key_algorithm: &'a str,
    /// Key size in bits.
    pub key_bits: u32,
    /// A key from a phone's key-generate response, not a CSR (see [`PendingCsr`]).
    pub from_key_generate: bool,
}

impl PendingCsrRow<'_> {
    /// Writes the key as admins read it (`RSA-2048`, `EC-P256`, as [`key_label`]) into `out`,
    /// which the caller reuses from row to row.
    pub fn key_label_into(&self, out: &mut String) {
        out.clear();
        if self.key_algorithm.eq_ignore_ascii_case("EC") {
            out.push_str("EC-P");
        } else {
            out.push_str(self.key_algorithm);
            out.push('-');
        }
        let mut digits = [0u8; 10];
        let mut n = self.key_bits;
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for d in &digits[i..] {
            out.push(char::from(*d));
        }
        if self.from_key_generate {
            out.push_str(" keygen");
        }
    }
}
