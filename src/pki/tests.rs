//! PKI unit tests with rcgen-made CSRs (openssl interop lives in tests/testsuite/pki_openssl.rs).

use chrono::{TimeZone, Utc};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

use super::*;

fn now() -> crate::domain::Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("now")
}

fn csr_pem(alg: &'static rcgen::SignatureAlgorithm, cn: &str, ask_ca: bool) -> String {
    let key = KeyPair::generate_for(alg).expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    if ask_ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    params
        .serialize_request(&key)
        .expect("csr")
        .pem()
        .expect("pem")
}

fn ca() -> CapfCa {
    CapfCa::generate(CaKeyKind::EcP256, &CaSubject::default(), now())
        .expect("ca")
        .0
}

#[test]
fn a_p256_csr_is_parsed_and_verified() {
    let csr = ParsedCsr::parse(
        csr_pem(&rcgen::PKCS_ECDSA_P256_SHA256, "SEP001122AABBCC", false).as_bytes(),
    )
    .expect("parse");
    assert_eq!(csr.key.to_string(), "EC-P256");
    assert_eq!(csr.subject_cn.as_deref(), Some("SEP001122AABBCC"));
    assert_eq!(csr.public_key_sha256.len(), 64);
    assert_eq!(csr.signature_algorithm, "ecdsa-with-SHA256");
    assert!(csr.weak.is_none());
    // DER input works too.
    assert_eq!(ParsedCsr::parse(&csr.der).expect("der"), csr);
}

#[test]
fn bad_inputs_are_refused_with_reasons() {
    assert_eq!(ParsedCsr::parse(b""), Err(PkiError::Empty));
    assert_eq!(ParsedCsr::parse(b"  \n"), Err(PkiError::Empty));
    let big = vec![b'A'; 10 * 1024 * 1024];
    assert!(matches!(
        ParsedCsr::parse(&big),
        Err(PkiError::TooLarge { .. })
    ));
    let pem = csr_pem(&rcgen::PKCS_ECDSA_P256_SHA256, "SEP1", false);
    let cert_labelled = pem.replace("CERTIFICATE REQUEST", "CERTIFICATE");
    assert!(matches!(
        ParsedCsr::parse(cert_labelled.as_bytes()),
        Err(PkiError::WrongPemType { .. })
    ));
    let der = ParsedCsr::parse(pem.as_bytes()).expect("parse").der;
    assert!(matches!(
        ParsedCsr::parse(&der[..der.len() / 2]),
        Err(PkiError::Malformed { .. })
    ));
    let mut trailing = der.clone();
    trailing.push(0);
    assert!(matches!(
        ParsedCsr::parse(&trailing),
        Err(PkiError::Malformed { .. })
    ));
    let mut flipped = der.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 0x01;
    assert!(matches!(
        ParsedCsr::parse(&flipped),
        Err(PkiError::BadSignature { .. })
    ));
}

#[test]
fn ed25519_csrs_are_refused() {
    let pem = csr_pem(&rcgen::PKCS_ED25519, "SEP1", false);
    assert!(matches!(
        ParsedCsr::parse(pem.as_bytes()),
        Err(PkiError::UnsupportedKey(_))
    ));
}

#[test]
fn the_ca_is_a_constrained_ca() {
    let (ca, generated) = CapfCa::generate(
        CaKeyKind::EcP256,
        &CaSubject {
            organization: Some("Example".into()),
            ..CaSubject::default()
        },
        now(),
    )
    .expect("ca");
    assert!(ca.subject().contains("CN=CAPF-"), "{}", ca.subject());
    assert!(ca.subject().contains("O=Example"));
    let parsed = ParsedCert::parse_many(generated.cert_pem.as_bytes())
        .expect("cert")
        .remove(0);
    assert!(parsed.is_ca && parsed.key_cert_sign && parsed.digital_signature);
    assert_eq!(
        (ca.not_after() - ca.not_before()).num_days(),
        ca::CA_VALIDITY_DAYS
    );
    // Reloading from PEM gives the same CA; a key of another CA is refused.
    let again = CapfCa::load(&generated.cert_pem, &generated.key_pem).expect("load");
    assert_eq!(again.fingerprint(), ca.fingerprint());
    let other = CapfCa::generate(CaKeyKind::EcP256, &CaSubject::default(), now())
        .expect("other")
        .1;
    assert!(matches!(
        CapfCa::load(&generated.cert_pem, &other.key_pem),
        Err(PkiError::KeyMismatch)
    ));
}

#[test]
fn an_lsc_is_an_end_entity_even_when_the_csr_asks_for_ca() {
    let ca = ca();
    let csr = ParsedCsr::parse(
        csr_pem(&rcgen::PKCS_ECDSA_P384_SHA384, "SEP001122AABBCC", true).as_bytes(),
    )
    .expect("parse");
    assert!(
        csr.requested_extensions
            .iter()
            .any(|e| e.contains("CA:TRUE"))
    );
    let lsc = ca
        .sign_lsc(&csr, "SEP001122AABBCC", 30, now())
        .expect("sign");
    let cert = ParsedCert::from_der(lsc.der.clone()).expect("cert");
    assert!(!cert.is_ca);
    // An EC key: Digital Signature only (RFC 5480 section 3 forbids Key Encipherment).
    assert!(cert.digital_signature && !cert.key_encipherment && !cert.key_cert_sign);
    assert_eq!(cert.eku, Some((true, true)));
    assert_eq!(cert.subject, "CN=SEP001122AABBCC");
    assert_eq!(cert.public_key_sha256, csr.public_key_sha256);
    assert_eq!(lsc.serial_hex.len(), 32);
    assert_eq!(cert.serial_hex, lsc.serial_hex);
    assert!(u8::from_str_radix(&lsc.serial_hex[..2], 16).expect("hex") < 0x80);
    assert_eq!((cert.not_after - now()).num_days(), 30);
    let ca_cert = ParsedCert::from_der(ca.cert_der().to_vec()).expect("ca cert");
    cert.verify_issued_by(&ca_cert).expect("signed by the CA");
    cert.check_lsc_usable().expect("usable");
}

#[test]
fn trust_anchor_rules() {
    let ca = ca();
    let capf = ParsedCert::from_der(ca.cert_der().to_vec()).expect("cert");
    assert!(matches!(capf.check_trust_anchor(), Err(PkiError::Rule(m)) if m.contains("reserved")));
    let csr = ParsedCsr::parse(csr_pem(&rcgen::PKCS_ECDSA_P256_SHA256, "SEP1", false).as_bytes())
        .expect("csr");
    let lsc =
        ParsedCert::from_der(ca.sign_lsc(&csr, "SEP1", 1, now()).expect("lsc").der).expect("cert");
    assert!(matches!(lsc.check_trust_anchor(), Err(PkiError::Rule(m)) if m.contains("not a CA")));
}

#[test]
fn an_lsc_never_outlives_its_ca_and_an_expired_ca_signs_nothing() {
    let ca = ca();
    let csr = ParsedCsr::parse(csr_pem(&rcgen::PKCS_ECDSA_P256_SHA256, "SEP1", false).as_bytes())
        .expect("csr");
    let late = ca.not_after() - chrono::Duration::days(10);
    let lsc = ca.sign_lsc(&csr, "SEP1", 1825, late).expect("sign");
    assert_eq!(lsc.not_after, ca.not_after());
    let after = ca.not_after() + chrono::Duration::days(1);
    assert!(
        matches!(ca.sign_lsc(&csr, "SEP1", 30, after), Err(PkiError::Rule(m)) if m.contains("expired"))
    );
}

/// A small deterministic generator, so the mutation tests are repeatable without a crate.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn mutated_csrs_and_certificates_never_panic() {
    let csr_der =
        ParsedCsr::parse(csr_pem(&rcgen::PKCS_ECDSA_P256_SHA256, "SEP1", false).as_bytes())
            .expect("csr")
            .der;
    let cert_der = ca().cert_der().to_vec();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for round in 0..3000 {
        for original in [&csr_der, &cert_der] {
            let mut bytes = original.clone();
            match round % 3 {
                0 => {
                    let i = (rng.next() as usize) % bytes.len();
                    bytes[i] ^= 1 << (rng.next() % 8);
                }
                1 => bytes.truncate((rng.next() as usize) % bytes.len()),
                _ => {
                    let i = (rng.next() as usize) % bytes.len();
                    bytes.insert(i, rng.next() as u8);
                }
            }
            if let Ok(parsed) = ParsedCsr::parse(&bytes) {
                // Accepted only after its signature verified; what is kept is exactly the input.
                assert_eq!(parsed.der, bytes);
                assert_ne!(round % 3, 1, "a truncated CSR was accepted");
            }
            let _ = ParsedCert::parse_many(&bytes);
        }
    }
}

#[test]
fn rsa_sizes_are_counted_in_bits_not_rounded_to_bytes() {
    use csr::rsa_modulus_bits;
    // DER INTEGER bytes: a leading zero byte when the top bit is set.
    let modulus = |bits: usize| {
        let mut m = vec![0u8; bits.div_ceil(8)];
        m[0] = 1 << ((bits - 1) % 8);
        if m[0] & 0x80 != 0 {
            m.insert(0, 0);
        }
        m
    };
    for bits in [1023, 1024, 2040, 2047, 2048, 4096, 4097, 4100, 4103] {
        assert_eq!(rsa_modulus_bits(&modulus(bits)), bits as u32, "{bits}");
    }
    // Redundant leading zeros do not count; negative or zero moduli have no size.
    assert_eq!(rsa_modulus_bits(&[0, 0, 0x01, 0xff]), 9);
    assert_eq!(rsa_modulus_bits(&[0x80, 0]), 0);
    assert_eq!(rsa_modulus_bits(&[0, 0]), 0);
    assert_eq!(rsa_modulus_bits(&[]), 0);
}

/// A self-signed CA certificate (CA:TRUE, Certificate Sign) whose subject is `dn`.
fn ca_cert_with(dn: rcgen::DistinguishedName) -> ParsedCert {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = CertificateParams::default();
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
    let cert = params.self_signed(&key).expect("cert");
    ParsedCert::from_der(cert.der().to_vec()).expect("parse")
}

#[test]
fn the_capf_prefix_is_found_in_every_common_name_and_string_type() {
    use rcgen::string::{BmpString, UniversalString};
    use rcgen::{DistinguishedName, DnValue};
    let cn_oid = || DnType::CustomDnType(vec![2, 5, 4, 3]);
    let reserved = |dn: DistinguishedName| matches!(ca_cert_with(dn).check_trust_anchor(), Err(PkiError::Rule(m)) if m.contains("reserved"));
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        DnValue::BmpString(BmpString::try_from("CAPF-bmpstr").expect("bmp")),
    );
    assert!(reserved(dn), "BMPString");
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        DnValue::UniversalString(UniversalString::try_from("x capf-univ").expect("univ")),
    );
    assert!(reserved(dn), "UniversalString, lower case");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "Benign");
    dn.push(cn_oid(), "CAPF-second");
    assert!(reserved(dn), "second CN");
    // The CN shown is the first one, decoded whatever its string type.
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        DnValue::BmpString(BmpString::try_from("Root é").expect("bmp")),
    );
    let ok = ca_cert_with(dn);
    assert_eq!(ok.subject_cn.as_deref(), Some("Root é"));
    ok.check_trust_anchor()
        .expect("an ordinary BMPString CN is fine");
}

#[test]
fn an_undecodable_common_name_is_refused_with_a_reason() {
    use rcgen::string::BmpString;
    use rcgen::{DistinguishedName, DnValue};
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        DnValue::BmpString(BmpString::try_from("CAPF-X").expect("bmp")),
    );
    let der = ca_cert_with(dn).der;
    // Turn the UTF-16 unit of "X" into an unpaired surrogate (0xD800), in place, in both the
    // issuer and the subject (the whole BMPString is matched, not stray bytes of a key).
    let bmp: Vec<u8> = [0x1e, 12]
        .into_iter()
        .chain("CAPF-X".encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    let mut bad = der.clone();
    let mut patched = 0;
    for i in 0..bad.len() - bmp.len() {
        if bad[i..i + bmp.len()] == bmp[..] {
            bad[i + bmp.len() - 2..i + bmp.len()].copy_from_slice(&[0xd8, 0x00]);
            patched += 1;
        }
    }
    assert_eq!(patched, 2);
    let cert = ParsedCert::from_der(bad).expect("still parses");
    assert!(
        matches!(cert.check_trust_anchor(), Err(PkiError::Rule(m)) if m.contains("BMPString that is not valid UTF-16")),
    );
}

#[test]
fn pem_after_explanatory_text_is_read_as_pem() {
    let pem = csr_pem(&rcgen::PKCS_ECDSA_P256_SHA256, "SEP1", false);
    let text = format!(
        "Certificate Request:\n    Data:\n        Version: 1 (0x0)\n        Subject: CN = SEP1\n{pem}"
    );
    let csr = ParsedCsr::parse(text.as_bytes()).expect("CSR after openssl -text output");
    assert_eq!(csr.subject_cn.as_deref(), Some("SEP1"));
    // Still exactly one block for a CSR, text or not.
    let two = format!("{text}\nsome note\n{pem}");
    assert!(
        matches!(ParsedCsr::parse(two.as_bytes()), Err(PkiError::Malformed { reason, .. }) if reason.contains("2 PEM blocks"))
    );
    // Certificates: `openssl ca` output (text, block, text, block) gives every block.
    let ca1 = ca().cert_pem();
    let ca2 = ca().cert_pem();
    let bundle = format!("Certificate:\n    Data: ...\n{ca1}Certificate:\n    Data: ...\n{ca2}");
    assert_eq!(
        ParsedCert::parse_many(bundle.as_bytes())
            .expect("bundle")
            .len(),
        2
    );
}

#[test]
fn pem_output_has_lf_line_endings() {
    let csr = ParsedCsr::parse(csr_pem(&rcgen::PKCS_ECDSA_P256_SHA256, "SEP1", false).as_bytes())
        .expect("csr");
    let lsc = ca().sign_lsc(&csr, "SEP1", 1, now()).expect("lsc");
    for pem in [
        csr.pem(),
        lsc.pem(),
        ca().cert_pem(),
        to_pem("CERTIFICATE", &lsc.der),
    ] {
        assert!(!pem.contains('\r'), "{pem:?}");
        assert!(pem.ends_with("-----\n"), "{pem:?}");
        assert!(pem.lines().all(|l| l.len() <= 64), "{pem:?}");
    }
}

#[test]
fn an_oversized_input_is_described_by_the_limit_not_by_a_clipped_size() {
    // Readers stop one byte past the limit, so the size seen is not the file's.
    let clipped = vec![b'A'; csr::MAX_CSR_INPUT_BYTES + 1];
    let msg = ParsedCsr::parse(&clipped)
        .expect_err("too large")
        .to_string();
    assert_eq!(msg, "the input is larger than the 64 KiB limit for a CSR");
    let msg = ParsedCert::parse_many(&vec![b'A'; cert::MAX_CERT_INPUT_BYTES + 1])
        .expect_err("too large")
        .to_string();
    assert_eq!(
        msg,
        "the input is larger than the 1 MiB limit for a certificate file"
    );
}

#[test]
fn lsc_rule_reasons_do_not_repeat_the_subject() {
    // The import prints "<subject>: <reason>"; the reason must not name the subject again.
    let ca_cert = ParsedCert::from_der(ca().cert_der().to_vec()).expect("cert");
    let reason = ca_cert.check_lsc_usable().expect_err("a CA").to_string();
    assert_eq!(reason, "an LSC must not carry Basic Constraints CA:TRUE");
    assert!(!reason.contains(&ca_cert.subject));
}

#[test]
fn ca_subject_fields_are_checked_and_the_country_is_a_printable_string() {
    let refused = |s: CaSubject, option: &str| {
        let err = CapfCa::generate(CaKeyKind::EcP256, &s, now())
            .expect_err("refused")
            .to_string();
        assert!(err.starts_with(option), "{option}: {err}");
    };
    let country = |c: &str| CaSubject {
        country: Some(c.into()),
        ..CaSubject::default()
    };
    refused(country("Germany"), "--country");
    refused(country("D"), "--country");
    refused(country("D1"), "--country");
    refused(country("DÉ"), "--country");
    refused(country(""), "--country");
    let org = |o: &str| CaSubject {
        organization: Some(o.into()),
        ..CaSubject::default()
    };
    refused(org(""), "--org");
    refused(org("  "), "--org");
    refused(org("Evil\u{1b}[2J"), "--org");
    refused(org(&"x".repeat(65)), "--org");
    refused(
        CaSubject {
            organizational_unit: Some("a\nb".into()),
            ..CaSubject::default()
        },
        "--ou",
    );
    refused(
        CaSubject {
            locality: Some(String::new()),
            ..CaSubject::default()
        },
        "--locality",
    );
    refused(
        CaSubject {
            state: Some("é".repeat(65)),
            ..CaSubject::default()
        },
        "--state",
    );
    // 64 characters (not bytes) is fine; the country is upper-cased and written as a
    // PrintableString (tag 0x13) holding "DE".
    let (ca, _) = CapfCa::generate(
        CaKeyKind::EcP256,
        &CaSubject {
            organization: Some("é".repeat(64)),
            country: Some("de".into()),
            ..CaSubject::default()
        },
        now(),
    )
    .expect("valid");
    assert!(ca.subject().contains("C=DE"), "{}", ca.subject());
    let c_printable = [0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, b'D', b'E'];
    assert!(
        ca.cert_der()
            .windows(c_printable.len())
            .any(|w| w == c_printable),
        "countryName is not a PrintableString"
    );
}

#[test]
fn each_ec_ca_signs_with_the_hash_of_its_curve() {
    use x509_parser::oid_registry::{
        OID_EC_P256, OID_NIST_EC_P384, OID_NIST_EC_P521, OID_SIG_ECDSA_WITH_SHA256,
        OID_SIG_ECDSA_WITH_SHA384, OID_SIG_ECDSA_WITH_SHA512,
    };
    use x509_parser::prelude::{FromDer, X509Certificate};
    for (kind, curve, sig) in [
        (CaKeyKind::EcP256, OID_EC_P256, OID_SIG_ECDSA_WITH_SHA256),
        (
            CaKeyKind::EcP384,
            OID_NIST_EC_P384,
            OID_SIG_ECDSA_WITH_SHA384,
        ),
        (
            CaKeyKind::EcP521,
            OID_NIST_EC_P521,
            OID_SIG_ECDSA_WITH_SHA512,
        ),
    ] {
        let check = |der: &[u8], ca_itself: bool| {
            let (_, x) = X509Certificate::from_der(der).expect("x509");
            assert_eq!(x.signature_algorithm.algorithm, sig, "{kind:?}");
            assert_eq!(x.tbs_certificate.signature.algorithm, sig, "{kind:?}");
            assert!(x.signature_algorithm.parameters.is_none());
            if ca_itself {
                let c = x
                    .public_key()
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok());
                assert_eq!(c, Some(curve.clone()), "{kind:?}");
            }
        };
        let (ca, generated) = CapfCa::generate(kind, &CaSubject::default(), now()).expect("ca");
        check(ca.cert_der(), true);
        let ca_cert = ParsedCert::from_der(ca.cert_der().to_vec()).expect("cert");
        assert!(ca_cert.key_cert_sign && ca_cert.crl_sign && ca_cert.digital_signature);
        ca_cert.verify_issued_by(&ca_cert).expect("self-signed");
        let csr =
            ParsedCsr::parse(csr_pem(&rcgen::PKCS_ECDSA_P256_SHA256, "SEP1", false).as_bytes())
                .expect("csr");
        // Freshly generated and reloaded from its files, the CA signs alike.
        let reloaded = CapfCa::load(&generated.cert_pem, &generated.key_pem).expect("load");
        for signer in [&ca, &reloaded] {
            let lsc = signer.sign_lsc(&csr, "SEP1", 30, now()).expect("lsc");
            check(&lsc.der, false);
            ParsedCert::from_der(lsc.der)
                .expect("lsc")
                .verify_issued_by(&ca_cert)
                .expect("LSC verifies against the CA");
        }
    }
}

#[test]
fn key_identifiers_hash_the_public_key_bits_and_the_aki_is_the_ca_ski() {
    use sha2::{Digest, Sha256};
    use x509_parser::extensions::ParsedExtension;
    use x509_parser::prelude::{FromDer, X509Certificate};
    let ids = |der: &[u8]| {
        let (_, x) = X509Certificate::from_der(der).expect("x509");
        let mut ski = None;
        let mut aki = None;
        for e in x.extensions() {
            match e.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(k.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    aki = a.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                _ => {}
            }
        }
        let bits = Sha256::digest(&x.public_key().subject_public_key.data)[..20].to_vec();
        (ski, aki, bits)
    };
    for kind in [CaKeyKind::EcP256, CaKeyKind::Rsa2048] {
        let ca = CapfCa::generate(kind, &CaSubject::default(), now())
            .expect("ca")
            .0;
        let (ca_ski, _, ca_bits) = ids(ca.cert_der());
        assert_eq!(
            ca_ski.as_deref(),
            Some(ca_bits.as_slice()),
            "RFC 7093 method 1"
        );
        let csr =
            ParsedCsr::parse(csr_pem(&rcgen::PKCS_ECDSA_P256_SHA256, "SEP1", false).as_bytes())
                .expect("csr");
        let lsc = ca.sign_lsc(&csr, "SEP1", 30, now()).expect("lsc");
        let (ski, aki, bits) = ids(&lsc.der);
        assert_eq!(ski, Some(bits));
        assert_eq!(aki, ca_ski, "the LSC's AKI is the CA's SKI");
    }
}

#[test]
fn rsa_lscs_keep_key_encipherment_and_ec_or_eku_mistakes_are_refused() {
    let ca = ca();
    let rsa = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .expect("rsa key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, "SEP1");
    let csr = ParsedCsr::parse(
        params
            .serialize_request(&rsa)
            .expect("csr")
            .pem()
            .expect("pem")
            .as_bytes(),
    )
    .expect("csr");
    let lsc =
        ParsedCert::from_der(ca.sign_lsc(&csr, "SEP1", 30, now()).expect("lsc").der).expect("cert");
    assert!(lsc.digital_signature && lsc.key_encipherment);
    lsc.check_lsc_usable().expect("usable");
    // EC certificates with Key Encipherment, or whose EKU lacks a TLS purpose.
    let ec = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("ec key");
    let issuer_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("ca key");
    let issuer_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    let issuer = rcgen::Issuer::new(issuer_params, issuer_key);
    let make = |ku: Vec<rcgen::KeyUsagePurpose>, eku: Vec<rcgen::ExtendedKeyUsagePurpose>| {
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
        p.distinguished_name.push(DnType::CommonName, "SEP1");
        p.key_usages = ku;
        p.extended_key_usages = eku;
        ParsedCert::from_der(p.signed_by(&ec, &issuer).expect("sign").der().to_vec()).expect("cert")
    };
    use rcgen::{ExtendedKeyUsagePurpose as E, KeyUsagePurpose as K};
    let ke = make(
        vec![K::DigitalSignature, K::KeyEncipherment],
        vec![E::ServerAuth, E::ClientAuth],
    );
    assert!(
        matches!(ke.check_lsc_usable(), Err(PkiError::Rule(m)) if m.contains("not allowed for an EC key"))
    );
    let server_only = make(vec![K::DigitalSignature], vec![E::ServerAuth]);
    assert!(
        matches!(server_only.check_lsc_usable(), Err(PkiError::Rule(m)) if m.contains("lacks clientAuth"))
    );
    let code = make(vec![K::DigitalSignature], vec![E::CodeSigning]);
    assert!(
        matches!(code.check_lsc_usable(), Err(PkiError::Rule(m)) if m.contains("lacks serverAuth and clientAuth"))
    );
    make(vec![K::DigitalSignature], vec![])
        .check_lsc_usable()
        .expect("no EKU means any purpose");
}

#[test]
fn an_lsc_cut_at_the_ca_end_says_what_was_asked_for() {
    let ca = ca();
    let csr = ParsedCsr::parse(csr_pem(&rcgen::PKCS_ECDSA_P256_SHA256, "SEP1", false).as_bytes())
        .expect("csr");
    let short = ca.sign_lsc(&csr, "SEP1", 30, now()).expect("lsc");
    assert_eq!(short.cut_from, None);
    let later = now() + chrono::Duration::days(100);
    let long = ca.sign_lsc(&csr, "SEP1", 1825, later).expect("lsc");
    assert_eq!(long.not_after, ca.not_after());
    assert_eq!(
        long.cut_from,
        Some(later + chrono::Duration::days(1825)),
        "the end the setting asked for"
    );
}

#[test]
fn a_ca_without_crl_sign_is_told_to_renew_and_crl_days_are_bounded() {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "CAPF-00000000");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    let cert = params.self_signed(&key).expect("cert");
    let old = CapfCa::load(&cert.pem(), &key.serialize_pem()).expect("load");
    assert!(!old.can_sign_crls());
    assert!(
        matches!(old.sign_crl(1, &[], now(), 7), Err(PkiError::Rule(m)) if m.contains("capfd init --force"))
    );
    let ca = ca();
    assert!(ca.can_sign_crls());
    assert!(ca.sign_crl(1, &[], now(), 0).is_err());
    assert!(ca.sign_crl(1, &[], now(), 367).is_err());
    let der = ca.sign_crl(7, &[], now(), 7).expect("crl");
    use x509_parser::prelude::FromDer;
    let (_, crl) =
        x509_parser::revocation_list::CertificateRevocationList::from_der(&der).expect("parse");
    assert_eq!(crl.crl_number().map(|n| n.to_u64_digits()), Some(vec![7]));
}

#[test]
fn sha1_is_told_by_the_signature_algorithm_oid() {
    use x509_parser::oid_registry::{
        OID_PKCS1_SHA1WITHRSA, OID_PKCS1_SHA256WITHRSA, OID_SIG_ECDSA_WITH_SHA256, Oid,
    };
    let ecdsa_sha1 = Oid::from(&[1, 2, 840, 10045, 4, 1]).expect("oid");
    assert!(super::verify::is_sha1(&OID_PKCS1_SHA1WITHRSA));
    assert!(super::verify::is_sha1(&ecdsa_sha1));
    assert!(!super::verify::is_sha1(&OID_PKCS1_SHA256WITHRSA));
    assert!(!super::verify::is_sha1(&OID_SIG_ECDSA_WITH_SHA256));
}
