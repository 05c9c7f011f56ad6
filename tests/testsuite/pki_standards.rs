//! Certificates exact to the standards, proved by real validators: pkilint (`lint_pkix_cert`),
//! OpenSSL `verify -x509_strict` for both TLS purposes, GnuTLS `certtool --verify`; and the
//! refusals of `utils capf cert import`, each leaving the store as it was.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{TestEnv, openssl_csr, run_ok, stderr, stdout, words};

/// The CAPF CA certificate of `env`, written to `dir/<name>`.
pub(crate) fn capf_ca_pem(env: &TestEnv, dir: &Path, name: &str) -> PathBuf {
    let out = env.run_capfsh(&["--format", "json", "show", "capf", "cert"]);
    out.success();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let path = dir.join(name);
    std::fs::write(&path, v["pem"].as_str().expect("pem")).expect("write");
    path
}

/// `capfd enroll` of `csr` for `device`, the LSC written to `out`; returns capfd's stderr.
pub(crate) fn enroll(env: &TestEnv, device: &str, csr: &Path, out: &Path) -> String {
    let o = env
        .enroll_cmd(device, csr)
        .arg("--out")
        .arg(out)
        .output()
        .expect("enroll");
    assert!(o.status.success(), "{device}: {}", stderr(&o));
    stderr(&o)
}

/// pkilint's findings at NOTICE or above (empty when clean), or `None` when pkilint is not
/// installed (the caller prints why it skipped; .ci/run installs it with pip).
fn pkilint(cert: &Path) -> Option<String> {
    let out = Command::new("lint_pkix_cert")
        .args(["lint", "-s", "NOTICE", "--document-format", "PEM"])
        .arg(cert)
        .output()
        .ok()?;
    Some(
        format!("{}{}", stdout(&out), stderr(&out))
            .trim()
            .to_owned(),
    )
}

fn openssl_verify(ca: &Path, cert: &Path, extra: &[&str]) -> String {
    let out = Command::new("openssl")
        .arg("verify")
        .args(extra)
        .arg("-CAfile")
        .arg(ca)
        .arg(cert)
        .output()
        .expect("openssl");
    let text = stdout(&out) + &stderr(&out);
    assert_eq!(
        out.status.success(),
        text.trim_end().ends_with(": OK"),
        "{text}"
    );
    text
}

fn certtool_verify(ca: &Path, cert: &Path) {
    let out = Command::new("certtool")
        .arg("--verify")
        .arg("--load-ca-certificate")
        .arg(ca)
        .arg("--infile")
        .arg(cert)
        .output()
        .expect("certtool runs (gnutls-bin; .ci/run installs it)");
    let text = stdout(&out) + &stderr(&out);
    assert!(
        out.status.success() && text.contains("Verified."),
        "certtool refused {}: {text}",
        cert.display()
    );
}

/// Every CA key type and every LSC key type phones use: pkilint finds nothing (no error,
/// warning or notice), OpenSSL verifies strictly for TLS client and server, GnuTLS verifies.
#[test]
fn every_ca_key_and_every_lsc_key_pass_pkilint_openssl_and_certtool() {
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    let lint = Command::new("lint_pkix_cert")
        .arg("--help")
        .output()
        .is_ok();
    if !lint {
        eprintln!(
            "SKIPPED the pkilint part: lint_pkix_cert is not installed and pip could not install \
             it (.ci/run runs `pip install pkilint`)"
        );
    }
    let lsc_keys: &[(&str, &[&str])] = &[
        ("rsa1024", &["-newkey", "rsa:1024"]),
        ("rsa2048", &["-newkey", "rsa:2048"]),
        ("rsa3072", &["-newkey", "rsa:3072"]),
        ("rsa4096", &["-newkey", "rsa:4096"]),
        (
            "p256",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        ),
        (
            "p384",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
        ),
        (
            "p521",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"],
        ),
    ];
    // One CSR per key type, reused under every CA (key generation is the slow part); the keys
    // are made side by side, and each CA is checked on a thread of its own (the checks are
    // dozens of validator processes, mostly waiting).
    let csrs: Vec<(&str, PathBuf)> = std::thread::scope(|s| {
        let made: Vec<_> = lsc_keys
            .iter()
            .map(|(name, newkey)| {
                s.spawn(move || {
                    (
                        *name,
                        openssl_csr(dir, name, "SEP00000000CAFE", newkey, &[]),
                    )
                })
            })
            .collect();
        made.into_iter().map(|h| h.join().expect("a CSR")).collect()
    });
    let csrs = &csrs;
    std::thread::scope(|s| {
        for ca_key in [
            "ec-p256", "ec-p384", "ec-p521", "rsa-2048", "rsa-3072", "rsa-4096",
        ] {
            s.spawn(move || {
                let env = TestEnv::new();
                let out = env
                    .capfd()
                    .args([
                        "init",
                        "--key",
                        ca_key,
                        "--org",
                        "Example",
                        "--country",
                        "DE",
                    ])
                    .output()
                    .expect("init");
                assert!(out.status.success(), "{ca_key}: {}", stderr(&out));
                let ca = capf_ca_pem(&env, dir, &format!("{ca_key}.ca.pem"));
                if lint {
                    let findings = pkilint(&ca).expect("pkilint");
                    assert_eq!(findings, "", "{ca_key} CA: pkilint findings");
                }
                certtool_verify(&ca, &ca);
                for (name, csr) in csrs {
                    let lsc = dir.join(format!("{ca_key}-{name}.lsc.pem"));
                    enroll(&env, "SEP00000000CAFE", csr, &lsc);
                    let what = format!("{name} LSC of the {ca_key} CA");
                    if lint {
                        let findings = pkilint(&lsc).expect("pkilint");
                        assert_eq!(findings, "", "{what}: pkilint findings");
                    }
                    for purpose in ["sslclient", "sslserver"] {
                        let text =
                            openssl_verify(&ca, &lsc, &["-x509_strict", "-purpose", purpose]);
                        assert!(
                            text.trim_end().ends_with(": OK"),
                            "{what} {purpose}: {text}"
                        );
                    }
                    certtool_verify(&ca, &lsc);
                }
            });
        }
    });
}

/// An external (offline) CA made with openssl and trusted, in `dir`: `ext.pem`/`ext.key`.
fn trusted_ext_ca(env: &TestEnv, dir: &Path, newkey: &[&str], sigopt: &[&str]) {
    let mut args = vec!["req", "-x509", "-nodes", "-keyout", "ext.key"];
    args.extend_from_slice(newkey);
    args.extend_from_slice(sigopt);
    args.extend_from_slice(&[
        "-subj",
        "/CN=Example Issuing CA",
        "-days",
        "30",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-out",
        "ext.pem",
    ]);
    run_ok(dir, "openssl", &args);
    let out = env.run_capfsh_file("utils capf trust import", dir.join("ext.pem"));
    out.success();
}

/// Signs `csr` with the external CA (`ext.pem`), with extensions `ext` and more options.
fn ext_sign(dir: &Path, csr: &Path, out: &str, ext: &str, extra: &[&str]) -> PathBuf {
    std::fs::write(dir.join("lsc.ext"), ext).expect("ext file");
    let csr = csr.to_string_lossy().into_owned();
    let mut args = vec![
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        "ext.pem",
        "-CAkey",
        "ext.key",
        "-set_serial",
    ];
    let serial = format!("0x{:x}", rand_serial());
    args.push(&serial);
    args.extend_from_slice(&["-extfile", "lsc.ext", "-out", out]);
    args.extend_from_slice(extra);
    run_ok(dir, "openssl", &args);
    dir.join(out)
}

fn rand_serial() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    (n & 0x7fff_ffff_ffff) | 1
}

/// An offline-mode store with one pending CSR of `device` for `newkey`.
fn offline_with_csr(env: &TestEnv, dir: &Path, device: &str, newkey: &[&str]) -> PathBuf {
    let out = env.run_capfsh(&["utils", "capf", "set", "mode", "offline"]);
    out.success();
    let csr = openssl_csr(dir, device, device, newkey, &[]);
    let out = env.enroll_cmd(device, &csr).output().expect("enroll");
    assert!(out.status.success(), "{}", stderr(&out));
    csr
}

/// Imports `cert`, expecting a refusal that names `reason`; the store must not change.
fn import_refused(env: &TestEnv, cert: &Path, reason: &str) {
    let before = env.digest();
    let out = env.run_capfsh_file("utils capf cert import", cert);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(reason),
        "expected {reason:?}: {}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("Imported 0 certificates"));
    assert_eq!(env.digest(), before, "a refused import changes nothing");
}

/// A certificate for the key of `csr` (CN `cn`, Digital Signature + Key Encipherment, both
/// TLS purposes) valid from tomorrow, signed by a CA made with rcgen that is trusted first.
fn future_cert(env: &TestEnv, dir: &Path, csr: &Path, cn: &str) -> PathBuf {
    use rcgen::{
        BasicConstraints, CertificateParams, CertificateSigningRequestParams, DnType,
        ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().expect("key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Future Test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca");
    std::fs::write(dir.join("future-ca.pem"), ca_cert.pem()).expect("write");
    let out = env.run_capfsh_file("utils capf trust import", dir.join("future-ca.pem"));
    out.success();
    let issuer = Issuer::new(ca_params, ca_key);
    let req =
        CertificateSigningRequestParams::from_pem(&std::fs::read_to_string(csr).expect("csr"))
            .expect("parse csr");
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let start = ::time::OffsetDateTime::now_utc() + ::time::Duration::days(1);
    p.not_before = start;
    p.not_after = start + ::time::Duration::days(30);
    let cert = p.signed_by(&req.public_key, &issuer).expect("sign");
    let path = dir.join("future.pem");
    std::fs::write(&path, cert.pem()).expect("write");
    path
}

const GOOD_EXT: &str = "keyUsage=critical,digitalSignature,keyEncipherment\n\
                        extendedKeyUsage=serverAuth,clientAuth\n";

#[test]
fn cert_import_refuses_a_wrong_cn_a_wrong_eku_a_future_start_and_ec_key_encipherment() {
    let env = TestEnv::new();
    let dir = env.home();
    let csr = offline_with_csr(&env, dir, "SEP0000000000AA", &["-newkey", "rsa:2048"]);
    trusted_ext_ca(&env, dir, &["-newkey", "rsa:2048"], &[]);
    // The key matches the pending CSR, but the CN names another device.
    let wrong_cn = ext_sign(
        dir,
        &csr,
        "wrong-cn.pem",
        GOOD_EXT,
        &["-subj", "/CN=SEP0000000000BB"],
    );
    import_refused(
        &env,
        &wrong_cn,
        "Common Name \"SEP0000000000BB\" is not the device name SEP0000000000AA",
    );
    // An EKU without clientAuth (openssl: unsuitable certificate purpose).
    let server_only = ext_sign(
        dir,
        &csr,
        "server-only.pem",
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        &[],
    );
    import_refused(&env, &server_only, "Extended Key Usage lacks clientAuth");
    let email = ext_sign(
        dir,
        &csr,
        "email.pem",
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\n",
        &[],
    );
    import_refused(
        &env,
        &email,
        "Extended Key Usage lacks serverAuth and clientAuth",
    );
    // Not valid yet: starts tomorrow (RFC 5280 6.1.3: both ends of the validity count).
    // openssl 3.0's `x509 -req` cannot set a start date, so a second trusted CA made with
    // rcgen signs this one.
    let future = future_cert(&env, dir, &csr, "SEP0000000000AA");
    import_refused(&env, &future, "not valid yet: its validity starts on");
    // The right certificate goes in.
    let good = ext_sign(dir, &csr, "good.pem", GOOD_EXT, &[]);
    let out = env.run_capfsh_file("utils capf cert import", &good);
    out.success();

    // An EC key: Key Encipherment is refused, Digital Signature alone accepted.
    let ec_csr = offline_with_csr(
        &env,
        dir,
        "SEP0000000000EC",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    let ec_ke = ext_sign(dir, &ec_csr, "ec-ke.pem", GOOD_EXT, &[]);
    import_refused(
        &env,
        &ec_ke,
        "Key Encipherment is not allowed for an EC key",
    );
    let ec_ok = ext_sign(
        dir,
        &ec_csr,
        "ec-ok.pem",
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n",
        &[],
    );
    let out = env.run_capfsh_file("utils capf cert import", &ec_ok);
    out.success();
}

#[test]
fn rsassa_pss_from_a_trusted_ca_is_verified_and_unsupported_algorithms_are_named() {
    let env = TestEnv::new();
    let dir = env.home();
    let csr = offline_with_csr(&env, dir, "SEP0000000000PS", &["-newkey", "rsa:2048"]);
    // OpenSSL signs PSS with the longest salt by default; the CA itself is PSS-signed too.
    let pss = ["-sigopt", "rsa_padding_mode:pss"];
    trusted_ext_ca(&env, dir, &["-newkey", "rsa:2048"], &pss);
    let cert = ext_sign(dir, &csr, "pss.pem", GOOD_EXT, &pss);
    let text = stdout(&run_ok(
        dir,
        "openssl",
        &["x509", "-noout", "-text", "-in", "pss.pem"],
    ));
    assert!(text.contains("rsassaPss"), "{text}");
    // A tampered PSS signature is still refused as not verifying.
    let mut tampered = std::fs::read_to_string(&cert).expect("read");
    let b64_line = tampered
        .lines()
        .rev()
        .nth(2)
        .expect("a base64 line")
        .to_owned();
    let flipped: String = b64_line
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 10 {
                if c == 'A' { 'B' } else { 'A' }
            } else {
                c
            }
        })
        .collect();
    tampered = tampered.replace(&b64_line, &flipped);
    std::fs::write(dir.join("tampered.pem"), tampered).expect("write");
    import_refused(&env, &dir.join("tampered.pem"), "not in the trust list");
    let out = env.run_capfsh_file("utils capf cert import", &cert);
    out.success();

    // An Ed448 CA: trusted, but its signatures cannot be checked: said by name.
    let env = TestEnv::new();
    let dir = env.home();
    let csr = offline_with_csr(&env, dir, "SEP0000000000ED", &["-newkey", "rsa:2048"]);
    trusted_ext_ca(&env, dir, &["-newkey", "ed448"], &[]);
    let cert = ext_sign(dir, &csr, "ed448.pem", GOOD_EXT, &[]);
    import_refused(&env, &cert, "unsupported signature algorithm Ed448");
    let out = env.run_capfsh_file("utils capf cert import", &cert);
    assert!(!stdout(&out).contains("1.3.101.113"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("trust list"), "{}", stdout(&out));
}

#[test]
fn csr_dump_shows_every_requested_extension_as_openssl_does() {
    let env = TestEnv::new();
    let dir = env.home();
    let out = env.run_capfsh(&["utils", "capf", "set", "mode", "offline"]);
    assert!(out.status.success());
    let csr = openssl_csr(
        dir,
        "exts",
        "SEP0000000000DD",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &words(
            "-addext extendedKeyUsage=critical,serverAuth,1.3.6.1.5.5.7.3.17,1.2.3.4.5 -addext subjectAltName=IP:10.0.0.1,IP:2001:db8::1,DNS:phone.example -addext basicConstraints=critical,CA:TRUE -addext 1.2.3.4.99=DER:01:02:03",
        ),
    );
    let out = env
        .enroll_cmd("SEP0000000000DD", &csr)
        .output()
        .expect("enroll");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run_capfsh(&words("--format json utils capf csr dump SEP0000000000DD"));
    out.success();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let exts = v["requested_extensions"].as_str().expect("string");
    let openssl_text = stdout(&run_ok(
        dir,
        "openssl",
        &["req", "-noout", "-text", "-in", "exts.csr"],
    ));
    for expected in [
        "X509v3 Extended Key Usage (critical): TLS Web Server Authentication, \
         ipsec Internet Key Exchange, 1.2.3.4.5",
        "X509v3 Subject Alternative Name: IP Address:10.0.0.1, IP Address:2001:db8::1, \
         DNS:phone.example",
        "X509v3 Basic Constraints (critical): CA:TRUE",
        "1.2.3.4.99: 01:02:03",
    ] {
        assert!(exts.contains(expected), "{expected:?} in {exts}");
    }
    // The same names and addresses openssl prints.
    for word in [
        "TLS Web Server Authentication",
        "ipsec Internet Key Exchange",
        "IP Address:10.0.0.1",
        "IP Address:2001:DB8:0:0:0:0:0:1",
        "DNS:phone.example",
    ] {
        assert!(
            openssl_text.contains(word),
            "openssl says {word}: {openssl_text}"
        );
    }
    assert!(!exts.contains("0a:00:00:01"), "{exts}");
}

#[test]
fn a_cut_lsc_validity_is_warned_about_by_init_enroll_and_status() {
    let env = TestEnv::new();
    let dir = env.home();
    let out = env.run_capfd(&["init"]);
    out.success();
    out.stderr_has("warning: the CAPF CA is valid for 1824 days, not longer than the LSC validity setting (1825 days)");
    let csr = openssl_csr(
        dir,
        "cut",
        "SEP0000000000C1",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &[],
    );
    let log = enroll(&env, "SEP0000000000C1", &csr, &dir.join("cut.pem"));
    assert!(
        log.contains("warning: SEP0000000000C1: LSC cut to the CAPF CA's end of validity"),
        "{log}"
    );
    let out = env.run_capfsh(&["--format", "json", "show", "capf", "status"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["ca_days_left"], 1824, "{v}");
    assert!(
        v["warning"]
            .as_str()
            .is_some_and(|w| w.contains("fewer than the LSC validity (1825 days)")),
        "{v}"
    );
    // With a validity the CA covers, no warning anywhere.
    env.capfsh()
        .args(["utils", "capf", "set", "validity", "365"])
        .assert()
        .success();
    let log = enroll(&env, "SEP0000000000C1", &csr, &dir.join("full.pem"));
    assert!(!log.contains("warning"), "{log}");
    let out = env.run_capfsh(&["show", "capf", "status"]);
    assert!(!stdout(&out).contains("Warning"), "{}", stdout(&out));
    out.stdout_has("CAPF CA days left");
}
