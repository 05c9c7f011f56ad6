//! Subject names from phones, checked at intake: every attribute value must be a string type
//! that decodes (UTF8String valid UTF-8, BMPString whole UTF-16 code units without lone
//! surrogates, PrintableString and IA5String in their alphabets). A subject that does not is
//! refused with the reason, rather than stored and shown as `<X509Error: ...>` or exported to
//! an offline CA whose openssl cannot read it.

use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::x509::X509Name;

use super::PkiError;

/// Why attribute `index` (1-based, in DER order) of the subject cannot be read as text.
fn refuse(index: usize, oid: &str, why: &str) -> PkiError {
    PkiError::Malformed {
        what: "CSR",
        reason: format!("subject attribute {index} ({oid}): {why}"),
    }
}

/// PrintableString's alphabet (X.680 41.4).
fn printable(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b)
}

/// Checks every attribute value of `name` (see the module comment).
pub fn check_subject(name: &X509Name<'_>) -> Result<(), PkiError> {
    let mut index = 0;
    for rdn in name.iter() {
        for attr in rdn.iter() {
            index += 1;
            let oid = attr.attr_type().to_id_string();
            let value = attr.attr_value();
            let data = value.data;
            match value.tag() {
                Tag::Utf8String => {
                    std::str::from_utf8(data)
                        .map_err(|_| refuse(index, &oid, "UTF8String that is not valid UTF-8"))?;
                }
                Tag::PrintableString => {
                    if !data.iter().all(|b| printable(*b)) {
                        return Err(refuse(
                            index,
                            &oid,
                            "PrintableString with characters outside its alphabet",
                        ));
                    }
                }
                Tag::Ia5String => {
                    if !data.is_ascii() {
                        return Err(refuse(index, &oid, "IA5String with non-ASCII bytes"));
                    }
                }
                Tag::NumericString => {
                    if !data.iter().all(|b| b.is_ascii_digit() || *b == b' ') {
                        return Err(refuse(index, &oid, "NumericString with non-digits"));
                    }
                }
                Tag::BmpString => {
                    if data.len() % 2 != 0 {
                        return Err(refuse(index, &oid, "BMPString of odd length"));
                    }
                    let units = data
                        .chunks_exact(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]));
                    if char::decode_utf16(units).any(|c| c.is_err()) {
                        return Err(refuse(index, &oid, "BMPString that is not valid UTF-16"));
                    }
                }
                Tag::UniversalString => {
                    let ok = data.len() % 4 == 0
                        && data.chunks_exact(4).all(|c| {
                            char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])).is_some()
                        });
                    if !ok {
                        return Err(refuse(
                            index,
                            &oid,
                            "UniversalString that is not valid UCS-4",
                        ));
                    }
                }
                // TeletexString: any byte is some character set's character (read as Latin-1).
                Tag::T61String => {}
                other => {
                    return Err(refuse(
                        index,
                        &oid,
                        &format!("value is not a string (ASN.1 tag {})", other.0),
                    ));
                }
            }
        }
    }
    // Whatever the checks above let through must also print.
    name.to_string_with_registry(x509_parser::objects::oid_registry())
        .map_err(|e| PkiError::Malformed {
            what: "CSR",
            reason: format!("subject cannot be read: {e}"),
        })?;
    Ok(())
}
