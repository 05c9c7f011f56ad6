//! Issue 8, items 6, 9, 10 and 11: who the audit log names and what it records for capfd,
//! the busy-timeout variable, a newer schema hiding in the `-wal`, and CSR subjects that do not
//! decode.

use std::path::Path;

use crate::support::{Run, TestEnv, csr_pem, me, stderr};

/// The audit log, oldest first: (os_user, command, outcome, detail).
fn audit(env: &TestEnv) -> Vec<(String, String, String, Option<String>)> {
    let conn =
        rusqlite::Connection::open_with_flags(&env.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open");
    let mut stmt = conn
        .prepare("SELECT os_user, command, outcome, detail FROM audit_log ORDER BY id")
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn init(env: &TestEnv) {
    let out = env.capfd().arg("init").output().expect("init");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn the_audit_log_names_the_real_user_whatever_user_says() {
    let env = TestEnv::new();
    let out = env
        .capfsh()
        .env("USER", "mallory")
        .env("LOGNAME", "mallory")
        .args(["utils", "capf", "set", "validity", "100"])
        .run();
    out.success();
    let log = audit(&env);
    let last = log.last().expect("a line");
    assert_eq!(last.0, me());
    assert_ne!(last.0, "mallory");
    let out = env
        .capfd()
        .env("USER", "mallory")
        .arg("init")
        .output()
        .expect("init");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(audit(&env).last().expect("line").0, me());
}

#[test]
fn sudo_user_is_kept_as_a_detail_never_as_the_actor() {
    if !nix::unistd::Uid::current().is_root() {
        eprintln!("not root: sudo detail applies to root only, nothing to check as this user");
        return;
    }
    let env = TestEnv::new();
    let out = env
        .capfsh()
        .env("SUDO_USER", "alice")
        .args(["utils", "capf", "set", "validity", "100"])
        .run();
    out.success();
    assert_eq!(
        audit(&env).last().expect("line").0,
        format!("{} (sudo: alice)", me())
    );
}

#[test]
fn capfd_refused_changes_each_leave_one_failed_line() {
    let env = TestEnv::new();
    init(&env);
    let junk = env.home().join("junk.csr");
    std::fs::write(&junk, b"not a csr at all").expect("junk");
    let runs: [&[&str]; 3] = [
        &["init"],
        &["enroll", "--device", "SEP000000000001", "--csr", "junk.csr"],
        &["installed", "--device", "SEP0000000000AA"],
    ];
    for args in runs {
        let before = audit(&env).len();
        let out = env.capfd().current_dir(env.home()).args(args).run();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let log = audit(&env);
        assert_eq!(log.len(), before + 1, "{args:?}: {log:?}");
        let (user, command, outcome, detail) = log.last().expect("line").clone();
        assert_eq!(outcome, "failed", "{args:?}");
        assert_eq!(user, me());
        assert_eq!(
            command,
            format!("capfd --db {} {}", env.db.display(), args.join(" "))
        );
        let reason = stderr(&out);
        let reason = reason.trim().trim_start_matches("capfd: ");
        assert_eq!(detail.as_deref(), Some(reason), "{args:?}");
    }
}

#[test]
fn a_capf_mode_enrollment_is_one_audit_line_naming_the_csr_and_its_lsc() {
    let env = TestEnv::new();
    init(&env);
    let csr = env.home().join("p.csr");
    std::fs::write(&csr, csr_pem("SEP000000000001")).expect("csr");
    let before = audit(&env).len();
    let out = env
        .enroll_cmd("SEP000000000001", &csr)
        .output()
        .expect("enroll");
    assert!(out.status.success(), "{}", stderr(&out));
    let log = audit(&env);
    assert_eq!(log.len(), before + 1, "{log:?}");
    let detail = log.last().and_then(|l| l.3.clone()).expect("detail");
    let serial: String = rusqlite::Connection::open(&env.db)
        .expect("open")
        .query_row("SELECT serial FROM lsc", [], |r| r.get(0))
        .expect("serial");
    assert_eq!(
        detail,
        format!("csr recorded for SEP000000000001 and answered by lsc {serial}")
    );
}

#[test]
fn a_bad_busy_timeout_is_refused_by_both_binaries_without_a_panic() {
    let env = TestEnv::new();
    for value in ["2147483648", "abc", "-1", "99999999999999999999"] {
        let out = env
            .capfsh()
            .env("CAPFSH_BUSY_TIMEOUT_MS", value)
            .args(["utils", "capf", "csr", "count"])
            .run();
        assert_eq!(out.status.code(), Some(1), "{value:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.starts_with("CAPFSH_BUSY_TIMEOUT_MS=") && err.contains("0 to 3600000"),
            "{value:?}: {err}"
        );
        assert_eq!(err.lines().count(), 2, "{err}");
        let out = env
            .capfd()
            .env("CAPFSH_BUSY_TIMEOUT_MS", value)
            .arg("init")
            .run();
        assert_eq!(out.status.code(), Some(1), "{value:?}: {}", stderr(&out));
        out.stderr_has("CAPFSH_BUSY_TIMEOUT_MS");
    }
    assert!(!env.db.exists(), "no store was created");
    let out = env
        .capfsh()
        .env("CAPFSH_BUSY_TIMEOUT_MS", "2500")
        .args(["utils", "capf", "csr", "count"])
        .run();
    out.success();
}

fn sidecar(db: &Path, suffix: &str) -> std::path::PathBuf {
    let mut s = db.as_os_str().to_os_string();
    s.push(suffix);
    s.into()
}

#[test]
fn a_newer_schema_only_in_the_wal_is_refused_before_anything_can_checkpoint() {
    let env = TestEnv::new();
    env.seed();
    {
        let c = rusqlite::Connection::open(&env.db).expect("open");
        c.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .expect("no checkpoint on close");
        c.pragma_update(None, "user_version", 99).expect("version");
    }
    let wal = sidecar(&env.db, "-wal");
    let main_before = std::fs::read(&env.db).expect("main");
    let wal_before = std::fs::read(&wal).expect("the version is in the -wal");
    assert!(!wal_before.is_empty());
    assert_ne!(
        &main_before[60..64],
        &99u32.to_be_bytes(),
        "not in the main file"
    );
    let out = env.capfsh().args(["utils", "capf", "csr", "count"]).run();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    out.stderr_has("newer");
    let out = env.capfd().arg("init").run();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    out.stderr_has("newer");
    assert!(
        std::fs::read(&env.db).expect("main") == main_before,
        "the main file changed"
    );
    assert!(
        std::fs::read(&wal).expect("-wal kept") == wal_before,
        "the -wal changed"
    );
}

// --- CSRs with subjects that do not decode (item 11) ---

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = content.len();
    if n < 0x80 {
        v.push(n as u8);
    } else if n < 0x100 {
        v.extend([0x81, n as u8]);
    } else {
        v.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    v.extend_from_slice(content);
    v
}

/// A CSR whose subject is one CN with `value` (a whole DER element), signed for real with a
/// fresh P-256 key, so only the subject can be wrong.
fn csr_with_cn_value(value: &[u8]) -> Vec<u8> {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("key");
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).expect("key");
    const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
    const P256: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
    const CN: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
    const ECDSA_SHA256: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
    let mut bits = vec![0];
    bits.extend_from_slice(key.public_key().as_ref());
    let spki = der(
        0x30,
        &[der(0x30, &[EC_PUBLIC_KEY, P256].concat()), der(0x03, &bits)].concat(),
    );
    let name = der(0x30, &der(0x31, &der(0x30, &[CN, value].concat())));
    let info = der(
        0x30,
        &[&[0x02, 0x01, 0x00][..], &name, &spki, &[0xA0, 0x00]].concat(),
    );
    let sig = key.sign(&rng, &info).expect("sign");
    let mut sig_bits = vec![0];
    sig_bits.extend_from_slice(sig.as_ref());
    der(
        0x30,
        &[info, der(0x30, ECDSA_SHA256), der(0x03, &sig_bits)].concat(),
    )
}

#[test]
fn csr_subjects_that_do_not_decode_are_refused_at_intake_with_the_reason() {
    let env = TestEnv::new();
    let set = env
        .capfsh()
        .args(["utils", "capf", "set", "mode", "offline"])
        .output()
        .expect("mode");
    assert!(set.status.success(), "{}", stderr(&set));
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "odd",
            der(0x1E, b"\x00S\x00E\x00"),
            "BMPString of odd length",
        ),
        (
            "surrogate",
            der(0x1E, b"\xD8\x00\x00A"),
            "BMPString that is not valid UTF-16",
        ),
        (
            "integer",
            der(0x02, &[5]),
            "value is not a string (ASN.1 tag 2)",
        ),
        (
            "utf8",
            der(0x0C, &[0x53, 0xC3, 0x28]),
            "UTF8String that is not valid UTF-8",
        ),
    ];
    let before = env.digest();
    for (name, value, reason) in cases {
        let file = env.home().join(format!("{name}.der"));
        std::fs::write(&file, csr_with_cn_value(&value)).expect("csr");
        let out = env
            .enroll_cmd("SEP000000000001", &file)
            .output()
            .expect("enroll");
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("subject attribute 1 (2.5.4.3): {reason}")),
            "{name}: {err}"
        );
    }
    assert_eq!(env.digest(), before, "nothing was stored");
    // The same builder with a proper subject is accepted: only the subject was wrong, and an
    // offline CA's openssl reads what `csr export` writes.
    let good = env.home().join("good.der");
    std::fs::write(&good, csr_with_cn_value(&der(0x0C, b"SEP000000000001"))).expect("csr");
    let out = env
        .enroll_cmd("SEP000000000001", &good)
        .output()
        .expect("enroll");
    assert!(out.status.success(), "{}", stderr(&out));
    let export = env.home().join("export");
    std::fs::create_dir(&export).expect("dir");
    let out = env.run_capfsh_file("utils capf csr export", &export);
    out.success();
    let check = std::process::Command::new("openssl")
        .args(["req", "-noout", "-verify", "-subject", "-in"])
        .arg(export.join("SEP000000000001.csr"))
        .output()
        .expect("openssl");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("CN=SEP000000000001")
            || String::from_utf8_lossy(&check.stdout).contains("CN = SEP000000000001"),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn a_value_refused_before_the_store_was_needed_is_audited_when_the_store_exists() {
    let env = TestEnv::new();
    // No store yet: the refusal creates none.
    let out = env
        .capfsh()
        .args(["utils", "capf", "set", "keep_alive", "99"])
        .run();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!env.db.exists(), "a refused value created a store");
    env.seed();
    let before = audit(&env).len();
    let out = env
        .capfsh()
        .args(["utils", "capf", "set", "keep_alive", "99"])
        .run();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let log = audit(&env);
    assert_eq!(log.len(), before + 1, "{log:?}");
    let (user, command, outcome, detail) = log.last().expect("line").clone();
    assert_eq!((user.as_str(), outcome.as_str()), (me().as_str(), "failed"));
    assert!(
        command.ends_with("utils capf set keep_alive 99"),
        "{command}"
    );
    assert!(detail.is_some_and(|d| d.contains("99")));
}
