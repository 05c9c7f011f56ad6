//! The CAPF CA: its certificate and key, and the LSCs it signs.

use std::str::FromStr;

use chrono::Duration;
use rcgen::string::PrintableString;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, PublicKeyData,
    RsaKeySize, SerialNumber, SubjectPublicKeyInfo,
};
use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::{KeyAlgorithm, ParsedCsr, PkiError, fingerprint, to_chrono, to_pem};
use crate::domain::Timestamp;

/// Validity of the CAPF CA certificate: five years, as CUCM.
pub const CA_VALIDITY_DAYS: i64 = 5 * 365;

/// Clock-skew allowance: an LSC is valid from a minute before it was issued, so a phone whose
/// clock is a little behind does not refuse it.
const SKEW: Duration = Duration::minutes(1);

/// The key types `capfd init --key` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaKeyKind {
    /// ECDSA P-256 with SHA-256.
    EcP256,
    /// ECDSA P-384 with SHA-384 (RFC 5480 section 4 pairs the curve with that hash; GnuTLS's
    /// Suite B profile refuses P-384 with SHA-256).
    EcP384,
    /// ECDSA P-521 with SHA-512 (RFC 5480 section 4).
    EcP521,
    /// RSA 2048 with SHA-256.
    Rsa2048,
    /// RSA 3072 with SHA-256.
    Rsa3072,
    /// RSA 4096 with SHA-256.
    Rsa4096,
}

impl CaKeyKind {
    /// The names `--key` accepts.
    pub const NAMES: [&'static str; 6] = [
        "ec-p256", "ec-p384", "ec-p521", "rsa-2048", "rsa-3072", "rsa-4096",
    ];

    fn generate(self) -> Result<KeyPair, PkiError> {
        let k = match self {
            CaKeyKind::EcP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            CaKeyKind::EcP384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
            CaKeyKind::EcP521 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512),
            CaKeyKind::Rsa2048 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_2048)
            }
            CaKeyKind::Rsa3072 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_3072)
            }
            CaKeyKind::Rsa4096 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_4096)
            }
        };
        k.map_err(|e| PkiError::Key(format!("cannot generate the key: {e}")))
    }
}

impl FromStr for CaKeyKind {
    type Err = PkiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "ec-p256" => CaKeyKind::EcP256,
            "ec-p384" => CaKeyKind::EcP384,
            "ec-p521" => CaKeyKind::EcP521,
            "rsa-2048" => CaKeyKind::Rsa2048,
            "rsa-3072" => CaKeyKind::Rsa3072,
            "rsa-4096" => CaKeyKind::Rsa4096,
            _ => {
                return Err(PkiError::Key(format!(
                    "unknown key type {s:?}: use {}",
                    Self::NAMES.join(", ")
                )));
            }
        })
    }
}

/// The X.520 upper bound on these attributes (ub-organization-name and its siblings are 64;
/// locality and state allow 128, but 64 keeps one simple rule that every peer accepts).
pub const MAX_SUBJECT_FIELD_CHARS: usize = 64;

/// Organisation fields of the CAPF CA subject (the CN is always `CAPF-<8 hex>`).
///
/// They come from the `capfd init` options, so [`CaSubject::validate`] names the option in its
/// errors: the admin fixes the command line, not an ASN.1 attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaSubject {
    /// O.
    pub organization: Option<String>,
    /// OU.
    pub organizational_unit: Option<String>,
    /// L.
    pub locality: Option<String>,
    /// ST.
    pub state: Option<String>,
    /// C (two letters).
    pub country: Option<String>,
}

impl CaSubject {
    /// Checks every field and returns the subject as it will be written (country upper-cased).
    ///
    /// Peers refuse or mangle CA certificates whose names break X.520: a country that is not
    /// a two-letter ISO 3166 code, an empty attribute, an over-long one; control characters
    /// would also be echoed to terminals that display the CA. Better to refuse at `init` than
    /// to issue five years of LSCs under a CA phones reject.
    pub fn validate(&self) -> Result<CaSubject, PkiError> {
        fn text(option: &str, value: &Option<String>) -> Result<Option<String>, PkiError> {
            let Some(v) = value else { return Ok(None) };
            if v.trim().is_empty() {
                return Err(PkiError::Rule(format!(
                    "{option}: the value is empty (leave the option out instead)"
                )));
            }
            if v.chars().any(char::is_control) {
                return Err(PkiError::Rule(format!(
                    "{option}: control characters are not allowed"
                )));
            }
            let n = v.chars().count();
            if n > MAX_SUBJECT_FIELD_CHARS {
                return Err(PkiError::Rule(format!(
                    "{option}: {n} characters, at most {MAX_SUBJECT_FIELD_CHARS} are allowed"
                )));
            }
            Ok(Some(v.clone()))
        }
        let country = match text("--country", &self.country)? {
            Some(c) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
                Some(c.to_ascii_uppercase())
            }
            Some(c) => {
                return Err(PkiError::Rule(format!(
                    "--country {c:?}: use the two-letter ISO 3166 code (for example DE, US)"
                )));
            }
            None => None,
        };
        Ok(CaSubject {
            organization: text("--org", &self.organization)?,
            organizational_unit: text("--ou", &self.organizational_unit)?,
            locality: text("--locality", &self.locality)?,
            state: text("--state", &self.state)?,
            country,
        })
    }
}

/// What `CapfCa::generate` made: the certificate and the private key, both PEM. The key goes to
/// a private file, never to the store.
#[derive(Debug)]
pub struct GeneratedCa {
    /// The CA certificate.
    pub cert_pem: String,
    /// The private key (PKCS#8).
    pub key_pem: String,
}

/// An LSC signed by the CAPF CA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedLsc {
    /// The certificate (DER).
    pub der: Vec<u8>,
    /// Serial, lower-case hex.
    pub serial_hex: String,
    /// Subject DN (`CN=<device>`).
    pub subject: String,
    /// Issuer DN (the CAPF CA subject).
    pub issuer: String,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// The end the validity setting asked for, when the CA's own end came first and the LSC
    /// was cut to it (an LSC must not outlive its issuer): callers warn with both dates.
    pub cut_from: Option<Timestamp>,
}

impl IssuedLsc {
    /// The certificate as PEM, as it is handed to the phone.
    pub fn pem(&self) -> String {
        to_pem("CERTIFICATE", &self.der)
    }
}

/// The loaded CAPF CA, ready to sign.
pub struct CapfCa {
    issuer: Issuer<'static, KeyPair>,
    cert_der: Vec<u8>,
    subject: String,
    not_before: Timestamp,
    not_after: Timestamp,
    key_id: Vec<u8>,
    crl_sign: bool,
}

impl std::fmt::Debug for CapfCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CapfCa")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// 16 random bytes, top bit clear and first byte non-zero: a positive serial of exactly 16 bytes.
fn random_serial() -> Result<[u8; 16], PkiError> {
    let mut b = [0u8; 16];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| PkiError::Issue("no randomness".into()))?;
    b[0] = (b[0] & 0x7f) | 0x01;
    Ok(b)
}

fn to_time(t: Timestamp) -> Result<::time::OffsetDateTime, PkiError> {
    ::time::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .map_err(|e| PkiError::Issue(format!("time out of range: {e}")))
}

/// Certificates carry whole seconds; the store keeps what the certificate says.
fn whole_seconds(t: Timestamp) -> Timestamp {
    chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl CapfCa {
    /// Creates a new CAPF CA: CN `CAPF-<8 hex>` plus `subject`, CA:TRUE pathlen:0 and Key Usage
    /// Digital Signature + Certificate Sign (both critical), a subject key identifier, five
    /// years of validity from `now`.
    pub fn generate(
        kind: CaKeyKind,
        subject: &CaSubject,
        now: Timestamp,
    ) -> Result<(CapfCa, GeneratedCa), PkiError> {
        // Before the key: a bad subject should not cost an RSA-4096 key generation.
        let subject = subject.validate()?;
        let key = kind.generate()?;
        let mut suffix = [0u8; 4];
        aws_lc_rs::rand::fill(&mut suffix).map_err(|_| PkiError::Issue("no randomness".into()))?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, format!("CAPF-{}", hex(&suffix)));
        for (t, v) in [
            (DnType::OrganizationName, &subject.organization),
            (DnType::OrganizationalUnitName, &subject.organizational_unit),
            (DnType::LocalityName, &subject.locality),
            (DnType::StateOrProvinceName, &subject.state),
        ] {
            if let Some(v) = v {
                dn.push(t, v.as_str());
            }
        }
        // X.520 and RFC 5280: countryName is a PrintableString (validate made it two letters).
        if let Some(c) = &subject.country {
            let printable = PrintableString::try_from(c.as_str())
                .map_err(|e| PkiError::Rule(format!("--country {c:?}: {e}")))?;
            dn.push(DnType::CountryName, DnValue::PrintableString(printable));
        }
        let mut params = CertificateParams::default();
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        // The CAPF rule, plus CRL Sign: the CA publishes the CRL of revoked LSCs
        // (`capfd crl`), and validators refuse a CRL whose issuer lacks it.
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
        ];
        params.not_before = to_time(now - SKEW)?;
        params.not_after = to_time(now + Duration::days(CA_VALIDITY_DAYS))?;
        params.serial_number = Some(SerialNumber::from_slice(&random_serial()?));
        params.key_identifier_method =
            KeyIdMethod::PreSpecified(key_identifier(&key.subject_public_key_info())?);
        let cert = params
            .self_signed(&key)
            .map_err(|e| PkiError::Issue(e.to_string()))?;
        let generated = GeneratedCa {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        };
        let ca = CapfCa::from_parts(cert.der().to_vec(), key)?;
        Ok((ca, generated))
    }

    /// Loads the CA from its certificate and key (PEM), checking that they belong together and
    /// that the certificate may sign LSCs.
    pub fn load(cert_pem: &str, key_pem: &str) -> Result<CapfCa, PkiError> {
        let cert = pem::parse(cert_pem).map_err(|e| PkiError::Malformed {
            what: "CA certificate",
            reason: e.to_string(),
        })?;
        let key = KeyPair::from_pem(key_pem)
            .map_err(|e| PkiError::Key(format!("cannot read the private key: {e}")))?;
        CapfCa::from_parts(cert.into_contents(), key)
    }

    fn from_parts(cert_der: Vec<u8>, key: KeyPair) -> Result<CapfCa, PkiError> {
        let (_, x509) = X509Certificate::from_der(&cert_der).map_err(|e| PkiError::Malformed {
            what: "CA certificate",
            reason: e.to_string(),
        })?;
        if x509.tbs_certificate.subject_pki.raw != key.subject_public_key_info().as_slice() {
            return Err(PkiError::KeyMismatch);
        }
        let ca_ok = x509
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|bc| bc.value.ca);
        if !ca_ok {
            return Err(PkiError::Rule(
                "the CAPF certificate is not a CA (CA:TRUE missing)".into(),
            ));
        }
        let subject = x509.subject().to_string();
        // The CA's own key identifier, which its CRLs carry as their AKI: the SKI it states
        // (CAs made before RFC 7093 method 1 keep theirs), or method 1 when it has none.
        let key_id = match x509
            .iter_extensions()
            .find_map(|e| match e.parsed_extension() {
                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => {
                    Some(k.0.to_vec())
                }
                _ => None,
            }) {
            Some(id) => id,
            None => key_identifier(x509.tbs_certificate.subject_pki.raw)?,
        };
        let crl_sign = x509
            .key_usage()
            .ok()
            .flatten()
            .is_some_and(|k| k.value.crl_sign());
        let not_before = to_chrono(x509.validity().not_before)?;
        let not_after = to_chrono(x509.validity().not_after)?;
        let issuer = Issuer::from_ca_cert_der(&cert_der.clone().into(), key)
            .map_err(|e| PkiError::Issue(e.to_string()))?;
        Ok(CapfCa {
            issuer,
            cert_der,
            subject,
            not_before,
            not_after,
            key_id,
            crl_sign,
        })
    }

    /// The issuer as rcgen signs with it (CRLs reuse it).
    pub(crate) fn issuer(&self) -> &Issuer<'static, KeyPair> {
        &self.issuer
    }

    /// The CA's key identifier (its SKI).
    pub(crate) fn key_id(&self) -> &[u8] {
        &self.key_id
    }

    /// Whether the CA certificate allows CRL signing (CAs made before CRLs existed do not).
    pub fn can_sign_crls(&self) -> bool {
        self.crl_sign
    }

    /// Subject DN of the CA certificate.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Start of the CA's validity.
    pub fn not_before(&self) -> Timestamp {
        self.not_before
    }

    /// End of the CA's validity.
    pub fn not_after(&self) -> Timestamp {
        self.not_after
    }

    /// The CA certificate (DER).
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The CA certificate (PEM), which admins load into other systems' trust stores.
    pub fn cert_pem(&self) -> String {
        to_pem("CERTIFICATE", &self.cert_der)
    }

    /// The CA's private key as PKCS#8 DER: capfd's TLS identity on port 3804 is the CAPF
    /// certificate and its key, as phones expect. Never written anywhere by this crate.
    pub fn private_key_pkcs8_der(&self) -> Vec<u8> {
        self.issuer.key().serialized_der().to_vec()
    }

    /// SHA-256 fingerprint of the CA certificate, as openssl prints it.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.cert_der)
    }

    /// Signs an LSC for `device_name` certifying the CSR's public key.
    ///
    /// The certificate is built from scratch (never from the CSR's requested extensions, so a
    /// CSR asking for CA:TRUE still gets an end-entity certificate): subject CN = device name,
    /// a random 16-byte positive serial, validity from `now` for `validity_days`, Key Usage
    /// Digital Signature + Key Encipherment for an RSA key, Digital Signature alone for an EC
    /// key (RFC 5480 section 3 forbids Key Encipherment there), EKU serverAuth + clientAuth,
    /// a subject key identifier by RFC 7093 method 1 and an authority key identifier equal to
    /// the CA's subject key identifier. The signature hash follows the CA key: SHA-256 for
    /// RSA and P-256, SHA-384 for P-384, SHA-512 for P-521 (RFC 5480 section 4).
    pub fn sign_lsc(
        &self,
        csr: &ParsedCsr,
        device_name: &str,
        validity_days: u32,
        now: Timestamp,
    ) -> Result<IssuedLsc, PkiError> {
        self.sign_lsc_for_key(&csr.spki_der, device_name, validity_days, now)
    }

    /// Signs an LSC for a public key a phone sent in the CAPF protocol's key-generate response
    /// (no CSR): the same certificate [`CapfCa::sign_lsc`] builds, by the same code. The caller
    /// checks the key first ([`crate::pki::public_key_info`]).
    pub fn sign_lsc_for_key(
        &self,
        spki_der: &[u8],
        device_name: &str,
        validity_days: u32,
        now: Timestamp,
    ) -> Result<IssuedLsc, PkiError> {
        let key = super::proof::public_key_info(spki_der)?.key;
        let spki = SubjectPublicKeyInfo::from_der(spki_der)
            .map_err(|e| PkiError::UnsupportedKey(format!("cannot certify this key: {e}")))?;
        if now >= self.not_after {
            return Err(PkiError::Rule(format!(
                "the CAPF CA certificate expired on {}: create a new one with `capfd init --force`",
                crate::domain::format_rfc3339(&self.not_after)
            )));
        }
        let serial = random_serial()?;
        let not_before = now - SKEW;
        // An LSC cannot outlive the CA that signed it: clamp to the CA's end of validity, and
        // say so (the caller warns with both dates).
        let wanted = now + Duration::days(i64::from(validity_days));
        let not_after = wanted.min(self.not_after);
        let cut_from = (wanted > self.not_after).then(|| whole_seconds(wanted));
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, device_name);
        let mut params = CertificateParams::default();
        params.distinguished_name = dn;
        params.is_ca = IsCa::NoCa;
        params.key_usages = match key.algorithm {
            KeyAlgorithm::Rsa => vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyEncipherment,
            ],
            KeyAlgorithm::Ec => vec![KeyUsagePurpose::DigitalSignature],
        };
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        params.custom_extensions = vec![subject_key_identifier(spki_der)?];
        params.not_before = to_time(not_before)?;
        params.not_after = to_time(not_after)?;
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        let cert = params
            .signed_by(&spki, &self.issuer)
            .map_err(|e| PkiError::Issue(e.to_string()))?;
        Ok(IssuedLsc {
            der: cert.der().to_vec(),
            serial_hex: hex(&serial),
            subject: format!("CN={device_name}"),
            issuer: self.subject.clone(),
            not_before: whole_seconds(not_before),
            not_after: whole_seconds(not_after),
            cut_from,
        })
    }
}

/// A key identifier by RFC 7093 section 2 method 1: the leftmost 160 bits of the SHA-256 of
/// the subjectPublicKey BIT STRING's bits (not of the whole SubjectPublicKeyInfo, which is what
/// draws pkilint's notice), from the DER of a SubjectPublicKeyInfo.
pub(crate) fn key_identifier(spki_der: &[u8]) -> Result<Vec<u8>, PkiError> {
    let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(spki_der).map_err(|e| {
        PkiError::Malformed {
            what: "public key",
            reason: e.to_string(),
        }
    })?;
    Ok(Sha256::digest(&spki.subject_public_key.data)[..20].to_vec())
}

/// The subject key identifier extension, added by hand because rcgen writes it only together
/// with a Basic Constraints extension, which an LSC does not carry.
fn subject_key_identifier(spki_der: &[u8]) -> Result<CustomExtension, PkiError> {
    let id = key_identifier(spki_der)?;
    let mut content = vec![0x04, 20];
    content.extend_from_slice(&id);
    Ok(CustomExtension::from_oid_content(&[2, 5, 29, 14], content))
}
