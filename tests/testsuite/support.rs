//! Test environment: an isolated home, a store seeded through the library API, the binaries.

use std::path::{Path, PathBuf};

use capfsh::domain::{DeviceName, NewCsr, NewLsc, Timestamp};
use capfsh::store::{Actor, OpenOptions, Store};
use chrono::{Duration, TimeZone, Utc};

/// A temporary home with a store path; every command runs with a clean environment.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
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

    fn isolate(&self, cmd: &mut std::process::Command) {
        let home = self.home();
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("USER", "tester")
            .env("LANG", "C.UTF-8")
            .env("TERM", "dumb");
    }

    /// `capfsh --db <store>` with a clean environment.
    pub fn capfsh(&self) -> assert_cmd::Command {
        let mut std_cmd = std::process::Command::new(env!("CARGO_BIN_EXE_capfsh"));
        self.isolate(&mut std_cmd);
        std_cmd.arg("--db").arg(&self.db);
        let mut cmd = assert_cmd::Command::from_std(std_cmd);
        cmd.timeout(std::time::Duration::from_secs(30));
        cmd
    }

    /// `capfsh` without `--db` (default store under XDG_DATA_HOME).
    pub fn capfsh_default(&self) -> assert_cmd::Command {
        let mut std_cmd = std::process::Command::new(env!("CARGO_BIN_EXE_capfsh"));
        self.isolate(&mut std_cmd);
        let mut cmd = assert_cmd::Command::from_std(std_cmd);
        cmd.timeout(std::time::Duration::from_secs(30));
        cmd
    }

    /// `capfd --db <store>` with a clean environment.
    pub fn capfd(&self) -> assert_cmd::Command {
        let mut std_cmd = std::process::Command::new(env!("CARGO_BIN_EXE_capfd"));
        self.isolate(&mut std_cmd);
        std_cmd.arg("--db").arg(&self.db);
        let mut cmd = assert_cmd::Command::from_std(std_cmd);
        cmd.timeout(std::time::Duration::from_secs(60));
        cmd
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
