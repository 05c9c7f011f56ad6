//! The online CA worker: in mode `online`, sends each pending CSR without an LSC to the EST
//! server's `simpleenroll` and records what comes back. It runs on a thread of its own with
//! its own store connection, so a slow or silent server never holds up the rest of `capfd run`.

use std::collections::HashMap;
use std::mem::{Discriminant, discriminant};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::client::{self, EnrollReply, FailureKind, Timeouts};
use super::secret::{self, SecretError};
use crate::clock::Clock;
use crate::domain::{EstState, IssuerMode, Timestamp, format_cli};
use crate::engine::{Engine, EngineError, ErrorIdentity, OnlineRefusal, Refusal};
use crate::logging::{Level, Logger};
use crate::store::{Actor, OpenOptions, Store, StoreError};

/// How the worker paces itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// How often it looks for due CSRs and settings changes.
    pub interval: Duration,
    /// Connect and exchange limits of each request.
    pub timeouts: Timeouts,
    /// First wait after a server or network error; doubled at each further failure.
    pub retry_base: Duration,
    /// The longest wait: the cap of the backoff, and the pause after a refusal.
    pub retry_max: Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            interval: Duration::from_millis(500),
            timeouts: Timeouts::default(),
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(3600),
        }
    }
}

impl Pacing {
    /// The wait after the `attempts`-th failure in a row: `retry_base` doubled each time,
    /// capped at `retry_max`.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let shift = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.retry_base
            .checked_mul(1u32 << shift)
            .unwrap_or(self.retry_max)
            .min(self.retry_max)
    }
}

/// How many due CSRs one pass takes.
const BATCH: u32 = 10;

/// Starts the worker thread on the store at `db_path` (its writes stamped by `clock`). It stops when `stop` is set (within
/// one request's timeout at most); `log` gets one line per event worth an admin's attention.
pub fn spawn(
    db_path: PathBuf,
    actor: Actor,
    clock: Clock,
    pacing: Pacing,
    stop: Arc<AtomicBool>,
    log: Logger,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("est".into())
        .spawn(move || {
            let mut w = Worker {
                db_path,
                actor,
                clock,
                pacing,
                log,
                store: None,
                gate: None,
                said: None,
                revision: None,
                last_reply: HashMap::new(),
            };
            while !stop.load(Ordering::Relaxed) {
                w.pass(&stop);
                let mut slept = Duration::ZERO;
                while slept < pacing.interval && !stop.load(Ordering::Relaxed) {
                    let step = Duration::from_millis(20).min(pacing.interval);
                    std::thread::sleep(step);
                    slept += step;
                }
            }
        })
}

struct Worker {
    db_path: PathBuf,
    actor: Actor,
    /// The clock the store's rows and audit lines take; the schedule (timeouts, Retry-After,
    /// backoff) follows real time, since the server does.
    clock: Clock,
    pacing: Pacing,
    log: Logger,
    store: Option<Store>,
    /// No request before this instant (after a server error or a 401, for every CSR).
    gate: Option<Timestamp>,
    /// The last condition logged (so a lasting one is said once, not every pass), by what it
    /// is, not by its text.
    said: Option<Condition>,
    /// The online CA settings revision last seen.
    revision: Option<i64>,
    /// Each CSR's last reply that was logged, so a lasting one is said once.
    last_reply: HashMap<i64, (EstState, ReplyIdentity)>,
}

/// What a reply to one CSR was, as "said once" compares it: by its kind, not by its text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ReplyIdentity {
    /// The certificate returned was refused (which refusal, and which import rule).
    Rejected(Discriminant<OnlineRefusal>, Option<Discriminant<Refusal>>),
    /// HTTP 202.
    Accepted,
    /// A 4xx refusal with this status.
    Refused(u16),
    /// A failed exchange of this kind.
    Failed(FailureKind),
}

fn rejected_identity(reason: &OnlineRefusal) -> ReplyIdentity {
    let rule = match reason {
        OnlineRefusal::Import(r) => Some(discriminant(r)),
        _ => None,
    };
    ReplyIdentity::Rejected(discriminant(reason), rule)
}

/// Why a pass did nothing.
enum Idle {
    /// Not in mode online: nothing to say.
    Quiet,
    /// Something the admin must fix; said once: the condition, and the line that says it.
    Say(Condition, String),
}

/// A lasting condition that stops a pass, as "said once" compares it: two conditions with the
/// same text are not one, and one whose text changes (an SQLite detail) is not said again.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Condition {
    /// The store failed (its error's identity).
    Store(ErrorIdentity),
    /// The store could not be kept open.
    NotOpen,
    /// Mode online without online CA settings.
    NoOnlineCa,
    /// No server CA is trusted for TLS.
    NoServerCa,
    /// The password file cannot be used (which refusal, and the OS error's kind).
    Password(Discriminant<SecretError>, Option<std::io::ErrorKind>),
}

impl From<StoreError> for Idle {
    fn from(e: StoreError) -> Self {
        let line = format!("online CA: store error: {e}");
        Idle::Say(Condition::Store(EngineError::Store(e).identity()), line)
    }
}

impl Worker {
    fn say_once(&mut self, condition: Condition, msg: String) {
        if self.said.as_ref() != Some(&condition) {
            self.log.log(Level::Warning, None, &msg);
            self.said = Some(condition);
        }
    }

    fn pass(&mut self, stop: &AtomicBool) {
        match self.try_pass(stop) {
            Ok(()) | Err(Idle::Quiet) => {}
            Err(Idle::Say(condition, msg)) => self.say_once(condition, msg),
        }
    }

    fn store(&mut self) -> Result<&mut Store, Idle> {
        if self.store.is_none() {
            let opts = OpenOptions {
                clock: self.clock,
                ..OpenOptions::default()
            };
            self.store = Some(Store::open(&self.db_path, &opts)?);
        }
        self.store.as_mut().ok_or_else(|| {
            Idle::Say(
                Condition::NotOpen,
                "online CA: the store is not open".into(),
            )
        })
    }

    fn try_pass(&mut self, stop: &AtomicBool) -> Result<(), Idle> {
        let store = self.store()?;
        if store.settings()?.issuer_mode != IssuerMode::Online {
            if self.revision.take().is_some() {
                self.said = None;
            }
            return Err(Idle::Quiet);
        }
        let Some(ca) = store.online_ca()? else {
            return Err(Idle::Say(
                Condition::NoOnlineCa,
                "mode online, but no online CA is set: use utils capf set online-ca".into(),
            ));
        };
        let roots: Vec<Vec<u8>> = store.est_server_cas()?.into_iter().map(|c| c.der).collect();
        let dir = self
            .db_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        if self.revision != Some(ca.revision) {
            self.revision = Some(ca.revision);
            self.gate = None;
            self.said = None;
            self.log.notice(&format!(
                "online CA {} (label {}, user {}): sending pending CSRs to simpleenroll",
                ca.address(),
                ca.label.as_ref().map_or("-", |l| l.as_str()),
                ca.user
            ));
        }
        if roots.is_empty() {
            return Err(Idle::Say(
                Condition::NoServerCa,
                format!(
                    "online CA {}: no server CA certificate is trusted yet: run utils capf online-ca cacerts",
                    ca.address()
                ),
            ));
        }
        let password = secret::read_password(&dir.join(&ca.password_file), true).map_err(|e| {
            let condition = Condition::Password(discriminant(&e), e.io_kind());
            Idle::Say(condition, format!("online CA {}: {e}", ca.address()))
        })?;
        let now = chrono::Utc::now();
        if self.gate.is_some_and(|g| now < g) {
            return Ok(());
        }
        self.gate = None;
        let store = self.store()?;
        let due = store.est_due_csrs(ca.revision, now, BATCH)?;
        for rec in due {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            // The settings may have changed while the last request was out.
            let store = self.store()?;
            if store.settings()?.issuer_mode != IssuerMode::Online
                || store.online_ca()?.map(|c| c.revision) != Some(ca.revision)
            {
                break;
            }
            let previous = store.est_attempt(rec.csr.id, ca.revision)?;
            let device = rec.csr.device.clone();
            let reply =
                client::simpleenroll(&ca, &password, &roots, &rec.der, self.pacing.timeouts);
            let now = chrono::Utc::now();
            let (state, identity, detail, wait, halt) = match reply {
                EnrollReply::Issued(certs) => {
                    let actor = self.actor.clone();
                    let store = self.store()?;
                    let mut engine = Engine::new(store, actor);
                    match engine.accept_online_lsc(&rec, &certs, &ca.address(), now)? {
                        Ok(Some(serial)) => {
                            self.last_reply.remove(&rec.csr.id);
                            self.log.device_info(
                                &device,
                                &format!(
                                    "LSC {serial} issued by the online CA {} and recorded",
                                    ca.address()
                                ),
                            );
                            self.store()?.note_online_ca_contact(
                                now,
                                &format!("LSC {serial} issued for {device}"),
                            )?;
                            continue;
                        }
                        Ok(None) => {
                            self.log.device_info(
                                &device,
                                "the online CA answered a CSR that is no longer pending; nothing recorded",
                            );
                            continue;
                        }
                        Err(reason) => (
                            EstState::Rejected,
                            rejected_identity(&reason),
                            format!("certificate from the online CA refused: {reason}"),
                            self.pacing.retry_max,
                            false,
                        ),
                    }
                }
                EnrollReply::Accepted(after) => (
                    EstState::Accepted,
                    ReplyIdentity::Accepted,
                    "accepted by the online CA (HTTP 202), waiting for the certificate".into(),
                    after.unwrap_or(self.pacing.retry_base),
                    false,
                ),
                EnrollReply::Refused { status, text } => {
                    // Bad credentials are everyone's problem: pause every CSR, not just this one.
                    let everyone = status == 401;
                    (
                        EstState::Refused,
                        ReplyIdentity::Refused(status),
                        format!("online CA refused: {text}"),
                        self.pacing.retry_max,
                        everyone,
                    )
                }
                EnrollReply::Failed(failure) => {
                    let attempts = previous
                        .as_ref()
                        .filter(|p| p.state == EstState::Retry)
                        .map_or(1, |p| p.attempts + 1);
                    (
                        EstState::Retry,
                        ReplyIdentity::Failed(failure.kind),
                        format!("online CA error: {failure}"),
                        self.pacing.backoff(attempts),
                        true,
                    )
                }
            };
            let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
            let store = self.store()?;
            // Answered meanwhile (mode capf signed it, an import): the reply no longer matters.
            if let Some(serial) = store.lsc_for_csr(rec.csr.id)? {
                store.note_online_ca_contact(now, &format!("{device}: {detail}"))?;
                self.log.device_info(
                    &device,
                    &format!("{detail}; the CSR was answered meanwhile by LSC {serial}"),
                );
                continue;
            }
            let attempts =
                store.record_est_attempt(rec.csr.id, state, &detail, now, next, ca.revision)?;
            store.note_online_ca_contact(now, &format!("{device}: {detail}"))?;
            // Said once per CSR while its reply stays what it was (by kind, not by text).
            let same = self
                .last_reply
                .insert(rec.csr.id, (state, identity.clone()))
                == Some((state, identity));
            if !same {
                let level = if state == EstState::Accepted {
                    Level::Info
                } else {
                    Level::Warning
                };
                self.log.log(
                    level,
                    Some(&device),
                    &format!(
                        "{detail}; left pending, next try {} (attempt {attempts})",
                        format_cli(&next)
                    ),
                );
            }
            if halt {
                self.gate = Some(next);
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = Pacing {
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(600),
            ..Pacing::default()
        };
        let secs: Vec<u64> = (1..=7).map(|a| p.backoff(a).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 600, 600]);
        assert_eq!(p.backoff(1000).as_secs(), 600);
        assert_eq!(p.backoff(0).as_secs(), 30);
    }
}
