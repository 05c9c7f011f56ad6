//! The engine against real peers: CSRs made by the `openssl` command, LSCs checked by
//! `openssl verify` and `openssl x509 -text`, the offline-CA flow, the full life cycle.

use std::path::{Path, PathBuf};

use crate::support::{
    Run, TestEnv, openssl, openssl_csr, openssl_verify_ok, stderr, stdout, words,
};

/// Makes the external (offline) CA the offline-flow tests trust: `extca.pem` and `extca.key`.
fn make_ext_ca(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "extca.key",
            "-subj",
            "/CN=Example Issuing CA",
            "-days",
            "30",
            "-extensions",
            "v3_ca",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "extca.pem",
        ],
    );
}

/// Signs `csr` with the test's external CA (`extca.pem`/`extca.key`, extensions from
/// `lsc.ext`), as an offline CA would, writing `out`; `extra` adds `openssl x509` options.
fn sign_with_ext_ca(dir: &Path, csr: &str, out: &str, extra: &[&str]) {
    let mut args = vec![
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        "extca.pem",
        "-CAkey",
        "extca.key",
        "-CAcreateserial",
        "-days",
        "30",
        "-extfile",
        "lsc.ext",
        "-out",
        out,
    ];
    args.extend_from_slice(extra);
    openssl(dir, &args);
}

fn ca_pem(env: &TestEnv, dir: &Path) -> PathBuf {
    let out = env.run_capfsh(&["--format", "json", "show", "capf", "cert"]);
    out.success();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let path = dir.join("capf-ca.pem");
    std::fs::write(&path, v["pem"].as_str().expect("pem")).expect("write");
    path
}

fn init(env: &TestEnv) {
    let out = env.run_capfd(&["init", "--org", "Example"]);
    out.success();
}

fn text_of(dir: &Path, cert: &Path) -> String {
    let cert = cert.to_string_lossy().into_owned();
    stdout(&openssl(dir, &["x509", "-noout", "-text", "-in", &cert]))
}

#[test]
fn the_capf_ca_certificate_follows_the_rules() {
    let env = TestEnv::new();
    init(&env);
    let key = env.active_key();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key)
            .expect("key file")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    let pem = std::fs::read_to_string(&key).expect("key");
    let conn = rusqlite::Connection::open(&env.db).expect("db");
    let key_in_db: i64 = conn
        .query_row(
            "SELECT count(*) FROM capf_ca WHERE instr(der, ?1) > 0",
            [pem.as_bytes()],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(key_in_db, 0);
    let dir = env.home();
    let text = text_of(dir, &ca_pem(&env, dir));
    assert!(text.contains("Subject: CN = CAPF-"), "{text}");
    assert!(
        text.contains("X509v3 Basic Constraints: critical\n                CA:TRUE, pathlen:0"),
        "{text}"
    );
    assert!(
        text.contains(
            "X509v3 Key Usage: critical\n                Digital Signature, Certificate Sign"
        ),
        "{text}"
    );
    assert!(text.contains("X509v3 Subject Key Identifier"), "{text}");
    assert!(text.contains("ecdsa-with-SHA256"), "{text}");
    // A second init is refused; --force keeps the old one as retired.
    let out = env.run_capfd(&["init"]);
    assert_eq!(out.status.code(), Some(1));
    out.stderr_has("--force");
    let out = env.run_capfd(&["init", "--force", "--key", "ec-p384"]);
    out.success();
    let retired: i64 = conn
        .query_row(
            "SELECT count(*) FROM capf_ca WHERE retired_at IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(retired, 1);
}

#[test]
fn a_group_readable_key_is_refused() {
    let env = TestEnv::new();
    init(&env);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = env.active_key();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let dir = env.home();
        let csr = openssl_csr(
            dir,
            "p",
            "SEP000000000001",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            &[],
        );
        let before = env.digest();
        let out = env.enroll_cmd("SEP000000000001", &csr).run();
        assert_eq!(out.status.code(), Some(1));
        out.stderr_has("chmod 600");
        assert_eq!(env.digest(), before);
    }
}

#[test]
fn openssl_csrs_of_every_accepted_key_become_lscs_openssl_verifies() {
    let env = TestEnv::new();
    init(&env);
    let dir = env.home();
    let ca = ca_pem(&env, dir);
    let cases: &[(&str, &[&str], &[&str])] = &[
        ("rsa2048", &["-newkey", "rsa:2048"], &[]),
        (
            "rsa3072",
            &["-newkey", "rsa:3072"],
            &["-addext", "subjectKeyIdentifier=hash"],
        ),
        ("rsa4096", &["-newkey", "rsa:4096"], &[]),
        (
            "p256",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            &["-addext", "basicConstraints=critical,CA:TRUE"],
        ),
        (
            "p384",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
            &words("-addext subjectKeyIdentifier=hash -addext keyUsage=keyCertSign"),
        ),
        (
            "p521",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"],
            &[],
        ),
        ("rsa1024sha1", &["-newkey", "rsa:1024", "-sha1"], &[]),
    ];
    for (i, (name, newkey, extra)) in cases.iter().enumerate() {
        let device = format!("SEP0000000000{i:02}");
        let csr = openssl_csr(dir, name, &device, newkey, extra);
        let lsc = dir.join(format!("{name}.lsc.pem"));
        let out = env
            .enroll_cmd(&device, &csr)
            .arg("--out")
            .arg(&lsc)
            .output()
            .expect("enroll");
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        if *name == "rsa1024sha1" {
            assert!(stderr(&out).contains("weak CSR"), "{}", stderr(&out));
        }
        openssl_verify_ok(&ca, &lsc);
        let text = text_of(dir, &lsc);
        let exts: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("X509v3 ") && *l != "X509v3 extensions:")
            .collect();
        assert_eq!(
            exts,
            [
                "X509v3 Authority Key Identifier:",
                "X509v3 Key Usage: critical",
                "X509v3 Extended Key Usage:",
                "X509v3 Subject Key Identifier:",
            ],
            "{name}: {text}"
        );
        // RSA keys: Digital Signature + Key Encipherment; EC keys: Digital Signature only
        // (RFC 5480 section 3 forbids Key Encipherment for them).
        if name.starts_with("rsa") {
            assert!(
                text.contains("Digital Signature, Key Encipherment"),
                "{name}"
            );
        } else {
            assert!(
                text.contains("critical\n                Digital Signature\n"),
                "{name}: {text}"
            );
        }
        assert!(
            text.contains("TLS Web Server Authentication, TLS Web Client Authentication"),
            "{name}"
        );
        assert!(!text.contains("CA:TRUE"), "{name}");
        assert!(
            text.contains(&format!("Subject: CN = {device}\n")),
            "{name}: {text}"
        );
    }
    let out = env.run_capfsh(&["utils", "capf", "csr", "count"]);
    assert_eq!(stdout(&out), "7 CSRs pending\n");
}

#[test]
fn bad_csrs_are_refused_and_nothing_is_stored() {
    let env = TestEnv::new();
    init(&env);
    let dir = env.home();
    let good = openssl_csr(
        dir,
        "good",
        "SEP000000000001",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &[],
    );
    let der_path = dir.join("good.der");
    openssl(
        dir,
        &[
            "req", "-in", "good.csr", "-outform", "DER", "-out", "good.der",
        ],
    );
    let der = std::fs::read(&der_path).expect("der");
    let mut broken = der.clone();
    let n = broken.len();
    broken[n - 5] ^= 0x40;
    std::fs::write(dir.join("broken.der"), &broken).expect("write");
    std::fs::write(dir.join("truncated.der"), &der[..der.len() / 2]).expect("write");
    std::fs::write(dir.join("empty.csr"), b"").expect("write");
    std::fs::write(dir.join("big.csr"), vec![b'A'; 10 * 1024 * 1024]).expect("write");
    openssl(dir, &["genpkey", "-algorithm", "ed25519", "-out", "ed.key"]);
    openssl(
        dir,
        &words("req -new -key ed.key -subj /CN=SEP000000000002 -out ed.csr"),
    );
    openssl(
        dir,
        &[
            "req", "-x509", "-key", "good.key", "-subj", "/CN=x", "-days", "1", "-out", "cert.pem",
        ],
    );
    let before = env.digest();
    let cases: &[(&str, &str, &str)] = &[
        ("broken.der", "SEP000000000001", "signature does not verify"),
        ("truncated.der", "SEP000000000001", "malformed CSR"),
        ("empty.csr", "SEP000000000001", "empty"),
        ("big.csr", "SEP000000000001", "limit"),
        ("ed.csr", "SEP000000000002", "unsupported key"),
        ("cert.pem", "SEP000000000001", "wrong PEM type"),
        ("good.csr", "SEP 0001", "invalid device name"),
        ("good.csr", "SEP0000000000000000001", "at most 15"),
    ];
    for (file, device, reason) in cases {
        let out = env.enroll_cmd(device, dir.join(file)).run();
        assert_eq!(out.status.code(), Some(1), "{file}");
        let err = stderr(&out);
        assert!(
            err.contains(reason),
            "{file}: expected {reason:?} in {err:?}"
        );
        assert_eq!(err.lines().count(), 1, "{file}: {err}");
        assert!(out.stdout.is_empty());
        assert_eq!(env.digest(), before, "{file} changed the store");
    }
    let _ = good;
}

#[test]
fn the_full_life_cycle_on_one_store() {
    let env = TestEnv::new();
    init(&env);
    let dir = env.home();
    let enroll = |name: &str, device: &str| {
        let csr = openssl_csr(
            dir,
            name,
            device,
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            &[],
        );
        let out = env.enroll_cmd(device, &csr).output().expect("enroll");
        assert!(out.status.success(), "{}", stderr(&out));
        out
    };
    enroll("a1", "SEP00000000000A");
    enroll("b1", "SEP00000000000B");
    // A new CSR before the first LSC was installed: that LSC is now stale.
    let out = enroll("a2", "SEP00000000000A");
    assert!(stderr(&out).contains("now stale"), "{}", stderr(&out));
    let stale = env.run_capfsh(&["--format", "json", "utils", "capf", "stale-lsc", "list"]);
    let v: serde_json::Value = serde_json::from_slice(&stale.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert_eq!(v[0]["device"], "SEP00000000000A");
    let old_serial = v[0]["serial"].as_str().expect("serial").to_owned();
    let out = env.run_capfsh(&["utils", "capf", "stale-lsc", "delete", "all", "noconfirm"]);
    assert_eq!(stdout(&out), "Deleted 1 stale LSC\n");
    let all = env.run_capfsh(&["--format", "csv", "show", "capf", "lsc"]);
    let text = stdout(&all);
    assert_eq!(text.lines().count(), 3, "two LSCs left: {text}");
    assert!(!text.contains(&old_serial));
    // The phones install their LSCs: their CSRs leave the pending list.
    for device in ["SEP00000000000A", "SEP00000000000B"] {
        let out = env.capfd().args(["installed", "--device", device]).run();
        out.success();
    }
    let out = env.run_capfsh(&["utils", "capf", "csr", "list"]);
    assert_eq!(stdout(&out), "No pending CSRs found\n");
    let out = env.run_capfsh(&["--format", "json", "show", "capf", "status"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (v["installed_lscs"].as_i64(), v["stale_lscs"].as_i64()),
        (Some(2), Some(0))
    );
}

#[test]
fn the_offline_ca_flow_export_sign_with_openssl_import() {
    let env = TestEnv::new();
    let dir = env.home();
    let out = env.run_capfsh(&["utils", "capf", "set", "mode", "offline"]);
    out.success();
    let csr = openssl_csr(
        dir,
        "phone",
        "SEP0000000000AA",
        &["-newkey", "rsa:2048"],
        &[],
    );
    let out = env.enroll_cmd("SEP0000000000AA", &csr).run();
    out.success();
    assert!(out.stdout.is_empty(), "offline mode signs nothing");
    let export = dir.join("export");
    std::fs::create_dir(&export).expect("mkdir");
    let out = env.run_capfsh_file("utils capf csr export", &export);
    assert!(
        stdout(&out).starts_with("Exported 1 CSR"),
        "{}",
        stdout(&out)
    );
    // An external CA made with openssl signs the exported CSR.
    make_ext_ca(dir);
    std::fs::write(dir.join("lsc.ext"), "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n").expect("write");
    sign_with_ext_ca(dir, "export/SEP0000000000AA.csr", "signed.pem", &[]);
    // Without trusting the CA, the import is refused and nothing is recorded.
    let before = env.digest();
    let out = env.run_capfsh_file("utils capf cert import", dir.join("signed.pem"));
    assert_eq!(out.status.code(), Some(1));
    out.stdout_has("no trusted CA");
    assert_eq!(env.digest(), before);
    let out = env.run_capfsh_file("utils capf trust import", dir.join("extca.pem"));
    out.success();
    let out = env.run_capfsh_file("utils capf cert import", dir.join("signed.pem"));
    out.success();
    out.stdout_has("Imported 1 certificate\n  SEP0000000000AA: LSC");
    let out = env.run_capfsh(&["show", "capf", "lsc", "device", "SEP0000000000AA"]);
    out.stdout_has("issued");
    // Importing it again is refused with the reason, not a database error.
    let before = env.digest();
    let out = env.run_capfsh_file("utils capf cert import", dir.join("signed.pem"));
    assert_eq!(out.status.code(), Some(1));
    out.stdout_has("is already in the store");
    assert!(!stderr(&out).contains("UNIQUE"), "{}", stderr(&out));
    assert_eq!(env.digest(), before);

    // A folder with one good certificate and one refused one imports nothing (all or nothing),
    // names the refused file and why, and exits 1; without the bad one it goes in.
    let csr2 = openssl_csr(
        dir,
        "phone2",
        "SEP0000000000BB",
        &["-newkey", "rsa:2048"],
        &[],
    );
    let out = env.enroll_cmd("SEP0000000000BB", &csr2).run();
    out.success();
    // The next export holds only the new phone: AA's CSR is answered (imported, not yet
    // installed), and exporting it again would only get the next import refused.
    let export2 = dir.join("export2");
    std::fs::create_dir(&export2).expect("mkdir");
    let out = env.run_capfsh_file("utils capf csr export", &export2);
    assert!(
        stdout(&out).starts_with("Exported 1 CSR"),
        "{}",
        stdout(&out)
    );
    assert!(export2.join("SEP0000000000BB.csr").is_file());
    assert!(!export2.join("SEP0000000000AA.csr").exists());
    let batch = dir.join("batch");
    std::fs::create_dir(&batch).expect("mkdir");
    sign_with_ext_ca(dir, "phone2.csr", "batch/a-good.pem", &[]);
    std::fs::copy(dir.join("signed.pem"), batch.join("b-again.pem")).expect("copy");
    let before = env.digest();
    let out = env.run_capfsh_file("--format json utils capf cert import", &batch);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["imported"], 0, "{json}");
    assert_eq!(json["refused"], 1, "{json}");
    let reasons = json["refusals"].as_str().expect("refusals");
    assert!(
        reasons.contains("b-again.pem") && reasons.contains("already in the store"),
        "{reasons}"
    );
    out.stderr_has("none was imported");
    assert_eq!(
        env.digest(),
        before,
        "a refused batch leaves the store as it was"
    );
    std::fs::remove_file(batch.join("b-again.pem")).expect("rm");
    let out = env.run_capfsh_file("utils capf cert import", &batch);
    out.success();
    out.stdout_has("Imported 1 certificate\n  SEP0000000000BB: LSC");
}

#[test]
fn trust_import_applies_the_capf_rules() {
    let env = TestEnv::new();
    env.capfsh()
        .args(["show", "capf", "trust"])
        .assert()
        .success();
    let dir = env.home();
    openssl(
        dir,
        &words(
            "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k1 -subj /CN=CAPF-1234 -days 1 -extensions v3_ca -addext keyUsage=critical,keyCertSign -out capf.pem",
        ),
    );
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=digitalSignature\n",
    )
    .expect("write");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "k2",
            "-subj",
            "/CN=Not A CA",
            "-days",
            "1",
            "-extensions",
            "v3_req",
            "-out",
            "leaf.pem",
        ],
    );
    for (file, reason) in [("capf.pem", "reserved"), ("leaf.pem", "not a CA")] {
        let before = env.digest();
        let out = env.run_capfsh_file("utils capf trust import", dir.join(file));
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert!(stderr(&out).contains(reason), "{file}: {}", stderr(&out));
        assert_eq!(env.digest(), before);
    }
}

#[test]
fn a_hostile_subject_from_a_real_csr_is_escaped_everywhere() {
    let env = TestEnv::new();
    init(&env);
    let dir = env.home();
    let csr = openssl_csr(
        dir,
        "evil",
        "SEPEVIL\u{1b}[2J\u{1b}]0;pwned\u{7}",
        &words("-newkey ec -pkeyopt ec_paramgen_curve:P-256 -utf8"),
        &[],
    );
    let out = env.enroll_cmd("SEP0000000EE001", &csr).run();
    out.success();
    for args in [
        &["utils", "capf", "csr", "list"][..],
        &["utils", "capf", "csr", "dump", "SEP0000000EE001"][..],
        &["--format", "csv", "utils", "capf", "csr", "list"][..],
        &["--format", "json", "utils", "capf", "csr", "list"][..],
    ] {
        let out = env.capfsh().args(args).run();
        assert!(out.status.success());
        for b in out.stdout.iter().chain(out.stderr.iter()) {
            assert!(
                *b != 0x1b && *b != 0x07,
                "raw control byte in {args:?}: {}",
                stdout(&out)
            );
        }
        assert!(stdout(&out).contains("SEPEVIL"), "{args:?}");
    }
}

#[test]
fn capfd_run_follows_settings_changes_and_stops_on_sigterm() {
    use std::time::{Duration, Instant};
    let env = TestEnv::new();
    env.capfsh()
        .args(["utils", "capf", "csr", "count"])
        .assert()
        .success();
    let mut run = env.capfd_run(&["--interval-ms", "100", "--listen", "127.0.0.1:0"]);
    // The bound addresses come first, then what the engine uses.
    let listening = run.next_line();
    assert!(
        listening.contains("listening for phones on 127.0.0.1:"),
        "{listening}"
    );
    let first = run.next_line();
    assert!(
        first.contains("started: issuer mode capf, keep-alive 15 min"),
        "{first}"
    );
    let changed_at = Instant::now();
    env.capfsh()
        .args(["utils", "capf", "set", "keep_alive", "42"])
        .assert()
        .success();
    let line = run.next_line();
    assert!(line.contains("keep-alive 42 min"), "{line}");
    assert!(
        changed_at.elapsed() < Duration::from_secs(2),
        "picked up after {:?}",
        changed_at.elapsed()
    );
    // In capf mode with no CA yet, nothing pending: no errors logged. Stop it.
    let (status, rest) = run.stop();
    assert!(status.success(), "{status:?} {rest:?}");
    assert!(
        rest.last().is_some_and(|l| l.ends_with("capfd: stopped")),
        "{rest:?}"
    );
}

#[test]
fn odd_rsa_sizes_are_judged_and_shown_by_their_true_bit_length() {
    let env = TestEnv::new();
    init(&env);
    let dir = env.home();
    // (requested modulus bits, device). OpenSSL's key generation sometimes lands one bit
    // short, so the truth is what `openssl rsa -text` says the key has, not what was asked.
    let cases = [
        (4100, "SEP000000004100"),
        (2047, "SEP000000002047"),
        (1023, "SEP000000001023"),
    ];
    for (requested, device) in cases {
        let key = format!("rsa{requested}.key");
        openssl(dir, &["genrsa", "-out", &key, &requested.to_string()]);
        let text = stdout(&openssl(dir, &["rsa", "-in", &key, "-noout", "-text"]));
        let bits: u32 = text
            .split_once("Private-Key: (")
            .and_then(|(_, rest)| rest.split_once(' '))
            .and_then(|(n, _)| n.parse().ok())
            .expect("openssl prints the key size");
        let csr = openssl_csr(
            dir,
            &format!("rsa{requested}"),
            device,
            &["-key", &key],
            &[],
        );
        let out = env.enroll_cmd(device, &csr).output().expect("enroll");
        let err = stderr(&out);
        if (1024..=4096).contains(&bits) {
            assert!(out.status.success(), "{bits}: {err}");
            assert!(err.contains(&format!("weak CSR (RSA-{bits} key")), "{err}");
        } else {
            assert_eq!(out.status.code(), Some(1), "{bits}: {err}");
            assert!(
                err.contains(&format!("unsupported key: RSA-{bits} ")),
                "{bits}: {err}"
            );
        }
    }
    let out = env.run_capfsh(&["utils", "capf", "csr", "list"]);
    out.stdout_has("RSA-204");
    assert!(!stdout(&out).contains("RSA-2040"), "{}", stdout(&out));
}

#[test]
fn trust_import_reads_every_common_name_in_every_string_type() {
    let env = TestEnv::new();
    env.capfsh()
        .args(["show", "capf", "trust"])
        .assert()
        .success();
    let dir = env.home();
    // string_mask MASK:0x800 makes openssl write the subject as BMPString (UTF-16).
    std::fs::write(
        dir.join("bmp.cnf"),
        "[req]\ndistinguished_name = dn\nstring_mask = MASK:0x800\n[dn]\n",
    )
    .expect("write");
    let ca = |out: &str, subj: &str, extra: &[&str]| {
        let mut args = vec![
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-subj",
            subj,
            "-days",
            "1",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
            "-out",
            out,
        ];
        args.extend_from_slice(extra);
        openssl(dir, &args);
    };
    ca("bmp.pem", "/CN=CAPF-bmpstr", &["-config", "bmp.cnf"]);
    ca("two.pem", "/CN=Benign/CN=CAPF-second", &[]);
    ca("lower.pem", "/CN=capf-lower", &[]);
    for file in ["bmp.pem", "two.pem", "lower.pem"] {
        let before = env.digest();
        let out = env.run_capfsh_file("utils capf trust import", dir.join(file));
        assert_eq!(out.status.code(), Some(1), "{file}: {}", stdout(&out));
        assert!(
            stderr(&out).contains("reserved"),
            "{file}: {}",
            stderr(&out)
        );
        assert_eq!(env.digest(), before, "{file}");
    }
}

#[test]
fn a_csr_written_by_openssl_req_text_is_accepted() {
    let env = TestEnv::new();
    init(&env);
    let dir = env.home();
    let csr = openssl_csr(
        dir,
        "text",
        "SEP000000000777",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &["-text"],
    );
    let content = std::fs::read_to_string(&csr).expect("read");
    assert!(content.starts_with("Certificate Request:"), "{content}");
    let out = env
        .enroll_cmd("SEP000000000777", &csr)
        .output()
        .expect("enroll");
    assert!(out.status.success(), "{}", stderr(&out));
    // LF line endings, as openssl writes them (no CR anywhere).
    assert!(stdout(&out).starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(!stdout(&out).contains('\r'));
}

#[test]
fn an_import_refusal_names_the_certificate_once() {
    let env = TestEnv::new();
    init(&env);
    let dir = env.home();
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "dup.key",
            "-subj",
            "/CN=Dup Test",
            "-days",
            "1",
            "-out",
            "dup.pem",
        ],
    );
    let out = env.run_capfsh_file("utils capf cert import", dir.join("dup.pem"));
    assert_eq!(out.status.code(), Some(1));
    let all = stdout(&out) + &stderr(&out);
    assert!(
        all.contains("dup.pem (CN=Dup Test): an LSC must not carry Basic Constraints CA:TRUE"),
        "{all}"
    );
    assert_eq!(all.matches("Dup Test").count(), 1, "{all}");
}

#[test]
fn capfd_init_checks_the_subject_options() {
    let env = TestEnv::new();
    let cases: &[(&[&str], &str)] = &[
        (&["--country", "Germany"], "--country"),
        (&["--org", ""], "--org"),
        (&["--ou", "a\u{7}b"], "--ou"),
        (&["--locality", &"x".repeat(65)], "--locality"),
    ];
    for (args, option) in cases {
        let out = env.capfd().arg("init").args(*args).output().expect("init");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!("capfd: {option}")),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(env.key_files().is_empty(), "{args:?}");
    }
    let out = env.run_capfd(&["init", "--org", "Example", "--country", "de"]);
    out.success();
    let dir = env.home();
    let ca = ca_pem(&env, dir);
    let text = text_of(dir, &ca);
    assert!(text.contains(", O = Example, C = DE\n"), "{text}");
    let asn1 = stdout(&openssl(dir, &["asn1parse", "-in", &ca.to_string_lossy()]));
    assert!(
        asn1.lines()
            .any(|l| l.contains("PRINTABLESTRING") && l.ends_with(":DE")),
        "{asn1}"
    );
}

#[test]
fn a_p384_capf_ca_signs_with_sha384_as_openssl_sees_it() {
    let env = TestEnv::new();
    let out = env.run_capfd(&["init", "--key", "ec-p384"]);
    out.success();
    let dir = env.home();
    let ca = ca_pem(&env, dir);
    let text = text_of(dir, &ca);
    assert!(
        text.contains("Signature Algorithm: ecdsa-with-SHA384"),
        "{text}"
    );
    assert!(!text.contains("SHA256"), "{text}");
    assert!(text.contains("Public-Key: (384 bit)"), "{text}");
    assert!(text.contains("ASN1 OID: secp384r1"), "{text}");
    let csr = openssl_csr(
        dir,
        "p256",
        "SEP000000000384",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &[],
    );
    let lsc = dir.join("p384ca.lsc.pem");
    let out = env
        .enroll_cmd("SEP000000000384", &csr)
        .arg("--out")
        .arg(&lsc)
        .output()
        .expect("enroll");
    assert!(out.status.success(), "{}", stderr(&out));
    openssl_verify_ok(&ca, &lsc);
    let text = text_of(dir, &lsc);
    assert!(
        text.contains("Signature Algorithm: ecdsa-with-SHA384"),
        "{text}"
    );
    assert!(!text.contains("ecdsa-with-SHA256"), "{text}");
}

/// One pending CSR the engine cannot sign (here: DER this build cannot parse, as an older
/// build or a plain-SQL writer could leave) is named and passed over; the others are signed.
#[test]
fn an_unsignable_pending_csr_does_not_stall_the_others() {
    use capfsh::engine::Engine;
    let env = TestEnv::new();
    init(&env);
    let mut store = env.store();
    let mut bad = crate::support::new_csr("SEP0000000000B0", 0, "CN=bad", "RSA", 2048, 1);
    bad.der = vec![0x30, 0x03, 0x02, 0x01, 0x00];
    store
        .record_csr(&bad, &crate::support::actor())
        .expect("bad");
    let good = crate::support::new_csr("SEP0000000000C0", 1, "CN=good", "EC", 256, 2);
    store
        .record_csr(&good, &crate::support::actor())
        .expect("good");
    let mut refused = std::collections::HashSet::new();
    let mut engine = Engine::new(&mut store, crate::support::actor());
    let report = engine
        .sign_pending(1, chrono::Utc::now(), &mut refused)
        .expect("pass 1");
    assert_eq!(report.signed, 0);
    assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
    assert_eq!(report.refused[0].0, "SEP0000000000B0");
    // The next pass (one at a time, the bad one first in line) reaches the good one.
    let report = engine
        .sign_pending(1, chrono::Utc::now(), &mut refused)
        .expect("pass 2");
    assert_eq!(report.signed, 1, "{:?}", report.refused);
    assert!(report.refused.is_empty());
}

/// Two `capfd init --force` in one second keep both retired keys, each named by its record.
#[test]
fn retiring_twice_in_a_second_keeps_both_keys() {
    let env = TestEnv::new();
    init(&env);
    for org in ["Second", "Third"] {
        let out = env
            .capfd()
            .args(["init", "--force", "--org", org])
            .output()
            .expect("init");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let conn = rusqlite::Connection::open(&env.db).expect("open");
    let files: Vec<String> = conn
        .prepare("SELECT key_file FROM capf_ca ORDER BY id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(files.len(), 3);
    let unique: std::collections::HashSet<_> = files.iter().collect();
    assert_eq!(unique.len(), 3, "{files:?}");
    let dir = env.db.parent().expect("dir");
    for f in &files {
        assert!(dir.join(f).is_file(), "{f} missing: {files:?}");
    }
}

/// Two devices that sent the same key (a cloned phone): the certificate's CN decides, and
/// without a CN naming one of them the import is refused, naming both.
#[test]
fn a_key_shared_by_two_pending_csrs_is_matched_by_the_certificate_cn() {
    let env = TestEnv::new();
    let dir = env.home();
    let out = env.run_capfsh(&["utils", "capf", "set", "mode", "offline"]);
    out.success();
    let csr = openssl_csr(dir, "dup", "SEP0000000000D2", &["-newkey", "rsa:2048"], &[]);
    for dev in ["SEP0000000000D1", "SEP0000000000D2"] {
        let out = env.enroll_cmd(dev, &csr).run();
        out.success();
    }
    make_ext_ca(dir);
    std::fs::write(
        dir.join("lsc.ext"),
        "keyUsage=critical,digitalSignature,keyEncipherment\n",
    )
    .expect("write");
    let out = env.run_capfsh_file("utils capf trust import", dir.join("extca.pem"));
    out.success();
    // CN=SEP0000000000D2 (from the CSR): goes to D2, not to whichever came first.
    sign_with_ext_ca(dir, "dup.csr", "d2.pem", &[]);
    // The same key under another CN: ambiguous, refused.
    sign_with_ext_ca(dir, "dup.csr", "other.pem", &["-subj", "/CN=Someone"]);
    let out = env.run_capfsh_file("utils capf cert import", dir.join("other.pem"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("SEP0000000000D1, SEP0000000000D2")
            || stdout(&out).contains("SEP0000000000D2, SEP0000000000D1"),
        "{}",
        stdout(&out)
    );
    let out = env.run_capfsh_file("utils capf cert import", dir.join("d2.pem"));
    out.success();
    out.stdout_has("SEP0000000000D2: LSC");
}

/// `--out` that cannot be written is refused before anything is recorded.
#[test]
fn an_unwritable_out_file_records_nothing() {
    let env = TestEnv::new();
    init(&env);
    let dir = env.home();
    let csr = openssl_csr(dir, "o", "SEP0000000000E0", &["-newkey", "rsa:2048"], &[]);
    let before = env.digest();
    let out = env
        .enroll_cmd("SEP0000000000E0", &csr)
        .arg("--out")
        .arg(dir.join("no-such-folder").join("x.pem"))
        .run();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    out.stderr_has("cannot write");
    assert_eq!(env.digest(), before);
}
