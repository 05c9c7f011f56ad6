//! Test environment: an isolated home, a store seeded through the library API, the binaries.

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration as StdDuration, Instant};

use capfsh::domain::{DeviceName, NewCsr, NewLsc, Timestamp};
use capfsh::store::{Actor, OpenOptions, Store};
use chrono::{Duration, TimeZone, Utc};

/// A temporary home with a store path, a pinned OS user, and the binaries run with a cleared
/// environment (what tests that meet real peers need: openssl signs with today's date, so the
/// clock is the system's). [`TestEnvironment`] is the same with the clock pinned.
///
/// Every way a test runs a binary goes through here: [`TestEnv::capfsh`]/[`TestEnv::capfd`]
/// (assert_cmd), [`TestEnv::process`] (a `std::process::Command` to spawn or give other standard
/// streams), [`TestEnv::pty`] (a pseudo-terminal), [`TestEnv::capfd_run`] (the service, its log
/// read line by line). Each starts from the same cleared environment; a test adds what it is
/// about with `.env(..)`.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    /// The instant `CAPFSH_NOW` pins, if any.
    now: Option<&'static str>,
}

/// The test harness (jj's `TestEnvironment` shape): a [`TestEnv`] whose clock stands at [`NOW`],
/// so every write of capfsh and capfd carries that instant and outputs snapshot the same on
/// every run. It derefs to [`TestEnv`], so every helper and every function taking a `&TestEnv`
/// works on it, with the clock pinned.
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
            env: TestEnv {
                now: Some(NOW),
                ..TestEnv::new()
            },
        }
    }

    /// Runs `capfd --db <store> args...` reading `stdin`, clock pinned.
    pub fn run_capfd_stdin(&self, args: &[&str], stdin: impl Into<Vec<u8>>) -> CommandOutput {
        run(self.capfd(), args, Some(stdin.into()))
    }
}

/// A binary of this package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bin {
    Capfsh,
    Capfd,
}

impl Bin {
    pub fn path(self) -> &'static str {
        match self {
            Bin::Capfsh => env!("CARGO_BIN_EXE_capfsh"),
            Bin::Capfd => env!("CARGO_BIN_EXE_capfd"),
        }
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

    /// Asserts standard output contains `needle`, showing the whole output otherwise.
    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(self.out().contains(needle), "no {needle:?} in:\n{self}");
        self
    }

    /// Asserts standard error contains `needle`, showing the whole output otherwise.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(self.err().contains(needle), "no {needle:?} in:\n{self}");
        self
    }
}

/// Runs a tool in `dir`, panicking with its output when it fails.
pub fn run_ok(dir: &Path, tool: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(tool)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs ({e}): .ci/run installs it"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A CSR made by `openssl req` for `cn` (key options `newkey`, extra options `extra`).
pub fn openssl_csr(dir: &Path, name: &str, cn: &str, newkey: &[&str], extra: &[&str]) -> PathBuf {
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let subj = format!("/CN={cn}");
    let mut args = vec![
        "req", "-new", "-nodes", "-keyout", &key, "-out", &csr, "-subj", &subj,
    ];
    args.extend_from_slice(newkey);
    args.extend_from_slice(extra);
    run_ok(dir, "openssl", &args);
    dir.join(csr)
}

/// Runs `openssl args...` in `dir`, panicking with its output when it fails.
pub fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    run_ok(dir, "openssl", args)
}

/// `openssl verify -CAfile ca cert`, which must succeed; what it printed.
pub fn openssl_verify_ok(ca: &Path, cert: &Path) -> String {
    let out = Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(ca)
        .arg(cert)
        .run();
    let text = out.out() + &out.err();
    assert!(
        out.status.success(),
        "openssl verify {}: {text}",
        cert.display()
    );
    text
}

/// The words of a command line written as one string (`"utils capf csr list"`), for tables of
/// cases; no word may hold a space.
pub fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Runs a command built by the harness to its end: `env.capfsh().args(..).arg(path).run()`.
pub trait Run {
    fn run(&mut self) -> CommandOutput;
}

impl Run for assert_cmd::Command {
    fn run(&mut self) -> CommandOutput {
        CommandOutput(self.output().expect("run"))
    }
}

impl Run for Command {
    fn run(&mut self) -> CommandOutput {
        CommandOutput(self.output().expect("run"))
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
        TestEnv::with_store_name("capf.db")
    }

    /// A fresh home whose store is `name` in it (a restore under another name, say).
    pub fn with_store_name(name: &str) -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join(name);
        TestEnv { dir, db, now: None }
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    /// `program` with a cleared environment: home, XDG folders, user, locale, a basic terminal,
    /// and the clock pinned if this environment pins it; `--db <db>` when `db` is given.
    fn base(&self, program: impl AsRef<OsStr>, db: Option<&Path>) -> Command {
        let home = self.home();
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("USER", USER)
            .env("LANG", "C.UTF-8")
            .env("TERM", "dumb");
        if let Some(now) = self.now {
            cmd.env("CAPFSH_NOW", now);
        }
        if let Some(db) = db {
            cmd.arg("--db").arg(db);
        }
        cmd
    }

    /// Any other program (a shell, a peer) with this environment, no `--db`.
    pub fn program(&self, program: impl AsRef<OsStr>) -> Command {
        self.base(program, None)
    }

    /// `bin --db <store>` as a `std::process::Command`, for a test that spawns it, gives it
    /// other standard streams or runs several at once.
    pub fn process(&self, bin: Bin) -> Command {
        self.base(bin.path(), Some(&self.db))
    }

    /// `bin --db <db>`: this environment on another store.
    pub fn process_on(&self, bin: Bin, db: &Path) -> Command {
        self.base(bin.path(), Some(db))
    }

    /// `bin` run by `sh` after `prelude` (`umask 000`, `stty echo`): what the admin's login
    /// shell does before it; `--db <store>` when `with_db`.
    pub fn process_after(&self, bin: Bin, prelude: &str, with_db: bool) -> Command {
        self.program_after(bin.path(), prelude, with_db)
    }

    fn program_after(&self, program: &str, prelude: &str, with_db: bool) -> Command {
        let mut cmd = self.base("sh", None);
        cmd.arg("-c")
            .arg(format!("{prelude}; exec \"$0\" \"$@\""))
            .arg(program);
        if with_db {
            cmd.arg("--db").arg(&self.db);
        }
        cmd
    }

    /// A finished-run command for `cmd`: assert_cmd with a timeout, longer for capfd (it signs
    /// and may wait on the store on a loaded machine).
    fn assert_cmd(cmd: Command, bin: Bin) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(cmd);
        let secs = if bin == Bin::Capfd { 60 } else { 30 };
        cmd.timeout(std::time::Duration::from_secs(secs));
        cmd
    }

    /// `capfsh --db <store>` with a clean environment.
    pub fn capfsh(&self) -> assert_cmd::Command {
        Self::assert_cmd(self.process(Bin::Capfsh), Bin::Capfsh)
    }

    /// `capfsh` without `--db` (default store under XDG_DATA_HOME).
    pub fn capfsh_default(&self) -> assert_cmd::Command {
        Self::assert_cmd(self.base(Bin::Capfsh.path(), None), Bin::Capfsh)
    }

    /// `capfd --db <store>` with a clean environment.
    pub fn capfd(&self) -> assert_cmd::Command {
        Self::assert_cmd(self.process(Bin::Capfd), Bin::Capfd)
    }

    /// `capfd enroll --device <device> --csr <csr>`: a phone's CSR taken in (add `--out` and the
    /// like before running it).
    pub fn enroll_cmd(&self, device: &str, csr: impl AsRef<OsStr>) -> assert_cmd::Command {
        let mut cmd = self.capfd();
        cmd.args(["enroll", "--device", device, "--csr"]).arg(csr);
        cmd
    }

    /// Runs `capfsh --db <store> args...` with nothing on standard input.
    pub fn run_capfsh(&self, args: &[&str]) -> CommandOutput {
        run(self.capfsh(), args, None)
    }

    /// Runs `capfd --db <store> args...`.
    pub fn run_capfd(&self, args: &[&str]) -> CommandOutput {
        run(self.capfd(), args, None)
    }

    /// Runs `capfsh --db <store> <words of line> <file>`: a command whose last argument is a
    /// file or folder (`"utils capf cert import"`, a path).
    pub fn run_capfsh_file(&self, line: &str, file: impl AsRef<OsStr>) -> CommandOutput {
        self.capfsh().args(words(line)).arg(file).run()
    }

    /// Runs `capfd --db <store> <words of line> <file>`.
    pub fn run_capfd_file(&self, line: &str, file: impl AsRef<OsStr>) -> CommandOutput {
        self.capfd().args(words(line)).arg(file).run()
    }

    /// capfsh in a pseudo-terminal of type `term` (see [`Pty`] for the options).
    pub fn pty(&self, term: &str) -> Pty<'_> {
        Pty {
            env: self,
            program: Bin::Capfsh.path().to_string(),
            with_db: true,
            term: term.to_string(),
            prelude: vec!["stty echo".to_string()],
            envs: Vec::new(),
            strip_ansi: true,
            timeout_ms: PTY_TIMEOUT_MS,
        }
    }

    /// `capfd --db <store> run args...`, its log (standard error) read line by line.
    pub fn capfd_run(&self, args: &[&str]) -> Service {
        let mut cmd = self.process(Bin::Capfd);
        cmd.arg("run").args(args);
        Service::spawn(cmd)
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

/// How long a pseudo-terminal session waits for what a test expects (the machine is shared).
pub const PTY_TIMEOUT_MS: u64 = 15_000;

/// A run of a program in a pseudo-terminal, from [`TestEnv::pty`]: capfsh with `--db <store>`,
/// the environment of every run with `TERM` set, behind `stty echo` (rexpect turns the pty's echo
/// off; an SSH pseudo-terminal has it on), ANSI escapes stripped from what is read.
pub struct Pty<'a> {
    env: &'a TestEnv,
    program: String,
    with_db: bool,
    term: String,
    prelude: Vec<String>,
    envs: Vec<(OsString, OsString)>,
    strip_ansi: bool,
    timeout_ms: u64,
}

impl Pty<'_> {
    /// Another program (a shell) instead of capfsh, without `--db`.
    pub fn program(mut self, program: &str) -> Self {
        self.program = program.to_string();
        self.with_db = false;
        self
    }

    /// A terminal of `rows` by `cols` (rexpect's pty has no size of its own).
    pub fn size(mut self, rows: u16, cols: u16) -> Self {
        self.prelude
            .insert(0, format!("stty rows {rows} cols {cols}"));
        self
    }

    /// `umask mask` before the program starts.
    pub fn umask(mut self, mask: &str) -> Self {
        self.prelude.insert(0, format!("umask {mask}"));
        self
    }

    /// The program started directly: no shell before it, so no `stty echo` (as sshd starts a
    /// `ForceCommand`), and what is read keeps its ANSI escapes.
    pub fn direct(mut self) -> Self {
        self.prelude.clear();
        self.strip_ansi = false;
        self
    }

    /// What is read keeps its ANSI escapes (the echo stays on).
    pub fn keep_ansi(mut self) -> Self {
        self.strip_ansi = false;
        self
    }

    /// One more variable of the environment.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    pub fn timeout_ms(mut self, ms: u64) -> Self {
        self.timeout_ms = ms;
        self
    }

    /// Starts the program with `args`.
    pub fn spawn(self, args: &[&str]) -> rexpect::session::PtySession {
        let mut cmd = if self.prelude.is_empty() {
            let mut cmd = self.env.base(&self.program, None);
            if self.with_db {
                cmd.arg("--db").arg(&self.env.db);
            }
            cmd
        } else {
            self.env
                .program_after(&self.program, &self.prelude.join("; "), self.with_db)
        };
        cmd.args(args).env("TERM", &self.term);
        cmd.envs(self.envs.iter().map(|(k, v)| (k, v)));
        rexpect::session::spawn_with_options(
            cmd,
            rexpect::reader::Options::new()
                .timeout_ms(Some(self.timeout_ms))
                .strip_ansi_escape_codes(self.strip_ansi),
        )
        .expect("spawn in a pty")
    }

    /// Starts the interactive shell and waits for its banner and first prompt.
    pub fn shell(self) -> rexpect::session::PtySession {
        let mut p = self.spawn(&[]);
        p.exp_string("Type ? or help").expect("banner");
        p.exp_string("admin:").expect("first prompt");
        p
    }
}

/// Types keys without Enter (rexpect buffers `send` until a flush).
pub fn keys(p: &mut rexpect::session::PtySession, s: &str) {
    p.send(s).expect("send");
    p.flush().expect("flush");
}

/// Waits for the end of a pty session and gives its exit status as text (nix's WaitStatus is
/// not re-exported by rexpect): `Ok(Exited(Pid(..), 0))`.
pub fn pty_exit_status(p: &mut rexpect::session::PtySession) -> String {
    p.exp_eof().expect("exits");
    format!("{:?}", p.process().wait())
}

/// Asserts the pty session's process exited with status 0.
#[track_caller]
pub fn assert_pty_exited_0(p: &rexpect::session::PtySession) {
    let status = format!("{:?}", p.process().wait());
    assert!(
        status.starts_with("Ok(Exited(") && status.ends_with(", 0))"),
        "{status}"
    );
}

/// Ends an interactive capfsh with `quit` and asserts it exited with status 0.
pub fn quit(mut p: rexpect::session::PtySession) {
    p.send_line("quit").expect("send");
    p.exp_eof().expect("eof");
    assert_pty_exited_0(&p);
}

/// How long a service's log is waited on for a line (the machine is shared).
pub const LOG_TIMEOUT: StdDuration = StdDuration::from_secs(60);

/// A running `capfd run` (or any long-lived child) whose standard error is read line by line
/// on a thread, so waits have deadlines. Dropped, it is sent SIGTERM, then killed if it does not
/// stop within 10 s.
pub struct Service {
    child: Option<Child>,
    log: mpsc::Receiver<String>,
    /// Every line received so far.
    pub lines: Vec<String>,
    /// How many of `lines` [`Service::next_line`] and [`Service::wait_for_next`] consumed.
    read: usize,
}

impl Service {
    /// Spawns `cmd` with standard error piped to the log reader, standard output discarded.
    pub fn spawn(mut cmd: Command) -> Service {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let err = child.stderr.take().expect("stderr");
        Service::reading(child, err)
    }

    /// `child` whose log comes from `reader` (the read end of the stream it writes to).
    pub fn reading(child: Child, reader: impl std::io::Read + Send + 'static) -> Service {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Service {
            child: Some(child),
            log: rx,
            lines: Vec::new(),
            read: 0,
        }
    }

    /// Waits until `deadline` for one more line; false at the end of the log or the deadline.
    fn receive(&mut self, deadline: Instant) -> bool {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.log.recv_timeout(left) {
            Ok(line) => {
                self.lines.push(line);
                true
            }
            Err(_) => false,
        }
    }

    /// The next line of the log not read yet (panics at its end or after [`LOG_TIMEOUT`]).
    pub fn next_line(&mut self) -> String {
        let deadline = Instant::now() + LOG_TIMEOUT;
        while self.read >= self.lines.len() {
            if !self.receive(deadline) {
                panic!("no next log line; log so far:\n{}", self.lines.join("\n"));
            }
        }
        self.read += 1;
        self.lines[self.read - 1].clone()
    }

    /// The next line not read yet that contains `needle`, the lines before it read too
    /// (panics at the end of the log or after [`LOG_TIMEOUT`]).
    pub fn wait_for_next(&mut self, needle: &str) -> String {
        self.try_wait_for_next(needle, LOG_TIMEOUT)
            .unwrap_or_else(|| {
                panic!(
                    "no log line with {needle:?}; log so far:\n{}",
                    self.lines.join("\n")
                )
            })
    }

    /// Like [`Service::wait_for_next`], None after `timeout` or at the end of the log.
    pub fn try_wait_for_next(&mut self, needle: &str, timeout: StdDuration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            while self.read < self.lines.len() {
                self.read += 1;
                if self.lines[self.read - 1].contains(needle) {
                    return Some(self.lines[self.read - 1].clone());
                }
            }
            if !self.receive(deadline) {
                return None;
            }
        }
    }

    /// The first line of the whole log that contains `needle`, waiting for it if none has come
    /// yet (panics at the end of the log or after [`LOG_TIMEOUT`]). Lines may come in any order.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + LOG_TIMEOUT;
        let mut looked = 0;
        loop {
            if let Some(l) = self.lines[looked..].iter().find(|l| l.contains(needle)) {
                return l.clone();
            }
            looked = self.lines.len();
            if !self.receive(deadline) {
                panic!(
                    "no log line with {needle:?}; log so far:\n{}",
                    self.lines.join("\n")
                );
            }
        }
    }

    /// Every line received so far, without waiting.
    pub fn log_so_far(&mut self) -> Vec<String> {
        while let Ok(l) = self.log.try_recv() {
            self.lines.push(l);
        }
        self.lines.clone()
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        if let Some(c) = &self.child {
            // SAFETY: kill(2) with a pid of our own child that is not reaped yet.
            unsafe { libc::kill(c.id() as libc::pid_t, libc::SIGTERM) };
        }
    }

    /// Sends SIGTERM, reads the rest of the log to its end and waits for the exit: the status
    /// and the lines not read yet.
    pub fn stop(&mut self) -> (ExitStatus, Vec<String>) {
        self.terminate();
        let rest = self.rest();
        let status = self.wait();
        (status, rest)
    }

    /// Kills the child (SIGKILL) and waits for it.
    pub fn kill(&mut self) -> ExitStatus {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
        }
        self.wait()
    }

    /// The lines not read yet, up to the end of the log (the child must be ending).
    pub fn rest(&mut self) -> Vec<String> {
        let deadline = Instant::now() + LOG_TIMEOUT;
        while self.receive(deadline) {}
        let rest = self.lines[self.read..].to_vec();
        self.read = self.lines.len();
        rest
    }

    /// Waits for the child to exit.
    pub fn wait(&mut self) -> ExitStatus {
        self.child
            .take()
            .expect("a running child")
            .wait()
            .expect("wait")
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let Some(mut c) = self.child.take() else {
            return;
        };
        // SAFETY: kill(2) with a pid of our own child that is not reaped yet.
        unsafe { libc::kill(c.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + StdDuration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = c.try_wait() {
                return;
            }
            std::thread::sleep(StdDuration::from_millis(20));
        }
        let _ = c.kill();
        let _ = c.wait();
    }
}
