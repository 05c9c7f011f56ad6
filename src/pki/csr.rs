//! Certificate signing requests as phones send them: parsed, size-capped, signature-checked.

use std::fmt;

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_NIST_EC_P521,
    OID_PKCS1_RSAENCRYPTION,
};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::{
    PkiError, check_input, first_common_name, looks_like_pem, parse_whole, pem_blocks, sha256_hex,
    to_pem, verify,
};

/// The largest CSR input accepted: a real CSR is 1-3 KiB; anything far larger is not one.
pub const MAX_CSR_INPUT_BYTES: usize = 64 * 1024;

/// PEM labels of a CSR (OpenSSL writes the first, some older tools the second).
const CSR_LABELS: &[&str] = &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];

/// The key algorithm of a phone's public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA.
    Rsa,
    /// ECDSA on a NIST curve (the bits say which: 256, 384, 521).
    Ec,
}

impl KeyAlgorithm {
    /// `RSA` or `EC`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa => "RSA",
            KeyAlgorithm::Ec => "EC",
        }
    }
}

/// A public key's algorithm and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKeyInfo {
    /// RSA or EC.
    pub algorithm: KeyAlgorithm,
    /// Modulus bits (RSA) or curve size (EC: 256, 384, 521).
    pub bits: u32,
}

impl fmt::Display for PublicKeyInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.algorithm {
            KeyAlgorithm::Rsa => write!(f, "RSA-{}", self.bits),
            KeyAlgorithm::Ec => write!(f, "EC-P{}", self.bits),
        }
    }
}

/// The bit length of an RSA modulus given as the big-endian bytes of its DER INTEGER.
///
/// x509-parser's `key_size()` drops one byte and multiplies by 8, which rounds odd sizes
/// (a 4097-bit key reads as 4096, a 2047-bit one as 2040): the true length decides whether a
/// key is accepted and is what admins see, so it is counted here. A negative or zero modulus
/// (top bit set with no leading zero byte, or all zero bytes) has no meaningful size: 0.
pub fn rsa_modulus_bits(modulus: &[u8]) -> u32 {
    if modulus.first().is_some_and(|b| b & 0x80 != 0) {
        return 0;
    }
    let digits = match modulus.iter().position(|b| *b != 0) {
        Some(i) => &modulus[i..],
        None => return 0,
    };
    let top = u32::from(digits[0]);
    let rest = u32::try_from(digits.len() - 1)
        .unwrap_or(u32::MAX / 16)
        .saturating_mul(8);
    rest.saturating_add(u32::BITS - top.leading_zeros())
}

/// Checks a public key against what CAPF accepts: RSA 1024-4096, EC P-256/P-384/P-521.
pub fn check_public_key(spki: &SubjectPublicKeyInfo<'_>) -> Result<PublicKeyInfo, PkiError> {
    let alg = &spki.algorithm.algorithm;
    if *alg == OID_PKCS1_RSAENCRYPTION {
        let bits = match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => rsa_modulus_bits(rsa.modulus),
            _ => 0,
        };
        if bits == 0 {
            return Err(PkiError::UnsupportedKey("malformed RSA public key".into()));
        }
        if !(1024..=4096).contains(&bits) {
            return Err(PkiError::UnsupportedKey(format!("RSA-{bits}")));
        }
        return Ok(PublicKeyInfo {
            algorithm: KeyAlgorithm::Rsa,
            bits,
        });
    }
    if *alg == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        let bits = match curve {
            Some(c) if c == OID_EC_P256 => 256,
            Some(c) if c == OID_NIST_EC_P384 => 384,
            Some(c) if c == OID_NIST_EC_P521 => 521,
            Some(c) => return Err(PkiError::UnsupportedKey(format!("EC curve {c}"))),
            None => {
                return Err(PkiError::UnsupportedKey(
                    "EC key without a named curve".into(),
                ));
            }
        };
        return Ok(PublicKeyInfo {
            algorithm: KeyAlgorithm::Ec,
            bits,
        });
    }
    Err(PkiError::UnsupportedKey(super::describe::algorithm_name(
        alg,
    )))
}

/// A verified CSR, with what the store and the dump need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCsr {
    /// Subject DN as the CSR states it (raw: renderers escape control characters).
    pub subject: String,
    /// The subject's common name, if any.
    pub subject_cn: Option<String>,
    /// Key algorithm and size.
    pub key: PublicKeyInfo,
    /// The SubjectPublicKeyInfo (DER): what an LSC for this CSR certifies.
    pub spki_der: Vec<u8>,
    /// Lower-case hex SHA-256 of `spki_der`: matches imported certificates to their CSR.
    pub public_key_sha256: String,
    /// Signature algorithm name (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, ...).
    pub signature_algorithm: String,
    /// The requested extensions, one line each as `openssl req -text` names them (shown by
    /// `csr dump`; never copied to an LSC).
    pub requested_extensions: Vec<String>,
    /// Why this CSR is weak but still accepted (RSA-1024, SHA-1), if it is.
    pub weak: Option<String>,
    /// The CSR as received (DER).
    pub der: Vec<u8>,
}

impl ParsedCsr {
    /// Parses PEM or DER, checks size, structure, key and signature.
    pub fn parse(input: &[u8]) -> Result<ParsedCsr, PkiError> {
        check_input(input, MAX_CSR_INPUT_BYTES, "CSR")?;
        let der = if looks_like_pem(input) {
            let mut blocks = pem_blocks(input, CSR_LABELS, "CSR")?;
            if blocks.len() != 1 {
                return Err(PkiError::Malformed {
                    what: "CSR",
                    reason: format!("{} PEM blocks found, expected one", blocks.len()),
                });
            }
            blocks.remove(0)
        } else {
            input.to_vec()
        };
        Self::from_der(der)
    }

    fn from_der(der: Vec<u8>) -> Result<ParsedCsr, PkiError> {
        let csr: X509CertificationRequest<'_> = parse_whole(&der, "CSR", "certification request")?;
        let info = &csr.certification_request_info;
        let key = check_public_key(&info.subject_pki)?;
        verify::verify(
            &info.subject_pki,
            &csr.signature_algorithm,
            &csr.signature_value.data,
            info.raw,
            "CSR",
        )?;
        // Only once the signature holds: then the subject is what the phone really sent.
        super::subject::check_subject(&info.subject)?;
        let sig_oid = &csr.signature_algorithm.algorithm;
        let signature_algorithm = signature_name(sig_oid);
        let mut weak = Vec::new();
        if key.algorithm == KeyAlgorithm::Rsa && key.bits < 2048 {
            weak.push(format!("RSA-{} key", key.bits));
        }
        if verify::is_sha1(sig_oid) {
            weak.push("SHA-1 signature".to_owned());
        }
        let requested_extensions = info
            .iter_attributes()
            .find_map(|attr| match attr.parsed_attribute() {
                ParsedCriAttribute::ExtensionRequest(req) => Some(
                    req.extensions
                        .iter()
                        .map(super::describe::describe_extension)
                        .collect(),
                ),
                _ => None,
            })
            .unwrap_or_default();
        let parsed = ParsedCsr {
            subject: info.subject.to_string(),
            subject_cn: first_common_name(&info.subject),
            key,
            spki_der: info.subject_pki.raw.to_vec(),
            public_key_sha256: sha256_hex(info.subject_pki.raw),
            signature_algorithm,
            requested_extensions,
            weak: (!weak.is_empty()).then(|| {
                format!(
                    "weak CSR ({}): signed anyway, replace the phone's key",
                    weak.join(", ")
                )
            }),
            der: Vec::new(),
        };
        Ok(ParsedCsr { der, ..parsed })
    }

    /// The CSR as PEM (`CERTIFICATE REQUEST`), for export and dumps.
    pub fn pem(&self) -> String {
        to_pem("CERTIFICATE REQUEST", &self.der)
    }
}

/// The conventional name of a signature algorithm OID (`ecdsa-with-SHA256`, `Ed25519`,
/// `RSASSA-PSS`), the dotted OID for one without a name.
pub use super::describe::algorithm_name as signature_name;
