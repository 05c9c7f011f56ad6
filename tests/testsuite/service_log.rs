//! `capfd run`'s log: one line per event naming the device, the CLI's timestamp form on a plain
//! stream, syslog priority prefixes and no timestamp when standard error is the journal's.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Bin, Service, TestEnv, csr_pem, stderr};

/// A CAPF CA and two CSRs left pending in offline mode, then mode capf: `capfd run` has two
/// devices to sign.
fn store_with_two_pending(env: &TestEnv) {
    let out = env.run_capfd(&["init"]);
    out.success();
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
        let out = env.enroll_cmd(dev, &csr).output().expect("enroll");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    env.capfsh()
        .args(["utils", "capf", "set", "mode", "capf"])
        .assert()
        .success();
}

/// `capfd run` on a free loopback port (tests run side by side), with `JOURNAL_STREAM` if given.
fn spawn_run(env: &TestEnv, journal: Option<&str>) -> Command {
    let mut cmd = env.process(Bin::Capfd);
    cmd.args(["run", "--interval-ms", "100", "--listen", "127.0.0.1:0"]);
    if let Some(j) = journal {
        cmd.env("JOURNAL_STREAM", j);
    }
    cmd
}

/// Reads lines until both devices were named as signed (or 60 s pass), then stops capfd.
fn lines_until_signed(mut run: Service) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let signed =
        |lines: &[String], d: &str| lines.iter().any(|l| l.contains(d) && l.contains("issued"));
    while !(signed(&run.lines, "SEP0000000000A1") && signed(&run.lines, "SEP0000000000A2")) {
        let left = deadline.saturating_duration_since(Instant::now());
        if run.try_wait_for_next("issued", left).is_none() {
            break;
        }
    }
    let (status, _) = run.stop();
    let lines = run.lines.clone();
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
    let lines = lines_until_signed(Service::spawn(spawn_run(&env, None)));
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
    let child = spawn_run(&env, Some(&journal))
        .stdout(Stdio::null())
        .stderr(writer)
        .spawn()
        .expect("spawn capfd run");
    let lines = lines_until_signed(Service::reading(child, reader));
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
    let mut run = Service::spawn(spawn_run(&env, Some("1:1")));
    let listening = run.next_line();
    assert!(
        listening.contains(" capfd: listening for phones on "),
        "{listening}"
    );
    let first = run.next_line();
    run.stop();
    assert!(is_cli_time(&first[..19]), "{first}");
    assert!(first.contains(" capfd: started: "), "{first}");
}
