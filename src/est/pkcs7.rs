//! EST replies (RFC 7030 §4.1.3, §4.2.3): a base64 "certs-only" CMS SignedData, decoded with the
//! RustCrypto `cms` crate. No I/O.

use base64::Engine as _;
use cms::cert::CertificateChoices;
use cms::cert::x509::der::{Decode, Encode, asn1::ObjectIdentifier};
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;

/// id-signedData (RFC 5652 §5.1).
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// Most certificates taken from one reply (a chain is a handful).
const MAX_CERTS: usize = 32;

/// Decodes an EST body: base64 (line breaks allowed, RFC 7030 §4.1.3) or, from servers that
/// send it raw, DER.
pub fn body_der(body: &[u8]) -> Result<Vec<u8>, String> {
    let compact: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    match base64::engine::general_purpose::STANDARD.decode(&compact) {
        Ok(der) => Ok(der),
        Err(e) if body.first() == Some(&0x30) => {
            let _ = e;
            Ok(body.to_vec())
        }
        Err(e) => Err(format!("the reply is not base64: {e}")),
    }
}

/// The certificates (DER) of a certs-only SignedData, in the order the server sent them.
pub fn certs_only(der: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let info = ContentInfo::from_der(der)
        .map_err(|e| format!("the reply is not a CMS (PKCS#7) message: {e}"))?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(format!(
            "the reply is CMS content {} , not signed-data (certs-only)",
            info.content_type
        ));
    }
    let inner = info
        .content
        .to_der()
        .map_err(|e| format!("the reply's signed-data cannot be read: {e}"))?;
    let signed = SignedData::from_der(&inner)
        .map_err(|e| format!("the reply's signed-data cannot be read: {e}"))?;
    let set = signed
        .certificates
        .ok_or("the reply carries no certificate")?;
    let mut out = Vec::new();
    for choice in set.0.iter() {
        if let CertificateChoices::Certificate(c) = choice {
            out.push(
                c.to_der()
                    .map_err(|e| format!("a certificate in the reply cannot be read: {e}"))?,
            );
        }
        if out.len() > MAX_CERTS {
            return Err(format!(
                "the reply carries more than {MAX_CERTS} certificates"
            ));
        }
    }
    if out.is_empty() {
        return Err("the reply carries no certificate".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_without_panicking() {
        assert!(body_der(b"!!!").is_err());
        assert!(certs_only(&[]).is_err());
        assert!(certs_only(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
        assert!(certs_only(&[0x30, 0x80]).is_err());
        let b64 = base64::engine::general_purpose::STANDARD.encode([0x30, 0x00]);
        assert_eq!(
            body_der(format!("{b64}\r\n").as_bytes()),
            Ok(vec![0x30, 0x00])
        );
    }

    #[test]
    fn a_certs_only_message_made_by_openssl_yields_its_certificates() {
        // `openssl crl2pkcs7 -nocrl -certfile` output, the format EST servers send.
        let dir = tempfile::tempdir().expect("tempdir");
        let run = |args: &[&str]| {
            let ok = std::process::Command::new("openssl")
                .current_dir(dir.path())
                .args(args)
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            assert!(ok, "openssl {args:?}");
        };
        // Two self-signed EC certificates: one.pem (CN=One) and two.pem (CN=Two).
        for (cn, key, out) in [("One", "k.pem", "one.pem"), ("Two", "k2.pem", "two.pem")] {
            let subject = format!("/CN={cn}");
            run(&[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                key,
                "-subj",
                &subject,
                "-days",
                "2",
                "-out",
                out,
            ]);
        }
        run(&[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "one.pem",
            "-certfile",
            "two.pem",
            "-outform",
            "DER",
            "-out",
            "p7.der",
        ]);
        let der = std::fs::read(dir.path().join("p7.der")).expect("p7");
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let certs = certs_only(&body_der(b64.as_bytes()).expect("b64")).expect("certs");
        assert_eq!(certs.len(), 2);
        let one = std::fs::read(dir.path().join("one.pem")).expect("one");
        let one = crate::pki::ParsedCert::parse_many(&one).expect("pem");
        assert!(certs.contains(&one[0].der));
    }
}
