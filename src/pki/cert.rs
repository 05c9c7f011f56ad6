//! Certificates from outside: externally signed LSCs (offline CA) and trusted CA certificates.

use x509_parser::prelude::{FromDer, X509Certificate};

use super::csr::{KeyAlgorithm, PublicKeyInfo, check_public_key};
use super::{
    PkiError, check_input, common_names, fingerprint, first_common_name, looks_like_pem,
    parse_whole, pem_blocks, sha256_hex, to_chrono, to_pem, verify,
};
use crate::domain::Timestamp;

/// The largest certificate file accepted (a bundle of a few hundred certificates).
pub const MAX_CERT_INPUT_BYTES: usize = 1024 * 1024;

/// PEM labels of a certificate.
const CERT_LABELS: &[&str] = &["CERTIFICATE", "X509 CERTIFICATE"];

/// A parsed certificate with the facts CAPF checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCert {
    /// Subject DN.
    pub subject: String,
    /// Subject common name, if any.
    pub subject_cn: Option<String>,
    /// Issuer DN.
    pub issuer: String,
    /// Serial, lower-case hex without separators.
    pub serial_hex: String,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// Basic Constraints CA:TRUE.
    pub is_ca: bool,
    /// Key Usage Digital Signature.
    pub digital_signature: bool,
    /// Key Usage Key Encipherment.
    pub key_encipherment: bool,
    /// Key Usage Certificate Sign.
    pub key_cert_sign: bool,
    /// Key Usage CRL Sign.
    pub crl_sign: bool,
    /// The purposes of the Extended Key Usage extension, when it is present: (serverAuth,
    /// clientAuth). Absent means any purpose.
    pub eku: Option<(bool, bool)>,
    /// The public key, when CAPF accepts its type and size (an LSC's must).
    pub key: Option<PublicKeyInfo>,
    /// SHA-256 of the SubjectPublicKeyInfo (same definition as a CSR's).
    pub public_key_sha256: String,
    /// Colon-separated SHA-256 of the DER, as openssl prints it.
    pub fingerprint: String,
    /// The certificate.
    pub der: Vec<u8>,
}

impl ParsedCert {
    /// Parses one or more PEM certificates, or one DER certificate.
    pub fn parse_many(input: &[u8]) -> Result<Vec<ParsedCert>, PkiError> {
        check_input(input, MAX_CERT_INPUT_BYTES, "certificate file")?;
        let ders = if looks_like_pem(input) {
            pem_blocks(input, CERT_LABELS, "certificate")?
        } else {
            vec![input.to_vec()]
        };
        ders.into_iter().map(ParsedCert::from_der).collect()
    }

    /// Parses one DER certificate.
    pub fn from_der(der: Vec<u8>) -> Result<ParsedCert, PkiError> {
        let x509: X509Certificate<'_> = parse_whole(&der, "certificate", "X.509 certificate")?;
        let ku = x509.key_usage().ok().flatten().map(|k| k.value);
        let fields = ParsedCert {
            subject: x509.subject().to_string(),
            subject_cn: first_common_name(x509.subject()),
            issuer: x509.issuer().to_string(),
            serial_hex: x509
                .raw_serial()
                .iter()
                .skip_while(|b| **b == 0)
                .map(|b| format!("{b:02x}"))
                .collect(),
            not_before: to_chrono(x509.validity().not_before)?,
            not_after: to_chrono(x509.validity().not_after)?,
            is_ca: x509
                .basic_constraints()
                .ok()
                .flatten()
                .is_some_and(|bc| bc.value.ca),
            digital_signature: ku.is_some_and(|k| k.digital_signature()),
            key_encipherment: ku.is_some_and(|k| k.key_encipherment()),
            key_cert_sign: ku.is_some_and(|k| k.key_cert_sign()),
            crl_sign: ku.is_some_and(|k| k.crl_sign()),
            eku: x509
                .extended_key_usage()
                .ok()
                .flatten()
                .map(|e| (e.value.server_auth, e.value.client_auth)),
            key: check_public_key(x509.public_key()).ok(),
            public_key_sha256: sha256_hex(x509.public_key().raw),
            fingerprint: fingerprint(&der),
            der: Vec::new(),
        };
        Ok(ParsedCert { der, ..fields })
    }

    /// The certificate as PEM.
    pub fn pem(&self) -> String {
        to_pem("CERTIFICATE", &self.der)
    }

    /// Checks that `issuer` signed this certificate (names match and the signature verifies).
    pub fn verify_issued_by(&self, issuer: &ParsedCert) -> Result<(), PkiError> {
        fn parse(der: &[u8]) -> Result<X509Certificate<'_>, PkiError> {
            X509Certificate::from_der(der)
                .map(|(_, c)| c)
                .map_err(|e| PkiError::Malformed {
                    what: "certificate",
                    reason: e.to_string(),
                })
        }
        let cert = parse(&self.der)?;
        let ca = parse(&issuer.der)?;
        if cert.issuer().as_raw() != ca.subject().as_raw() {
            return Err(PkiError::BadSignature {
                what: "certificate",
                reason: format!("issued by {}, not by {}", self.issuer, issuer.subject),
            });
        }
        verify::verify(
            ca.public_key(),
            &cert.signature_algorithm,
            &cert.signature_value.data,
            cert.tbs_certificate.as_ref(),
            "certificate",
        )
    }

    /// The CAPF rules for a CA allowed to issue LSCs: CA:TRUE, Certificate Sign, and a Common
    /// Name that does not use the `CAPF-` prefix reserved for CAPF's own certificates.
    ///
    /// Every Common Name counts, in any string type, matched without regard to case: a second
    /// CN or a BMPString CN is still what TLS peers display. A CN that cannot be decoded is
    /// refused, since the reserved prefix cannot be ruled out.
    pub fn check_trust_anchor(&self) -> Result<(), PkiError> {
        let (_, x509) = X509Certificate::from_der(&self.der).map_err(|e| PkiError::Malformed {
            what: "certificate",
            reason: e.to_string(),
        })?;
        for cn in common_names(x509.subject()) {
            match cn {
                Err(reason) => {
                    return Err(PkiError::Rule(format!(
                        "refused {}: its Common Name is {reason}, so the reserved CAPF- prefix \
                         cannot be ruled out",
                        self.subject
                    )));
                }
                Ok(cn) if cn.to_ascii_uppercase().contains("CAPF-") => {
                    return Err(PkiError::Rule(format!(
                        "refused {}: the Common Name prefix CAPF- is reserved for CAPF \
                         certificates",
                        self.subject
                    )));
                }
                Ok(_) => {}
            }
        }
        if !self.is_ca {
            return Err(PkiError::Rule(format!(
                "refused {}: not a CA certificate (Basic Constraints CA:TRUE missing)",
                self.subject
            )));
        }
        if !self.key_cert_sign {
            return Err(PkiError::Rule(format!(
                "refused {}: Key Usage Certificate Sign missing",
                self.subject
            )));
        }
        Ok(())
    }

    /// The CAPF rules for an LSC: not a CA, a key CAPF accepts, Key Usage Digital Signature
    /// with Key Encipherment for an RSA key and without it for an EC key (RFC 5480 section 3
    /// forbids it there), and an Extended Key Usage, when present, that allows both TLS
    /// client and server authentication (the phone is both; openssl calls anything less an
    /// "unsuitable certificate purpose").
    ///
    /// The reasons do not name the certificate: an import checks many and reports each
    /// refusal as `<subject>: <reason>` (unlike `check_trust_anchor`, whose error is shown
    /// on its own and so names the subject).
    pub fn check_lsc_usable(&self) -> Result<(), PkiError> {
        if self.is_ca {
            return Err(PkiError::Rule(
                "an LSC must not carry Basic Constraints CA:TRUE".into(),
            ));
        }
        let (_, x509) = X509Certificate::from_der(&self.der).map_err(|e| PkiError::Malformed {
            what: "certificate",
            reason: e.to_string(),
        })?;
        let key = check_public_key(x509.public_key())?;
        match key.algorithm {
            KeyAlgorithm::Rsa if !(self.digital_signature && self.key_encipherment) => {
                return Err(PkiError::Rule(
                    "Key Usage of an RSA LSC must include Digital Signature and Key Encipherment"
                        .into(),
                ));
            }
            KeyAlgorithm::Ec if !self.digital_signature => {
                return Err(PkiError::Rule(
                    "Key Usage of an EC LSC must include Digital Signature".into(),
                ));
            }
            KeyAlgorithm::Ec if self.key_encipherment => {
                return Err(PkiError::Rule(
                    "Key Usage Key Encipherment is not allowed for an EC key (RFC 5480 section 3)"
                        .into(),
                ));
            }
            _ => {}
        }
        if let Some((server, client)) = self.eku {
            let missing: Vec<&str> = [(server, "serverAuth"), (client, "clientAuth")]
                .iter()
                .filter(|(on, _)| !on)
                .map(|(_, n)| *n)
                .collect();
            if !missing.is_empty() {
                return Err(PkiError::Rule(format!(
                    "Extended Key Usage lacks {}: the LSC must allow TLS client and server \
                     authentication",
                    missing.join(" and ")
                )));
            }
        }
        Ok(())
    }
}
