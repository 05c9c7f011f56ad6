//! Signature verification over aws-lc-rs, wide enough for real phones' CSRs and the external
//! CAs that sign LSCs: RSA PKCS#1 v1.5, RSASSA-PSS (any salt length), ECDSA, Ed25519.

use aws_lc_rs::signature::{
    self, RsaParameters, RsaPssSaltLength, RsaPublicKeyComponents, UnparsedPublicKey,
    VerificationAlgorithm,
};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_NIST_EC_P384, OID_NIST_EC_P521, OID_NIST_HASH_SHA256, OID_NIST_HASH_SHA384,
    OID_NIST_HASH_SHA512, OID_PKCS1_RSAENCRYPTION, OID_PKCS1_RSASSAPSS, OID_PKCS1_SHA1WITHRSA,
    OID_PKCS1_SHA256WITHRSA, OID_PKCS1_SHA384WITHRSA, OID_PKCS1_SHA512WITHRSA,
    OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384, OID_SIG_ECDSA_WITH_SHA512,
    OID_SIG_ED25519, Oid,
};
use x509_parser::public_key::PublicKey;
use x509_parser::signature_algorithm::SignatureAlgorithm;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use super::PkiError;
use super::describe::{algorithm_name as signature_name, named};

/// `ecdsa-with-SHA1` (1.2.840.10045.4.1), still sent by some old endpoints.
const ECDSA_WITH_SHA1: &[u64] = &[1, 2, 840, 10045, 4, 1];

/// Whether a signature algorithm hashes with SHA-1 (`sha1WithRSAEncryption`,
/// `ecdsa-with-SHA1`): old phones' CSRs still use it; they are signed, with a warning. Decided
/// by the algorithm's OID, not by its name.
pub fn is_sha1(sig: &Oid<'_>) -> bool {
    *sig == OID_PKCS1_SHA1WITHRSA || Oid::from(ECDSA_WITH_SHA1).is_ok_and(|o| *sig == o)
}

/// `id-mgf1` (1.2.840.113549.1.1.8), the only mask generation function RFC 4055 defines.
const ID_MGF1: &[u64] = &[1, 2, 840, 113549, 1, 1, 8];

/// Verifies `signature` over `data` with the signer's `key`, for the algorithms phones and
/// external CAs use: RSA PKCS#1 v1.5 (1024-8192 bits, SHA-1/256/384/512), RSASSA-PSS with
/// SHA-256/384/512 and MGF1 of the same hash (any salt length, as OpenSSL signs with the
/// longest by default), ECDSA on P-256/P-384/P-521, and Ed25519.
///
/// An algorithm outside that set is [`PkiError::UnsupportedAlgorithm`] named by its name,
/// never a "does not verify": the admin must learn that the CA's algorithm is the problem.
pub fn verify(
    key: &SubjectPublicKeyInfo<'_>,
    alg: &AlgorithmIdentifier<'_>,
    signature: &[u8],
    data: &[u8],
    what: &'static str,
) -> Result<(), PkiError> {
    let bad = || PkiError::BadSignature {
        what,
        reason: "the signature does not match the content and key".into(),
    };
    if alg.algorithm == OID_PKCS1_RSASSAPSS {
        let (components, params) = pss_key(key, alg, what)?;
        return components
            .verify(&params, data, signature)
            .map_err(|_| bad());
    }
    let verifier = algorithm(key, &alg.algorithm).ok_or_else(|| {
        PkiError::UnsupportedAlgorithm(signature_name(&alg.algorithm).to_string())
    })?;
    UnparsedPublicKey::new(verifier, &key.subject_public_key.data)
        .verify(data, signature)
        .map_err(|_| bad())
}

/// The RSA key and verification parameters of an RSASSA-PSS signature: the parameters travel
/// with the signature (RFC 4055), so the hash and the salt length are read from them.
fn pss_key(
    key: &SubjectPublicKeyInfo<'_>,
    alg: &AlgorithmIdentifier<'_>,
    what: &'static str,
) -> Result<(RsaPublicKeyComponents<Vec<u8>>, RsaParameters), PkiError> {
    let unsupported = |detail: &str| PkiError::UnsupportedAlgorithm(format!("RSASSA-PSS {detail}"));
    let Ok(SignatureAlgorithm::RSASSA_PSS(params)) = SignatureAlgorithm::try_from(alg) else {
        return Err(PkiError::BadSignature {
            what,
            reason: "malformed RSASSA-PSS parameters".into(),
        });
    };
    let hash = params.hash_algorithm_oid();
    let base: RsaParameters = if *hash == OID_NIST_HASH_SHA256 {
        signature::RSA_PSS_2048_8192_SHA256
    } else if *hash == OID_NIST_HASH_SHA384 {
        signature::RSA_PSS_2048_8192_SHA384
    } else if *hash == OID_NIST_HASH_SHA512 {
        signature::RSA_PSS_2048_8192_SHA512
    } else {
        return Err(unsupported(&format!("with hash {}", hash_name(hash))));
    };
    let mgf = params
        .mask_gen_algorithm()
        .map_err(|_| unsupported("with a malformed mask generation function"))?;
    let mgf1 = Oid::from(ID_MGF1).map_err(|_| unsupported("parameters"))?;
    if mgf.mgf != mgf1 || mgf.hash != *hash {
        return Err(unsupported(&format!(
            "with mask generation {} over {} (only MGF1 over the signature hash)",
            mgf.mgf,
            hash_name(&mgf.hash)
        )));
    }
    if params.trailer_field() != 1 {
        return Err(unsupported("with a trailer field other than 1"));
    }
    let salt = u16::try_from(params.salt_length())
        .map_err(|_| unsupported("with an impossible salt length"))?;
    let rsa = match key.parsed() {
        Ok(PublicKey::RSA(rsa)) => rsa,
        _ => {
            return Err(PkiError::BadSignature {
                what,
                reason: "an RSASSA-PSS signature needs an RSA key".into(),
            });
        }
    };
    let strip = |b: &[u8]| -> Vec<u8> { b.iter().copied().skip_while(|x| *x == 0).collect() };
    let components = RsaPublicKeyComponents {
        n: strip(rsa.modulus),
        e: strip(rsa.exponent),
    };
    Ok((
        components,
        base.with_pss_salt_length(RsaPssSaltLength::Custom(salt)),
    ))
}

/// Hashes by dotted OID, as refusals name them.
const HASH_NAMES: &[(&str, &str)] = &[
    ("1.3.14.3.2.26", "SHA-1"),
    ("2.16.840.1.101.3.4.2.4", "SHA-224"),
    ("2.16.840.1.101.3.4.2.1", "SHA-256"),
    ("2.16.840.1.101.3.4.2.2", "SHA-384"),
    ("2.16.840.1.101.3.4.2.3", "SHA-512"),
];

/// The name of a hash OID in refusals.
fn hash_name(oid: &Oid<'_>) -> String {
    named(oid, HASH_NAMES)
}

fn algorithm(
    key: &SubjectPublicKeyInfo<'_>,
    sig: &Oid<'_>,
) -> Option<&'static dyn VerificationAlgorithm> {
    if *sig == OID_SIG_ED25519 {
        return (key.algorithm.algorithm == OID_SIG_ED25519).then_some(&signature::ED25519);
    }
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
