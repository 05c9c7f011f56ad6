//! Signature verification over aws-lc-rs, wide enough for real phones' CSRs.

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_NIST_EC_P384, OID_NIST_EC_P521, OID_PKCS1_RSAENCRYPTION,
    OID_PKCS1_SHA1WITHRSA, OID_PKCS1_SHA256WITHRSA, OID_PKCS1_SHA384WITHRSA,
    OID_PKCS1_SHA512WITHRSA, OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384,
    OID_SIG_ECDSA_WITH_SHA512, Oid,
};
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use super::PkiError;

/// `ecdsa-with-SHA1` (1.2.840.10045.4.1), still sent by some old endpoints.
const ECDSA_WITH_SHA1: &[u64] = &[1, 2, 840, 10045, 4, 1];

/// Verifies `signature` over `data` with the signer's `key`, for the algorithms phones use:
/// RSA PKCS#1 v1.5 (1024-8192 bits, SHA-1/256/384/512) and ECDSA on P-256/P-384/P-521.
pub fn verify(
    key: &SubjectPublicKeyInfo<'_>,
    alg: &AlgorithmIdentifier<'_>,
    signature: &[u8],
    data: &[u8],
    what: &'static str,
) -> Result<(), PkiError> {
    let verifier = algorithm(key, &alg.algorithm).ok_or_else(|| PkiError::BadSignature {
        what,
        reason: format!("unsupported signature algorithm {}", alg.algorithm),
    })?;
    UnparsedPublicKey::new(verifier, &key.subject_public_key.data)
        .verify(data, signature)
        .map_err(|_| PkiError::BadSignature {
            what,
            reason: "the signature does not match the content and key".into(),
        })
}

fn algorithm(
    key: &SubjectPublicKeyInfo<'_>,
    sig: &Oid<'_>,
) -> Option<&'static dyn VerificationAlgorithm> {
    if key.algorithm.algorithm == OID_PKCS1_RSAENCRYPTION {
        return Some(if *sig == OID_PKCS1_SHA1WITHRSA {
            &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY
        } else if *sig == OID_PKCS1_SHA256WITHRSA {
            &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        } else if *sig == OID_PKCS1_SHA384WITHRSA {
            &signature::RSA_PKCS1_2048_8192_SHA384
        } else if *sig == OID_PKCS1_SHA512WITHRSA {
            &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
        } else {
            return None;
        });
    }
    let curve = key.algorithm.parameters.as_ref()?.as_oid().ok()?;
    let sha1 = Oid::from(ECDSA_WITH_SHA1).ok()?;
    let digest = if *sig == sha1 {
        1
    } else if *sig == OID_SIG_ECDSA_WITH_SHA256 {
        256
    } else if *sig == OID_SIG_ECDSA_WITH_SHA384 {
        384
    } else if *sig == OID_SIG_ECDSA_WITH_SHA512 {
        512
    } else {
        return None;
    };
    Some(match (curve, digest) {
        (c, 1) if c == OID_EC_P256 => &signature::ECDSA_P256_SHA1_ASN1,
        (c, 256) if c == OID_EC_P256 => &signature::ECDSA_P256_SHA256_ASN1,
        (c, 384) if c == OID_EC_P256 => &signature::ECDSA_P256_SHA384_ASN1,
        (c, 512) if c == OID_EC_P256 => &signature::ECDSA_P256_SHA512_ASN1,
        (c, 256) if c == OID_NIST_EC_P384 => &signature::ECDSA_P384_SHA256_ASN1,
        (c, 384) if c == OID_NIST_EC_P384 => &signature::ECDSA_P384_SHA384_ASN1,
        (c, 512) if c == OID_NIST_EC_P384 => &signature::ECDSA_P384_SHA512_ASN1,
        (c, 1) if c == OID_NIST_EC_P521 => &signature::ECDSA_P521_SHA1_ASN1,
        (c, 256) if c == OID_NIST_EC_P521 => &signature::ECDSA_P521_SHA256_ASN1,
        (c, 384) if c == OID_NIST_EC_P521 => &signature::ECDSA_P521_SHA384_ASN1,
        (c, 512) if c == OID_NIST_EC_P521 => &signature::ECDSA_P521_SHA512_ASN1,
        _ => return None,
    })
}
