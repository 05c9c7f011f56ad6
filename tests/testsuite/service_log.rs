//! `capfd run`'s log: one line per event naming the device, the CLI's timestamp form on a plain
//! stream, syslog priority prefixes and no timestamp when standard error is the journal's.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{TestEnv, csr_pem, stderr};

/// A CAPF CA and two CSRs left pending in offline mode, then mode capf: `capfd run` has two
/// devices to sign.
fn store_with_two_pending(env: &TestEnv) {
    let out = env.run_capfd(&["init"]);
    assert!(out.status.success(), "{}", stderr(&out));
    env.capfsh()
        .args(["utils", "capf", "set", "mode", "offline"])
        .assert()
        .success();
    // Shorter than the CA's own five years: no LSC is cut, so each device has one line.
    env.capfsh()
        .args(["utils", "capf", "set", "validity", "365"])
        .assert()
        .success();
    for dev in ["SEP0000000000A1", "SEP0000000000A2"] {
        let csr = env.home().join(format!("{dev}.csr"));
        std::fs::write(&csr, csr_pem(dev)).expect("csr");
        let out = env
            .capfd()
            .args(["enroll", "--device", dev, "--csr"])
            .arg(&csr)
            .output()
            .expect("enroll");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    env.capfsh()
        .args(["utils", "capf", "set", "mode", "capf"])
        .assert()
        .success();
}

fn spawn_run(env: &TestEnv, stderr: Stdio, journal: Option<String>) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_capfd"));
    // A free loopback port for the phone service: tests run side by side.
    cmd.args([
        "run",
        "--interval-ms",
        "100",
        "--listen",
        "127.0.0.1:0",
        "--db",
    ])
    .arg(&env.db)
    .env("HOME", env.home())
    .env_remove("JOURNAL_STREAM")
    .stderr(stderr);
    if let Some(j) = journal {
        cmd.env("JOURNAL_STREAM", j);
    }
    cmd.spawn().expect("spawn capfd run")
}

/// Reads lines until both devices were named as signed (or 60 s pass), then stops capfd.
fn lines_until_signed(child: &mut Child, reader: impl std::io::Read) -> Vec<String> {
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut it = BufReader::new(reader).lines();
    while Instant::now() < deadline {
        let Some(Ok(line)) = it.next() else { break };
        lines.push(line);
        let signed = |d: &str| lines.iter().any(|l| l.contains(d) && l.contains("issued"));
        if signed("SEP0000000000A1") && signed("SEP0000000000A2") {
            break;
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    lines.extend(it.map_while(Result::ok));
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?} {lines:?}");
    lines
}

fn is_cli_time(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn capfd_run_logs_one_timestamped_line_per_signed_device() {
    let env = TestEnv::new();
    store_with_two_pending(&env);
    let mut child = spawn_run(&env, Stdio::piped(), None);
    let err = child.stderr.take().expect("stderr");
    let lines = lines_until_signed(&mut child, err);
    for dev in ["SEP0000000000A1", "SEP0000000000A2"] {
        let mine: Vec<_> = lines.iter().filter(|l| l.contains(dev)).collect();
        assert_eq!(mine.len(), 1, "one line for {dev}: {lines:?}");
        let line = mine[0];
        assert!(is_cli_time(&line[..19]), "{line}");
        assert!(
            line[19..].starts_with(&format!(" capfd: {dev}: LSC ")),
            "{line}"
        );
    }
    assert!(
        lines.iter().all(|l| !l.starts_with('<')),
        "no priority prefixes off the journal: {lines:?}"
    );
    assert!(lines.last().is_some_and(|l| l.ends_with("capfd: stopped")));
}

/// Standard error is a pipe whose device and inode are given in `JOURNAL_STREAM`, as systemd
/// does for a service logging to the journal.
#[test]
fn under_journald_lines_carry_priorities_and_no_timestamp() {
    use std::os::unix::fs::MetadataExt;
    let env = TestEnv::new();
    store_with_two_pending(&env);
    let (reader, writer) = std::io::pipe().expect("pipe");
    let meta = std::fs::File::from(std::os::fd::OwnedFd::from(
        writer.try_clone().expect("clone"),
    ))
    .metadata()
    .expect("fstat");
    let journal = format!("{}:{}", meta.dev(), meta.ino());
    let mut child = spawn_run(&env, Stdio::from(writer), Some(journal));
    let lines = lines_until_signed(&mut child, reader);
    // The bound address comes first, then what the engine uses.
    assert!(
        lines
            .first()
            .is_some_and(|l| l.starts_with("<5>listening for phones on 127.0.0.1:")),
        "{lines:?}"
    );
    assert!(
        lines
            .get(1)
            .is_some_and(|l| l.starts_with("<5>started: issuer mode capf")),
        "{lines:?}"
    );
    for dev in ["SEP0000000000A1", "SEP0000000000A2"] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("<6>{dev}: LSC "))
                    && l.ends_with("issued for its pending CSR")),
            "{dev}: {lines:?}"
        );
    }
    assert_eq!(lines.last().map(String::as_str), Some("<5>stopped"));
    assert!(
        lines
            .iter()
            .all(|l| !is_cli_time(l.get(3..22).unwrap_or(""))),
        "no own timestamp under journald: {lines:?}"
    );
}

/// An inherited `JOURNAL_STREAM` that names another stream (capfd started from a unit's shell
/// but writing to a pipe) is not the journal: plain timestamped lines.
#[test]
fn a_journal_stream_naming_another_file_is_ignored() {
    let env = TestEnv::new();
    let mut child = spawn_run(&env, Stdio::piped(), Some("1:1".into()));
    let err = child.stderr.take().expect("stderr");
    let mut it = BufReader::new(err).lines();
    let listening = it.next().expect("a line").expect("read");
    assert!(
        listening.contains(" capfd: listening for phones on "),
        "{listening}"
    );
    let first = it.next().expect("a line").expect("read");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert!(is_cli_time(&first[..19]), "{first}");
    assert!(first.contains(" capfd: started: "), "{first}");
}
