//! LSC issuance speed: LSCs signed per second on one core, for an EC P-256 and an RSA-2048
//! CAPF CA, next to `openssl speed` for the same signature algorithm measured in the same run;
//! then one `capfd enroll` as a whole process (the binary this `cargo bench` built) against
//! `openssl x509 -req` signing the same CSR with the same CA key and extensions, in turn.
//! Run with `cargo bench --bench issuance` (`CAPFSH_BENCH_RUNS` pairs, default 20).

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::{Binaries, Pairs, available, bench_dir, machine};

use capfsh::pki::{CaKeyKind, CaSubject, CapfCa, ParsedCsr};

fn csr() -> ParsedCsr {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "SEP001122AABBCC");
    let pem = params
        .serialize_request(&key)
        .expect("csr")
        .pem()
        .expect("pem");
    ParsedCsr::parse(pem.as_bytes()).expect("parse")
}

/// `openssl speed` sign/s for `alg` (one core), if openssl is installed. Its last line reads
/// `256 bits ecdsa (nistp256) 0.0000s 0.0000s 69060.2 23654.0` or
/// `rsa 2048 bits 0.000221s 0.000013s 4532.0 75838.0`: the key size, then sign/s, verify/s.
fn openssl_speed(alg: &str) -> Option<f64> {
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "3", alg])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    line.split_whitespace()
        .filter_map(|w| w.parse::<f64>().ok())
        .nth(1)
}

/// One `capfd enroll` process against `openssl x509 -req` doing the same signing: the same CSR,
/// the same CA key, the same extensions and validity, a fresh output file each run.
fn enroll_vs_openssl(bins: &Binaries, runs: usize) {
    let dir = bench_dir().join(format!("enroll-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let db = dir.join("capf.db");
    let init = Command::new(&bins.capfd)
        .env("CAPFSH_DB", &db)
        .args(["init", "--key", "ec-p256", "--org", "Example"])
        .output()
        .expect("capfd init");
    assert!(init.status.success(), "capfd init: {init:?}");
    let cert = Command::new(&bins.capfsh)
        .arg("--db")
        .arg(&db)
        .args(["show", "capf", "cert"])
        .output()
        .expect("show capf cert");
    let text = String::from_utf8_lossy(&cert.stdout);
    let pem: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .take_while(|l| !l.starts_with("-----END"))
        .chain(std::iter::once("-----END CERTIFICATE-----"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("ca.pem"), pem).expect("ca.pem");
    let key = std::fs::read_dir(&dir)
        .expect("ls")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            let n = p.file_name().map(|n| n.to_string_lossy().into_owned());
            n.is_some_and(|n| n.contains(".ca-key") && n.ends_with(".pem"))
        })
        .expect("the CA key file beside the store");
    std::fs::write(dir.join("phone.csr"), csr().pem()).expect("csr");
    std::fs::write(
        dir.join("ext.cnf"),
        "basicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\n\
         extendedKeyUsage=serverAuth,clientAuth\n\
         subjectKeyIdentifier=hash\n\
         authorityKeyIdentifier=keyid\n",
    )
    .expect("ext");
    // Each run writes a file of its own (capfd never overwrites one).
    let n = std::cell::Cell::new(0u32);
    let p = Pairs::measure(
        runs,
        |_| n.set(n.get() + 1),
        || {
            let mut c = Command::new(&bins.capfd);
            c.env("CAPFSH_DB", &db)
                .args(["enroll", "--device", "SEP001122AABBCC", "--csr"])
                .arg(dir.join("phone.csr"))
                .arg("--out")
                .arg(dir.join(format!("capfd-{}.pem", n.get())));
            c
        },
        || {
            let mut c = Command::new("openssl");
            c.current_dir(&dir)
                .args([
                    "x509",
                    "-req",
                    "-in",
                    "phone.csr",
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                ])
                .arg(&key)
                .args(["-days", "1825", "-sha256", "-extfile", "ext.cnf"])
                .args([
                    "-set_serial",
                    &format!("0x5fb0deb22e8d4c255263618e3550{:04x}", n.get()),
                ])
                .args(["-subj", "/CN=SEP001122AABBCC", "-out"])
                .arg(format!("openssl-{}.pem", n.get()));
            c
        },
        true,
    );
    println!();
    println!(
        "| one process, EC P-256 CA | wall ms | cpu ms | peak RSS MiB | peer | peer wall ms | peer cpu ms | wall ratio | cpu ratio |"
    );
    println!("|---|---:|---:|---:|---|---:|---:|---:|---:|");
    println!(
        "| `capfd enroll` (CSR verified, recorded, LSC signed, recorded, written, synced) | {:.1} | {:.1} | {:.1} | `openssl x509 -req` (same CSR, key, extensions) | {:.1} | {:.1} | {:.2} | {:.2} |",
        p.a_ms(),
        p.a_cpu_ms(),
        p.a_rss_mib(),
        p.b_ms(),
        p.b_cpu_ms(),
        p.ratio(),
        p.cpu_ratio()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    println!("machine: {}", machine());
    let runs: usize = std::env::var("CAPFSH_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
        .max(1);
    let csr = csr();
    let parse_input = csr.pem();
    println!(
        "| CA key | LSCs/s (parse+verify CSR, sign) | LSCs/s (sign only) | openssl speed sign/s | sign only / openssl |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (kind, label, alg) in [
        (
            CaKeyKind::EcP256,
            "EC P-256 (ecdsa-with-SHA256)",
            "ecdsap256",
        ),
        (
            CaKeyKind::Rsa2048,
            "RSA-2048 (sha256WithRSAEncryption)",
            "rsa2048",
        ),
    ] {
        let (ca, _) =
            CapfCa::generate(kind, &CaSubject::default(), chrono::Utc::now()).expect("ca");
        let window = Duration::from_secs(3);
        let mut n = 0u64;
        let t = Instant::now();
        while t.elapsed() < window {
            let c = ParsedCsr::parse(parse_input.as_bytes()).expect("parse");
            ca.sign_lsc(&c, "SEP001122AABBCC", 365, chrono::Utc::now())
                .expect("sign");
            n += 1;
        }
        let full = n as f64 / t.elapsed().as_secs_f64();
        let mut m = 0u64;
        let t = Instant::now();
        while t.elapsed() < window {
            ca.sign_lsc(&csr, "SEP001122AABBCC", 365, chrono::Utc::now())
                .expect("sign");
            m += 1;
        }
        let sign = m as f64 / t.elapsed().as_secs_f64();
        let speed = openssl_speed(alg);
        let ossl = speed
            .map(|v| format!("{v:.0}"))
            .unwrap_or_else(|| "n/a".into());
        let ratio = speed
            .map(|v| format!("{:.2}", sign / v))
            .unwrap_or_else(|| "n/a".into());
        println!("| {label} | {full:.0} | {sign:.0} | {ossl} | {ratio} |");
    }
    if available("openssl", "version") {
        let bins = Binaries::snapshot();
        enroll_vs_openssl(&bins, runs);
    } else {
        println!("openssl is not installed: no enroll comparison");
    }
    println!("at the end: {}", support::load_average());
}
