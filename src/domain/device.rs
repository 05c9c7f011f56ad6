//! Device names as CUCM knows them (`SEP` + MAC for phones, other prefixes for other endpoints).

use std::fmt;
use std::str::FromStr;

use super::InvalidValue;

/// A CUCM device name: 1 to 15 characters of `[A-Za-z0-9_.-]`, kept in upper case.
///
/// CUCM stores device names in upper case and admins type them either way
/// (`sep001122aabbcc`), so a name is upper-cased once, here, and every lookup agrees.
///
/// Any prefix is accepted (SEP, CSF, BOT, TCT, TAB, ...) because clusters carry endpoint types we
/// do not know; the character set and length are CUCM's own limits, and enforcing them keeps
/// terminal escapes and SQL-looking text out of the one field admins type most.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceName(String);

impl DeviceName {
    /// The longest device name CUCM accepts.
    pub const MAX_LEN: usize = 15;

    /// The name as stored and displayed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `c` may appear in a device name (also used to validate completion prefixes).
    pub fn is_name_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
    }
}

impl FromStr for DeviceName {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(InvalidValue("device name is empty".into()));
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(InvalidValue(format!(
                "invalid device name {:?}: at most {} characters (e.g. SEP001122AABBCC)",
                s,
                Self::MAX_LEN
            )));
        }
        if let Some(bad) = s.chars().find(|c| !Self::is_name_char(*c)) {
            return Err(InvalidValue(format!(
                "invalid device name {:?}: character {:?} is not allowed (letters, digits, '_', '.', '-')",
                s, bad
            )));
        }
        Ok(DeviceName(s.to_ascii_uppercase()))
    }
}

impl fmt::Display for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_cucm_names_of_any_prefix() {
        for ok in ["SEP001122AABBCC", "CSFJSMITH", "BOT-X.Y_Z", "A"] {
            assert_eq!(
                ok.parse::<DeviceName>().map(|d| d.to_string()),
                Ok(ok.to_string())
            );
        }
    }

    #[test]
    fn names_are_kept_in_upper_case_as_cucm_does() {
        assert_eq!(
            "sep001122aabbcc"
                .parse::<DeviceName>()
                .map(|d| d.to_string()),
            Ok("SEP001122AABBCC".to_string())
        );
    }

    #[test]
    fn refuses_long_empty_and_hostile_names() {
        for bad in [
            "",
            "SEP001122AABBCCDD",
            "SEP 1",
            "SEP\u{1b}[2J",
            "x;drop",
            "é",
        ] {
            assert!(bad.parse::<DeviceName>().is_err(), "{bad:?} accepted");
        }
    }
}
