//! Test environment: an isolated home, a store seeded through the library API, the binaries.

use std::path::{Path, PathBuf};

use capfsh::domain::{DeviceName, NewCsr, NewLsc, Timestamp};
use capfsh::store::{Actor, OpenOptions, Store};
use chrono::{Duration, TimeZone, Utc};

/// A temporary home with a store path, a pinned OS user, and the binaries run with a cleared
/// environment on the system clock (what tests that meet real peers need: openssl signs with
/// today's date). [`TestEnvironment`] is the same with the clock pinned.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

/// The test harness (jj's `TestEnvironment` shape): a [`TestEnv`] whose clock stands at [`NOW`],
/// so every write of capfsh and capfd carries that instant and outputs snapshot the same on
/// every run. It derefs to [`TestEnv`], so the store helpers and every function taking a
/// `&TestEnv` work on it; its own `capfsh()`/`capfd()`/`run_*` pin the clock.
pub struct TestEnvironment {
    env: TestEnv,
}

impl std::ops::Deref for TestEnvironment {
    type Target = TestEnv;

    fn deref(&self) -> &TestEnv {
        &self.env
    }
}

impl TestEnvironment {
    pub fn new() -> TestEnvironment {
        TestEnvironment {
            env: TestEnv::new(),
        }
    }

    /// `capfsh --db <store>`, clock pinned.
    pub fn capfsh(&self) -> assert_cmd::Command {
        self.env
            .command(env!("CARGO_BIN_EXE_capfsh"), true, Some(NOW))
    }

    /// `capfd --db <store>`, clock pinned.
    pub fn capfd(&self) -> assert_cmd::Command {
        self.env
            .command(env!("CARGO_BIN_EXE_capfd"), true, Some(NOW))
    }

    /// Runs `capfsh --db <store> args...`, clock pinned.
    pub fn run_capfsh(&self, args: &[&str]) -> CommandOutput {
        run(self.capfsh(), args, None)
    }

    /// Runs `capfd --db <store> args...`, clock pinned.
    pub fn run_capfd(&self, args: &[&str]) -> CommandOutput {
        run(self.capfd(), args, None)
    }

    /// Runs `capfd --db <store> args...` reading `stdin`, clock pinned.
    pub fn run_capfd_stdin(&self, args: &[&str], stdin: impl Into<Vec<u8>>) -> CommandOutput {
        run(self.capfd(), args, Some(stdin.into()))
    }
}

/// Runs `cmd` with `args` (and `stdin`, if any) to the end.
fn run(mut cmd: assert_cmd::Command, args: &[&str], stdin: Option<Vec<u8>>) -> CommandOutput {
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    CommandOutput(cmd.output().expect("run"))
}

/// The instant a pinned clock stands at.
pub const NOW: &str = "2026-11-25T08:00:00Z";

/// The OS user every command runs as (`USER`), so audit lines are stable.
pub const USER: &str = "tester";

/// The output of a finished command: the process output (through `Deref`), shown the jj way for
/// snapshots: stdout, then stderr, each ending in `[EOF]` so a missing or extra final newline
/// shows, then the exit status.
pub struct CommandOutput(pub std::process::Output);

impl std::ops::Deref for CommandOutput {
    type Target = std::process::Output;

    fn deref(&self) -> &std::process::Output {
        &self.0
    }
}

impl std::fmt::Display for CommandOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[EOF]", stdout(self))?;
        let err = stderr(self);
        if !err.is_empty() {
            write!(f, "\n------- stderr -------\n{err}[EOF]")?;
        }
        match self.status.code() {
            Some(0) => Ok(()),
            Some(c) => write!(f, "\n[exit status: {c}]"),
            None => write!(f, "\n[killed by a signal]"),
        }
    }
}

impl CommandOutput {
    /// Standard output as text.
    pub fn out(&self) -> String {
        stdout(self)
    }

    /// Standard error as text.
    pub fn err(&self) -> String {
        stderr(self)
    }

    /// Asserts exit code 0, showing standard error otherwise.
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert!(self.status.success(), "{self}");
        self
    }

    /// Asserts exit code `code`.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(self.status.code(), Some(code), "{self}");
        self
    }
}

/// A fixed instant: `2026-11-20 08:00:00 UTC` plus `minutes`.
pub fn at(minutes: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0)
        .single()
        .expect("time")
        + Duration::minutes(minutes)
}

/// The real uid's user name: who the audit log names, whatever `$USER` says.
pub fn me() -> String {
    capfsh::actor::current().name
}

pub fn actor() -> Actor {
    Actor {
        os_user: "seed".into(),
        command: "seed".into(),
    }
}

pub fn device(s: &str) -> DeviceName {
    s.parse().expect("device name")
}

/// The hostile subject a malicious phone could send: an ANSI clear-screen and a bidi override.
pub const HOSTILE_SUBJECT: &str = "CN=SEPBADBADBAD001\u{1b}[2J\u{202e}gnp.exe";

/// A real CSR (PEM) for `cn`, made with rcgen.
pub fn csr_pem(cn: &str) -> String {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params
        .serialize_request(&key)
        .expect("csr")
        .pem()
        .expect("pem")
}

pub fn csr_der(cn: &str) -> Vec<u8> {
    capfsh::pki::ParsedCsr::parse(csr_pem(cn).as_bytes())
        .expect("csr")
        .der
}

pub fn new_csr(
    dev: &str,
    minutes: i64,
    subject: &str,
    alg: &str,
    bits: u32,
    key_byte: u8,
) -> NewCsr {
    NewCsr {
        device: device(dev),
        submitted_at: at(minutes),
        subject: subject.into(),
        key_algorithm: alg.into(),
        key_bits: bits,
        public_key_sha256: format!("{key_byte:02x}").repeat(32),
        der: csr_der(dev),
    }
}

pub fn new_lsc(dev: &str, serial: &str, minutes: i64, csr_id: i64) -> NewLsc {
    NewLsc {
        device: device(dev),
        serial: serial.into(),
        subject: format!("CN={dev}"),
        issuer: "CN=CAPF-0a1b2c3d".into(),
        not_before: at(minutes),
        not_after: at(minutes) + Duration::days(365),
        issued_at: at(minutes),
        csr_id: Some(csr_id),
        der: vec![0x30, 0x00],
    }
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("capf.db");
        TestEnv { dir, db }
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    /// `program` (a binary of this package) with a cleared environment: home, XDG folders, user,
    /// locale, a basic terminal, and the clock pinned at `now` if given; `--db <store>` when
    /// `with_db`.
    fn command(&self, program: &str, with_db: bool, now: Option<&str>) -> assert_cmd::Command {
        let home = self.home();
        let mut cmd = std::process::Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("USER", USER)
            .env("LANG", "C.UTF-8")
            .env("TERM", "dumb");
        if let Some(now) = now {
            cmd.env("CAPFSH_NOW", now);
        }
        if with_db {
            cmd.arg("--db").arg(&self.db);
        }
        let mut cmd = assert_cmd::Command::from_std(cmd);
        // capfd signs and may wait on the store: give it longer on a loaded machine.
        let secs = if program.ends_with("capfd") { 60 } else { 30 };
        cmd.timeout(std::time::Duration::from_secs(secs));
        cmd
    }

    /// `capfsh --db <store>` with a clean environment.
    pub fn capfsh(&self) -> assert_cmd::Command {
        self.command(env!("CARGO_BIN_EXE_capfsh"), true, None)
    }

    /// `capfsh` without `--db` (default store under XDG_DATA_HOME).
    pub fn capfsh_default(&self) -> assert_cmd::Command {
        self.command(env!("CARGO_BIN_EXE_capfsh"), false, None)
    }

    /// `capfd --db <store>` with a clean environment.
    pub fn capfd(&self) -> assert_cmd::Command {
        self.command(env!("CARGO_BIN_EXE_capfd"), true, None)
    }

    /// Runs `capfsh --db <store> args...` with nothing on standard input.
    pub fn run_capfsh(&self, args: &[&str]) -> CommandOutput {
        run(self.capfsh(), args, None)
    }

    /// Runs `capfd --db <store> args...`.
    pub fn run_capfd(&self, args: &[&str]) -> CommandOutput {
        run(self.capfd(), args, None)
    }

    /// The active CAPF CA's key file, as the store names it (beside the store).
    pub fn active_key(&self) -> PathBuf {
        let conn = rusqlite::Connection::open_with_flags(
            &self.db,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open read-only");
        let name: String = conn
            .query_row(
                "SELECT key_file FROM capf_ca WHERE retired_at IS NULL",
                [],
                |r| r.get(0),
            )
            .expect("active CA");
        self.db.with_file_name(name)
    }

    /// Every CA key file beside the store (any name `capfd init` ever used).
    pub fn key_files(&self) -> Vec<PathBuf> {
        let dir = self.db.parent().expect("folder");
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("ls")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains(".ca-key"))
            .collect();
        v.sort();
        v
    }

    pub fn store(&self) -> Store {
        Store::open(&self.db, &OpenOptions::default()).expect("open store")
    }

    /// A realistic small store:
    /// - SEP001122AABB01: pending CSR (RSA-2048), no LSC;
    /// - SEP001122AABB02: LSC issued, never installed, then a newer CSR: one stale LSC;
    /// - SEP001122AABB03: LSC installed (its CSR done);
    /// - CSFJOHN: pending CSR (EC P-256);
    /// - SEPBADBADBAD001: pending CSR with a hostile subject.
    pub fn seed(&self) {
        let mut s = self.store();
        let a = actor();
        s.record_csr(
            &new_csr("SEP001122AABB01", 0, "CN=SEP001122AABB01", "RSA", 2048, 1),
            &a,
        )
        .expect("csr");
        let (c2, _) = s
            .record_csr(
                &new_csr("SEP001122AABB02", 1, "CN=SEP001122AABB02", "RSA", 2048, 2),
                &a,
            )
            .expect("csr");
        s.record_lsc(
            &new_lsc("SEP001122AABB02", "0a0b0c0d0e0f10111213141516171819", 2, c2),
            &a,
        )
        .expect("lsc");
        s.record_csr(
            &new_csr("SEP001122AABB02", 30, "CN=SEP001122AABB02", "RSA", 2048, 3),
            &a,
        )
        .expect("csr");
        let (c3, _) = s
            .record_csr(
                &new_csr("SEP001122AABB03", 3, "CN=SEP001122AABB03", "EC", 256, 4),
                &a,
            )
            .expect("csr");
        s.record_lsc(
            &new_lsc("SEP001122AABB03", "1a1b1c1d1e1f20212223242526272829", 4, c3),
            &a,
        )
        .expect("lsc");
        s.mark_installed(&device("SEP001122AABB03"), None, at(5), &a)
            .expect("installed");
        s.record_csr(
            &new_csr("CSFJOHN", 10, "CN=CSFJOHN, O=Example", "EC", 256, 5),
            &a,
        )
        .expect("csr");
        s.record_csr(
            &new_csr("SEPBADBADBAD001", 20, HOSTILE_SUBJECT, "RSA", 2048, 6),
            &a,
        )
        .expect("csr");
    }

    /// A stable dump of the data tables (not the audit log), to assert "store unchanged".
    pub fn digest(&self) -> String {
        let conn = rusqlite::Connection::open_with_flags(
            &self.db,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open read-only");
        let mut out = String::new();
        for (table, order) in [
            ("settings", "id"),
            ("csr", "id"),
            ("lsc", "id"),
            ("capf_ca", "id"),
            ("trust_anchor", "id"),
        ] {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
                .expect("prepare");
            let cols = stmt.column_count();
            let mut rows = stmt.query([]).expect("query");
            while let Some(r) = rows.next().expect("row") {
                out.push_str(table);
                for i in 0..cols {
                    let v: rusqlite::types::Value = r.get(i).expect("value");
                    out.push_str(&format!("|{v:?}"));
                }
                out.push('\n');
            }
        }
        out
    }
}

/// stdout of a finished command as text.
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr of a finished command as text.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
