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
use crate::support::{TestEnv, stderr, stdout};

/// A running `capfd run` on a free loopback port, its log collected.
struct Capfd {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Capfd {
    fn start(env: &TestEnv, extra: &[&str]) -> Capfd {
        Self::start_with_env(env, extra, &[])
    }

    fn start_with_env(env: &TestEnv, extra: &[&str], vars: &[(&str, &str)]) -> Capfd {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_capfd"));
        cmd.args([
            "run",
            "--interval-ms",
            "100",
            "--listen",
            "127.0.0.1:0",
            "--db",
        ])
        .arg(&env.db)
        .args(extra)
        .env("HOME", env.home())
        .env_remove("JOURNAL_STREAM")
        .stderr(Stdio::piped());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn capfd");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
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
    fn wait_log(&self, s: &str) -> String {
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

    fn count_log(&self, s: &str) -> usize {
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

fn init(env: &TestEnv) -> Vec<u8> {
    let out = env.capfd().args(["init"]).output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    emu::capf_ca_der(&env.db)
}

fn sh(env: &TestEnv, args: &[&str]) -> String {
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

fn json(env: &TestEnv, args: &[&str]) -> serde_json::Value {
    let mut a = vec!["--format", "json"];
    a.extend_from_slice(args);
    serde_json::from_str(&sh(env, &a)).expect("json")
}

fn op_status(env: &TestEnv, device: &str) -> (String, String) {
    let v = json(env, &["show", "capf", "operation", device]);
    let row = &v[0];
    (
        row["status"].as_str().unwrap_or_default().to_owned(),
        row["reason"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Counts rows of a table through sqlite3 (a real peer reading the store).
fn count(env: &TestEnv, sql: &str) -> i64 {
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

fn cfg(ca: &[u8]) -> Arc<rustls::ClientConfig> {
    emu::client_config(ca, false)
}

#[test]
fn install_with_null_string_issues_an_lsc_that_openssl_verifies() {
    let env = TestEnv::new();
    let ca = init(&env);
    let out = sh(
        &env,
        &[
            "utils",
            "capf",
            "operation",
            "install",
            "sep001122aabb01",
            "key",
            "ec-p256",
        ],
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
    assert!(cert.digital_signature && cert.key_encipherment && !cert.is_ca);
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
    let line = d.wait_log("device SEP001122AABB01, operation install, result success, reason 1");
    assert!(line.contains("127.0.0.1:"), "{line}");
    // The audit names the device and the peer as the actor.
    let audit = sh(&env, &["show", "capf", "audit", "3"]);
    assert!(audit.contains("SEP001122AABB01@127.0.0.1:"), "{audit}");
    assert!(audit.contains("operation install success"), "{audit}");
    // A second session: nothing scheduled any more.
    let o = emu::run(d.addr, cfg(&ca), &Phone::new("SEP001122AABB01")).expect("session");
    assert_eq!(o.end_reason, Some(reason::NO_ACTION));
}
