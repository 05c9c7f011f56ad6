//! `capfd run` serving phones: the emulated phone (phone_emulator.rs) over real TLS on
//! loopback, LSCs checked by `openssl verify`, the TLS side by `openssl s_client`, every
//! authentication mode, hostile peers, limits, logs, a kill -9 mid-session, and the admin
//! commands that schedule operations.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use capfsh::protocol::{Command as Cmd, Message, ProofHash, Tag, cert_type, reason};

use crate::phone_emulator::{self as emu, Credential, Phone, PhoneKey};
use crate::support::{Bin, TestEnv, stderr, stdout, words};

/// A running `capfd run` on a free loopback port, its log collected.
pub(crate) struct Capfd {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Capfd {
    pub(crate) fn start(env: &TestEnv, extra: &[&str]) -> Capfd {
        Self::start_logging(env, extra, false)
    }

    /// With `journal`, standard error is a pipe named by `JOURNAL_STREAM`, as systemd does.
    fn start_logging(env: &TestEnv, extra: &[&str], journal: bool) -> Capfd {
        use std::os::unix::fs::MetadataExt;
        let (reader, writer) = std::io::pipe().expect("pipe");
        let meta = std::fs::File::from(std::os::fd::OwnedFd::from(
            writer.try_clone().expect("clone"),
        ))
        .metadata()
        .expect("fstat");
        let mut cmd = env.process(Bin::Capfd);
        cmd.args(["run", "--interval-ms", "100", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stderr(Stdio::from(writer));
        if journal {
            cmd.env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()));
        }
        let child = cmd.spawn().expect("spawn capfd");
        // Our copy of the write end must go, or the reader never sees the end.
        drop(cmd);
        let mut lines = BufReader::new(reader).lines();
        let first = lines.next().expect("a log line").expect("read");
        let addr: SocketAddr = first
            .split("listening for phones on ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("the first line names the address: {first}"));
        let log = Arc::new(Mutex::new(vec![first]));
        let sink = log.clone();
        std::thread::spawn(move || {
            for l in lines.map_while(Result::ok) {
                sink.lock().expect("log").push(l);
            }
        });
        let c = Capfd { child, addr, log };
        c.wait_log("started:");
        c
    }

    /// Waits (generously: the machine is shared) for a log line containing `s`.
    pub(crate) fn wait_log(&self, s: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(l) = self.log.lock().expect("log").iter().find(|l| l.contains(s)) {
                return l.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no log line with {s:?}: {:?}",
                self.log.lock().expect("log")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn count_log(&self, s: &str) -> usize {
        self.log
            .lock()
            .expect("log")
            .iter()
            .filter(|l| l.contains(s))
            .count()
    }
}

impl Drop for Capfd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn init(env: &TestEnv) -> Vec<u8> {
    let out = env.capfd().args(["init"]).output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    emu::capf_ca_der(&env.db)
}

pub(crate) fn sh(env: &TestEnv, args: &[&str]) -> String {
    let out = env.capfsh().args(args).output().expect("run");
    assert!(
        out.status.success(),
        "capfsh {args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn sh_fails(env: &TestEnv, args: &[&str]) -> String {
    let out = env.capfsh().args(args).output().expect("run");
    assert!(!out.status.success(), "capfsh {args:?} should fail");
    stdout(&out) + &stderr(&out)
}

pub(crate) fn json(env: &TestEnv, args: &[&str]) -> serde_json::Value {
    let mut a = vec!["--format", "json"];
    a.extend_from_slice(args);
    serde_json::from_str(&sh(env, &a)).expect("json")
}

pub(crate) fn op_status(env: &TestEnv, device: &str) -> (String, String) {
    let v = json(env, &["show", "capf", "operation", device]);
    let row = &v[0];
    (
        row["status"].as_str().unwrap_or_default().to_owned(),
        row["reason"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Counts rows of a table through sqlite3 (a real peer reading the store).
pub(crate) fn count(env: &TestEnv, sql: &str) -> i64 {
    let out = Command::new("sqlite3")
        .arg(&env.db)
        .arg(sql)
        .output()
        .expect("sqlite3 runs");
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().parse().expect("a number")
}

fn write_pem(dir: &Path, name: &str, der: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, capfsh::pki::to_pem("CERTIFICATE", der)).expect("write");
    p.to_string_lossy().into_owned()
}

fn openssl_verify(dir: &Path, ca_der: &[u8], lsc_der: &[u8]) -> String {
    let ca = write_pem(dir, "capf-ca.pem", ca_der);
    let lsc = write_pem(dir, "lsc.pem", lsc_der);
    let out = Command::new("openssl")
        .args(["verify", "-CAfile", &ca, &lsc])
        .output()
        .expect("openssl");
    stdout(&out) + &stderr(&out)
}

pub(crate) fn cfg(ca: &[u8]) -> Arc<rustls::ClientConfig> {
    emu::client_config(ca, false)
}

#[test]
fn install_with_null_string_issues_an_lsc_that_openssl_verifies() {
    let env = TestEnv::new();
    let ca = init(&env);
    let out = sh(
        &env,
        &words("utils capf operation install sep001122aabb01 key ec-p256"),
    );
    assert!(
        out.contains("Scheduled install for SEP001122AABB01 (auth null, key ec-p256"),
        "{out}"
    );
    let d = Capfd::start(&env, &[]);
    let phone = Phone {
        in_progress: 2,
        ..Phone::new("SEP001122AABB01")
    };
    let o = emu::run(d.addr, cfg(&ca), &phone).expect("session");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
    assert_eq!(
        o.requests,
        [
            Cmd::KEY_GEN_REQUEST,
            Cmd::STORE_CERT_REQUEST,
            Cmd::END_SESSION
        ]
    );
    let kr = o.key_request.expect("key request");
    assert_eq!(kr.get_u8(Tag::KEY_TYPE, "t").expect("t"), Some(1));
    assert_eq!(kr.get_u8(Tag::CURVE, "c").expect("c"), Some(0));
    let lsc = o.lsc.expect("an LSC");
    let v = openssl_verify(env.home(), &ca, &lsc);
    assert!(v.contains(": OK"), "{v}");
    let cert = capfsh::pki::ParsedCert::from_der(lsc.clone()).expect("cert");
    assert_eq!(cert.subject, "CN=SEP001122AABB01");
    // An EC key cannot encipher: its LSC carries Digital Signature alone (the pki rules).
    assert!(cert.digital_signature && !cert.is_ca);
    assert_eq!(
        cert.public_key_sha256,
        capfsh::pki::sha256_hex(&o.key.expect("key").spki_der())
    );
    // The store: installed, the operation succeeded, the request left the pending list.
    let (status, why) = op_status(&env, "SEP001122AABB01");
    assert_eq!(status, "success");
    assert!(
        why.contains(&cert.serial_hex) && why.contains("null string"),
        "{why}"
    );
    let phone_view = json(&env, &["show", "capf", "phone", "SEP001122AABB01"]);
    assert_eq!(phone_view["lsc_installed"], cert.serial_hex.as_str());
    assert!(phone_view["pending_request"].is_null());
    assert_eq!(
        count(
            &env,
            "SELECT count(*) FROM csr WHERE kind = 'key' AND state = 'done'"
        ),
        1
    );
    let line = d.wait_log("SEP001122AABB01: session ");
    assert!(
        line.contains("operation install, result success, reason 1"),
        "{line}"
    );
    assert!(line.contains("127.0.0.1:"), "{line}");
    // The audit names the device and the peer as the actor.
    let audit = sh(&env, &words("show capf audit 3"));
    assert!(audit.contains("SEP001122AABB01@127.0.0.1:"), "{audit}");
    assert!(audit.contains("operation install success"), "{audit}");
    // A second session: nothing scheduled any more.
    let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP001122AABB01")).expect("session");
    assert_eq!(o.end_reason, Some(reason::NO_ACTION));
}

/// A manufacturer CA (as Cisco's MIC CAs): its certificate and an issuer for MICs.
pub(crate) fn mfg_ca(cn: &str) -> (Vec<u8>, rcgen::CertifiedIssuer<'static, rcgen::KeyPair>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name.push(rcgen::DnType::CommonName, cn);
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let issuer = rcgen::CertifiedIssuer::self_signed(p, key).expect("ca");
    (issuer.der().to_vec(), issuer)
}

/// A certificate for `key` (a MIC, or an LSC of a foreign CA) from `issuer`.
pub(crate) fn issue(
    issuer: &rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
    cn: &str,
    key: &PhoneKey,
    expired: bool,
) -> Vec<u8> {
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name.push(rcgen::DnType::CommonName, cn);
    p.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    if expired {
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2021, 1, 1);
    } else {
        p.not_before = rcgen::date_time_ymd(2024, 1, 1);
        p.not_after = rcgen::date_time_ymd(2040, 1, 1);
    }
    let spki = rcgen::SubjectPublicKeyInfo::from_der(&key.spki_der()).expect("spki");
    p.signed_by(&spki, issuer).expect("cert").der().to_vec()
}

#[test]
fn authentication_string_rsa_key_wrong_then_right_and_never_shown() {
    let env = TestEnv::new();
    let ca = init(&env);
    let out = sh(
        &env,
        &words("utils capf operation install SEP001122AABB02 auth string 13579 key rsa-2048"),
    );
    assert!(out.contains("auth string"), "{out}");
    let d = Capfd::start(&env, &[]);
    // Wrong string: reason 7, the status and the audit say why, nothing else changes.
    let audit_before = count(&env, "SELECT count(*) FROM audit_log");
    let wrong = Phone {
        password: Some("24680".into()),
        ..Phone::new("SEP001122AABB02")
    };
    let o = emu::run(d.addr, cfg(&ca), &wrong).expect("session");
    assert_eq!(o.end_reason, Some(reason::INVALID_ELEMENT));
    assert_eq!(o.requests, [Cmd::END_SESSION]);
    let (status, why) = op_status(&env, "SEP001122AABB02");
    assert_eq!(status, "failed");
    assert!(why.contains("wrong authentication string"), "{why}");
    assert_eq!(
        count(&env, "SELECT count(*) FROM audit_log"),
        audit_before + 1
    );
    assert_eq!(count(&env, "SELECT count(*) FROM csr"), 0);
    assert_eq!(count(&env, "SELECT count(*) FROM lsc"), 0);
    let audit = sh(&env, &words("show capf audit 1"));
    assert!(
        audit.contains("failed") && audit.contains("wrong authentication string"),
        "{audit}"
    );
    // No string at all.
    let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP001122AABB02")).expect("session");
    assert_eq!(o.end_reason, Some(reason::INVALID_ELEMENT));
    assert!(
        op_status(&env, "SEP001122AABB02")
            .1
            .contains("no authentication string")
    );
    // The right one: an RSA-2048 key from the phone, an LSC openssl accepts.
    let right = Phone {
        password: Some("13579".into()),
        ..Phone::new("SEP001122AABB02")
    };
    let o = emu::run(d.addr, cfg(&ca), &right).expect("session");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
    let kr = o.key_request.expect("key request");
    assert_eq!(kr.get_u8(Tag::KEY_TYPE, "t").expect("t"), Some(0));
    assert_eq!(kr.get(Tag::KEY_SIZE), Some(&2048u16.to_be_bytes()[..]));
    let v = openssl_verify(env.home(), &ca, &o.lsc.expect("lsc"));
    assert!(v.contains(": OK"), "{v}");
    assert_eq!(op_status(&env, "SEP001122AABB02").0, "success");
    // The string is in no listing, JSON, audit line or the store itself.
    for args in [
        vec!["show", "capf", "operation"],
        vec!["--format", "json", "show", "capf", "operation"],
        vec!["--format", "csv", "show", "capf", "operation"],
        vec!["show", "capf", "audit", "50"],
        vec![
            "--format",
            "json",
            "show",
            "capf",
            "phone",
            "SEP001122AABB02",
        ],
    ] {
        let out = sh(&env, &args);
        assert!(!out.contains("13579"), "{args:?}: {out}");
    }
    let dump = Command::new("sqlite3")
        .arg(&env.db)
        .arg(".dump")
        .output()
        .expect("sqlite3");
    assert!(!stdout(&dump).contains("13579"));
    assert!(sh(&env, &words("show capf audit 50")).contains("auth string ****"));
}

#[test]
fn generated_string_is_printed_once_and_works() {
    let env = TestEnv::new();
    let ca = init(&env);
    let out = sh(
        &env,
        &words("utils capf operation install SEP001122AABB03 auth generate"),
    );
    let line = out
        .lines()
        .find(|l| l.starts_with("Authentication string for SEP001122AABB03: "))
        .expect("the string is printed");
    let digits: String = line
        .split(": ")
        .nth(1)
        .expect("value")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!((4..=10).contains(&digits.len()), "{line}");
    assert!(!sh(&env, &words("show capf operation")).contains(&digits));
    let d = Capfd::start(&env, &[]);
    let phone = Phone {
        password: Some(digits),
        ..Phone::new("SEP001122AABB03")
    };
    let o = emu::run(d.addr, cfg(&ca), &phone).expect("session");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
}

#[test]
fn existing_lsc_proofs_with_sha1_and_sha512_for_ec_and_rsa_keys() {
    let env = TestEnv::new();
    let ca = init(&env);
    let d = Capfd::start(&env, &[]);
    for (device, key) in [
        ("SEP0000000000E1", "ec-p256"),
        ("SEP0000000000R1", "rsa-2048"),
    ] {
        sh(
            &env,
            &["utils", "capf", "operation", "install", device, "key", key],
        );
        let o = emu::run(d.addr, cfg(&ca), &Phone::new(device)).expect("install");
        assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE), "{device}");
        let lsc = o.lsc.expect("lsc");
        let key = o.key.expect("key");
        let serial = capfsh::pki::ParsedCert::from_der(lsc.clone())
            .expect("cert")
            .serial_hex;
        // Troubleshoot, proven by the LSC: the phone reports it, the store records it.
        sh(
            &env,
            &[
                "utils",
                "capf",
                "operation",
                "troubleshoot",
                device,
                "auth",
                "existing-lsc",
            ],
        );
        let proven = |sha2| Phone {
            proof: Some(Credential {
                cert_type: cert_type::LSC,
                der: lsc.clone(),
                key: key.clone(),
            }),
            sha2,
            held: Some((cert_type::LSC, lsc.clone())),
            ..Phone::new(device)
        };
        // A proof without the SHA-2 signature is refused: both are required.
        let o = emu::run(
            d.addr,
            cfg(&ca),
            &Phone {
                omit_sha2: true,
                ..proven(ProofHash::Sha512)
            },
        )
        .expect("session");
        assert_eq!(o.end_reason, Some(reason::INVALID_ELEMENT), "{device}");
        assert!(op_status(&env, device).1.contains("proof is missing"));
        // A proof signed for another device name does not verify.
        let o = emu::run(
            d.addr,
            cfg(&ca),
            &Phone {
                sign_as: Some("SEP999999999999".into()),
                ..proven(ProofHash::Sha512)
            },
        )
        .expect("session");
        assert_eq!(o.end_reason, Some(reason::INVALID_ELEMENT), "{device}");
        let o = emu::run(d.addr, cfg(&ca), &proven(ProofHash::Sha512)).expect("session");
        assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE), "{device}");
        assert_eq!(o.requests, [Cmd::FETCH_CERT_REQUEST, Cmd::END_SESSION]);
        let view = json(&env, &["show", "capf", "phone", device]);
        let reported = view["reported_cert"].as_str().expect("reported");
        assert!(
            reported.starts_with(&format!("LSC {serial} issued by CN=CAPF-")),
            "{reported}"
        );
        // Delete, proven by the LSC: the phone holds none afterwards.
        sh(
            &env,
            &[
                "utils",
                "capf",
                "operation",
                "delete",
                device,
                "auth",
                "existing-lsc",
                "noconfirm",
            ],
        );
        let o = emu::run(d.addr, cfg(&ca), &proven(ProofHash::Sha1)).expect("session");
        assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE), "{device}");
        assert_eq!(o.requests, [Cmd::DELETE_CERT_REQUEST, Cmd::END_SESSION]);
        let view = json(&env, &["show", "capf", "phone", device]);
        assert_eq!(view["reported_cert"], "none: the phone holds no LSC");
        assert_eq!(view["status"], "success");
    }
}

#[test]
fn mic_trust_existing_mic_sudi_and_refusals() {
    let env = TestEnv::new();
    let ca = init(&env);
    let (mfg_der, mfg) = mfg_ca("Cisco Manufacturing CA SHA2");
    let (_, other) = mfg_ca("Some Other CA");
    let mfg_file = write_pem(env.home(), "mfg.pem", &mfg_der);
    let out = sh(
        &env,
        &["utils", "capf", "trust", "import", &mfg_file, "mic"],
    );
    assert!(out.contains("manufacturer (MIC)"), "{out}");
    let trust = json(&env, &["show", "capf", "trust"]);
    assert_eq!(trust[0]["purpose"], "mic");
    let device = "SEP001122AABB05";
    let key = Arc::new(PhoneKey::ec(256));
    let mic = issue(&mfg, "CP-8865-SEP001122AABB05", &key, false);
    let expired_mic = issue(&mfg, "CP-8865-SEP001122AABB05", &key, true);
    let foreign_lsc = issue(&other, device, &key, false);
    sh(
        &env,
        &[
            "utils",
            "capf",
            "operation",
            "install",
            device,
            "auth",
            "existing-mic",
            "key",
            "ec-p384",
        ],
    );
    let d = Capfd::start(&env, &[]);
    let with = |t, der: &Vec<u8>| Phone {
        proof: Some(Credential {
            cert_type: t,
            der: der.clone(),
            key: key.clone(),
        }),
        ..Phone::new(device)
    };
    let refused = |p: &Phone, why: &str| {
        let o = emu::run(d.addr, cfg(&ca), p).expect("session");
        assert_eq!(o.end_reason, Some(reason::INVALID_ELEMENT), "{why}");
        let (status, reason) = op_status(&env, device);
        assert_eq!(status, "failed");
        assert!(reason.contains(why), "{reason} should say {why}");
    };
    refused(&with(cert_type::MIC, &expired_mic), "expired");
    refused(&with(cert_type::LSC, &foreign_lsc), "is not trusted");
    refused(&Phone::new(device), "no certificate sent");
    // A SUDI signed over the big-endian session id is refused.
    refused(
        &Phone {
            sudi: Some(Credential {
                cert_type: 0,
                der: mic.clone(),
                key: key.clone(),
            }),
            sudi_big_endian: true,
            ..with(cert_type::MIC, &mic)
        },
        "SUDI check failed",
    );
    assert_eq!(count(&env, "SELECT count(*) FROM lsc"), 0);
    // The MIC with SHA-1 and SHA-512 proofs, and a valid SUDI: an EC P-384 LSC.
    let o = emu::run(
        d.addr,
        cfg(&ca),
        &Phone {
            sudi: Some(Credential {
                cert_type: 0,
                der: mic.clone(),
                key: key.clone(),
            }),
            ..with(cert_type::MIC, &mic)
        },
    )
    .expect("session");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
    let v = openssl_verify(env.home(), &ca, &o.lsc.expect("lsc"));
    assert!(v.contains(": OK"), "{v}");
    assert!(op_status(&env, device).1.contains("existing MIC"));
    // A MIC anchor never issues LSCs: a certificate it signed is not importable as an LSC.
    let imported = write_pem(env.home(), "mic-as-lsc.pem", &mic);
    let out = sh_fails(&env, &["utils", "capf", "cert", "import", &imported]);
    assert!(out.contains("trust"), "{out}");
}

#[test]
fn unknown_device_nothing_scheduled_and_deadline_passed() {
    let env = TestEnv::new();
    let ca = init(&env);
    let d = Capfd::start(&env, &[]);
    let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP00000000DEAD")).expect("session");
    assert_eq!(o.end_reason, Some(reason::UNKNOWN_DEVICE));
    let audit = sh(&env, &words("show capf audit 1"));
    assert!(audit.contains("unknown device"), "{audit}");
    // Known (an operation was scheduled, then cancelled): nothing to do.
    let out = sh_fails(
        &env,
        &["utils", "capf", "operation", "delete", "SEP00000000BEEF"],
    );
    assert!(out.contains("needs confirmation"), "{out}");
    sh(
        &env,
        &words("utils capf operation delete SEP00000000BEEF noconfirm"),
    );
    let out = sh(&env, &words("utils capf operation cancel SEP00000000BEEF"));
    assert!(out.contains("No Pending Operation"), "{out}");
    let out = sh_fails(
        &env,
        &["utils", "capf", "operation", "cancel", "SEP00000000BEEF"],
    );
    assert!(out.contains("no operation is scheduled"), "{out}");
    sh(
        &env,
        &words("utils capf operation troubleshoot SEP00000000CAFE"),
    );
    let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP00000000CAFE")).expect("session");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
    let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP00000000CAFE")).expect("session");
    assert_eq!(o.end_reason, Some(reason::NO_ACTION));
    // A deadline passes (the clock moved on: the stored deadline is set into the past).
    sh(
        &env,
        &words("utils capf operation install SEP00000000D00D by 2099-12-31"),
    );
    let out = sh_fails(
        &env,
        &[
            "utils",
            "capf",
            "operation",
            "install",
            "SEP00000000D00D",
            "by",
            "2001-01-01",
        ],
    );
    assert!(out.contains("has passed"), "{out}");
    count(
        &env,
        "UPDATE operation SET completes_by = 1000000 WHERE device = 'SEP00000000D00D'; SELECT 0",
    );
    let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP00000000D00D")).expect("session");
    assert_eq!(o.end_reason, Some(reason::INVALID_ELEMENT));
    let (status, why) = op_status(&env, "SEP00000000D00D");
    assert_eq!(status, "expired");
    assert!(why.contains("expired"), "{why}");
    assert_eq!(count(&env, "SELECT count(*) FROM lsc"), 0);
    let failed = sh(&env, &words("show capf operation failed"));
    assert!(
        failed.contains("SEP00000000D00D") && failed.contains("1 failed operation found"),
        "{failed}"
    );
}

/// Sends `bytes` after the auth request and checks the server ends the session without
/// touching the store.
fn hostile(d: &Capfd, env: &TestEnv, ca: &[u8], make: impl Fn(u32) -> Vec<u8>, what: &str) {
    let before = (
        count(env, "SELECT count(*) FROM audit_log"),
        count(
            env,
            "SELECT count(*) FROM operation WHERE status = 'pending'",
        ),
    );
    let mut c = emu::Conn::open(d.addr, cfg(ca)).expect("connect");
    let hello = c.recv().expect("auth request");
    c.send_raw(&make(hello.session_id)).expect("send");
    if what.starts_with("truncated") {
        // A slow phone and a truncated message look alike until the phone stops sending.
        c.close_write();
    }
    // The server answers with end session (reason 7) or just closes; it never goes on.
    if let Ok(m) = c.recv() {
        assert_eq!(m.command, Cmd::END_SESSION, "{what}");
        assert_eq!(
            m.get_u8(Tag::REASON, "r").expect("r"),
            Some(reason::INVALID_ELEMENT),
            "{what}"
        );
    }
    assert!(c.closed_by_server(), "{what}: the server closes");
    d.wait_log(&format!("session {:08x}", hello.session_id));
    let after = (
        count(env, "SELECT count(*) FROM audit_log"),
        count(
            env,
            "SELECT count(*) FROM operation WHERE status = 'pending'",
        ),
    );
    assert_eq!(before, after, "{what}: the store is unchanged");
}

#[test]
fn malformed_messages_end_the_session_and_change_nothing() {
    let env = TestEnv::new();
    let ca = init(&env);
    sh(&env, &words("utils capf operation install SEP001122AABB06"));
    let d = Capfd::start(&env, &[]);
    let good = |sid: u32| {
        emu::auth_response(&Phone::new("SEP001122AABB06"), sid)
            .encode()
            .expect("encode")
    };
    hostile(
        &d,
        &env,
        &ca,
        |sid| {
            let mut b = good(sid);
            b[0] = 84;
            b
        },
        "wrong protocol id",
    );
    hostile(
        &d,
        &env,
        &ca,
        |sid| good(sid ^ 0xffff),
        "mismatched session id",
    );
    hostile(
        &d,
        &env,
        &ca,
        |sid| {
            Message::new(Cmd::AUTH_RESPONSE, sid)
                .with_text(Tag::DEVICE_NAME, "SEP001122AABB06")
                .encode()
                .map(|mut b| {
                    b[8] = 14;
                    b
                })
                .expect("encode")
        },
        "unknown tag",
    );
    hostile(
        &d,
        &env,
        &ca,
        |sid| {
            let mut b = good(sid);
            b[10] = 0xff;
            b
        },
        "element length past the message",
    );
    hostile(
        &d,
        &env,
        &ca,
        |sid| {
            let b = good(sid);
            b[..b.len() - 3].to_vec()
        },
        "truncated message",
    );
    hostile(
        &d,
        &env,
        &ca,
        |sid| {
            // Announces the largest body and sends a huge element: refused at the unknown tag
            // without more than 64 KiB ever being read.
            let mut b = vec![85, 2];
            b.extend_from_slice(&sid.to_be_bytes());
            b.extend_from_slice(&[0xff, 0xff]);
            b.extend_from_slice(&[99, 0xff, 0xfc]);
            b.resize(8 + 0xffff, 0x41);
            b
        },
        "oversized element",
    );
    hostile(
        &d,
        &env,
        &ca,
        |sid| {
            Message::new(Cmd::KEY_GEN_RESPONSE, sid)
                .encode()
                .expect("encode")
        },
        "wrong command",
    );
    hostile(
        &d,
        &env,
        &ca,
        |sid| {
            Message::new(Cmd::AUTH_RESPONSE, sid)
                .with(Tag::DEVICE_NAME, b"SEP\x1b[2J\0".to_vec())
                .encode()
                .expect("encode")
        },
        "control characters in the device name",
    );
    // capfd still serves the phone afterwards.
    let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP001122AABB06")).expect("session");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
    // A phone that breaks off after the key request: the operation fails saying why.
    sh(&env, &words("utils capf operation install SEP001122AABB07"));
    let o = emu::run(
        d.addr,
        cfg(&ca),
        &Phone {
            hang_up_on: Some(Cmd::STORE_CERT_REQUEST),
            ..Phone::new("SEP001122AABB07")
        },
    )
    .expect("session");
    assert!(o.end_reason.is_none());
    let line = d.wait_log("SEP001122AABB07: session ");
    assert!(line.contains("operation install, result failed"), "{line}");
    let (status, why) = op_status(&env, "SEP001122AABB07");
    assert_eq!(status, "failed");
    assert!(why.contains("stays issued, not installed"), "{why}");
    // The LSC issued but never confirmed stays issued; the next key makes it stale.
    let lscs = json(&env, &["show", "capf", "lsc", "device", "SEP001122AABB07"]);
    assert_eq!(lscs[0]["state"], "issued");
    let csrs = sh(&env, &words("utils capf csr list"));
    assert!(
        csrs.contains("SEP001122AABB07") && csrs.contains("RSA-2048 keygen"),
        "{csrs}"
    );
    let dump = sh(&env, &words("utils capf csr dump SEP001122AABB07"));
    assert!(
        dump.contains("key-generate response") && dump.contains("BEGIN PUBLIC KEY"),
        "{dump}"
    );
    let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP001122AABB07")).expect("session");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
    let stale = sh(&env, &words("utils capf stale-lsc list"));
    assert!(
        stale.contains("SEP001122AABB07") && stale.contains("1 stale LSC found"),
        "{stale}"
    );
    // A phone that refuses to store: failed, the LSC stays issued.
    sh(
        &env,
        &words("utils capf operation install SEP001122AABB08 key ec-p521"),
    );
    let o = emu::run(
        d.addr,
        cfg(&ca),
        &Phone {
            store_reason: reason::INVALID_ELEMENT,
            ..Phone::new("SEP001122AABB08")
        },
    )
    .expect("session");
    assert_eq!(o.end_reason, Some(reason::INVALID_ELEMENT));
    assert!(
        op_status(&env, "SEP001122AABB08")
            .1
            .contains("did not store")
    );
    // A phone whose key generation fails, and one that sends the wrong key type.
    sh(
        &env,
        &words("utils capf operation install SEP001122AABB09 key ec-p256"),
    );
    let o = emu::run(
        d.addr,
        cfg(&ca),
        &Phone {
            keygen_fails: true,
            ..Phone::new("SEP001122AABB09")
        },
    )
    .expect("session");
    assert_eq!(o.end_reason, Some(reason::INVALID_ELEMENT));
    assert!(
        op_status(&env, "SEP001122AABB09")
            .1
            .contains("could not generate")
    );
    let o = emu::run(
        d.addr,
        cfg(&ca),
        &Phone {
            key: Some(Arc::new(PhoneKey::ec(384))),
            ..Phone::new("SEP001122AABB09")
        },
    )
    .expect("session");
    assert_eq!(o.end_reason, Some(reason::INVALID_ELEMENT));
    assert!(
        op_status(&env, "SEP001122AABB09")
            .1
            .contains("EC-P384 key, ec-p256 was scheduled")
    );
}

#[test]
fn silent_peers_time_out_and_the_connection_limit_counts_refusals() {
    let env = TestEnv::new();
    let ca = init(&env);
    sh(&env, &words("utils capf set keep_alive 5"));
    // One keep-alive minute lasts 100 ms here: the idle timer is 500 ms.
    let d = Capfd::start(
        &env,
        &[
            "--keep-alive-unit-ms",
            "100",
            "--handshake-timeout-ms",
            "400",
            "--max-sessions",
            "2",
        ],
    );
    // A TCP peer that never starts TLS: closed by the handshake timeout.
    let mut raw = std::net::TcpStream::connect(d.addr).expect("connect");
    raw.set_read_timeout(Some(Duration::from_secs(20))).ok();
    let mut b = [0u8; 1];
    let n = std::io::Read::read(&mut raw, &mut b).unwrap_or(0);
    assert_eq!(n, 0, "closed");
    d.wait_log("TLS handshake: timed out");
    drop(raw);
    // A TLS peer that says nothing after the auth request: ended by the idle timer.
    let mut c = emu::Conn::open(d.addr, cfg(&ca)).expect("connect");
    let hello = c.recv().expect("auth request");
    assert!(c.closed_by_server());
    let line = d.wait_log(&format!("session {:08x}", hello.session_id));
    assert!(line.contains("silent"), "{line}");
    // Two sessions fill the limit; the third connection is closed at once and counted.
    let mut held: Vec<emu::Conn> = (0..2)
        .map(|_| {
            let mut c = emu::Conn::open(d.addr, cfg(&ca)).expect("connect");
            c.recv().expect("auth request");
            c
        })
        .collect();
    let third = emu::Conn::open(d.addr, cfg(&ca));
    assert!(
        third.is_err(),
        "over the limit, the handshake never happens"
    );
    d.wait_log("connection limit 2 reached");
    for c in &mut held {
        assert!(c.closed_by_server());
    }
    // After the idle sessions ended, phones are served again.
    sh(
        &env,
        &words("utils capf operation troubleshoot SEP001122AABB10"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match emu::run(d.addr, cfg(&ca), &Phone::new("SEP001122AABB10")) {
            Ok(o) if o.end_reason == Some(reason::UPDATE_CERTIFICATE) => break,
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            other => panic!("not served again: {:?}", other.map(|o| o.end_reason)),
        }
    }
}

#[test]
fn online_and_offline_modes_leave_installs_pending_and_log_once() {
    let env = TestEnv::new();
    let ca = init(&env);
    sh(&env, &words("utils capf set mode offline"));
    sh(&env, &words("utils capf operation install SEP001122AABB11"));
    sh(
        &env,
        &words("utils capf operation troubleshoot SEP001122AABB12"),
    );
    let d = Capfd::start(&env, &[]);
    for _ in 0..3 {
        let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP001122AABB11")).expect("session");
        assert_eq!(o.end_reason, Some(reason::NO_ACTION));
        assert_eq!(o.requests, [Cmd::END_SESSION]);
    }
    let (status, why) = op_status(&env, "SEP001122AABB11");
    assert_eq!(status, "pending");
    assert!(why.contains("issuer mode is offline"), "{why}");
    d.wait_log("SEP001122AABB11: install left pending");
    assert_eq!(d.count_log("SEP001122AABB11: install left pending"), 1);
    assert_eq!(count(&env, "SELECT count(*) FROM csr"), 0);
    // Troubleshoot needs no signing: served in any mode.
    let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP001122AABB12")).expect("session");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
    // Back to capf: the phone is served on its next attempt.
    sh(&env, &words("utils capf set mode capf"));
    d.wait_log("settings changed: issuer mode capf");
    let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP001122AABB11")).expect("session");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
}

#[test]
fn openssl_s_client_sees_tls_1_2_and_1_3_and_the_capf_certificate() {
    let env = TestEnv::new();
    let ca = init(&env);
    let d = Capfd::start(&env, &[]);
    let ca_pem = write_pem(env.home(), "ca.pem", &ca);
    let connect = d.addr.to_string();
    for (flag, ok) in [("-tls1_2", true), ("-tls1_3", true), ("-tls1_1", false)] {
        let out = Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &connect,
                flag,
                "-CAfile",
                &ca_pem,
                "-showcerts",
            ])
            .stdin(Stdio::null())
            .output()
            .expect("openssl");
        let text = stdout(&out) + &stderr(&out);
        if ok {
            let version = if flag == "-tls1_2" {
                "TLSv1.2"
            } else {
                "TLSv1.3"
            };
            assert!(text.contains(version), "{flag}: {text}");
            assert!(
                text.contains("Verify return code: 0 (ok)"),
                "{flag}: {text}"
            );
            let presented = text
                .split("-----BEGIN CERTIFICATE-----")
                .nth(1)
                .and_then(|r| r.split("-----END CERTIFICATE-----").next())
                .expect("a certificate");
            assert_eq!(
                capfsh::pki::to_pem("CERTIFICATE", &ca)
                    .split("-----BEGIN CERTIFICATE-----")
                    .nth(1)
                    .and_then(|r| r.split("-----END CERTIFICATE-----").next()),
                Some(presented),
                "{flag}: the presented certificate is the CAPF CA"
            );
        } else {
            assert!(!text.contains("Cipher is ECDHE"), "{flag}: {text}");
        }
    }
    // The emulator's own TLS 1.2-only and default handshakes.
    let mut c = emu::Conn::open(d.addr, emu::client_config(&ca, true)).expect("tls 1.2");
    assert_eq!(c.tls_version(), Some(rustls::ProtocolVersion::TLSv1_2));
    assert_eq!(c.recv().expect("hello").command, Cmd::AUTH_REQUEST);
}

#[test]
fn kill_9_mid_session_leaves_the_store_consistent() {
    let env = TestEnv::new();
    let ca = init(&env);
    sh(&env, &words("utils capf operation install SEP001122AABB13"));
    let mut d = Capfd::start(&env, &[]);
    let mut c = emu::Conn::open(d.addr, cfg(&ca)).expect("connect");
    let hello = c.recv().expect("auth request");
    c.send(&emu::auth_response(
        &Phone::new("SEP001122AABB13"),
        hello.session_id,
    ))
    .expect("send");
    let req = c.recv().expect("key request");
    assert_eq!(req.command, Cmd::KEY_GEN_REQUEST);
    assert_eq!(op_status(&env, "SEP001122AABB13").0, "in-progress");
    Command::new("kill")
        .args(["-9", &d.child.id().to_string()])
        .status()
        .expect("kill");
    let _ = d.child.wait();
    let check = Command::new("sqlite3")
        .arg(&env.db)
        .arg("PRAGMA integrity_check")
        .output()
        .expect("sqlite3");
    assert_eq!(stdout(&check).trim(), "ok");
    assert_eq!(count(&env, "SELECT count(*) FROM lsc"), 0);
    // The next capfd says what happened, and the phone is served.
    let d = Capfd::start(&env, &[]);
    d.wait_log("1 operation(s) left in progress by an earlier capfd are marked failed");
    let (status, why) = op_status(&env, "SEP001122AABB13");
    assert_eq!(status, "failed");
    assert!(why.contains("interrupted"), "{why}");
    let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP001122AABB13")).expect("session");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
}

#[test]
fn journal_lines_carry_syslog_priorities_without_timestamps() {
    let env = TestEnv::new();
    let ca = init(&env);
    let d = Capfd::start_logging(&env, &[], true);
    let first = d.wait_log("listening for phones");
    assert!(
        first.starts_with("<5>listening for phones on 127.0.0.1:"),
        "{first}"
    );
    let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP0000000000AA")).expect("session");
    assert_eq!(o.end_reason, Some(reason::UNKNOWN_DEVICE));
    let line = d.wait_log("SEP0000000000AA: session");
    assert!(line.starts_with("<4>SEP0000000000AA: session "), "{line}");
    assert!(
        line.contains("result refused, reason 9: unknown device"),
        "{line}"
    );
}

#[test]
fn bulk_install_file_is_all_or_nothing_and_writes_strings_0600() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let dir = env.home();
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "device,auth,string,key,by\nSEP0000000000B1,null,,ec-p256,\nSEP0000000000B2,string,12,,\n",
    )
    .expect("write");
    let out = sh_fails(
        &env,
        &[
            "utils",
            "capf",
            "operation",
            "install",
            "file",
            bad.to_str().expect("path"),
        ],
    );
    assert!(
        out.contains("line 3") && out.contains("4 to 10 digits"),
        "{out}"
    );
    assert!(sh(&env, &words("show capf operation")).contains("No operations found"));
    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        "device,auth,string,key,by\r\nSEP0000000000B1,null,,ec-p256,\r\nsep0000000000b2,string,123456,rsa-3072,2099-01-31\r\nSEP0000000000B3,generate,,,\r\nSEP0000000000B4,generate,,,\r\n",
    )
    .expect("write");
    let strings = dir.join("strings.csv");
    let out = sh_fails(
        &env,
        &[
            "utils",
            "capf",
            "operation",
            "install",
            "file",
            good.to_str().expect("p"),
        ],
    );
    assert!(out.contains("output"), "{out}");
    let out = sh(
        &env,
        &[
            "utils",
            "capf",
            "operation",
            "install",
            "file",
            good.to_str().expect("p"),
            "output",
            strings.to_str().expect("p"),
        ],
    );
    assert!(out.contains("Scheduled install for 4 devices"), "{out}");
    assert!(
        out.contains("2 generated authentication strings written"),
        "{out}"
    );
    let meta = std::fs::metadata(&strings).expect("strings file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let body = std::fs::read_to_string(&strings).expect("read");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "device,auth_string");
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("SEP0000000000B3,") && lines[2].starts_with("SEP0000000000B4,"));
    assert_ne!(lines[1].split(',').nth(1), lines[2].split(',').nth(1));
    let ops = json(&env, &["show", "capf", "operation"]);
    assert_eq!(ops.as_array().map(Vec::len), Some(4));
    assert_eq!(ops[1]["device"], "SEP0000000000B2");
    assert_eq!(ops[1]["key"], "rsa-3072");
    assert_eq!(ops[2]["auth"], "string");
    // Never written over an existing file.
    let out = sh_fails(
        &env,
        &[
            "utils",
            "capf",
            "operation",
            "install",
            "file",
            good.to_str().expect("p"),
            "output",
            strings.to_str().expect("p"),
        ],
    );
    assert!(out.contains("exists"), "{out}");
    assert_eq!(std::fs::read_to_string(&strings).expect("read"), body);
    // A generated string from the file works for its phone.
    let ca = init(&env);
    let d = Capfd::start(&env, &[]);
    let digits = lines[1].split(',').nth(1).expect("string").to_owned();
    let o = emu::run(
        d.addr,
        cfg(&ca),
        &Phone {
            password: Some(digits),
            ..Phone::new("SEP0000000000B3")
        },
    )
    .expect("session");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
}

/// Waits for the server to close a silent session that has just sent its auth request,
/// returning how long that took (measured from the auth request's arrival).
fn silent_session_lifetime(d: &Capfd, ca: &[u8]) -> Duration {
    let mut c = emu::Conn::open(d.addr, cfg(ca)).expect("connect");
    c.recv().expect("auth request");
    let t0 = Instant::now();
    assert!(c.closed_by_server(), "the idle timer ends the session");
    t0.elapsed()
}

#[test]
fn keep_alive_is_read_at_each_session_start_without_a_restart() {
    let env = TestEnv::new();
    let ca = init(&env);
    sh(&env, &words("utils capf set keep_alive 5"));
    // One keep-alive minute lasts 200 ms here: 5 minutes is 1 s, 60 minutes is 12 s.
    let mut d = Capfd::start(&env, &["--keep-alive-unit-ms", "200"]);
    let first = silent_session_lifetime(&d, &ca);
    // Raised while capfd runs: the next session waits 12 s, not the 1 s capfd started with.
    sh(&env, &words("utils capf set keep_alive 60"));
    let mut c = emu::Conn::open(d.addr, cfg(&ca)).expect("connect");
    c.recv().expect("auth request");
    let t0 = Instant::now();
    // Lowered while that session is open: it keeps the value it started with.
    sh(&env, &words("utils capf set keep_alive 5"));
    assert!(c.closed_by_server(), "the idle timer ends the session");
    let second = t0.elapsed();
    assert!(
        second >= Duration::from_secs(8),
        "a session started after keep_alive 60 waits 12 s, not {second:?} (the first took {first:?})"
    );
    // And the next session uses the lowered value.
    let third = silent_session_lifetime(&d, &ca);
    assert!(
        third < Duration::from_secs(8),
        "a session started after keep_alive 5 waits 1 s, not {third:?}"
    );
    assert!(
        d.child.try_wait().expect("wait").is_none(),
        "the same capfd served every session"
    );
    assert_eq!(d.count_log("listening for phones on "), 1, "no restart");
}

/// The certificate `openssl s_client` sees at `addr`, verified against `ca` (PEM body only).
fn presented_certificate(env: &TestEnv, addr: SocketAddr, ca: &[u8]) -> String {
    let ca_pem = write_pem(env.home(), "ca-now.pem", ca);
    let out = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &addr.to_string(),
            "-CAfile",
            &ca_pem,
        ])
        .args(["-showcerts"])
        .stdin(Stdio::null())
        .output()
        .expect("openssl");
    let text = stdout(&out) + &stderr(&out);
    assert!(text.contains("Verify return code: 0 (ok)"), "{text}");
    text.split("-----BEGIN CERTIFICATE-----")
        .nth(1)
        .and_then(|r| r.split("-----END CERTIFICATE-----").next())
        .expect("a certificate")
        .to_owned()
}

fn pem_body(der: &[u8]) -> String {
    capfsh::pki::to_pem("CERTIFICATE", der)
        .split("-----BEGIN CERTIFICATE-----")
        .nth(1)
        .and_then(|r| r.split("-----END CERTIFICATE-----").next())
        .expect("pem")
        .to_owned()
}

#[test]
fn tls_identity_follows_init_force_while_capfd_runs() {
    let env = TestEnv::new();
    let old = init(&env);
    let mut d = Capfd::start(&env, &[]);
    assert_eq!(presented_certificate(&env, d.addr, &old), pem_body(&old));
    // A connection held open across the renewal keeps its session.
    let mut held = emu::Conn::open(d.addr, cfg(&old)).expect("connect");
    assert_eq!(held.recv().expect("hello").command, Cmd::AUTH_REQUEST);
    let out = env.capfd().args(["init", "--force"]).output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let new = emu::capf_ca_der(&env.db);
    assert_ne!(new, old, "init --force made a new CA");
    // New connections present the new CA certificate, checked by openssl and the emulator.
    assert_eq!(presented_certificate(&env, d.addr, &new), pem_body(&new));
    let mut c = emu::Conn::open(d.addr, cfg(&new)).expect("the new CA verifies");
    assert_eq!(c.recv().expect("hello").command, Cmd::AUTH_REQUEST);
    let refused = emu::Conn::open(d.addr, cfg(&old));
    assert!(
        refused.is_err(),
        "a phone trusting only the retired CA no longer completes the handshake"
    );
    assert!(
        d.child.try_wait().expect("wait").is_none(),
        "the same capfd serves the new identity"
    );
    assert_eq!(d.count_log("listening for phones on "), 1, "no restart");
    drop(held);
}
