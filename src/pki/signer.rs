//! The CAPF CA's signing key: every signature the CA makes uses SHA-256, whatever its curve.
//!
//! The CAPF rule is "LSCs are signed with SHA-256". rcgen pairs each key with one algorithm
//! and signs P-384 keys only with SHA-384, and aws-lc-rs has no P-384/SHA-256 signing
//! algorithm either. ECDSA, though, signs a hash value, not a message: for P-384 the hash is
//! read as an integer of at most 384 bits (FIPS 186-5, 6.4.1: the leftmost min(384, hash
//! length) bits). A SHA-256 digest left-padded with 16 zero bytes is the same integer, so
//! signing that 48-byte value with aws-lc-rs's P-384 key (`sign_digest`) yields exactly an
//! ecdsa-with-SHA256 signature. Each signature is verified with aws-lc-rs's
//! `ECDSA_P384_SHA256_ASN1` before it is used, so a change in that reasoning or in the library
//! fails loudly instead of issuing certificates no phone accepts.

use aws_lc_rs::digest::{self, Digest, SHA256, SHA384};
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, KeyPair as _, UnparsedPublicKey, VerificationAlgorithm,
};
use rcgen::{KeyPair, PublicKeyData, SignatureAlgorithm, SigningKey};

use super::PkiError;

/// The CA key as rcgen signs with it.
pub(crate) enum CaSigner {
    /// Keys whose rcgen algorithm already signs with SHA-256 (P-256, RSA), or keys CAPF does
    /// not create (P-521), signed as rcgen does.
    Native(KeyPair),
    /// A P-384 key, signing with SHA-256 (see the module comment).
    P384Sha256 {
        /// The key as rcgen knows it: its public key, SPKI and PEM.
        key: KeyPair,
        /// The same key in aws-lc-rs, for signing a digest.
        signer: EcdsaKeyPair,
    },
}

impl CaSigner {
    /// Wraps `key`, choosing SHA-256 for a P-384 key.
    pub(crate) fn new(key: KeyPair) -> Result<CaSigner, PkiError> {
        if key.algorithm() != &rcgen::PKCS_ECDSA_P384_SHA384 {
            return Ok(CaSigner::Native(key));
        }
        let signer = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
            key.serialized_der(),
        )
        .map_err(|e| PkiError::Key(format!("cannot load the P-384 key: {e}")))?;
        Ok(CaSigner::P384Sha256 { key, signer })
    }

    /// The key pair (public key, SPKI, PEM of the private key).
    pub(crate) fn key_pair(&self) -> &KeyPair {
        match self {
            CaSigner::Native(key) | CaSigner::P384Sha256 { key, .. } => key,
        }
    }
}

impl PublicKeyData for CaSigner {
    fn der_bytes(&self) -> &[u8] {
        self.key_pair().der_bytes()
    }

    /// The real SPKI (P-384 stays P-384): key identifiers and the key/certificate match use it.
    fn subject_public_key_info(&self) -> Vec<u8> {
        self.key_pair().subject_public_key_info()
    }

    /// rcgen writes the signature AlgorithmIdentifier (inside the TBS and beside the
    /// signature) from this. For P-384 it is `PKCS_ECDSA_P256_SHA256`, whose identifier is
    /// ecdsa-with-SHA256 without parameters, as RFC 5758 wants for any curve. Its public-key
    /// half (P-256) is never written: `subject_public_key_info` is overridden, and the CA
    /// certificate's own SPKI comes from the plain `KeyPair` (see `CapfCa::generate`).
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        match self {
            CaSigner::Native(key) => key.algorithm(),
            CaSigner::P384Sha256 { .. } => &rcgen::PKCS_ECDSA_P256_SHA256,
        }
    }
}

impl SigningKey for CaSigner {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        match self {
            CaSigner::Native(key) => key.sign(msg),
            CaSigner::P384Sha256 { signer, .. } => {
                sign_p384_sha256(signer, msg).map_err(|_| rcgen::Error::RingUnspecified)
            }
        }
    }
}

/// An ecdsa-with-SHA256 signature (DER) of `msg` by a P-384 key, checked before it is returned.
fn sign_p384_sha256(
    signer: &EcdsaKeyPair,
    msg: &[u8],
) -> Result<Vec<u8>, aws_lc_rs::error::Unspecified> {
    let sha256 = digest::digest(&SHA256, msg);
    let mut as_384 = [0u8; 48];
    as_384[48 - sha256.as_ref().len()..].copy_from_slice(sha256.as_ref());
    let sig = signer.sign_digest(&Digest::import_less_safe(&as_384, &SHA384)?)?;
    let verifier: &dyn VerificationAlgorithm = &signature::ECDSA_P384_SHA256_ASN1;
    UnparsedPublicKey::new(verifier, signer.public_key().as_ref()).verify(msg, sig.as_ref())?;
    Ok(sig.as_ref().to_vec())
}
