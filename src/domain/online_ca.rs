//! The online CA (an EST server, RFC 7030) that capfd forwards CSRs to in mode `online`: its
//! address, label and user name, each checked once here so URLs and headers built from them
//! cannot be bent.

use std::fmt;

use super::{InvalidValue, Timestamp};

/// The EST server's host: a DNS name or an IPv4/IPv6 literal, at most 253 characters.
///
/// Only the characters a host name or address can hold are accepted, so the value can go into a
/// URL and a TLS server name as it is: no `/`, `@`, `:` (outside an IPv6 literal) or spaces
/// that would turn it into another URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstHost(String);

impl EstHost {
    /// The host as typed (lower case for names).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host as it goes into a URL: an IPv6 literal in brackets.
    pub fn url_form(&self) -> String {
        if self.0.contains(':') {
            format!("[{}]", self.0)
        } else {
            self.0.clone()
        }
    }
}

impl std::str::FromStr for EstHost {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim_start_matches('[').trim_end_matches(']');
        if t.is_empty() || t.len() > 253 {
            return Err(InvalidValue(format!(
                "invalid online CA host {s:?}: give a host name or IP address of 1 to 253 characters"
            )));
        }
        if t.parse::<std::net::Ipv6Addr>().is_ok() || t.parse::<std::net::Ipv4Addr>().is_ok() {
            return Ok(EstHost(t.to_ascii_lowercase()));
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let name = t.strip_suffix('.').unwrap_or(t);
        if name.split('.').all(label_ok) {
            Ok(EstHost(name.to_ascii_lowercase()))
        } else {
            Err(InvalidValue(format!(
                "invalid online CA host {s:?}: use a host name (letters, digits, '-', '.') or an IP address, without scheme, port or path"
            )))
        }
    }
}

impl fmt::Display for EstHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The EST server's TCP port: 1 to 65535, default 443.
pub fn parse_est_port(s: &str) -> Result<u16, InvalidValue> {
    match s.trim().parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(p as u16),
        _ => Err(InvalidValue(format!(
            "invalid online CA port {s:?}: enter a number between 1 and 65535"
        ))),
    }
}

/// The default EST port (HTTPS).
pub const DEFAULT_EST_PORT: u16 = 443;

/// An EST CA label (RFC 7030 §3.2.2, the "Certificate Enrollment Profile Label" of CUCM): one
/// path segment, so only letters, digits and `-`, `_`, `.`, at most 64 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstLabel(String);

impl EstLabel {
    /// The label.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for EstLabel {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s != "."
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if ok {
            Ok(EstLabel(s.to_owned()))
        } else {
            Err(InvalidValue(format!(
                "invalid online CA label {s:?}: 1 to 64 letters, digits, '-', '_' or '.' (one path segment)"
            )))
        }
    }
}

impl fmt::Display for EstLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The user name capfd authenticates with (HTTP Basic, RFC 7617): 1 to 128 printable
/// characters, no colon (Basic authentication cannot carry one in the user name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstUser(String);

impl EstUser {
    /// The user name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for EstUser {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.chars().count() > 128 {
            return Err(InvalidValue(format!(
                "invalid online CA user {s:?}: 1 to 128 characters"
            )));
        }
        if s.contains(':') || s.chars().any(char::is_control) {
            return Err(InvalidValue(format!(
                "invalid online CA user {s:?}: no ':' or control characters (HTTP Basic authentication)"
            )));
        }
        Ok(EstUser(s.to_owned()))
    }
}

impl fmt::Display for EstUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The password, held only in memory on its way between the prompt (or file) and its 0600
/// file. Its `Debug` never shows it, so it cannot leak through an error or a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct EstPassword(String);

impl EstPassword {
    /// The longest password accepted.
    pub const MAX_LEN: usize = 1024;

    /// Checks a password read from a prompt or a file (one trailing newline already removed).
    pub fn new(s: String) -> Result<Self, InvalidValue> {
        if s.is_empty() {
            return Err(InvalidValue("the online CA password is empty".into()));
        }
        if s.len() > Self::MAX_LEN {
            return Err(InvalidValue(format!(
                "the online CA password is longer than {} bytes",
                Self::MAX_LEN
            )));
        }
        if s.chars().any(|c| c == '\n' || c == '\r' || c == '\0') {
            return Err(InvalidValue(
                "the online CA password holds a line break or NUL: put it alone on one line".into(),
            ));
        }
        Ok(EstPassword(s))
    }

    /// The secret, for the Authorization header and the password file only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for EstPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EstPassword(<hidden>)")
    }
}

/// The online CA as configured (without its password, which lives in its own file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineCa {
    /// EST server host.
    pub host: EstHost,
    /// EST server port.
    pub port: u16,
    /// CA label (`/.well-known/est/<label>/...`), if any.
    pub label: Option<EstLabel>,
    /// User for HTTP Basic authentication.
    pub user: EstUser,
    /// Name of the password file, beside the store.
    pub password_file: String,
    /// When it was last set.
    pub set_at: Timestamp,
    /// Who set it.
    pub set_by: String,
    /// Bumped by every change (capfd retries refused requests after one).
    pub revision: i64,
    /// When capfd last reached the server, if ever.
    pub last_contact_at: Option<Timestamp>,
    /// What happened then.
    pub last_result: Option<String>,
}

impl OnlineCa {
    /// The URL of an EST operation (`cacerts`, `simpleenroll`), RFC 7030 §3.2.2.
    pub fn url(&self, operation: &str) -> String {
        let label = self
            .label
            .as_ref()
            .map(|l| format!("{}/", l.as_str()))
            .unwrap_or_default();
        format!(
            "https://{}:{}/.well-known/est/{label}{operation}",
            self.host.url_form(),
            self.port
        )
    }

    /// `host:port` for messages.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host.url_form(), self.port)
    }
}

keywords! {
    /// Where a pending CSR stands with the online CA.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum EstState {
        /// Not sent yet.
        Waiting = "waiting",
        /// 202: the CA took it and will answer later (Retry-After).
        Accepted = "accepted",
        /// A server (5xx) or network error: retried with capped exponential backoff.
        Retry = "retry",
        /// 401/403 or another 4xx: retried only after the settings change or a long pause.
        Refused = "refused",
        /// The returned certificate failed the import rules: never recorded.
        Rejected = "rejected",
    }
}

impl EstState {
    /// Reads a stored word.
    pub fn parse(s: &str) -> Result<EstState, InvalidValue> {
        Self::from_word(s).ok_or_else(|| InvalidValue(format!("unknown EST state {s:?}")))
    }
}

/// One pending CSR as the online CA sees it (for `show capf online-ca requests`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstRequest {
    /// CSR id.
    pub csr_id: i64,
    /// Device.
    pub device: String,
    /// When the CSR arrived.
    pub submitted_at: Timestamp,
    /// Where it stands.
    pub state: EstState,
    /// Why (the server's answer, the refusal), empty when waiting.
    pub detail: String,
    /// Attempts so far.
    pub attempts: i64,
    /// When it was last sent.
    pub last_try_at: Option<Timestamp>,
    /// When capfd sends it next.
    pub next_try_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_names_or_addresses_only() {
        assert_eq!(
            "EST.Example.com".parse::<EstHost>().map(|h| h.0),
            Ok("est.example.com".to_owned())
        );
        assert!("127.0.0.1".parse::<EstHost>().is_ok());
        assert_eq!(
            "[::1]".parse::<EstHost>().map(|h| h.url_form()),
            Ok("[::1]".to_owned())
        );
        for bad in [
            "",
            "https://est",
            "est:8443",
            "a b",
            "user@est",
            "est/x",
            "-est",
            "é.example",
        ] {
            assert!(bad.parse::<EstHost>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn labels_users_ports_and_passwords_are_checked() {
        assert!("capf-lsc".parse::<EstLabel>().is_ok());
        for bad in ["", "a/b", "..", "a b", &"x".repeat(65)] {
            assert!(bad.parse::<EstLabel>().is_err(), "{bad:?}");
        }
        assert!("capf admin".parse::<EstUser>().is_ok());
        assert!("a:b".parse::<EstUser>().is_err());
        assert!("a\u{1b}b".parse::<EstUser>().is_err());
        assert_eq!(parse_est_port("8443"), Ok(8443));
        assert!(parse_est_port("0").is_err());
        assert!(parse_est_port("65536").is_err());
        assert!(EstPassword::new(String::new()).is_err());
        assert!(EstPassword::new("a\nb".into()).is_err());
        let p = EstPassword::new("s3cret".into()).expect("password");
        assert!(!format!("{p:?}").contains("s3cret"));
    }

    #[test]
    fn urls_follow_rfc7030_with_and_without_a_label() {
        let mut ca = OnlineCa {
            host: "est.example.com".parse().expect("host"),
            port: 8443,
            label: None,
            user: "capf".parse().expect("user"),
            password_file: "capf.db.est-password".into(),
            set_at: chrono::Utc::now(),
            set_by: "root".into(),
            revision: 1,
            last_contact_at: None,
            last_result: None,
        };
        assert_eq!(
            ca.url("simpleenroll"),
            "https://est.example.com:8443/.well-known/est/simpleenroll"
        );
        ca.label = Some("phones".parse().expect("label"));
        assert_eq!(
            ca.url("cacerts"),
            "https://est.example.com:8443/.well-known/est/phones/cacerts"
        );
    }
}
