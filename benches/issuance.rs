//! LSC issuance speed: LSCs signed per second on one core, for an EC P-256 and an RSA-2048
//! CAPF CA, next to `openssl speed` for the same signature algorithm. Run with
//! `cargo bench --bench issuance`.

use std::process::Command;
use std::time::{Duration, Instant};

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

fn main() {
    let csr = csr();
    let parse_input = csr.pem();
    println!(
        "| CA key | LSCs/s (parse+verify CSR, sign) | LSCs/s (sign only) | openssl speed sign/s |"
    );
    println!("|---|---:|---:|---:|");
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
        let ossl = openssl_speed(alg)
            .map(|v| format!("{v:.0}"))
            .unwrap_or_else(|| "n/a".into());
        println!("| {label} | {full:.0} | {sign:.0} | {ossl} |");
    }
}
