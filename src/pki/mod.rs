//! The PKI layer: parsing and checking CSRs and certificates, the CAPF CA, signing LSCs.
//!
//! No SQL and no terminal here. Built on rcgen (issuing) and x509-parser (parsing); signatures
//! are verified with aws-lc-rs directly because phones still send CSRs that x509-parser's own
//! verifier refuses (RSA-1024 with SHA-256, EC P-521).

pub mod ca;
pub mod cert;
pub mod csr;
mod verify;

use sha2::{Digest, Sha256};

pub use ca::{CaKeyKind, CaSubject, CapfCa, GeneratedCa, IssuedLsc};
pub use cert::ParsedCert;
pub use csr::{KeyAlgorithm, ParsedCsr, PublicKeyInfo};

/// Why a CSR, certificate or key was refused. Each message is one line an admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkiError {
    /// Nothing to parse.
    #[error("the input is empty")]
    Empty,
    /// Input larger than the limit for its kind.
    #[error("the input is {size} bytes, over the {limit}-byte limit for a {what}")]
    TooLarge {
        /// What was expected.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// PEM with another label than expected.
    #[error("wrong PEM type: expected {expected}, found {found:?}")]
    WrongPemType {
        /// Expected label.
        expected: &'static str,
        /// Label found.
        found: String,
    },
    /// Not decodable.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was expected.
        what: &'static str,
        /// Why it does not decode.
        reason: String,
    },
    /// The signature does not verify.
    #[error("{what} signature does not verify: {reason}")]
    BadSignature {
        /// What was checked.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A key type or size CAPF does not accept.
    #[error("unsupported key: {0} (accepted: RSA 1024-4096, EC P-256/P-384/P-521)")]
    UnsupportedKey(String),
    /// A certificate that breaks the CAPF certificate rules.
    #[error("{0}")]
    Rule(String),
    /// The CA key file does not match, cannot be read, or is not private.
    #[error("CA key: {0}")]
    Key(String),
    /// rcgen refused to build the certificate.
    #[error("cannot issue the certificate: {0}")]
    Issue(String),
}

/// Lower-case hex SHA-256 of `data` (public-key fingerprints: stored, matched, never shown
/// split).
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Upper-case colon-separated SHA-256 of `data`, as `openssl x509 -fingerprint -sha256` prints
/// it, so admins can compare fingerprints by eye.
pub fn fingerprint(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Encodes DER as PEM with `label`.
pub fn to_pem(label: &str, der: &[u8]) -> String {
    pem::encode(&pem::Pem::new(label, der))
}

/// Whether `input` looks like PEM (starts, after blanks, with `-----BEGIN`).
fn looks_like_pem(input: &[u8]) -> bool {
    let start = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(input.len());
    input[start..].starts_with(b"-----BEGIN")
}

/// The PEM blocks of `input`, each checked against `labels`.
fn pem_blocks(
    input: &[u8],
    labels: &[&'static str],
    what: &'static str,
) -> Result<Vec<Vec<u8>>, PkiError> {
    let blocks = pem::parse_many(input).map_err(|e| PkiError::Malformed {
        what,
        reason: format!("bad PEM: {e}"),
    })?;
    if blocks.is_empty() {
        return Err(PkiError::Malformed {
            what,
            reason: "no PEM block found".into(),
        });
    }
    blocks
        .into_iter()
        .map(|b| {
            if labels.contains(&b.tag()) {
                Ok(b.into_contents())
            } else {
                Err(PkiError::WrongPemType {
                    expected: labels[0],
                    found: b.tag().to_owned(),
                })
            }
        })
        .collect()
}

/// Converts x509-parser's time to chrono.
fn to_chrono(t: x509_parser::time::ASN1Time) -> crate::domain::Timestamp {
    chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap_or_default()
}

#[cfg(test)]
mod tests;
