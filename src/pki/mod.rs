//! The PKI layer: parsing and checking CSRs and certificates, the CAPF CA, signing LSCs.
//!
//! No SQL and no terminal here. Built on rcgen (issuing) and x509-parser (parsing); signatures
//! are verified with aws-lc-rs directly because phones still send CSRs that x509-parser's own
//! verifier refuses (RSA-1024 with SHA-256, EC P-521).

pub mod ca;
pub mod cert;
pub mod crl;
pub mod csr;
mod describe;
pub mod proof;
mod subject;
mod verify;

use sha2::{Digest, Sha256};
use x509_parser::asn1_rs::{Any, Tag};
use x509_parser::error::X509Error;
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

pub use ca::{CaKeyKind, CaSubject, CapfCa, GeneratedCa, IssuedLsc};
pub use cert::ParsedCert;
pub use csr::{KeyAlgorithm, ParsedCsr, PublicKeyInfo};
pub use proof::{PhoneKey, ProofDigest, check_chain, public_key_info, verify_with_cert};

/// Why a CSR, certificate or key was refused. Each message is one line an admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkiError {
    /// Nothing to parse.
    #[error("the input is empty")]
    Empty,
    /// Input larger than the limit for its kind.
    ///
    /// The message does not state the size: readers stop one byte past the limit, so the
    /// size seen is rarely the file's.
    #[error("the input is larger than the {} limit for a {what}", byte_size(*.limit))]
    TooLarge {
        /// What was expected.
        what: &'static str,
        /// How many bytes were seen (at least `limit + 1`; the reader may have stopped there).
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
    /// A signature algorithm capfsh cannot verify, by name (never a trust or signature reason:
    /// the admin must learn that the algorithm is the problem).
    #[error("unsupported signature algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// A certificate that breaks the CAPF certificate rules.
    #[error("{0}")]
    Rule(String),
    /// The CA key file does not match, cannot be read, or is not private.
    #[error("CA key: {0}")]
    Key(String),
    /// The private key is not the key of the CA certificate it was loaded with.
    #[error("CA key: the private key does not belong to the CA certificate")]
    KeyMismatch,
    /// rcgen refused to build the certificate.
    #[error("cannot issue the certificate: {0}")]
    Issue(String),
}

/// A byte count as admins read it: `64 KiB`, `1 MiB`, or bytes when not a whole KiB.
fn byte_size(n: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n}-byte")
    }
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

/// Encodes DER as PEM with `label`, 64-column lines ending in LF.
///
/// The pem crate ends lines with CRLF by default; openssl, rcgen on Unix and every text tool
/// admins pipe LSCs through expect LF, and a stray CR shows up in diffs and JSON.
pub fn to_pem(label: &str, der: &[u8]) -> String {
    const LF: pem::EncodeConfig = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(label, der), LF)
}

/// Whether `input` is PEM: some line starts (after blanks) with `-----BEGIN `.
///
/// Not only the first line: `openssl req -text`, `openssl x509 -text` and `openssl ca` put a
/// human-readable dump before the block, and such files are what admins hand over. The PEM
/// parser skips text outside the blocks; DER never has this line by accident in practice.
fn looks_like_pem(input: &[u8]) -> bool {
    input
        .split(|b| *b == b'\n')
        .any(|line| line.trim_ascii_start().starts_with(b"-----BEGIN "))
}

/// Refuses input before anything parses it: blank, or larger than `limit` for a `what`.
fn check_input(input: &[u8], limit: usize, what: &'static str) -> Result<(), PkiError> {
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(PkiError::Empty);
    }
    check_size(input, limit, what)
}

/// Refuses input larger than `limit` for a `what`.
fn check_size(input: &[u8], limit: usize, what: &'static str) -> Result<(), PkiError> {
    if input.len() > limit {
        return Err(PkiError::TooLarge {
            what,
            size: input.len(),
            limit,
        });
    }
    Ok(())
}

/// Decodes exactly one DER structure (a `kind`, as the refusal names it) for a `what`: bytes
/// after it are refused, not ignored, so what is checked is all that was sent.
fn parse_whole<'a, T: FromDer<'a, X509Error>>(
    der: &'a [u8],
    what: &'static str,
    kind: &str,
) -> Result<T, PkiError> {
    let (rest, parsed) = T::from_der(der).map_err(|e| PkiError::Malformed {
        what,
        reason: format!("not a DER {kind} ({e})"),
    })?;
    if !rest.is_empty() {
        return Err(PkiError::Malformed {
            what,
            reason: format!("{} bytes of trailing data", rest.len()),
        });
    }
    Ok(parsed)
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

/// Decodes a directory string (an attribute value of a distinguished name) to text.
///
/// x509-parser's `as_str` reads only the UTF-8-compatible string types, so a BMPString or
/// UniversalString Common Name used to look like no Common Name at all, which let a CA named
/// `CAPF-...` in UTF-16 past the reserved-prefix rule. Every string type X.520 allows is read
/// here; anything else (or bytes that do not decode) is an error with the reason.
fn directory_string(value: &Any<'_>) -> Result<String, String> {
    let bytes = value.as_bytes();
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::NumericString
        | Tag::Ia5String
        | Tag::VisibleString => std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| format!("{} that is not valid text", tag_name(value.tag()))),
        // T.61 is read as Latin-1, as OpenSSL displays it.
        Tag::T61String => Ok(bytes.iter().map(|b| char::from(*b)).collect()),
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                return Err("a BMPString of odd length".into());
            }
            let units = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .map_err(|_| "a BMPString that is not valid UTF-16".into())
        }
        Tag::UniversalString => {
            if !bytes.len().is_multiple_of(4) {
                return Err("a UniversalString whose length is not a multiple of 4".into());
            }
            bytes
                .chunks_exact(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect::<Option<String>>()
                .ok_or_else(|| "a UniversalString that is not valid UTF-32".into())
        }
        t => Err(format!("a value of ASN.1 type {}", tag_name(t))),
    }
}

/// The ASN.1 name of a string tag, for refusal reasons.
fn tag_name(tag: Tag) -> String {
    match tag {
        Tag::Utf8String => "UTF8String".into(),
        Tag::PrintableString => "PrintableString".into(),
        Tag::NumericString => "NumericString".into(),
        Tag::Ia5String => "IA5String".into(),
        Tag::VisibleString => "VisibleString".into(),
        t => format!("tag {}", t.0),
    }
}

/// Every Common Name attribute of `name` (a DN may hold several, in separate or multi-valued
/// RDNs), each decoded or the reason it cannot be.
fn common_names(name: &X509Name<'_>) -> Vec<Result<String, String>> {
    name.iter_common_name()
        .map(|cn| directory_string(cn.attr_value()))
        .collect()
}

/// The first Common Name of `name` that decodes: what listings show as the subject's CN.
fn first_common_name(name: &X509Name<'_>) -> Option<String> {
    common_names(name).into_iter().find_map(Result::ok)
}

/// Converts a certificate's date to the domain's time. A date chrono cannot hold (beyond year
/// 262143) is refused, never silently read as 1970.
fn to_chrono(t: x509_parser::time::ASN1Time) -> Result<crate::domain::Timestamp, PkiError> {
    chrono::DateTime::from_timestamp(t.timestamp(), 0).ok_or_else(|| PkiError::Malformed {
        what: "certificate",
        reason: format!("validity date out of range ({} seconds)", t.timestamp()),
    })
}

#[cfg(test)]
mod tests;
