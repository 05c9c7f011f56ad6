//! The LSC lifecycle after issuance, against real peers: revocation and the CRL (`openssl crl`,
//! `openssl verify -crl_check`, pkilint's `lint_crl`), `capfd run --crl`, export with the CA
//! chain, the CA rollover made visible, tidy. Every refusal leaves the store as it was.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::pki_standards::{capf_ca_pem, enroll};
use crate::support::{Run, TestEnv, openssl_csr, run_ok, stderr, stdout, words};

/// A store with a CAPF CA and an EC LSC for each device; returns the LSC files.
fn store_with_lscs(env: &TestEnv, devices: &[&str]) -> Vec<PathBuf> {
    let out = env.capfd().arg("init").output().expect("init");
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = env.home();
    devices
        .iter()
        .map(|d| {
            let csr = openssl_csr(
                dir,
                d,
                d,
                &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
                &[],
            );
            let lsc = dir.join(format!("{d}.lsc.pem"));
            enroll(env, d, &csr, &lsc);
            lsc
        })
        .collect()
}

fn json(env: &TestEnv, args: &[&str]) -> serde_json::Value {
    let out = env.capfsh().arg("--format").arg("json").args(args).run();
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("json")
}

fn serial_of(env: &TestEnv, device: &str) -> String {
    let v = json(env, &["show", "capf", "lsc", "device", device]);
    v[0]["serial"].as_str().expect("serial").to_owned()
}

/// Runs a capfsh command that must fail, and checks that the store did not change.
fn refused(env: &TestEnv, args: &[&str], reason: &str) {
    let before = env.digest();
    let out = env.capfsh().args(args).run();
    assert_ne!(out.status.code(), Some(0), "{args:?} should fail");
    let all = stdout(&out) + &stderr(&out);
    assert!(
        all.contains(reason),
        "{args:?}: expected {reason:?} in {all}"
    );
    assert!(all.contains("Executed command unsuccessfully"), "{all}");
    assert_eq!(env.digest(), before, "{args:?} changed the store");
}

fn crl_text(dir: &Path, crl: &Path) -> String {
    let crl = crl.to_string_lossy().into_owned();
    stdout(&run_ok(
        dir,
        "openssl",
        &["crl", "-noout", "-text", "-in", &crl],
    ))
}

fn verify_with_crl(ca: &Path, crl: &Path, cert: &Path) -> (bool, String) {
    let out = Command::new("openssl")
        .args(["verify", "-crl_check", "-x509_strict", "-CAfile"])
        .arg(ca)
        .arg("-CRLfile")
        .arg(crl)
        .arg(cert)
        .output()
        .expect("openssl");
    (out.status.success(), stdout(&out) + &stderr(&out))
}

#[test]
fn revoked_lscs_are_listed_on_the_crl_and_openssl_refuses_them() {
    let env = TestEnv::new();
    let dir = env.home();
    let devs = ["SEP0000000000R1", "SEP0000000000R2", "SEP0000000000R3"];
    let lscs = store_with_lscs(&env, &devs);
    let ca = capf_ca_pem(&env, dir, "ca.pem");
    // Revoke R1 by device name, R2 by serial (with openssl's colons, upper case).
    let out = env
        .capfsh()
        .args([
            "utils",
            "capf",
            "lsc",
            "revoke",
            devs[0],
            "reason",
            "keyCompromise",
            "noconfirm",
        ])
        .output()
        .expect("revoke");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("Revoked 1 LSC (keyCompromise)"),
        "{}",
        stdout(&out)
    );
    let s2 = serial_of(&env, devs[1]);
    let colons: String = s2
        .to_ascii_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":");
    let out = env
        .capfsh()
        .args([
            "utils",
            "capf",
            "lsc",
            "revoke",
            "serial",
            &colons,
            "reason",
            "sup",
            "noconfirm",
        ])
        .output()
        .expect("revoke");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("(superseded)"), "{}", stdout(&out));
    let crl = dir.join("capf.crl.pem");
    let out = env.run_capfd_file("crl --days 3 --out", &crl);
    out.success();
    let text = crl_text(dir, &crl);
    assert!(text.contains("Version 2 (0x1)"), "{text}");
    assert!(
        text.contains("X509v3 CRL Number: \n                1"),
        "{text}"
    );
    assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
    assert!(text.contains("Key Compromise"), "{text}");
    assert!(text.contains("Superseded"), "{text}");
    assert!(text.contains("Next Update:"), "{text}");
    assert!(text.contains(&s2.to_ascii_uppercase()), "{text}");
    // The CRL's AKI is the CA's SKI.
    let ca_text = stdout(&run_ok(
        dir,
        "openssl",
        &["x509", "-noout", "-text", "-in", "ca.pem"],
    ));
    let ski = ca_text
        .lines()
        .skip_while(|l| !l.contains("Subject Key Identifier"))
        .nth(1)
        .expect("ski")
        .trim()
        .to_owned();
    assert!(text.contains(&ski), "AKI {ski} in {text}");
    if Command::new("lint_crl").arg("--help").output().is_ok() {
        let out = Command::new("lint_crl")
            .args(["lint", "-t", "CRL", "-p", "PKIX", "-s", "NOTICE"])
            .arg(&crl)
            .output()
            .expect("lint_crl");
        let findings = (stdout(&out) + &stderr(&out)).trim().to_owned();
        assert_eq!(findings, "", "pkilint findings on the CRL");
    } else {
        eprintln!("SKIPPED lint_crl: pkilint is not installed (pip could not install it)");
    }
    for (lsc, revoked) in lscs.iter().zip([true, true, false]) {
        let (ok, text) = verify_with_crl(&ca, &crl, lsc);
        assert_eq!(ok, !revoked, "{}: {text}", lsc.display());
        if revoked {
            assert!(text.contains("certificate revoked"), "{text}");
        }
    }
    // Listed as revoked, counted, audited; a revoked LSC cannot be installed.
    let v = json(&env, &["show", "capf", "lsc"]);
    let states: Vec<&str> = v
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["state"].as_str().expect("state"))
        .collect();
    assert_eq!(states.iter().filter(|s| **s == "revoked").count(), 2, "{v}");
    let status = json(&env, &["show", "capf", "status"]);
    assert_eq!(status["revoked_lscs"], 2, "{status}");
    assert_eq!(status["issued_lscs"], 1, "{status}");
    let audit = stdout(
        &env.capfsh()
            .args(["show", "capf", "audit"])
            .output()
            .expect("audit"),
    );
    assert!(audit.contains("revoked (keyCompromise)"), "{audit}");
    assert!(audit.contains("crl 1 issued (2 revoked)"), "{audit}");
    let out = env
        .capfd()
        .args([
            "installed",
            "--device",
            devs[0],
            "--serial",
            &serial_of(&env, devs[0]),
        ])
        .output()
        .expect("installed");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is revoked"), "{}", stderr(&out));
    // The next CRL has the next number.
    let out = env.capfd().arg("crl").output().expect("crl");
    assert!(
        stdout(&out).starts_with("-----BEGIN X509 CRL-----"),
        "{}",
        stdout(&out)
    );
    std::fs::write(dir.join("second.pem"), stdout(&out)).expect("write");
    assert!(
        crl_text(dir, &dir.join("second.pem")).contains("X509v3 CRL Number: \n                2")
    );
}

#[test]
fn revoke_refusals_change_nothing() {
    let env = TestEnv::new();
    store_with_lscs(&env, &["SEP0000000000X1"]);
    refused(
        &env,
        &words("utils capf lsc revoke SEP0000000000ZZ noconfirm"),
        "no LSC found for device SEP0000000000ZZ",
    );
    refused(
        &env,
        &words("utils capf lsc revoke serial xyz noconfirm"),
        "is not valid: enter the LSC's serial in hex",
    );
    refused(
        &env,
        &words("utils capf lsc revoke serial 0abc noconfirm"),
        "no LSC found for serial 0abc",
    );
    refused(
        &env,
        &words("utils capf lsc revoke SEP0000000000X1 reason bored noconfirm"),
        "Invalid value \"bored\" for <reason>",
    );
    // Without a terminal and without noconfirm: refused, nothing revoked.
    refused(
        &env,
        &words("utils capf lsc revoke SEP0000000000X1"),
        "needs confirmation, but there is no terminal to ask on",
    );
    env.capfsh()
        .args(words("utils capf lsc revoke SEP0000000000X1 noconfirm"))
        .assert()
        .success();
    refused(
        &env,
        &words("utils capf lsc revoke SEP0000000000X1 noconfirm"),
        "already revoked",
    );
    // None of that issued a CRL.
    let conn = rusqlite::Connection::open(&env.db).expect("db");
    let crls: i64 = conn
        .query_row("SELECT count(*) FROM crl", [], |r| r.get(0))
        .expect("count");
    assert_eq!(crls, 0);
}

#[test]
fn a_revoked_lsc_is_never_stale_deleted_and_stays_on_the_crl_after_its_row_goes() {
    let env = TestEnv::new();
    let dir = env.home();
    let devs = ["SEP0000000000S1"];
    store_with_lscs(&env, &devs);
    let old_serial = serial_of(&env, devs[0]);
    // A newer CSR makes the first LSC stale; revoking it makes it revoked instead.
    let csr = openssl_csr(
        dir,
        "newer",
        devs[0],
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &[],
    );
    enroll(&env, devs[0], &csr, &dir.join("newer.pem"));
    let stale = json(&env, &["utils", "capf", "stale-lsc", "list"]);
    assert_eq!(stale.as_array().map(Vec::len), Some(1), "{stale}");
    env.capfsh()
        .args([
            "utils",
            "capf",
            "lsc",
            "revoke",
            "serial",
            &old_serial,
            "noconfirm",
        ])
        .assert()
        .success();
    let stale = json(&env, &["utils", "capf", "stale-lsc", "list"]);
    assert_eq!(
        stale.as_array().map(Vec::len),
        Some(0),
        "revoked, not stale: {stale}"
    );
    let out = env
        .capfsh()
        .args(["utils", "capf", "stale-lsc", "delete", "all", "noconfirm"])
        .output()
        .expect("delete");
    assert!(
        stdout(&out).contains("No stale LSCs found"),
        "{}",
        stdout(&out)
    );
    let v = json(&env, &["show", "capf", "lsc", "device", devs[0]]);
    assert_eq!(v.as_array().map(Vec::len), Some(2), "{v}");
    // Its row expires and is tidied away: the CRL still lists it.
    let conn = rusqlite::Connection::open(&env.db).expect("db");
    conn.execute(
        "UPDATE lsc SET not_before = not_before - 400 * 86400000000,
                        not_after = not_before - 399 * 86400000000
          WHERE serial = ?1",
        [&old_serial],
    )
    .expect("age the LSC");
    let out = env
        .capfsh()
        .args(words("utils capf tidy expired-lscs older-than 0 noconfirm"))
        .output()
        .expect("tidy");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Deleted 1 expired LSC\n");
    let v = json(&env, &["show", "capf", "lsc", "device", devs[0]]);
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    let out = env.capfd().arg("crl").output().expect("crl");
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(dir.join("crl.pem"), stdout(&out)).expect("write");
    let text = crl_text(dir, &dir.join("crl.pem"));
    assert!(text.contains(&old_serial.to_ascii_uppercase()), "{text}");
}

#[test]
fn capfd_run_keeps_the_crl_file_current() {
    let env = TestEnv::new();
    let dir = env.home();
    let devs = ["SEP0000000000C1", "SEP0000000000C2"];
    store_with_lscs(&env, &devs);
    // A CSR left pending in offline mode: the engine signs it, cut at the CA's end (five years
    // each by default), and says so in its log.
    env.capfsh()
        .args(["utils", "capf", "set", "mode", "offline"])
        .assert()
        .success();
    let csr = openssl_csr(
        dir,
        "late",
        "SEP0000000000C3",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &[],
    );
    env.enroll_cmd("SEP0000000000C3", &csr).assert().success();
    env.capfsh()
        .args(["utils", "capf", "set", "mode", "capf"])
        .assert()
        .success();
    let crl = dir.join("live.crl");
    let mut run = env.capfd_run(&[
        "--interval-ms",
        "100",
        "--listen",
        "127.0.0.1:0",
        "--crl",
        &crl.display().to_string(),
    ]);
    let mut wait_for = |what: &str| run.wait_for_next(what);
    let cut = wait_for("LSC cut to the CAPF CA's end of validity");
    assert!(
        cut.contains("SEP0000000000C3") && cut.contains("warning"),
        "{cut}"
    );
    let first = wait_for("CRL 1 written");
    assert!(first.contains("(0 revoked"), "{first}");
    assert!(crl.is_file());
    env.capfsh()
        .args(["utils", "capf", "lsc", "revoke", devs[1], "noconfirm"])
        .assert()
        .success();
    let second = wait_for("CRL 2 written");
    assert!(second.contains("(1 revoked"), "{second}");
    let text = crl_text(dir, &crl);
    assert!(
        text.contains(&serial_of(&env, devs[1]).to_ascii_uppercase()),
        "{text}"
    );
    let ca = capf_ca_pem(&env, dir, "ca.pem");
    let (ok, out) = verify_with_crl(&ca, &crl, &dir.join(format!("{}.lsc.pem", devs[1])));
    assert!(!ok, "{out}");
    let (ok, out) = verify_with_crl(&ca, &crl, &dir.join(format!("{}.lsc.pem", devs[0])));
    assert!(ok, "{out}");
    // No new revocation, CRL still fresh: not rewritten.
    let (status, rest) = run.stop();
    assert!(status.success());
    assert!(!rest.iter().any(|l| l.contains("CRL 3")), "{rest:?}");
    // No temporary files left beside it.
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn export_writes_each_lsc_with_its_chain_all_or_nothing_never_overwriting() {
    let env = TestEnv::new();
    let dir = env.home();
    let devs = ["SEP0000000000E1", "SEP0000000000E2", "SEP0000000000E3"];
    store_with_lscs(&env, &devs);
    env.capfsh()
        .args(["utils", "capf", "lsc", "revoke", devs[2], "noconfirm"])
        .assert()
        .success();
    let out_dir = dir.join("export");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let out = env.run_capfsh_file("utils capf lsc export all", &out_dir);
    out.success();
    assert!(
        stdout(&out).starts_with("Exported 2 LSCs to"),
        "revoked ones are not exported: {}",
        stdout(&out)
    );
    for d in &devs[..2] {
        let file = out_dir.join(format!("{d}.pem"));
        let pem = std::fs::read_to_string(&file).expect("read");
        assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 2, "LSC + CA");
        // The file is its own chain: the CA certificate in it verifies the LSC in it.
        let (ok, text) = {
            let o = Command::new("openssl")
                .args(["verify", "-x509_strict", "-CAfile"])
                .arg(&file)
                .arg(&file)
                .output()
                .expect("openssl");
            (o.status.success(), stdout(&o) + &stderr(&o))
        };
        assert!(ok, "{text}");
    }
    assert!(!out_dir.join(format!("{}.pem", devs[2])).exists());
    // Again: every file exists, nothing is overwritten, nothing written.
    let before: Vec<_> = devs[..2]
        .iter()
        .map(|d| std::fs::read(out_dir.join(format!("{d}.pem"))).expect("read"))
        .collect();
    refused(
        &env,
        &[
            "utils",
            "capf",
            "lsc",
            "export",
            "all",
            out_dir.to_str().expect("utf-8"),
        ],
        "nothing was written (export never overwrites)",
    );
    for (d, b) in devs[..2].iter().zip(&before) {
        assert_eq!(
            &std::fs::read(out_dir.join(format!("{d}.pem"))).expect("read"),
            b
        );
    }
    // One file in the way stops the whole export: the other device's file is not written.
    let partial = dir.join("partial");
    std::fs::create_dir(&partial).expect("mkdir");
    std::fs::write(partial.join(format!("{}.pem", devs[1])), "mine").expect("write");
    refused(
        &env,
        &[
            "utils",
            "capf",
            "lsc",
            "export",
            "all",
            partial.to_str().expect("utf-8"),
        ],
        "already exists",
    );
    assert!(!partial.join(format!("{}.pem", devs[0])).exists());
    assert_eq!(
        std::fs::read_to_string(partial.join(format!("{}.pem", devs[1]))).expect("read"),
        "mine"
    );
    // A symlink in the way counts as a file: never written through.
    let linked = dir.join("linked");
    std::fs::create_dir(&linked).expect("mkdir");
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("target"), linked.join(format!("{}.pem", devs[0])))
        .expect("symlink");
    refused(
        &env,
        &[
            "utils",
            "capf",
            "lsc",
            "export",
            devs[0],
            linked.to_str().expect("utf-8"),
        ],
        "already exists",
    );
    assert!(!dir.join("target").exists());
    // One device, nochain: the LSC alone.
    let single = dir.join("single");
    std::fs::create_dir(&single).expect("mkdir");
    env.capfsh()
        .args(["utils", "capf", "lsc", "export", devs[0]])
        .arg(&single)
        .arg("nochain")
        .assert()
        .success();
    let pem = std::fs::read_to_string(single.join(format!("{}.pem", devs[0]))).expect("read");
    assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 1);
    refused(
        &env,
        &[
            "utils",
            "capf",
            "lsc",
            "export",
            devs[2],
            single.to_str().expect("utf-8"),
        ],
        "has no current LSC",
    );
    refused(
        &env,
        &words("utils capf lsc export all /nonexistent/folder"),
        "is not a folder",
    );
    // `show capf lsc device <name> pem` prints the same certificate.
    let out = env
        .capfsh()
        .args(["show", "capf", "lsc", "device", devs[0], "pem"])
        .output()
        .expect("show");
    assert!(stdout(&out).contains(pem.trim_end()), "{}", stdout(&out));
}

#[test]
fn a_ca_rollover_is_visible_in_cert_all_the_issuer_column_and_status() {
    let env = TestEnv::new();
    let dir = env.home();
    store_with_lscs(&env, &["SEP0000000000O1"]);
    let old = json(&env, &["show", "capf", "cert"]);
    let out = env
        .capfd()
        .args(["init", "--force", "--key", "rsa-2048"])
        .output()
        .expect("init");
    assert!(out.status.success(), "{}", stderr(&out));
    let csr = openssl_csr(dir, "o2", "SEP0000000000O2", &["-newkey", "rsa:2048"], &[]);
    enroll(&env, "SEP0000000000O2", &csr, &dir.join("o2.pem"));
    let cas = json(&env, &["show", "capf", "cert", "all"]);
    let rows = cas.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{cas}");
    assert_eq!(rows[0]["state"], "active");
    assert_eq!(rows[1]["state"], "retired");
    assert_eq!(rows[1]["sha256_fingerprint"], old["sha256_fingerprint"]);
    assert_eq!(rows[1]["serial"], old["serial"]);
    let old_cn = old["subject"]
        .as_str()
        .and_then(|s| s.strip_prefix("CN="))
        .and_then(|s| s.split(',').next())
        .expect("cn")
        .to_owned();
    let v = json(&env, &["show", "capf", "lsc"]);
    let issuer = |d: &str| {
        v.as_array()
            .expect("rows")
            .iter()
            .find(|r| r["device"] == d)
            .map(|r| r["issuer"].as_str().unwrap_or_default().to_owned())
            .expect("row")
    };
    assert_eq!(issuer("SEP0000000000O1"), format!("{old_cn} (retired)"));
    assert!(issuer("SEP0000000000O2").starts_with("CAPF-"));
    assert!(!issuer("SEP0000000000O2").contains("retired"));
    let status = json(&env, &["show", "capf", "status"]);
    assert_eq!(status["retired_ca_lscs"], 1, "{status}");
    let table = stdout(
        &env.capfsh()
            .args(["show", "capf", "cert", "all"])
            .output()
            .expect("run"),
    );
    assert!(table.contains("2 CAPF CA certificates found"), "{table}");
    assert!(
        table
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("=======")),
        "{table}"
    );
}

#[test]
fn tidy_deletes_past_the_margin_in_one_go_and_dry_run_changes_nothing() {
    use crate::support::{actor, new_csr};
    let env = TestEnv::new();
    // Superseded CSRs from 2026-11-20 (the fixed test clock), one still pending.
    {
        let mut s = env.store();
        for (i, m) in [0, 10, 20].iter().enumerate() {
            s.record_csr(
                &new_csr(
                    "SEP0000000000T1",
                    *m,
                    "CN=SEP0000000000T1",
                    "EC",
                    256,
                    i as u8 + 1,
                ),
                &actor(),
            )
            .expect("csr");
        }
    }
    let before = env.digest();
    let out = env
        .capfsh()
        .args(["utils", "capf", "tidy", "dry-run", "older-than", "0"])
        .output()
        .expect("tidy");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("Dry run: would delete 0 expired LSCs and 2 superseded CSRs"),
        "{text}"
    );
    assert!(
        text.contains("  CSR of SEP0000000000T1, submitted 2026-11-20 08:00:00"),
        "{text}"
    );
    assert_eq!(env.digest(), before, "dry-run changes nothing");
    // The default margin (30 days) keeps them: they are only days old.
    let out = env
        .capfsh()
        .args(["utils", "capf", "tidy", "noconfirm"])
        .output()
        .expect("tidy");
    assert!(
        stdout(&out).starts_with("Nothing to tidy"),
        "{}",
        stdout(&out)
    );
    assert_eq!(env.digest(), before);
    // Bad values: usage errors, nothing changed.
    for (args, reason) in [
        (
            vec!["older-than", "soon"],
            "older-than \"soon\" is not valid",
        ),
        (vec!["older-than"], "needs <days>"),
        (vec!["dry-run", "dry-run"], "dry-run is given twice"),
        (vec!["everything"], "Too many arguments"),
        (
            vec!["older-than", "99999999"],
            "older-than \"99999999\" is not valid",
        ),
    ] {
        let mut full = vec!["utils", "capf", "tidy"];
        full.extend(args);
        full.push("noconfirm");
        refused(&env, &full, reason);
    }
    // Without a terminal: confirmation needed, refused.
    refused(
        &env,
        &words("utils capf tidy superseded-csrs older-than 0"),
        "needs confirmation",
    );
    let out = env
        .capfsh()
        .args(words(
            "--format json utils capf tidy superseded-csrs older-than 0 noconfirm",
        ))
        .output()
        .expect("tidy");
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["deleted_csrs"], 2, "{v}");
    assert_eq!(v["deleted_lscs"], 0, "{v}");
    let pending = json(&env, &["utils", "capf", "csr", "list"]);
    assert_eq!(
        pending.as_array().map(Vec::len),
        Some(1),
        "the pending CSR stays"
    );
    let audit = stdout(
        &env.capfsh()
            .args(["show", "capf", "audit", "1"])
            .output()
            .expect("audit"),
    );
    assert!(
        audit.contains("tidy: 0 expired lscs and 2 superseded csrs deleted"),
        "{audit}"
    );
}
