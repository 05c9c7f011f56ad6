//! Phones' proofs of identity in the CAPF protocol: a bare public key (key-generate response),
//! signatures made with a certificate's key over data CAPF names (existing LSC or MIC, SUDI),
//! and the chain of that certificate to a trusted CA.

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_NIST_EC_P521,
    OID_PKCS1_RSAENCRYPTION,
};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::SubjectPublicKeyInfo;

use super::csr::check_public_key;
use super::{ParsedCert, PkiError, PublicKeyInfo, check_size, parse_whole, sha256_hex};
use crate::domain::Timestamp;

/// The largest public key accepted from a phone (an RSA-4096 SPKI is 550 bytes).
pub const MAX_SPKI_BYTES: usize = 4096;

/// A public key sent without a CSR, checked like a CSR's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneKey {
    /// Algorithm and size.
    pub key: PublicKeyInfo,
    /// The SubjectPublicKeyInfo (DER), exactly one structure with nothing after it.
    pub spki_der: Vec<u8>,
    /// Lower-case hex SHA-256 of `spki_der` (the same fingerprint as a CSR's).
    pub public_key_sha256: String,
}

/// Parses and checks a SubjectPublicKeyInfo from a key-generate response: RSA 1024–4096 or EC
/// P-256/P-384/P-521, as for CSRs; an RSA key must also parse as a usable verification key.
pub fn public_key_info(spki_der: &[u8]) -> Result<PhoneKey, PkiError> {
    check_size(spki_der, MAX_SPKI_BYTES, "public key")?;
    let spki: SubjectPublicKeyInfo<'_> =
        parse_whole(spki_der, "public key", "SubjectPublicKeyInfo")?;
    let key = check_public_key(&spki)?;
    if key.algorithm == super::KeyAlgorithm::Ec {
        // An EC point must be on its curve: aws-lc-rs refuses a bad point when parsing.
        let alg: &'static dyn VerificationAlgorithm = match key.bits {
            256 => &signature::ECDSA_P256_SHA256_ASN1,
            384 => &signature::ECDSA_P384_SHA384_ASN1,
            _ => &signature::ECDSA_P521_SHA512_ASN1,
        };
        UnparsedPublicKey::new(alg, &spki.subject_public_key.data)
            .parse()
            .map_err(|_| PkiError::Malformed {
                what: "public key",
                reason: "the EC point is not on its curve".into(),
            })?;
    }
    Ok(PhoneKey {
        key,
        spki_der: spki_der.to_vec(),
        public_key_sha256: sha256_hex(spki_der),
    })
}

/// The hash a proof signature was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofDigest {
    /// SHA-1 (the protocol's signed data element).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512 (the SHA-2 signed data element).
    Sha512,
}

/// Verifies `sig` over `data` with the public key of the certificate `cert_der`, as PKCS#1 v1.5
/// (RSA) or ECDSA (DER signature) with `digest`.
pub fn verify_with_cert(
    cert_der: &[u8],
    digest: ProofDigest,
    sig: &[u8],
    data: &[u8],
) -> Result<(), PkiError> {
    let (_, cert) = X509Certificate::from_der(cert_der).map_err(|e| PkiError::Malformed {
        what: "certificate",
        reason: e.to_string(),
    })?;
    let spki = cert.public_key();
    let alg = algorithm(spki, digest).ok_or_else(|| PkiError::BadSignature {
        what: "proof",
        reason: format!("no {digest:?} signature with this key type"),
    })?;
    UnparsedPublicKey::new(alg, &spki.subject_public_key.data)
        .verify(data, sig)
        .map_err(|_| PkiError::BadSignature {
            what: "proof",
            reason: format!("the {digest:?} signature does not match the data and key"),
        })
}

fn algorithm(
    spki: &SubjectPublicKeyInfo<'_>,
    digest: ProofDigest,
) -> Option<&'static dyn VerificationAlgorithm> {
    use ProofDigest::*;
    let alg = &spki.algorithm.algorithm;
    if *alg == OID_PKCS1_RSAENCRYPTION {
        return Some(match digest {
            Sha1 => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            Sha256 => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            Sha512 => &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        });
    }
    if *alg != OID_KEY_TYPE_EC_PUBLIC_KEY {
        return None;
    }
    let curve = spki.algorithm.parameters.as_ref()?.as_oid().ok()?;
    Some(match digest {
        Sha1 if curve == OID_EC_P256 => &signature::ECDSA_P256_SHA1_ASN1,
        Sha256 if curve == OID_EC_P256 => &signature::ECDSA_P256_SHA256_ASN1,
        Sha512 if curve == OID_EC_P256 => &signature::ECDSA_P256_SHA512_ASN1,
        Sha256 if curve == OID_NIST_EC_P384 => &signature::ECDSA_P384_SHA256_ASN1,
        Sha512 if curve == OID_NIST_EC_P384 => &signature::ECDSA_P384_SHA512_ASN1,
        Sha1 if curve == OID_NIST_EC_P521 => &signature::ECDSA_P521_SHA1_ASN1,
        Sha256 if curve == OID_NIST_EC_P521 => &signature::ECDSA_P521_SHA256_ASN1,
        Sha512 if curve == OID_NIST_EC_P521 => &signature::ECDSA_P521_SHA512_ASN1,
        _ => return None,
    })
}

/// Checks that `cert` is within its validity at `now` and was issued by one of `anchors` that
/// is itself within validity; returns that anchor. The reason names what failed.
pub fn check_chain<'a>(
    cert: &ParsedCert,
    anchors: &'a [ParsedCert],
    now: Timestamp,
) -> Result<&'a ParsedCert, String> {
    if cert.not_after <= now {
        return Err(format!(
            "the certificate expired on {}",
            crate::domain::format_cli(&cert.not_after)
        ));
    }
    if cert.not_before > now {
        return Err(format!(
            "the certificate is not valid before {}",
            crate::domain::format_cli(&cert.not_before)
        ));
    }
    let mut issuers: Vec<&ParsedCert> = anchors
        .iter()
        .filter(|a| cert.verify_issued_by(a).is_ok())
        .collect();
    if issuers.is_empty() {
        return Err(format!("issuer {} is not trusted", cert.issuer));
    }
    issuers.sort_by_key(|a| std::cmp::Reverse(a.not_after));
    let issuer = issuers[0];
    if issuer.not_after <= now {
        return Err(format!(
            "the issuing CA {} expired on {}",
            issuer.subject,
            crate::domain::format_cli(&issuer.not_after)
        ));
    }
    Ok(issuer)
}
