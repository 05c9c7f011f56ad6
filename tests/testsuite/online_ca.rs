//! The online CA (EST) end to end: capfsh configures it, `capfd run` sends pending CSRs to the
//! EST test server, and what is recorded, what stays pending, the status and the log are
//! checked for every answer the server can give.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::est_server::{EstServer, Mode};
use crate::support::{Run, Service, TestEnv, openssl, stderr, stdout, words};

const USER: &str = "capf-ra";
const PASSWORD: &str = "Est-s3cret!pw";

/// A store configured for the online CA, the EST server, and (once started) `capfd run`.
struct Harness {
    env: TestEnv,
    files: tempfile::TempDir,
    server: EstServer,
    capfd: Option<Service>,
}

impl Harness {
    /// Store in mode online, online CA set with the right password, server CA trusted for TLS,
    /// the EST CA trusted as LSC issuer.
    fn new() -> Harness {
        let env = TestEnv::new();
        let files = tempfile::tempdir().expect("tempdir");
        let server_dir = files.path().join("server");
        std::fs::create_dir(&server_dir).expect("dir");
        let server = EstServer::start(&server_dir, USER, PASSWORD);
        let h = Harness {
            env,
            files,
            server,
            capfd: None,
        };
        h.ok(&["utils", "capf", "set", "mode", "online"]);
        h.set_online_ca(PASSWORD);
        let out = h.ok(&["utils", "capf", "online-ca", "cacerts", "noconfirm"]);
        assert!(out.contains(&h.server_ca_fingerprint()), "{out}");
        let ca = h.server.ca_pem();
        h.ok(&[
            "utils",
            "capf",
            "trust",
            "import",
            ca.to_str().expect("path"),
        ]);
        h
    }

    fn set_online_ca(&self, password: &str) {
        let pw = self.files.path().join("pw");
        std::fs::write(&pw, format!("{password}\n")).expect("pw");
        let port = self.server.port.to_string();
        self.ok(&[
            "utils",
            "capf",
            "set",
            "online-ca",
            "host",
            "127.0.0.1",
            "port",
            &port,
            "user",
            USER,
            "password-file",
            pw.to_str().expect("path"),
        ]);
    }

    fn server_ca_fingerprint(&self) -> String {
        let out = openssl(
            self.files.path(),
            &[
                "x509",
                "-in",
                self.server.ca_pem().to_str().expect("path"),
                "-noout",
                "-fingerprint",
                "-sha256",
            ],
        );
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .rsplit('=')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// Runs capfsh and expects success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.env.capfsh().args(args).run();
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    /// A phone's CSR (made by openssl) recorded as pending through capfd enroll.
    fn enroll(&self, device: &str) -> PathBuf {
        let dir = self.files.path();
        let key = format!("{device}.key");
        let csr = format!("{device}.csr");
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &key,
                "-subj",
                &format!("/CN={device}"),
                "-out",
                &csr,
            ],
        );
        let out = self
            .env
            .enroll_cmd(device, dir.join(&csr))
            .output()
            .expect("enroll");
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains("pending"), "{}", stderr(&out));
        dir.join(csr)
    }

    /// Starts `capfd run` with this EST timeout (seconds) and short retries; its log lines go to a channel.
    fn start(&mut self, est_timeout: &str) {
        self.capfd = Some(self.env.capfd_run(&[
            "--interval-ms",
            "100",
            "--est-timeout",
            est_timeout,
            "--est-retry",
            "1",
            "--est-retry-max",
            "600",
            // A free loopback port for the phone service: tests run side by side.
            "--listen",
            "127.0.0.1:0",
        ]));
    }

    fn capfd(&mut self) -> &mut Service {
        self.capfd.as_mut().expect("capfd started")
    }

    /// Waits (generously: the machine is shared) for a log line containing `needle`, in the
    /// whole log so far or to come.
    fn wait_log(&mut self, needle: &str) -> String {
        self.capfd().wait_for(needle)
    }

    /// Every log line received so far.
    fn log_so_far(&mut self) -> Vec<String> {
        self.capfd().log_so_far()
    }

    fn lsc_count(&self) -> i64 {
        let conn = rusqlite::Connection::open(&self.env.db).expect("open");
        conn.query_row("SELECT count(*) FROM lsc", [], |r| r.get(0))
            .expect("count")
    }

    /// The one request row of `show capf online-ca requests` (JSON).
    fn request_rows(&self) -> Vec<serde_json::Value> {
        let out = self.ok(&["--format", "json", "show", "capf", "online-ca", "requests"]);
        serde_json::from_str::<Vec<serde_json::Value>>(&out).expect("json")
    }

    fn show(&self) -> serde_json::Value {
        let out = self.ok(&["--format", "json", "show", "capf", "online-ca"]);
        serde_json::from_str(&out).expect("json")
    }
}

fn write_lsc_pem(h: &Harness, device: &str) -> PathBuf {
    let conn = rusqlite::Connection::open(&h.env.db).expect("open");
    let der: Vec<u8> = conn
        .query_row(
            "SELECT d.der FROM lsc l JOIN lsc_der d ON d.lsc_id = l.id WHERE l.device = ?1",
            [device],
            |r| r.get(0),
        )
        .expect("lsc");
    let path = h.files.path().join(format!("{device}.lsc.pem"));
    std::fs::write(&path, capfsh::pki::to_pem("CERTIFICATE", &der)).expect("write");
    path
}

fn verify(h: &Harness, cert: &Path) -> String {
    let out = Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(h.server.ca_pem())
        .arg(cert)
        .output()
        .expect("openssl verify");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn accepted_then_issued_lscs_are_recorded_and_verify_against_the_est_ca() {
    let mut h = Harness::new();
    h.server.set_mode(Mode::AcceptFirst(1));
    let csr = h.enroll("SEP00AA00BB0001");
    h.start("3");
    let accepted = h.wait_log("SEP00AA00BB0001: accepted by the online CA (HTTP 202)");
    assert!(accepted.contains("attempt 1"), "{accepted}");
    let issued = h.wait_log("SEP00AA00BB0001: LSC ");
    assert!(
        issued.contains("issued by the online CA 127.0.0.1:"),
        "{issued}"
    );
    assert_eq!(h.lsc_count(), 1);
    // The server saw exactly what RFC 7030 says: Basic auth and application/pkcs10, twice
    // (202, then the retry after Retry-After).
    let seen = h.server.seen();
    assert_eq!(seen.enrolls, 2, "{seen:?}");
    assert_eq!(seen.content_type.as_deref(), Some("application/pkcs10"));
    use base64::Engine as _;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"))
    );
    assert_eq!(seen.authorization.as_deref(), Some(expected.as_str()));
    assert!(
        seen.paths
            .iter()
            .all(|p| p.starts_with("/.well-known/est/"))
    );
    // The LSC is the CSR's key, issued by the EST CA: openssl agrees.
    let lsc = write_lsc_pem(&h, "SEP00AA00BB0001");
    let v = verify(&h, &lsc);
    assert!(v.contains(": OK"), "{v}");
    let lsc_key = openssl(
        h.files.path(),
        &["x509", "-in", lsc.to_str().expect("p"), "-noout", "-pubkey"],
    );
    let csr_key = openssl(
        h.files.path(),
        &["req", "-in", csr.to_str().expect("p"), "-noout", "-pubkey"],
    );
    assert_eq!(lsc_key.stdout, csr_key.stdout);
    // No longer waiting; the audit log names the server; the last result says what happened.
    assert!(h.request_rows().is_empty());
    let audit = h.ok(&["show", "capf", "audit"]);
    assert!(audit.contains("from online CA 127.0.0.1:"), "{audit}");
    let show = h.show();
    assert_eq!(show["waiting_csrs"], 0);
    assert!(
        show["last_result"]
            .as_str()
            .is_some_and(|r| r.contains("issued for SEP00AA00BB0001")),
        "{show}"
    );
    assert!(show["last_contact_at"].is_string(), "{show}");
}

#[test]
fn a_refusal_is_logged_once_without_hammering_and_new_credentials_apply_live() {
    let mut h = Harness::new();
    h.set_online_ca("wrong-password");
    h.enroll("SEP00AA00BB0002");
    h.enroll("SEP00AA00BB0003");
    h.start("3");
    let line = h.wait_log("online CA refused: HTTP 401 Unauthorized");
    assert!(line.contains("left pending"), "{line}");
    // A second later: still one request (a 401 pauses every CSR), nothing recorded, said once.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(h.server.seen().enrolls, 1);
    assert_eq!(h.lsc_count(), 0);
    let refusals = h
        .log_so_far()
        .iter()
        .filter(|l| l.contains("refused"))
        .count();
    assert_eq!(refusals, 1, "{:?}", h.log_so_far());
    let rows = h.request_rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["state"], "refused");
    assert!(
        rows[0]["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("online CA refused: HTTP 401"))
    );
    assert_eq!(rows[0]["attempts"], 1);
    assert_eq!(rows[1]["state"], "waiting");
    let table = h.ok(&["show", "capf", "online-ca", "requests"]);
    assert!(table.contains("2 CSRs waiting on the online CA"), "{table}");
    // The admin fixes the password: capfd picks it up live and both get their LSC.
    h.set_online_ca(PASSWORD);
    h.wait_log("SEP00AA00BB0002: LSC ");
    h.wait_log("SEP00AA00BB0003: LSC ");
    assert_eq!(h.lsc_count(), 2);
}

#[test]
fn server_errors_are_retried_with_backoff_until_the_ca_answers() {
    let mut h = Harness::new();
    h.server.set_mode(Mode::ServerError);
    h.enroll("SEP00AA00BB0004");
    h.start("3");
    let line = h.wait_log("online CA error: HTTP 500 Internal Server Error: CA backend down");
    assert!(line.contains("left pending, next try"), "{line}");
    let rows = h.request_rows();
    assert_eq!(rows[0]["state"], "retry");
    assert!(rows[0]["next_try_at"].is_string());
    assert_eq!(h.lsc_count(), 0);
    // Backoff 1 s, 2 s, 4 s...: a few tries in a few seconds, not dozens.
    std::thread::sleep(Duration::from_secs(4));
    let tries = h.server.seen().enrolls;
    assert!((2..=4).contains(&tries), "{tries} tries in ~4 s");
    // The same error is logged once, not at every try.
    let errors = h
        .log_so_far()
        .iter()
        .filter(|l| l.contains("HTTP 500"))
        .count();
    assert_eq!(errors, 1, "{:?}", h.log_so_far());
    h.server.set_mode(Mode::Sign);
    h.wait_log("SEP00AA00BB0004: LSC ");
    assert_eq!(h.lsc_count(), 1);
    let v = verify(&h, &write_lsc_pem(&h, "SEP00AA00BB0004"));
    assert!(v.contains(": OK"), "{v}");
}

#[test]
fn a_lasting_failure_is_said_once_by_its_kind_even_when_its_words_change() {
    let mut h = Harness::new();
    h.server.set_mode(Mode::ServerErrorNumbered);
    h.enroll("SEP00AA00BB0006");
    h.start("3");
    h.wait_log("online CA error: HTTP 500 Internal Server Error: CA backend down (incident");
    // Backoff 1 s, 2 s: more tries, each with new words, and still one line.
    std::thread::sleep(Duration::from_secs(4));
    let tries = h.server.seen().enrolls;
    assert!(tries >= 2, "{tries} tries in ~4 s");
    let errors = h
        .log_so_far()
        .iter()
        .filter(|l| l.contains("HTTP 500"))
        .count();
    assert_eq!(errors, 1, "{:?}", h.log_so_far());
    // Another kind of failure is said again.
    h.server.set_mode(Mode::Unauthorized);
    h.wait_log("online CA refused: HTTP 401");
}

#[test]
fn a_certificate_for_another_key_or_from_an_untrusted_issuer_is_never_recorded() {
    let mut h = Harness::new();
    h.server.set_mode(Mode::OtherKey);
    h.enroll("SEP00AA00BB0005");
    h.start("3");
    let line = h.wait_log("certificate from the online CA refused");
    assert!(
        line.contains("public key of the CSR of SEP00AA00BB0005"),
        "{line}"
    );
    assert_eq!(h.lsc_count(), 0);
    let rows = h.request_rows();
    assert_eq!(rows[0]["state"], "rejected");

    // Untrusted issuer: the import rule names the issuer; still nothing recorded. New settings
    // (the same ones set again) make capfd try again at once.
    h.server.set_mode(Mode::UntrustedIssuer);
    h.set_online_ca(PASSWORD);
    let line = h.wait_log("is not in the trust list");
    assert!(line.contains("CN=Rogue CA"), "{line}");
    assert_eq!(h.lsc_count(), 0);
    let rows = h.request_rows();
    assert_eq!(rows[0]["state"], "rejected");
    assert!(
        rows[0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Rogue CA"))
    );
}

#[test]
fn a_silent_server_times_out_and_never_blocks_settings_or_signing() {
    let mut h = Harness::new();
    h.server.set_mode(Mode::Hang);
    // A CAPF CA, so switching to mode capf can sign while the EST request still hangs.
    let out = h.env.capfd().args(["init"]).output().expect("init");
    assert!(out.status.success(), "{}", stderr(&out));
    h.enroll("SEP00AA00BB0006");
    h.start("8");
    h.wait_log("online CA 127.0.0.1:");
    // Wait until the request is out, then change settings: picked up at once.
    let deadline = Instant::now() + Duration::from_secs(30);
    while h.server.seen().enrolls == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(h.server.seen().enrolls, 1);
    let changed = Instant::now();
    h.ok(&["utils", "capf", "set", "keep_alive", "33"]);
    h.wait_log("keep-alive 33 min");
    h.ok(&["utils", "capf", "set", "mode", "capf"]);
    h.wait_log("SEP00AA00BB0006: LSC ");
    h.wait_log("issued for its pending CSR");
    assert!(
        changed.elapsed() < Duration::from_secs(8),
        "settings and signing waited for the EST server: {:?}",
        changed.elapsed()
    );
    // The hung exchange ends at its timeout; the CSR was answered meanwhile, so nothing more.
    h.ok(&["utils", "capf", "set", "mode", "online"]);
    let line = h.wait_log("timed out");
    assert!(line.contains("no complete answer within 8 s"), "{line}");
    assert!(line.contains("answered meanwhile by LSC"), "{line}");
    assert_eq!(h.lsc_count(), 1);
}

#[test]
fn the_password_never_shows_and_its_file_is_private() {
    let h = Harness::new();
    let show = h.ok(&["show", "capf", "online-ca"]);
    let json = h.ok(&["--format", "json", "show", "capf", "online-ca"]);
    let audit = h.ok(&["--format", "json", "show", "capf", "audit"]);
    for text in [&show, &json, &audit] {
        assert!(!text.contains(PASSWORD), "{text}");
    }
    assert!(show.contains("127.0.0.1"), "{show}");
    assert!(show.contains(USER), "{show}");
    assert!(show.contains("EST Test CA"), "{show}");
    assert!(audit.contains("(password replaced)"), "{audit}");
    let pw = h.env.db.with_file_name("capf.db.est-password");
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(&pw).expect("password file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(
        std::fs::read_to_string(&pw).expect("read"),
        format!("{PASSWORD}\n")
    );
    // Nothing in the database holds it either.
    let db = std::fs::read(&h.env.db).expect("db");
    assert!(!db.windows(PASSWORD.len()).any(|w| w == PASSWORD.as_bytes()));
    // A password typed on the line is refused without echoing it, and nothing changes.
    let before = h.ok(&["--format", "json", "show", "capf", "online-ca"]);
    let out = h
        .env
        .capfsh()
        .args(words(
            "utils capf set online-ca host h user u password hunter2",
        ))
        .run();
    assert_eq!(out.status.code(), Some(2));
    assert!(!stdout(&out).contains("hunter2") && !stderr(&out).contains("hunter2"));
    out.stderr_has("never typed on the command line");
    // Without a terminal and without password-file: refused, with what to do.
    let out = h
        .env
        .capfsh()
        .args(words("utils capf set online-ca host h user u"))
        .run();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("add password-file <path>")
            || stdout(&out).contains("add password-file <path>")
    );
    assert_eq!(
        h.ok(&["--format", "json", "show", "capf", "online-ca"]),
        before
    );
    // cacerts needs confirmation: no terminal, no noconfirm, nothing trusted.
    let out = h
        .env
        .capfsh()
        .args(["utils", "capf", "online-ca", "cacerts"])
        .run();
    assert_eq!(out.status.code(), Some(1));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(all.contains("add noconfirm"), "{all}");
}

#[test]
fn on_a_terminal_the_password_is_asked_twice_and_never_echoed() {
    let env = TestEnv::new();
    let mut p = env.pty("xterm").timeout_ms(20_000).spawn(&words(
        "utils capf set online-ca host est.example.com user capf-ra",
    ));
    let mut seen = String::new();
    seen += &p
        .exp_string("Enter the online CA password:")
        .expect("first prompt");
    p.send_line("pty-s3cret-1").expect("send");
    seen += &p
        .exp_string("Re-enter the password:")
        .expect("second prompt");
    p.send_line("pty-s3cret-2").expect("send");
    seen += &p.exp_string("do not match").expect("mismatch said");
    seen += &p
        .exp_string("Enter the online CA password:")
        .expect("asked again");
    p.send_line("pty-s3cret-1").expect("send");
    seen += &p
        .exp_string("Re-enter the password:")
        .expect("second prompt");
    p.send_line("pty-s3cret-1").expect("send");
    seen += &p
        .exp_string("Online CA set: est.example.com:443")
        .expect("set");
    seen += &p.exp_eof().expect("exits");
    assert!(
        !seen.contains("pty-s3cret"),
        "the password was echoed: {seen}"
    );
    let pw = env.db.with_file_name("capf.db.est-password");
    assert_eq!(
        std::fs::read_to_string(pw).expect("password file"),
        "pty-s3cret-1\n"
    );
}

#[test]
fn root_gives_the_password_file_to_the_account_that_owns_the_store() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("not root: the ownership hand-over cannot happen here");
        return;
    }
    let env = TestEnv::new();
    let out = env.capfsh().args(["show", "capf", "status"]).run();
    out.success();
    // The store belongs to the service account (nobody here), as after capfd setup.
    let nobody = 65534;
    std::os::unix::fs::chown(&env.db, Some(nobody), Some(nobody)).expect("chown");
    let pw = env.home().join("pw");
    std::fs::write(&pw, "for-the-service\n").expect("pw");
    let out = env
        .capfsh()
        .args(words(
            "utils capf set online-ca host est.example.com user u",
        ))
        .arg("password-file")
        .arg(&pw)
        .run();
    out.success();
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = std::fs::symlink_metadata(env.db.with_file_name("capf.db.est-password"))
        .expect("password file");
    assert_eq!((meta.uid(), meta.gid()), (nobody, nobody));
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
}
