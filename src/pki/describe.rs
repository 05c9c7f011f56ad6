//! Extensions and algorithms named as `openssl req -text` / `openssl x509 -text` name them, so
//! an admin comparing capfsh's dump with openssl's sees the same words.

use std::net::{Ipv4Addr, Ipv6Addr};

use x509_parser::extensions::{GeneralName, ParsedExtension, X509Extension};
use x509_parser::oid_registry::Oid;

/// Signature and key algorithms by dotted OID.
const ALGORITHM_NAMES: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.1", "RSA"),
    ("1.2.840.113549.1.1.4", "md5WithRSAEncryption"),
    ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    ("1.2.840.113549.1.1.10", "RSASSA-PSS"),
    ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
    ("1.2.840.113549.1.1.12", "sha384WithRSAEncryption"),
    ("1.2.840.113549.1.1.13", "sha512WithRSAEncryption"),
    ("1.2.840.113549.1.1.14", "sha224WithRSAEncryption"),
    ("1.2.840.10045.2.1", "EC"),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
    ("1.2.840.10045.4.3.1", "ecdsa-with-SHA224"),
    ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
    ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384"),
    ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512"),
    ("1.3.101.110", "X25519"),
    ("1.3.101.111", "X448"),
    ("1.3.101.112", "Ed25519"),
    ("1.3.101.113", "Ed448"),
    ("1.2.840.10040.4.1", "DSA"),
    ("1.2.840.10040.4.3", "DSA (dsa-with-SHA1)"),
    ("2.16.840.1.101.3.4.3.1", "DSA (dsa-with-SHA224)"),
    ("2.16.840.1.101.3.4.3.2", "DSA (dsa-with-SHA256)"),
    ("1.2.643.2.2.19", "GOST R 34.10"),
    ("1.2.643.7.1.1.1.1", "GOST R 34.10"),
    ("1.2.643.7.1.1.1.2", "GOST R 34.10"),
    ("1.2.156.10197.1.301", "SM2"),
];

/// The name of a signature or key algorithm: the conventional name where there is one
/// (`sha256WithRSAEncryption`, `Ed25519`, `RSASSA-PSS`, `DSA`), the dotted OID otherwise.
pub fn algorithm_name(oid: &Oid<'_>) -> String {
    named(oid, ALGORITHM_NAMES)
}

/// Extensions by dotted OID, with openssl's long names.
const EXTENSION_NAMES: &[(&str, &str)] = &[
    ("2.5.29.14", "X509v3 Subject Key Identifier"),
    ("2.5.29.15", "X509v3 Key Usage"),
    ("2.5.29.17", "X509v3 Subject Alternative Name"),
    ("2.5.29.18", "X509v3 Issuer Alternative Name"),
    ("2.5.29.19", "X509v3 Basic Constraints"),
    ("2.5.29.30", "X509v3 Name Constraints"),
    ("2.5.29.31", "X509v3 CRL Distribution Points"),
    ("2.5.29.32", "X509v3 Certificate Policies"),
    ("2.5.29.35", "X509v3 Authority Key Identifier"),
    ("2.5.29.37", "X509v3 Extended Key Usage"),
    ("1.3.6.1.5.5.7.1.1", "Authority Information Access"),
    ("1.3.6.1.5.5.7.1.24", "TLS Feature"),
    ("2.16.840.1.113730.1.1", "Netscape Cert Type"),
    ("2.16.840.1.113730.1.13", "Netscape Comment"),
];

/// openssl's long name of an extension.
fn extension_name(oid: &Oid<'_>) -> String {
    named(oid, EXTENSION_NAMES)
}

/// Extended key usage purposes by dotted OID, with openssl's names.
const PURPOSE_NAMES: &[(&str, &str)] = &[
    ("2.5.29.37.0", "Any Extended Key Usage"),
    ("1.3.6.1.5.5.7.3.1", "TLS Web Server Authentication"),
    ("1.3.6.1.5.5.7.3.2", "TLS Web Client Authentication"),
    ("1.3.6.1.5.5.7.3.3", "Code Signing"),
    ("1.3.6.1.5.5.7.3.4", "E-mail Protection"),
    ("1.3.6.1.5.5.7.3.5", "IPSec End System"),
    ("1.3.6.1.5.5.7.3.6", "IPSec Tunnel"),
    ("1.3.6.1.5.5.7.3.7", "IPSec User"),
    ("1.3.6.1.5.5.7.3.8", "Time Stamping"),
    ("1.3.6.1.5.5.7.3.9", "OCSP Signing"),
    ("1.3.6.1.5.5.7.3.17", "ipsec Internet Key Exchange"),
    ("1.3.6.1.4.1.311.20.2.2", "Microsoft Smartcard Login"),
];

/// openssl's name of an extended key usage purpose, or its dotted OID.
fn purpose_name(oid: &Oid<'_>) -> String {
    named(oid, PURPOSE_NAMES)
}

/// The name `table` gives `oid`, or its dotted form when the table has none.
pub(super) fn named(oid: &Oid<'_>, table: &[(&str, &str)]) -> String {
    let id = oid.to_id_string();
    table
        .iter()
        .find(|(dotted, _)| *dotted == id)
        .map_or(id, |(_, name)| (*name).to_owned())
}

/// Colon-separated upper-case hex, as openssl prints key identifiers.
fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A general name as openssl prints it: `DNS:host`, `IP Address:10.0.0.1`, `email:...`.
fn general_name(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(s) => format!("DNS:{s}"),
        GeneralName::RFC822Name(s) => format!("email:{s}"),
        GeneralName::URI(s) => format!("URI:{s}"),
        GeneralName::IPAddress(b) => format!("IP Address:{}", ip_address(b)),
        GeneralName::DirectoryName(n) => format!("DirName:{n}"),
        GeneralName::RegisteredID(oid) => format!("Registered ID:{oid}"),
        GeneralName::OtherName(oid, _) => format!("othername:{oid}:<unsupported>"),
        GeneralName::X400Address(_) => "X400Name:<unsupported>".into(),
        GeneralName::EDIPartyName(_) => "EdiPartyName:<unsupported>".into(),
        GeneralName::Invalid(_, b) => format!("<invalid:{}>", colon_hex(b)),
    }
}

/// An IP address from its encoding: four bytes IPv4, sixteen IPv6, anything else (a name
/// constraint's address and mask, or garbage) as hex.
fn ip_address(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(bytes);
            Ipv6Addr::from(a).to_string()
        }
        _ => format!("<invalid {}>", colon_hex(bytes)),
    }
}

/// One line describing an extension as `openssl req -text` shows it: its name (or dotted
/// OID), `critical` when it is, and its value (purposes by name or OID, IPs as addresses;
/// an extension openssl would not decode, as hex).
pub fn describe_extension(ext: &X509Extension<'_>) -> String {
    let value = match ext.parsed_extension() {
        ParsedExtension::BasicConstraints(bc) => format!(
            "CA:{}{}",
            if bc.ca { "TRUE" } else { "FALSE" },
            bc.path_len_constraint
                .map(|p| format!(", pathlen:{p}"))
                .unwrap_or_default()
        ),
        ParsedExtension::KeyUsage(ku) => ku.to_string(),
        ParsedExtension::ExtendedKeyUsage(eku) => {
            let mut v = Vec::new();
            for (on, name) in [
                (eku.any, "Any Extended Key Usage"),
                (eku.server_auth, "TLS Web Server Authentication"),
                (eku.client_auth, "TLS Web Client Authentication"),
                (eku.code_signing, "Code Signing"),
                (eku.email_protection, "E-mail Protection"),
                (eku.time_stamping, "Time Stamping"),
                (eku.ocsp_signing, "OCSP Signing"),
            ] {
                if on {
                    v.push(name.to_owned());
                }
            }
            v.extend(eku.other.iter().map(purpose_name));
            v.join(", ")
        }
        ParsedExtension::SubjectKeyIdentifier(k) => colon_hex(k.0),
        ParsedExtension::SubjectAlternativeName(san) => san
            .general_names
            .iter()
            .map(general_name)
            .collect::<Vec<_>>()
            .join(", "),
        _ => colon_hex(ext.value),
    };
    format!(
        "{}{}: {value}",
        extension_name(&ext.oid),
        if ext.critical { " (critical)" } else { "" }
    )
}
