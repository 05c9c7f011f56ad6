//! Cluster-wide CAPF settings and their documented ranges.

use std::fmt;
use std::str::FromStr;

use super::{InvalidValue, Timestamp};

/// Keep-alive timer (minutes) of the CAPF-to-endpoint connection: 5 to 60, default 15.
///
/// Firewalls between phones and CAPF drop idle connections; the range is Cisco's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepAlive(u8);

impl KeepAlive {
    /// Lowest accepted value, in minutes.
    pub const MIN: u8 = 5;
    /// Highest accepted value, in minutes.
    pub const MAX: u8 = 60;
    /// The value of a new cluster.
    pub const DEFAULT: KeepAlive = KeepAlive(15);

    /// Minutes as a number.
    pub const fn minutes(self) -> u8 {
        self.0
    }

    /// Builds from a stored number, refusing what the schema's CHECK would refuse.
    pub fn from_minutes(m: i64) -> Result<Self, InvalidValue> {
        let m = in_range(
            m,
            Self::MIN.into(),
            Self::MAX.into(),
            "keep_alive",
            Self::enter,
        )?;
        Ok(KeepAlive(m as u8))
    }

    /// What a refusal asks for.
    fn enter() -> String {
        format!(
            "enter a number between {} and {} (minutes)",
            Self::MIN,
            Self::MAX
        )
    }
}

impl FromStr for KeepAlive {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_minutes(whole_number(s, "keep_alive", Self::enter)?)
    }
}

impl fmt::Display for KeepAlive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

keywords! {
    /// Who signs LSCs ("Certificate Issuer to Endpoint"). `ALL` is in the order the CLI lists
    /// the modes.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum IssuerMode {
        /// CAPF signs with its own CA certificate (the default).
        Capf = "capf",
        /// CSRs go to an external CA automatically.
        Online = "online",
        /// CSRs are exported, signed by hand elsewhere and imported.
        Offline = "offline",
    }
}

impl IssuerMode {
    /// Who signs, in a few words (help text lists the modes with it).
    pub const fn summary(self) -> &'static str {
        match self {
            IssuerMode::Capf => "CAPF signs",
            IssuerMode::Online => "external CA",
            IssuerMode::Offline => "export/import",
        }
    }
}

impl FromStr for IssuerMode {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IssuerMode::from_word_any_case(s.trim()).ok_or_else(|| {
            InvalidValue(format!(
                "unknown issuer mode {s:?}: use capf, online or offline"
            ))
        })
    }
}

/// "Duration Of Certificate Validity (in days)" of issued LSCs: 1 to 1825.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityDays(u16);

impl ValidityDays {
    /// Shortest validity.
    pub const MIN: u16 = 1;
    /// Longest validity (five years).
    pub const MAX: u16 = 1825;
    /// Default of a new cluster (five years, as CUCM).
    pub const DEFAULT: ValidityDays = ValidityDays(1825);

    /// Days as a number.
    pub const fn days(self) -> u16 {
        self.0
    }

    /// Builds from a number, refusing what the schema's CHECK would refuse.
    pub fn from_days(d: i64) -> Result<Self, InvalidValue> {
        let d = in_range(
            d,
            Self::MIN.into(),
            Self::MAX.into(),
            "validity",
            Self::enter,
        )?;
        Ok(ValidityDays(d as u16))
    }

    /// What a refusal asks for.
    fn enter() -> String {
        format!(
            "enter a number of days between {} and {}",
            Self::MIN,
            Self::MAX
        )
    }
}

impl FromStr for ValidityDays {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_days(whole_number(s, "validity", Self::enter)?)
    }
}

/// `value` of the bounded setting `name` when it lies in `min..=max`; the refusal says what to
/// enter instead.
fn in_range(
    value: i64,
    min: i64,
    max: i64,
    name: &str,
    enter: fn() -> String,
) -> Result<i64, InvalidValue> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(InvalidValue(format!(
            "{name} {value} is out of range: {}",
            enter()
        )))
    }
}

/// Typed text (blanks around it allowed) as the whole number of the setting `name`; the refusal
/// says what to enter instead.
fn whole_number(s: &str, name: &str, enter: fn() -> String) -> Result<i64, InvalidValue> {
    let t = s.trim();
    t.parse()
        .map_err(|_| InvalidValue(format!("{name} {t:?} is not a number: {}", enter())))
}

impl fmt::Display for ValidityDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The settings row as the engine reads it, with who last changed keep-alive and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Current keep-alive timer.
    pub keep_alive: KeepAlive,
    /// When keep-alive was last set, if ever.
    pub keep_alive_set_at: Option<Timestamp>,
    /// The OS user who last set keep-alive, if ever.
    pub keep_alive_set_by: Option<String>,
    /// Who signs LSCs.
    pub issuer_mode: IssuerMode,
    /// Validity of new LSCs.
    pub validity: ValidityDays,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_alive_accepts_only_5_to_60() {
        assert_eq!("5".parse::<KeepAlive>().map(KeepAlive::minutes), Ok(5));
        assert_eq!(" 60 ".parse::<KeepAlive>().map(KeepAlive::minutes), Ok(60));
        for bad in [
            "4",
            "61",
            "0",
            "-5",
            "abc",
            "",
            "15.5",
            "99999999999999999999",
        ] {
            assert!(bad.parse::<KeepAlive>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn validity_accepts_only_1_to_1825() {
        assert_eq!("1".parse::<ValidityDays>().map(ValidityDays::days), Ok(1));
        assert_eq!(
            "1825".parse::<ValidityDays>().map(ValidityDays::days),
            Ok(1825)
        );
        assert!("0".parse::<ValidityDays>().is_err());
        assert!("1826".parse::<ValidityDays>().is_err());
    }

    #[test]
    fn refusals_say_what_to_enter() {
        let msg = |r: Result<(), InvalidValue>| r.expect_err("refused").0;
        assert_eq!(
            msg(" 61 ".parse::<KeepAlive>().map(drop)),
            "keep_alive 61 is out of range: enter a number between 5 and 60 (minutes)"
        );
        assert_eq!(
            msg(" x ".parse::<KeepAlive>().map(drop)),
            "keep_alive \"x\" is not a number: enter a number between 5 and 60 (minutes)"
        );
        assert_eq!(
            msg(ValidityDays::from_days(0).map(drop)),
            "validity 0 is out of range: enter a number of days between 1 and 1825"
        );
        assert_eq!(
            msg("1.5".parse::<ValidityDays>().map(drop)),
            "validity \"1.5\" is not a number: enter a number of days between 1 and 1825"
        );
    }

    #[test]
    fn issuer_mode_round_trips() {
        for m in IssuerMode::ALL {
            assert_eq!(m.as_str().parse::<IssuerMode>(), Ok(m));
        }
        assert!("ca".parse::<IssuerMode>().is_err());
    }
}
