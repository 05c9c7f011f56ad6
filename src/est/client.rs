//! The EST client (RFC 7030): `/cacerts` and `/simpleenroll` over HTTPS with ureq on rustls
//! (aws-lc-rs provider). Every exchange is bounded: a connect timeout, a timeout on the whole
//! exchange, and a cap on the reply size, because the server is a network peer like any other.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};

use super::pkcs7;
use crate::domain::{EstPassword, OnlineCa};

/// The largest reply read from an EST server (a certificate chain is a few KiB).
const MAX_REPLY_BYTES: u64 = 256 * 1024;

/// The longest `Retry-After` honoured; a longer one is cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Connect and exchange time limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect plus TLS handshake.
    pub connect: Duration,
    /// The whole exchange, from connect to the last byte of the reply.
    pub exchange: Duration,
}

impl Timeouts {
    /// Connect 10 s (at most the exchange limit), the whole exchange `exchange`.
    pub fn with_exchange(exchange: Duration) -> Timeouts {
        Timeouts {
            connect: exchange.min(Duration::from_secs(10)),
            exchange,
        }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts::with_exchange(Duration::from_secs(60))
    }
}

/// What the EST server answered to `simpleenroll`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrollReply {
    /// 200: the certificates of the reply (the issued one among them), DER.
    Issued(Vec<Vec<u8>>),
    /// 202: the CA took the request; ask again after this long (RFC 7030 §4.2.3).
    Accepted(Option<Duration>),
    /// 401, 403 or another 4xx: the CA refuses; the text says why.
    Refused {
        /// The HTTP status (401: the credentials, which stops every CSR, not just this one).
        status: u16,
        /// The status line and the server's reason, for the log and the request's row.
        text: String,
    },
    /// 5xx, a network or TLS failure, a timeout, or a reply that cannot be read: worth another
    /// try later.
    Failed(EstFailure),
}

/// Why an exchange with the EST server failed: what it is (so the worker says a lasting
/// failure once, by its kind rather than its text) and the line that says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstFailure {
    /// What failed.
    pub kind: FailureKind,
    /// One line for the log and the request's row.
    pub text: String,
}

/// The kinds of failed EST exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// No complete answer within the exchange limit.
    Timeout,
    /// The server's name does not resolve.
    HostNotFound,
    /// The TCP connection was refused or could not be made.
    ConnectionFailed,
    /// A network error of this OS kind.
    Network(std::io::ErrorKind),
    /// Another transport failure (TLS, HTTP framing).
    Transport,
    /// An HTTP status that is neither success nor a refusal (5xx, 3xx).
    Status(u16),
    /// The reply is larger than capfsh reads.
    TooLarge,
    /// The reply could not be read to its end.
    Unreadable,
    /// HTTP 200 whose body is not a PKCS#7 certificate bundle.
    NotPkcs7,
}

impl EstFailure {
    fn new(kind: FailureKind, text: impl Into<String>) -> EstFailure {
        EstFailure {
            kind,
            text: text.into(),
        }
    }
}

impl std::fmt::Display for EstFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<EstFailure> for String {
    fn from(e: EstFailure) -> String {
        e.text
    }
}

/// The agent for one exchange: rustls with aws-lc-rs, trusting `roots` (or nothing, for the
/// bootstrap `/cacerts` of RFC 7030 §4.1.1, whose result the admin confirms by fingerprint),
/// no proxy, no redirects, every HTTP status handed back rather than turned into an error.
fn agent(roots: Option<&[Vec<u8>]>, timeouts: Timeouts) -> ureq::Agent {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(provider);
    let tls = match roots {
        Some(roots) => tls.root_certs(RootCerts::Specific(Arc::new(
            roots
                .iter()
                .map(|d| Certificate::from_der(d).to_owned())
                .collect(),
        ))),
        None => tls.disable_verification(true),
    };
    ureq::Agent::config_builder()
        .tls_config(tls.build())
        .timeout_connect(Some(timeouts.connect))
        .timeout_global(Some(timeouts.exchange))
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .user_agent(concat!("capfd/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent()
}

/// One line for a transport error, without ureq's internals.
fn transport_error(e: &ureq::Error, timeouts: Timeouts) -> EstFailure {
    match e {
        ureq::Error::Timeout(_) => EstFailure::new(
            FailureKind::Timeout,
            format!(
                "no complete answer within {} s (timed out)",
                timeouts.exchange.as_secs()
            ),
        ),
        ureq::Error::HostNotFound => EstFailure::new(FailureKind::HostNotFound, "host not found"),
        ureq::Error::ConnectionFailed => {
            EstFailure::new(FailureKind::ConnectionFailed, "connection failed")
        }
        ureq::Error::Io(io) => EstFailure::new(
            FailureKind::Network(io.kind()),
            format!("network error: {io}"),
        ),
        other => EstFailure::new(FailureKind::Transport, format!("{other}")),
    }
}

/// A short, one-line description of an error reply: status, reason and the start of the body.
fn status_text(status: u16, reason: &str, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    let mut out = format!("HTTP {status} {reason}").trim_end().to_owned();
    if let Some(line) = first {
        let cut: String = line.chars().take(160).collect();
        out.push_str(": ");
        out.push_str(&cut);
    }
    out
}

fn read_body(resp: &mut ureq::http::Response<ureq::Body>) -> Result<Vec<u8>, EstFailure> {
    resp.body_mut()
        .with_config()
        .limit(MAX_REPLY_BYTES)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => EstFailure::new(
                FailureKind::TooLarge,
                format!("the reply is larger than {MAX_REPLY_BYTES} bytes"),
            ),
            ureq::Error::Timeout(_) => EstFailure::new(
                FailureKind::Timeout,
                "the reply did not arrive in time (timed out)",
            ),
            other => EstFailure::new(
                FailureKind::Unreadable,
                format!("cannot read the reply: {other}"),
            ),
        })
}

fn is_pkcs7(resp: &ureq::http::Response<ureq::Body>) -> bool {
    resp.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/pkcs7-mime"))
        })
}

/// `GET /cacerts` (RFC 7030 §4.1) without authenticating the server: the certificates it
/// returns, DER. The caller shows their fingerprints and lets the admin decide.
pub fn fetch_cacerts(ca: &OnlineCa, timeouts: Timeouts) -> Result<Vec<Vec<u8>>, String> {
    let url = ca.url("cacerts");
    let mut resp = agent(None, timeouts)
        .get(&url)
        .call()
        .map_err(|e| format!("{}: {}", ca.address(), transport_error(&e, timeouts)))?;
    let status = resp.status();
    let body = read_body(&mut resp)?;
    if status.as_u16() != 200 {
        return Err(format!(
            "{} answered /cacerts with {}",
            ca.address(),
            status_text(
                status.as_u16(),
                status.canonical_reason().unwrap_or(""),
                &body
            )
        ));
    }
    if !is_pkcs7(&resp) {
        return Err(format!(
            "{} answered /cacerts with a reply that is not application/pkcs7-mime",
            ca.address()
        ));
    }
    pkcs7::certs_only(&pkcs7::body_der(&body)?)
}

/// Whether a TLS connection to the server succeeds when only `roots` are trusted (and the
/// host name checked): `/cacerts` again, authenticated this time.
pub fn check_server_trust(
    ca: &OnlineCa,
    roots: &[Vec<u8>],
    timeouts: Timeouts,
) -> Result<(), String> {
    let mut resp = agent(Some(roots), timeouts)
        .get(ca.url("cacerts"))
        .call()
        .map_err(|e| transport_error(&e, timeouts).text)?;
    let _ = read_body(&mut resp);
    Ok(())
}

/// `POST /simpleenroll` (RFC 7030 §4.2.1): the CSR as base64 `application/pkcs10`, HTTP
/// Basic authentication, the server authenticated against `roots`.
pub fn simpleenroll(
    ca: &OnlineCa,
    password: &EstPassword,
    roots: &[Vec<u8>],
    csr_der: &[u8],
    timeouts: Timeouts,
) -> EnrollReply {
    let b64 = base64::engine::general_purpose::STANDARD;
    let credentials = b64.encode(format!("{}:{}", ca.user.as_str(), password.expose()));
    let body = b64.encode(csr_der);
    let sent = agent(Some(roots), timeouts)
        .post(ca.url("simpleenroll"))
        .header("Content-Type", "application/pkcs10")
        .header("Content-Transfer-Encoding", "base64")
        .header("Authorization", format!("Basic {credentials}"))
        .send(body.as_bytes());
    let mut resp = match sent {
        Ok(r) => r,
        Err(e) => return EnrollReply::Failed(transport_error(&e, timeouts)),
    };
    let status = resp.status().as_u16();
    let reason = resp.status().canonical_reason().unwrap_or("").to_owned();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
    let pkcs7 = is_pkcs7(&resp);
    let body = match read_body(&mut resp) {
        Ok(b) => b,
        Err(e) => return EnrollReply::Failed(e),
    };
    match status {
        200 => {
            if !pkcs7 {
                return EnrollReply::Failed(EstFailure::new(
                    FailureKind::NotPkcs7,
                    "HTTP 200 with a reply that is not application/pkcs7-mime",
                ));
            }
            match pkcs7::body_der(&body).and_then(|der| pkcs7::certs_only(&der)) {
                Ok(certs) => EnrollReply::Issued(certs),
                Err(e) => EnrollReply::Failed(EstFailure::new(FailureKind::NotPkcs7, e)),
            }
        }
        202 => EnrollReply::Accepted(retry_after),
        400..=499 => EnrollReply::Refused {
            status,
            text: status_text(status, &reason, &body),
        },
        _ => EnrollReply::Failed(EstFailure::new(
            FailureKind::Status(status),
            status_text(status, &reason, &body),
        )),
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): seconds, or an HTTP date; at least 1 s, at most
/// [`MAX_RETRY_AFTER`].
pub fn parse_retry_after(value: &str, now: crate::domain::Timestamp) -> Option<Duration> {
    let v = value.trim();
    let secs = match v.parse::<u64>() {
        Ok(s) => s,
        Err(_) => {
            let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
            let d = when.with_timezone(&chrono::Utc) - now;
            u64::try_from(d.num_seconds()).unwrap_or(0)
        }
    };
    Some(Duration::from_secs(
        secs.clamp(1, MAX_RETRY_AFTER.as_secs()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date_within_bounds() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T08:00:00Z")
            .expect("t")
            .with_timezone(&chrono::Utc);
        assert_eq!(parse_retry_after("5", now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("0", now), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after("99999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("Fri, 20 Nov 2026 08:01:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn an_error_reply_is_one_short_line() {
        assert_eq!(
            status_text(401, "Unauthorized", b"\n  bad password\nmore"),
            "HTTP 401 Unauthorized: bad password"
        );
        assert_eq!(status_text(500, "", b""), "HTTP 500");
        assert_eq!(
            status_text(503, "Service Unavailable", &[b'x'; 500]).len(),
            "HTTP 503 Service Unavailable: ".len() + 160
        );
    }
}
