//! Revocation: why an LSC was revoked, and the revocations the CRL lists.

use std::str::FromStr;

use super::{InvalidValue, Timestamp};

keywords! {
    /// Why an LSC was revoked: the CRL reason codes of RFC 5280 section 5.3.1 that apply to a
    /// phone's certificate, named (stored and shown) as RFC 5280 spells them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub enum RevocationReason {
        /// No reason given (code 0).
        #[default]
        Unspecified = "unspecified",
        /// The phone's private key is known or suspected to be compromised (code 1).
        KeyCompromise = "keyCompromise",
        /// A newer LSC replaces it (code 4).
        Superseded = "superseded",
        /// The phone is out of service (code 5).
        CessationOfOperation = "cessationOfOperation",
    }
}

impl RevocationReason {
    /// The words the CLI accepts, as RFC 5280 spells them.
    pub const NAMES: &'static [&'static str] = &[
        "cessationOfOperation",
        "keyCompromise",
        "superseded",
        "unspecified",
    ];
}

impl FromStr for RevocationReason {
    type Err = InvalidValue;

    /// Case-insensitive: the CLI lower-cases prefixes it matched.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_word_any_case(s).ok_or_else(|| {
            InvalidValue(format!(
                "reason {s:?} is not valid: use {}",
                Self::NAMES.join(", ")
            ))
        })
    }
}

/// A revoked LSC as the CRL lists it. Kept even when the LSC row itself is deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// Row id (increasing: the engine compares it with the last CRL's).
    pub id: i64,
    /// Serial of the revoked LSC (lower-case hex).
    pub serial: String,
    /// Its device.
    pub device: String,
    /// Its issuer DN.
    pub issuer: String,
    /// Its end of validity.
    pub not_after: Timestamp,
    /// When it was revoked.
    pub revoked_at: Timestamp,
    /// Why.
    pub reason: RevocationReason,
}
