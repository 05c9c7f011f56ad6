//! The CAPF domain: device names, settings, certificate records and the stale-LSC rule.
//!
//! Nothing here knows about terminals or SQL. Values are parsed once at the edge into these types
//! (a `KeepAlive` can only hold 5–60), so the rest of the code can trust them.

/// Declares an enum of keywords (words stored in the database, typed at the prompt, shown in
/// listings): each variant names its word once, and `ALL`, `as_str`, `from_word` and `Display`
/// follow from that one list, so a new variant cannot be forgotten in one of them. How text is
/// parsed (exact or in any case, and the refusal) stays with each type's `FromStr`.
macro_rules! keywords {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal, )+
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($word),+].len()] = [$($name::$variant),+];

            /// The keyword, as stored, typed and shown.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word, )+
                }
            }

            /// The value whose keyword is exactly `s` (stored words are never spelled otherwise).
            pub fn from_word(s: &str) -> Option<Self> {
                match s {
                    $( $word => Some($name::$variant), )+
                    _ => None,
                }
            }

            /// The value whose keyword is `s` in any case (typed words may be).
            pub fn from_word_any_case(s: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use keywords;

mod device;
mod online_ca;
mod operation;
mod records;
mod revocation;
mod settings;
mod stale;
mod time;

pub use device::DeviceName;
pub use online_ca::{
    DEFAULT_EST_PORT, EstHost, EstLabel, EstPassword, EstRequest, EstState, EstUser, OnlineCa,
    parse_est_port,
};
pub use operation::{
    AuthMode, AuthString, KeySpec, NewOperation, Operation, OperationKind, OperationStatus,
    auth_secret_matches, deadline_from_date,
};
pub use records::{
    CsrRecord, LscRecord, LscState, NewCsr, NewLsc, PendingCsr, PendingCsrRow, StaleLsc,
    StaleLscRow, key_label,
};
pub use revocation::{Revocation, RevocationReason};
pub use settings::{IssuerMode, KeepAlive, Settings, ValidityDays};
pub use stale::stale_since;
pub use time::{Timestamp, format_cli, format_rfc3339};

/// A value a user typed (or a file held) was refused; the message is shown as-is to the admin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every keyword enum: each value's word reads back as that value, exactly and in any
    /// case; the stored words parse as before, and other text is refused with the type's own
    /// message.
    #[test]
    fn keywords_round_trip_and_parse_as_before() {
        fn check<T: Copy + PartialEq + std::fmt::Debug + std::fmt::Display>(
            all: &[T],
            as_str: fn(T) -> &'static str,
            from_word: fn(&str) -> Option<T>,
            from_any_case: fn(&str) -> Option<T>,
        ) {
            for &v in all {
                assert_eq!(from_word(as_str(v)), Some(v));
                assert_eq!(v.to_string(), as_str(v));
                assert_eq!(from_any_case(&as_str(v).to_ascii_uppercase()), Some(v));
                assert_eq!(from_word(&as_str(v).to_ascii_uppercase()), None);
            }
            assert_eq!(from_word("nonsense"), None);
        }
        check(
            &OperationKind::ALL,
            OperationKind::as_str,
            OperationKind::from_word,
            OperationKind::from_word_any_case,
        );
        check(
            &AuthMode::ALL,
            AuthMode::as_str,
            AuthMode::from_word,
            AuthMode::from_word_any_case,
        );
        check(
            &OperationStatus::ALL,
            OperationStatus::as_str,
            OperationStatus::from_word,
            OperationStatus::from_word_any_case,
        );
        check(
            &IssuerMode::ALL,
            IssuerMode::as_str,
            IssuerMode::from_word,
            IssuerMode::from_word_any_case,
        );
        check(
            &RevocationReason::ALL,
            RevocationReason::as_str,
            RevocationReason::from_word,
            RevocationReason::from_word_any_case,
        );
        check(
            &EstState::ALL,
            EstState::as_str,
            EstState::from_word,
            EstState::from_word_any_case,
        );
        check(
            &LscState::ALL,
            LscState::as_str,
            LscState::from_word,
            LscState::from_word_any_case,
        );
        assert_eq!(OperationStatus::InProgress.as_str(), "in-progress");
        assert_eq!(AuthMode::ExistingMic.to_string(), "existing-mic");
        assert_eq!("KEYCOMPROMISE".parse(), Ok(RevocationReason::KeyCompromise));
        assert_eq!(" Online ".parse(), Ok(IssuerMode::Online));
        assert!("Install".parse::<OperationKind>().is_err());
        assert_eq!(
            "x".parse::<OperationStatus>(),
            Err(InvalidValue("unknown operation status \"x\"".into()))
        );
        assert_eq!(
            EstState::parse("x"),
            Err(InvalidValue("unknown EST state \"x\"".into()))
        );
        assert_eq!(
            "x".parse::<RevocationReason>(),
            Err(InvalidValue(
                "reason \"x\" is not valid: use cessationOfOperation, keyCompromise, superseded, unspecified".into()
            ))
        );
        assert_eq!(RevocationReason::default(), RevocationReason::Unspecified);
    }
}
