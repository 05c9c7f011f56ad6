//! Per-device certificate operations, as the CUCM admin schedules them for a phone: what to do
//! (Install/Upgrade, Troubleshoot, Delete), how the phone proves itself, which key, and by when.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use super::{InvalidValue, Timestamp};

keywords! {
    /// CUCM's Certificate Operation (No Pending Operation is the absence of one).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum OperationKind {
        /// Install/Upgrade: the phone generates a key, CAPF issues its LSC.
        Install = "install",
        /// Troubleshoot: fetch the certificate the phone holds.
        Troubleshoot = "troubleshoot",
        /// Delete: the phone deletes its LSC.
        Delete = "delete",
    }
}

impl FromStr for OperationKind {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_word(s).ok_or_else(|| InvalidValue(format!("unknown operation {s:?}")))
    }
}

keywords! {
    /// CUCM's Authentication Mode, as stored.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum AuthMode {
        /// By Authentication String.
        String = "string",
        /// By Null String: no proof.
        Null = "null",
        /// By Existing Certificate, precedence to the LSC.
        ExistingLsc = "existing-lsc",
        /// By Existing Certificate, precedence to the MIC.
        ExistingMic = "existing-mic",
    }
}

impl FromStr for AuthMode {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_word(s).ok_or_else(|| {
            InvalidValue(format!(
                "unknown authentication mode {s:?}: use string, generate, null, existing-lsc or existing-mic"
            ))
        })
    }
}

/// A CUCM authentication string: 4 to 10 digits. `Debug` never shows it: it is a secret the
/// admin hands to the phone's user, and it must not leak into logs.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthString(String);

impl AuthString {
    /// Shortest string CUCM accepts.
    pub const MIN_LEN: usize = 4;
    /// Longest string CUCM accepts.
    pub const MAX_LEN: usize = 10;

    /// The digits (shown once, when generated).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The stored form: `sha256$<salt hex>$<SHA-256(salt ‖ digits) hex>`. Only the digest is
    /// kept, so the store (and its backups) never hold a string a phone would accept.
    pub fn secret(&self, salt: &[u8; 16]) -> String {
        format!(
            "sha256${}${}",
            hex(salt),
            hex(&salted(salt, self.0.as_bytes()))
        )
    }
}

impl fmt::Debug for AuthString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthString(****)")
    }
}

impl FromStr for AuthString {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = s.chars().count();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&n) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidValue(
                "the authentication string must be 4 to 10 digits".into(),
            ));
        }
        Ok(AuthString(s.to_owned()))
    }
}

fn salted(salt: &[u8], value: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(value);
    h.finalize().to_vec()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether `candidate` (what a phone sent) matches a stored secret; compares in constant time.
pub fn auth_secret_matches(secret: &str, candidate: &[u8]) -> bool {
    let mut parts = secret.split('$');
    let (Some("sha256"), Some(salt), Some(digest), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Some(salt) = unhex(salt) else {
        return false;
    };
    let Some(want) = unhex(digest) else {
        return false;
    };
    let got = salted(&salt, candidate);
    got.len() == want.len() && got.iter().zip(&want).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The key a phone is asked to generate (CUCM: RSA 1024–4096 or EC P-256/P-384/P-521).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeySpec {
    /// RSA with this many bits.
    Rsa(u16),
    /// EC on the NIST curve of this size (256, 384, 521).
    Ec(u16),
}

impl KeySpec {
    /// Every name `key` accepts, in CUCM's order.
    pub const NAMES: [&'static str; 7] = [
        "rsa-1024", "rsa-2048", "rsa-3072", "rsa-4096", "ec-p256", "ec-p384", "ec-p521",
    ];

    /// The stored name (`rsa-2048`, `ec-p256`).
    pub fn name(self) -> String {
        match self {
            KeySpec::Rsa(b) => format!("rsa-{b}"),
            KeySpec::Ec(c) => format!("ec-p{c}"),
        }
    }

    /// Whether a public key of `algorithm` (`RSA`/`EC`) and `bits` is this key.
    pub fn matches(self, algorithm: &str, bits: u32) -> bool {
        match self {
            KeySpec::Rsa(b) => algorithm == "RSA" && bits == u32::from(b),
            KeySpec::Ec(c) => algorithm == "EC" && bits == u32::from(c),
        }
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for KeySpec {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "rsa-1024" => KeySpec::Rsa(1024),
            "rsa-2048" => KeySpec::Rsa(2048),
            "rsa-3072" => KeySpec::Rsa(3072),
            "rsa-4096" => KeySpec::Rsa(4096),
            "ec-p256" => KeySpec::Ec(256),
            "ec-p384" => KeySpec::Ec(384),
            "ec-p521" => KeySpec::Ec(521),
            _ => {
                return Err(InvalidValue(format!(
                    "unknown key {s:?}: use {}",
                    Self::NAMES.join(", ")
                )));
            }
        })
    }
}

keywords! {
    /// Where an operation stands (CUCM's Certificate Operation Status).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum OperationStatus {
        /// Scheduled, not served yet (or waiting; the reason says why).
        Pending = "pending",
        /// A phone session is serving it now.
        InProgress = "in-progress",
        /// Done.
        Success = "success",
        /// The last session failed; the phone may try again.
        Failed = "failed",
        /// The deadline passed.
        Expired = "expired",
    }
}

impl OperationStatus {
    /// Whether a phone session may still serve it.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            OperationStatus::Pending | OperationStatus::InProgress | OperationStatus::Failed
        )
    }
}

impl FromStr for OperationStatus {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_word(s).ok_or_else(|| InvalidValue(format!("unknown operation status {s:?}")))
    }
}

/// An operation to schedule.
#[derive(Debug, Clone)]
pub struct NewOperation {
    /// The device.
    pub device: super::DeviceName,
    /// What to do.
    pub kind: OperationKind,
    /// How the phone proves itself.
    pub auth_mode: AuthMode,
    /// The stored form of the authentication string (`AuthString::secret`), for `string`.
    pub auth_secret: Option<String>,
    /// The key to generate (install only).
    pub key: Option<KeySpec>,
    /// The deadline: the phone is refused after it.
    pub completes_by: Option<Timestamp>,
    /// When it was scheduled.
    pub scheduled_at: Timestamp,
}

/// An operation as the store reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The device.
    pub device: String,
    /// What to do.
    pub kind: OperationKind,
    /// How the phone proves itself.
    pub auth_mode: AuthMode,
    /// The stored secret (never shown; compared with what the phone sends).
    pub auth_secret: Option<String>,
    /// The key to generate (install only).
    pub key: Option<KeySpec>,
    /// The deadline.
    pub completes_by: Option<Timestamp>,
    /// Where it stands.
    pub status: OperationStatus,
    /// Why it failed or waits.
    pub reason: Option<String>,
    /// When it was scheduled.
    pub scheduled_at: Timestamp,
    /// Who scheduled it.
    pub scheduled_by: String,
    /// When a phone last tried.
    pub last_attempt_at: Option<Timestamp>,
    /// From where.
    pub last_peer: Option<String>,
}

/// The end of the day `date` (`YYYY-MM-DD`, UTC), as a deadline: an operation "completes by"
/// a day, so the whole day counts.
pub fn deadline_from_date(date: &str) -> Result<Timestamp, InvalidValue> {
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .filter(|_| date.len() == 10)
        .ok_or_else(|| InvalidValue(format!("invalid date {date:?}: use YYYY-MM-DD")))?;
    d.and_hms_micro_opt(23, 59, 59, 999_999)
        .map(|t| t.and_utc())
        .ok_or_else(|| InvalidValue(format!("invalid date {date:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_strings_are_4_to_10_digits_and_stored_hashed() {
        assert!("123".parse::<AuthString>().is_err());
        assert!("12345678901".parse::<AuthString>().is_err());
        assert!("12a4".parse::<AuthString>().is_err());
        let s: AuthString = "1234".parse().expect("digits");
        assert_eq!(format!("{s:?}"), "AuthString(****)");
        let secret = s.secret(&[7; 16]);
        assert!(!secret.contains("1234"));
        assert!(auth_secret_matches(&secret, b"1234"));
        assert!(!auth_secret_matches(&secret, b"1235"));
        assert!(!auth_secret_matches(&secret, b""));
        assert!(!auth_secret_matches("garbage", b"1234"));
    }

    #[test]
    fn keys_deadlines_and_names() {
        assert_eq!("EC-P384".parse::<KeySpec>().expect("key"), KeySpec::Ec(384));
        assert!(KeySpec::Rsa(2048).matches("RSA", 2048));
        assert!(!KeySpec::Rsa(2048).matches("EC", 256));
        assert!("rsa-512".parse::<KeySpec>().is_err());
        let t = deadline_from_date("2026-12-01").expect("date");
        assert_eq!(super::super::format_cli(&t), "2026-12-01 23:59:59");
        assert!(deadline_from_date("2026-13-01").is_err());
        assert!(deadline_from_date("2026-1-01").is_err());
    }
}
