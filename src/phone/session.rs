//! One CAPF session, as a state machine over a [`Wire`]: auth request → auth response → the
//! device's scheduled operation → end session with the right reason. It knows nothing of
//! sockets or TLS (the server gives it a wire), and all it records goes through the store.

use std::time::Duration;

use crate::domain::{
    AuthMode, DeviceName, KeySpec, Operation, OperationKind, OperationStatus, Timestamp,
    auth_secret_matches,
};
use crate::engine::Engine;
use crate::pki::{ParsedCert, ProofDigest, check_chain, public_key_info, verify_with_cert};
use crate::protocol::{
    CodecError, Command, Message, ProofHash, Tag, VERSION, auth_type, cert_type, parse_sha2_signed,
    parse_sudi, proof_data, reason, sudi_proof_data, unwrap_certificate, wrap_certificate,
};
use crate::store::{Actor, ReportedCert, SessionResult, Store, StoreError};

use super::service::PhoneService;

/// Why the wire could not deliver a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The phone said nothing for the idle time.
    #[error("the phone was silent for {0:?}")]
    Timeout(Duration),
    /// The phone closed the connection.
    #[error("the phone closed the connection")]
    Closed,
    /// The connection failed.
    #[error("connection error: {0}")]
    Io(String),
    /// The bytes are not a CAPF message.
    #[error("protocol error: {0}")]
    Codec(#[from] CodecError),
}

/// A connection to one phone that moves whole messages.
pub trait Wire {
    /// Sends one message (in one write).
    fn send(&mut self, msg: &Message) -> Result<(), WireError>;
    /// Receives one message, waiting at most `idle` for all of it.
    fn recv(&mut self, idle: Duration) -> Result<Message, WireError>;
}

/// How a session ended: what the log line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionReport {
    /// The device, once the phone named one.
    pub device: Option<String>,
    /// The operation served, if any.
    pub operation: Option<OperationKind>,
    /// `success`, `failed`, `refused`, `no action`, `waiting`, `error`.
    pub result: &'static str,
    /// The end-session reason sent (None if the session broke before).
    pub reason_code: Option<u8>,
    /// Why, in words.
    pub detail: String,
}

impl SessionReport {
    /// The one log line of this session (the logger puts the device in front, when the phone
    /// named one).
    pub fn log_line(&self, peer: &str, session_id: u32) -> String {
        format!(
            "session {session_id:08x} from {peer}: operation {}, result {}, reason {}: {}",
            self.operation.map(|o| o.as_str()).unwrap_or("-"),
            self.result,
            self.reason_code
                .map(|r| r.to_string())
                .unwrap_or_else(|| "-".into()),
            self.detail
        )
    }
}

/// A failure inside a session: the end reason to send (if the wire still works) and why.
struct Stop {
    result: &'static str,
    reason: Option<u8>,
    detail: String,
    /// Record the operation as failed (else: leave its status, e.g. nothing scheduled).
    fail_operation: bool,
}

impl Stop {
    fn refused(detail: impl Into<String>) -> Stop {
        Stop {
            result: "refused",
            reason: Some(reason::INVALID_ELEMENT),
            detail: detail.into(),
            fail_operation: true,
        }
    }

    fn wire(e: WireError, waiting_for: &str) -> Stop {
        let reason = match e {
            WireError::Codec(_) => Some(reason::INVALID_ELEMENT),
            _ => None,
        };
        Stop {
            result: "failed",
            reason,
            detail: format!("{e} (waiting for the {waiting_for})"),
            fail_operation: true,
        }
    }

    fn store(e: impl std::fmt::Display) -> Stop {
        Stop {
            result: "error",
            reason: Some(reason::INVALID_ELEMENT),
            detail: format!("store: {e}"),
            fail_operation: false,
        }
    }
}

/// Serves one phone on `wire`. Never panics on what the phone sends; every outcome after the
/// phone named itself is recorded (operation status, one audit line) before returning.
pub fn serve(
    wire: &mut dyn Wire,
    svc: &PhoneService,
    peer: &str,
    session_id: u32,
) -> SessionReport {
    let mut s = Session {
        wire,
        svc,
        peer,
        session_id,
        idle: Duration::from_secs(15 * 60),
        device: None,
        op: None,
        claimed: false,
        recorded: false,
    };
    let report = s.run();
    if s.claimed
        && let Some(d) = &s.device
    {
        svc.release(d.as_str());
    }
    report
}

struct Session<'a> {
    wire: &'a mut dyn Wire,
    svc: &'a PhoneService,
    peer: &'a str,
    session_id: u32,
    idle: Duration,
    device: Option<DeviceName>,
    op: Option<Operation>,
    claimed: bool,
    /// The outcome is already in the store (an expired operation).
    recorded: bool,
}

impl Session<'_> {
    fn actor(&self) -> Actor {
        let who = self
            .device
            .as_ref()
            .map(|d| d.as_str())
            .unwrap_or("unknown");
        Actor {
            os_user: format!("{who}@{}", self.peer),
            command: format!("capf session {:08x}", self.session_id),
        }
    }

    fn end(&mut self, code: u8) {
        // The device is free before the phone hears the end: it may reconnect at once.
        if self.claimed
            && let Some(d) = &self.device
        {
            self.svc.release(d.as_str());
            self.claimed = false;
        }
        let _ = self
            .wire
            .send(&Message::new(Command::END_SESSION, self.session_id).with_u8(Tag::REASON, code));
    }

    fn run(&mut self) -> SessionReport {
        match self.steps() {
            Ok(report) => report,
            Err(stop) => {
                // The store first, then the phone: when the phone hears the outcome, the
                // status and the audit line already say it.
                self.record_stop(&stop);
                if let Some(code) = stop.reason {
                    self.end(code);
                }
                SessionReport {
                    device: self.device.as_ref().map(|d| d.to_string()),
                    operation: self.op.as_ref().map(|o| o.kind),
                    result: stop.result,
                    reason_code: stop.reason,
                    detail: stop.detail,
                }
            }
        }
    }

    /// Records a failed session: the operation's status (when it has one and the failure is
    /// the phone's or the wire's) and one audit line. Nothing is recorded before the phone
    /// named a device: a stranger's garbage is only logged.
    fn record_stop(&mut self, stop: &Stop) {
        let Some(device) = self.device.clone().filter(|_| !self.recorded) else {
            return;
        };
        let op_kind = self.op.as_ref().map(|o| o.kind.as_str()).unwrap_or("none");
        let status = (stop.fail_operation && self.op.is_some()).then_some(OperationStatus::Failed);
        let detail = format!(
            "phone session of {device}: operation {op_kind} {}: {}",
            stop.result, stop.detail
        );
        self.record_failure(&device, status, &stop.detail, &detail);
    }

    /// Writes the outcome of a session that did not succeed: the operation's new `status`
    /// (`None` leaves it) with `reason`, and the audit line `detail`. Best effort: when the
    /// store itself fails, the log line still tells.
    fn record_failure(
        &self,
        device: &DeviceName,
        status: Option<OperationStatus>,
        reason: &str,
        detail: &str,
    ) {
        let actor = self.actor();
        let result = SessionResult {
            device,
            status,
            reason: Some(reason),
            at: chrono::Utc::now(),
            peer: self.peer,
            ok: false,
            detail,
        };
        self.svc
            .with_store(|st: &mut Store| st.try_record_session(&result, &actor))
            .ok();
    }

    fn recv(&mut self, expected: Command, waiting_for: &str) -> Result<Message, Stop> {
        loop {
            let m = self
                .wire
                .recv(self.idle)
                .map_err(|e| Stop::wire(e, waiting_for))?;
            if m.session_id != self.session_id {
                return Err(Stop::wire(
                    WireError::Codec(CodecError::BadValue {
                        what: "session id",
                        why: format!(
                            "{:08x}, this session is {:08x}",
                            m.session_id, self.session_id
                        ),
                    }),
                    waiting_for,
                ));
            }
            if m.command == expected {
                return Ok(m);
            }
            // Old phones report that they are still generating the key; each report restarts
            // the idle timer.
            if m.command == Command::REQUEST_IN_PROGRESS {
                continue;
            }
            if m.command == Command::ABORT_REQUEST {
                return Err(Stop {
                    result: "failed",
                    reason: Some(reason::INVALID_ELEMENT),
                    detail: format!("the phone aborted (waiting for the {waiting_for})"),
                    fail_operation: true,
                });
            }
            return Err(Stop::wire(
                WireError::Codec(CodecError::BadValue {
                    what: "command",
                    why: format!("{} instead of {}", m.command, expected),
                }),
                waiting_for,
            ));
        }
    }

    fn send(&mut self, m: &Message, what: &str) -> Result<(), Stop> {
        self.wire.send(m).map_err(|e| Stop::wire(e, what))
    }

    /// Sends the element-less request `req` and waits for the phone's `answer`: the answer
    /// and the reason it carries.
    fn ask(&mut self, req: Command, answer: Command) -> Result<(Message, Option<u8>), Stop> {
        self.send(&Message::new(req, self.session_id), req.name())?;
        let resp = self.recv(answer, answer.name())?;
        let r = resp
            .get_u8(Tag::REASON, "reason")
            .map_err(|e| Stop::wire(WireError::Codec(e), answer.name()))?;
        Ok((resp, r))
    }

    fn steps(&mut self) -> Result<SessionReport, Stop> {
        // The keep-alive is read when the session starts: a change applies to later sessions.
        let settings = self
            .svc
            .with_store(|st: &mut Store| st.settings())
            .map_err(Stop::store)?;
        self.idle = self
            .svc
            .keep_alive_unit
            .saturating_mul(u32::from(settings.keep_alive.minutes()));
        let hello = Message::new(Command::AUTH_REQUEST, self.session_id)
            .with_u8(Tag::VERSION, VERSION)
            .with_u8(Tag::AUTH_TYPE, auth_type::NONE);
        self.send(&hello, "auth request")?;
        let auth = self.recv(Command::AUTH_RESPONSE, "auth response")?;
        let bad = |e: CodecError| Stop::wire(WireError::Codec(e), "auth response");
        if let Some(v) = auth.get_u8(Tag::VERSION, "version").map_err(bad)?
            && v != VERSION
        {
            return Err(Stop::wire(
                WireError::Codec(CodecError::BadValue {
                    what: "version",
                    why: format!("{v}, CAPF speaks 3"),
                }),
                "auth response",
            ));
        }
        let name = auth
            .get_text(Tag::DEVICE_NAME, "device name")
            .map_err(bad)?
            .ok_or_else(|| Stop::refused("the auth response names no device"))?;
        let device: DeviceName = name.parse().map_err(|e: crate::domain::InvalidValue| {
            Stop::refused(format!("invalid device name: {e}"))
        })?;
        self.device = Some(device.clone());
        let now = chrono::Utc::now();
        let (op, known) = self
            .svc
            .with_store(|st: &mut Store| {
                let op = st.operation(&device)?;
                let known = op.is_some() || st.device_known(&device)?;
                Ok::<_, StoreError>((op, known))
            })
            .map_err(Stop::store)?;
        let Some(op) = op.filter(|o| o.status.is_open()) else {
            let (code, result, detail) = if known {
                (
                    reason::NO_ACTION,
                    "no action",
                    "no operation scheduled".to_owned(),
                )
            } else {
                (
                    reason::UNKNOWN_DEVICE,
                    "refused",
                    "unknown device".to_owned(),
                )
            };
            return Err(Stop {
                result,
                reason: Some(code),
                detail,
                fail_operation: false,
            });
        };
        self.op = Some(op.clone());
        if let Some(by) = op.completes_by
            && now > by
        {
            return Err(Stop {
                result: "refused",
                reason: Some(reason::INVALID_ELEMENT),
                detail: format!(
                    "expired: the operation had to complete by {}",
                    crate::domain::format_cli(&by)
                ),
                fail_operation: false,
            })
            .inspect_err(|stop| self.expire(stop));
        }
        if op.kind == OperationKind::Install
            && settings.issuer_mode != crate::domain::IssuerMode::Capf
        {
            return Ok(self.wait_for_mode(&op, &device, settings.issuer_mode));
        }
        if !self.svc.claim(device.as_str()) {
            return Err(Stop {
                result: "refused",
                reason: Some(reason::NO_ACTION),
                detail: "another session of this device is in progress".into(),
                fail_operation: false,
            });
        }
        self.claimed = true;
        let how = self.authenticate(&op, &device, &auth, now)?;
        self.check_sudi(&auth, now)?;
        self.svc
            .with_store(|st: &mut Store| st.operation_started(&device, self.peer, now))
            .map_err(Stop::store)?;
        match op.kind {
            OperationKind::Install => self.install(&op, &device, &how),
            OperationKind::Troubleshoot => self.fetch(&device, &how),
            OperationKind::Delete => self.delete(&device, &how),
        }
    }

    /// The deadline passed: the status says expired (one write, with the audit line).
    fn expire(&mut self, stop: &Stop) {
        let Some(device) = self.device.clone() else {
            return;
        };
        let detail = format!("phone session of {device}: refused: {}", stop.detail);
        self.record_failure(
            &device,
            Some(OperationStatus::Expired),
            &stop.detail,
            &detail,
        );
        // record_stop must not write a second line.
        self.recorded = true;
    }

    /// Online/offline issuer: the key cannot be signed in this session. The operation stays
    /// pending with the reason, written (and audited) once, and logged once per device.
    fn wait_for_mode(
        &mut self,
        op: &Operation,
        device: &DeviceName,
        mode: crate::domain::IssuerMode,
    ) -> SessionReport {
        let why = format!(
            "waiting: the issuer mode is {mode}, and the CAPF protocol cannot get an LSC from an external CA within one session; set the mode to capf to serve this phone"
        );
        if op.reason.as_deref() != Some(why.as_str()) {
            let actor = self.actor();
            let detail = format!("phone session of {device}: operation install waiting: {why}");
            let now = chrono::Utc::now();
            self.svc
                .with_store(|st: &mut Store| {
                    st.operation_waiting(device, &why, self.peer, now)?;
                    st.try_record_session(
                        &SessionResult {
                            device,
                            status: None,
                            reason: None,
                            at: now,
                            peer: self.peer,
                            ok: false,
                            detail: &detail,
                        },
                        &actor,
                    )
                })
                .ok();
        }
        self.svc
            .log_waiting_once(device.as_str(), &format!("install left pending: {why}"));
        self.end(reason::NO_ACTION);
        SessionReport {
            device: Some(device.to_string()),
            operation: Some(OperationKind::Install),
            result: "waiting",
            reason_code: Some(reason::NO_ACTION),
            detail: why,
        }
    }

    fn authenticate(
        &mut self,
        op: &Operation,
        device: &DeviceName,
        auth: &Message,
        now: Timestamp,
    ) -> Result<String, Stop> {
        match op.auth_mode {
            AuthMode::Null => Ok("null string".into()),
            AuthMode::String => {
                let sent = auth.get(Tag::PASSWORD).map(|v| {
                    let end = v.iter().position(|b| *b == 0).unwrap_or(v.len());
                    &v[..end]
                });
                let secret = op.auth_secret.as_deref().unwrap_or_default();
                match sent {
                    None | Some([]) => Err(Stop::refused(
                        "authentication failed: the phone sent no authentication string",
                    )),
                    Some(pw) if auth_secret_matches(secret, pw) => {
                        Ok("authentication string".into())
                    }
                    Some(_) => Err(Stop::refused(
                        "authentication failed: wrong authentication string",
                    )),
                }
            }
            AuthMode::ExistingLsc | AuthMode::ExistingMic => {
                self.existing_certificate(op.auth_mode, device, auth, now)
            }
        }
    }

    /// By Existing Certificate: the certificate chains (an LSC to the CAPF CA, current or
    /// retired but unexpired; a MIC to a MIC trust anchor), is within validity, and both the
    /// SHA-1 and the SHA-2 signatures over `device ‖ 0 ‖ DER` verify with its key. The mode
    /// decides which kind is tried first when the phone sends both.
    fn existing_certificate(
        &mut self,
        mode: AuthMode,
        device: &DeviceName,
        auth: &Message,
        now: Timestamp,
    ) -> Result<String, Stop> {
        let bad = |e: CodecError| Stop::wire(WireError::Codec(e), "auth response");
        let mut certs = Vec::new();
        for v in auth.all(Tag::CERTIFICATE) {
            let (t, der) = unwrap_certificate(v).map_err(bad)?;
            if t != cert_type::LSC && t != cert_type::MIC {
                return Err(Stop::refused(format!("unknown certificate type {t}")));
            }
            certs.push((t, der.to_vec()));
        }
        if certs.is_empty() {
            return Err(Stop::refused(
                "authentication failed: no certificate sent (By Existing Certificate)",
            ));
        }
        let first = if mode == AuthMode::ExistingLsc {
            cert_type::LSC
        } else {
            cert_type::MIC
        };
        certs.sort_by_key(|(t, _)| *t != first);
        let sha1 = auth.get(Tag::SIGNED_DATA);
        let sha2 = auth
            .get(Tag::SHA2_SIGNED_DATA)
            .map(parse_sha2_signed)
            .transpose()
            .map_err(bad)?;
        let (Some(sha1), Some((hash, sha2))) = (sha1, sha2) else {
            return Err(Stop::refused(
                "authentication failed: the proof is missing (both signed data and SHA-2 signed data are required)",
            ));
        };
        let (capf, mic) = self
            .svc
            .with_store(|st: &mut Store| Ok::<_, StoreError>((st.capf_cas()?, st.mic_anchors()?)))
            .map_err(Stop::store)?;
        let parse = |recs: Vec<crate::store::CaRecord>| -> Vec<ParsedCert> {
            recs.into_iter()
                .filter_map(|r| ParsedCert::from_der(r.der).ok())
                .collect()
        };
        let (capf, mic) = (parse(capf), parse(mic));
        let mut reasons = Vec::new();
        for (t, der) in &certs {
            let kind = if *t == cert_type::LSC { "LSC" } else { "MIC" };
            let checked = (|| -> Result<String, String> {
                let cert = ParsedCert::from_der(der.clone()).map_err(|e| e.to_string())?;
                let anchors = if *t == cert_type::LSC { &capf } else { &mic };
                if anchors.is_empty() && *t == cert_type::MIC {
                    return Err("no MIC trust anchor: add the manufacturer CA with `utils capf trust import <file> mic`".into());
                }
                let issuer = check_chain(&cert, anchors, now)?;
                if !names_device(*t, cert.subject_cn.as_deref(), device) {
                    return Err(format!(
                        "the {kind} was issued to {}, not to {device}",
                        if cert.subject.is_empty() {
                            "an empty subject"
                        } else {
                            &cert.subject
                        }
                    ));
                }
                let data = proof_data(device.as_str(), der);
                verify_with_cert(der, ProofDigest::Sha1, sha1, &data).map_err(|e| e.to_string())?;
                verify_with_cert(der, digest(hash), sha2, &data).map_err(|e| e.to_string())?;
                Ok(format!(
                    "existing {kind} {} issued by {}",
                    cert.serial_hex, issuer.subject
                ))
            })();
            match checked {
                Ok(how) => return Ok(how),
                Err(why) => reasons.push(format!("{kind}: {why}")),
            }
        }
        Err(Stop::refused(format!(
            "authentication failed: {}",
            reasons.join("; ")
        )))
    }

    /// SUDI data, when sent: the certificate chains to a MIC anchor or the CAPF CA and both
    /// signatures over the little-endian session id and the certificate verify. A phone that
    /// sends none is not refused for that.
    fn check_sudi(&mut self, auth: &Message, now: Timestamp) -> Result<(), Stop> {
        let Some(value) = auth.get(Tag::SUDI_DATA) else {
            return Ok(());
        };
        let sudi =
            parse_sudi(value).map_err(|e| Stop::wire(WireError::Codec(e), "auth response"))?;
        let (Some(cert), Some(sha1), Some(sha512)) =
            (sudi.certificate, sudi.sha1_signature, sudi.sha512_signature)
        else {
            return Err(Stop::refused(
                "SUDI check failed: the certificate or a signature is missing",
            ));
        };
        let anchors = self
            .svc
            .with_store(|st: &mut Store| {
                let mut v = st.mic_anchors()?;
                v.extend(st.capf_cas()?);
                Ok::<_, StoreError>(v)
            })
            .map_err(Stop::store)?;
        let anchors: Vec<ParsedCert> = anchors
            .into_iter()
            .filter_map(|r| ParsedCert::from_der(r.der).ok())
            .collect();
        let parsed = ParsedCert::from_der(cert.to_vec())
            .map_err(|e| Stop::refused(format!("SUDI check failed: {e}")))?;
        check_chain(&parsed, &anchors, now)
            .map_err(|e| Stop::refused(format!("SUDI check failed: {e}")))?;
        let data = sudi_proof_data(self.session_id, cert);
        for (d, sig) in [(ProofDigest::Sha1, sha1), (ProofDigest::Sha512, sha512)] {
            verify_with_cert(cert, d, sig, &data)
                .map_err(|e| Stop::refused(format!("SUDI check failed: {e}")))?;
        }
        Ok(())
    }

    fn install(
        &mut self,
        op: &Operation,
        device: &DeviceName,
        how: &str,
    ) -> Result<SessionReport, Stop> {
        let key = op.key.unwrap_or(KeySpec::Rsa(2048));
        let mut req = Message::new(Command::KEY_GEN_REQUEST, self.session_id);
        req = match key {
            KeySpec::Rsa(bits) => req
                .with_u8(Tag::KEY_TYPE, 0)
                .with(Tag::KEY_SIZE, bits.to_be_bytes().to_vec()),
            KeySpec::Ec(c) => req.with_u8(Tag::KEY_TYPE, 1).with_u8(
                Tag::CURVE,
                match c {
                    256 => 0,
                    384 => 1,
                    _ => 2,
                },
            ),
        };
        self.send(&req, "key-generate request")?;
        let resp = self.recv(Command::KEY_GEN_RESPONSE, "key-generate response")?;
        let Some(spki) = resp.get(Tag::PUBLIC_KEY) else {
            let r = reason_text(resp.get_u8(Tag::REASON, "reason").ok().flatten());
            return Err(Stop {
                result: "failed",
                reason: Some(reason::INVALID_ELEMENT),
                detail: format!("the phone could not generate its key (reason {r})"),
                fail_operation: true,
            });
        };
        let phone_key = public_key_info(spki)
            .map_err(|e| Stop::refused(format!("refused the phone's public key: {e}")))?;
        if !key.matches(phone_key.key.algorithm.as_str(), phone_key.key.bits) {
            return Err(Stop::refused(format!(
                "the phone generated a {} key, {key} was scheduled",
                phone_key.key
            )));
        }
        let now = chrono::Utc::now();
        let actor = self.actor();
        let svc = self.svc;
        let issued = svc.with_store(|st: &mut Store| {
            let ca = svc.ca(st)?;
            let validity = st.settings()?.validity.days();
            Engine::new(st, actor.clone()).enroll_key(&ca, device, &phone_key, validity, now)
        });
        let (_, lsc) = issued.map_err(|e| Stop {
            result: "error",
            reason: Some(reason::INVALID_ELEMENT),
            detail: format!("cannot issue the LSC: {e}"),
            fail_operation: true,
        })?;
        let wrapped = wrap_certificate(cert_type::LSC, &lsc.der).map_err(Stop::store)?;
        let store_req = Message::new(Command::STORE_CERT_REQUEST, self.session_id)
            .with_u8(Tag::CERT_TYPE, cert_type::LSC)
            .with(Tag::CERTIFICATE, wrapped);
        let pending = |e: Stop| Stop {
            detail: format!(
                "{}; LSC {} stays issued, not installed",
                e.detail, lsc.serial_hex
            ),
            ..e
        };
        self.send(&store_req, "store-certificate request")
            .map_err(pending)?;
        let resp = self
            .recv(Command::STORE_CERT_RESPONSE, "store-certificate response")
            .map_err(pending)?;
        let r = resp.get_u8(Tag::REASON, "reason").map_err(|e| {
            pending(Stop::wire(
                WireError::Codec(e),
                "store-certificate response",
            ))
        })?;
        if r != Some(reason::UPDATE_CERTIFICATE) {
            return Err(Stop {
                result: "failed",
                reason: Some(reason::INVALID_ELEMENT),
                detail: format!(
                    "the phone did not store LSC {} (reason {}); it stays issued, not installed",
                    lsc.serial_hex,
                    reason_text(r)
                ),
                fail_operation: true,
            });
        }
        let why = format!(
            "LSC {} installed ({}, authenticated by {how})",
            lsc.serial_hex, phone_key.key
        );
        let detail = format!("phone session of {device}: operation install success: {why}");
        let at = chrono::Utc::now();
        let result = SessionResult {
            device,
            status: Some(OperationStatus::Success),
            reason: Some(&why),
            at,
            peer: self.peer,
            ok: true,
            detail: &detail,
        };
        self.svc
            .with_store(|st: &mut Store| st.install_confirmed(&result, &lsc.serial_hex, &actor))
            .map_err(Stop::store)?;
        self.end(reason::UPDATE_CERTIFICATE);
        Ok(self.success(why))
    }

    fn fetch(&mut self, device: &DeviceName, how: &str) -> Result<SessionReport, Stop> {
        let (resp, r) = self.ask(Command::FETCH_CERT_REQUEST, Command::FETCH_CERT_RESPONSE)?;
        let bad = |e: CodecError| Stop::wire(WireError::Codec(e), "fetch-certificate response");
        let cert = match (r, resp.get(Tag::CERTIFICATE)) {
            (Some(reason::UPDATE_CERTIFICATE), Some(v)) => {
                let (t, der) = unwrap_certificate(v).map_err(bad)?;
                let parsed = ParsedCert::from_der(der.to_vec())
                    .map_err(|e| Stop::refused(format!("the phone's certificate: {e}")))?;
                let kind = match t {
                    cert_type::LSC => "lsc",
                    cert_type::MIC => "mic",
                    other => {
                        return Err(Stop::refused(format!("unknown certificate type {other}")));
                    }
                };
                Some((kind, parsed))
            }
            (Some(reason::INVALID_ELEMENT), _) => None,
            (r, _) => {
                return Err(Stop::refused(format!(
                    "unexpected fetch-certificate response (reason {}, {} certificate)",
                    reason_text(r),
                    if resp.get(Tag::CERTIFICATE).is_some() {
                        "with"
                    } else {
                        "no"
                    }
                )));
            }
        };
        let (kind, reported, why) = match &cert {
            Some((kind, c)) => (
                *kind,
                Some(ReportedCert {
                    serial: c.serial_hex.clone(),
                    subject: c.subject.clone(),
                    issuer: c.issuer.clone(),
                    not_before: c.not_before,
                    not_after: c.not_after,
                    der: c.der.clone(),
                }),
                format!(
                    "the phone holds {} {} issued by {} (authenticated by {how})",
                    kind.to_ascii_uppercase(),
                    c.serial_hex,
                    c.issuer
                ),
            ),
            None => (
                "none",
                None,
                format!("the phone holds no LSC (authenticated by {how})"),
            ),
        };
        self.report(device, "troubleshoot", kind, reported.as_ref(), &why)?;
        self.end(reason::UPDATE_CERTIFICATE);
        Ok(self.success(why))
    }

    fn delete(&mut self, device: &DeviceName, how: &str) -> Result<SessionReport, Stop> {
        let (_, r) = self.ask(Command::DELETE_CERT_REQUEST, Command::DELETE_CERT_RESPONSE)?;
        let why = match r {
            Some(reason::UPDATE_CERTIFICATE) => "the phone deleted its LSC",
            Some(reason::INVALID_ELEMENT) => "the phone had no LSC",
            other => {
                return Err(Stop::refused(format!(
                    "unexpected delete-certificate response (reason {})",
                    reason_text(other)
                )));
            }
        };
        let why = format!("{why} (authenticated by {how})");
        self.report(device, "delete", "none", None, &why)?;
        self.end(reason::UPDATE_CERTIFICATE);
        Ok(self.success(why))
    }

    fn report(
        &mut self,
        device: &DeviceName,
        op: &str,
        kind: &str,
        cert: Option<&ReportedCert>,
        why: &str,
    ) -> Result<(), Stop> {
        let actor = self.actor();
        let detail = format!("phone session of {device}: operation {op} success: {why}");
        let result = SessionResult {
            device,
            status: Some(OperationStatus::Success),
            reason: Some(why),
            at: chrono::Utc::now(),
            peer: self.peer,
            ok: true,
            detail: &detail,
        };
        self.svc
            .with_store(|st: &mut Store| st.phone_reported(&result, kind, cert, &actor))
            .map_err(Stop::store)
    }

    fn success(&self, detail: String) -> SessionReport {
        SessionReport {
            device: self.device.as_ref().map(|d| d.to_string()),
            operation: self.op.as_ref().map(|o| o.kind),
            result: "success",
            reason_code: Some(reason::UPDATE_CERTIFICATE),
            detail,
        }
    }
}

/// Whether a certificate offered as proof was issued to `device`: an LSC names the device
/// itself (`CN=SEP001122AABBCC`, as capfd issues them); a MIC names the phone's model and then
/// the device (`CN=CP-8865-SEP001122AABBCC`, as Cisco's manufacturing CAs issue them), or the
/// device alone. Another phone's certificate, even with a valid proof made with its own key, is
/// not this device's.
fn names_device(cert_type: u8, cn: Option<&str>, device: &DeviceName) -> bool {
    let Some(cn) = cn else {
        return false;
    };
    let (cn, name) = (cn.as_bytes(), device.as_str().as_bytes());
    if cn.eq_ignore_ascii_case(name) {
        return true;
    }
    // Bytes, not characters: a subject is the peer's text and need not be ASCII.
    cert_type == cert_type::MIC
        && cn.len() > name.len() + 1
        && cn[cn.len() - name.len()..].eq_ignore_ascii_case(name)
        && cn[cn.len() - name.len() - 1] == b'-'
}

/// A reason the phone sent, for a status line (`none` when it sent none).
fn reason_text(r: Option<u8>) -> String {
    r.map_or_else(|| "none".into(), |r| r.to_string())
}

fn digest(h: ProofHash) -> ProofDigest {
    match h {
        ProofHash::Sha1 => ProofDigest::Sha1,
        ProofHash::Sha256 => ProofDigest::Sha256,
        ProofHash::Sha512 => ProofDigest::Sha512,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_names_its_device_or_not() {
        let d: DeviceName = "SEP001122AABBCC".parse().expect("name");
        let mic = cert_type::MIC;
        let lsc = cert_type::LSC;
        assert!(names_device(lsc, Some("SEP001122AABBCC"), &d));
        assert!(names_device(lsc, Some("sep001122aabbcc"), &d));
        assert!(!names_device(lsc, Some("CP-8865-SEP001122AABBCC"), &d));
        assert!(!names_device(lsc, Some("SEP001122AABBCD"), &d));
        assert!(!names_device(lsc, None, &d));
        assert!(names_device(mic, Some("CP-8865-SEP001122AABBCC"), &d));
        assert!(names_device(mic, Some("SEP001122AABBCC"), &d));
        assert!(!names_device(mic, Some("CP-8865-SEP001122AABBCD"), &d));
        assert!(!names_device(mic, Some("CP-8865-XSEP001122AABBCC"), &d));
        assert!(!names_device(mic, Some("-SEP001122AABBCC"), &d));
        assert!(!names_device(mic, Some("SEP001122AABBCC-CP-8865"), &d));
        assert!(!names_device(mic, Some("é-SEP001122AABBC"), &d));
        assert!(!names_device(mic, Some(""), &d));
    }
}
