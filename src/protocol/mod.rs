//! The CAPF protocol (version 3) as Cisco phones speak it: messages and their elements, to and
//! from bytes. No I/O here: the server and the test phone frame messages over TLS themselves
//! with [`parse_header`] and [`Message::decode`].
//!
//! Every length comes from a hostile peer: nothing is allocated beyond what a 2-byte length
//! allows, every length is checked against the bytes actually there, and unknown commands and
//! tags are errors, never panics.

use std::fmt;

/// The first byte of every message.
pub const PROTOCOL_ID: u8 = 85;
/// The protocol version CAPF and phones speak.
pub const VERSION: u8 = 3;
/// Bytes before the elements: protocol id, command, session id (4), length (2).
pub const HEADER_LEN: usize = 8;
/// The most element bytes a message can carry (the length field is 2 bytes).
pub const MAX_BODY_LEN: usize = u16::MAX as usize;

/// A command byte. Only the ids the protocol defines (1–23) exist; anything else is refused
/// when decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Command(u8);

impl Command {
    /// Server → phone: who are you (version, auth type).
    pub const AUTH_REQUEST: Command = Command(1);
    /// Phone → server: device name and proof.
    pub const AUTH_RESPONSE: Command = Command(2);
    /// Server → phone: generate a key of this type.
    pub const KEY_GEN_REQUEST: Command = Command(3);
    /// Phone → server: the public key (or a reason it failed).
    pub const KEY_GEN_RESPONSE: Command = Command(4);
    /// Server → phone: store this certificate.
    pub const STORE_CERT_REQUEST: Command = Command(9);
    /// Phone → server: stored (reason 1) or not.
    pub const STORE_CERT_RESPONSE: Command = Command(10);
    /// Server → phone: send your certificate.
    pub const FETCH_CERT_REQUEST: Command = Command(11);
    /// Phone → server: the certificate, or reason 7 when it has none.
    pub const FETCH_CERT_RESPONSE: Command = Command(12);
    /// Server → phone: delete your LSC.
    pub const DELETE_CERT_REQUEST: Command = Command(13);
    /// Phone → server: deleted (1) or had none (7).
    pub const DELETE_CERT_RESPONSE: Command = Command(14);
    /// Server → phone: the session ends, with a reason.
    pub const END_SESSION: Command = Command(15);
    /// Server → phone: retry later (semantics not established; never sent).
    pub const RETRY_LATER: Command = Command(16);
    /// Phone → server: still generating the key.
    pub const REQUEST_IN_PROGRESS: Command = Command(17);
    /// Phone → server: the phone's user aborted.
    pub const ABORT_REQUEST: Command = Command(20);

    /// The command id.
    pub fn id(self) -> u8 {
        self.0
    }

    /// The command for a byte, if the protocol defines it.
    pub fn from_id(id: u8) -> Option<Command> {
        (1..=23).contains(&id).then_some(Command(id))
    }

    /// Its name in the protocol description (logs and errors).
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "auth request",
            2 => "auth response",
            3 => "key-generate request",
            4 => "key-generate response",
            5..=8 => "encrypt/decrypt (legacy)",
            9 => "store-certificate request",
            10 => "store-certificate response",
            11 => "fetch-certificate request",
            12 => "fetch-certificate response",
            13 => "delete-certificate request",
            14 => "delete-certificate response",
            15 => "end session",
            16 => "retry later",
            17 => "request in progress",
            18 | 19 => "status request/response",
            20 => "abort request",
            21 => "abort response",
            _ => "sign-certificate request/response",
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

/// An element tag. Only the tags the protocol defines exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(u8);

impl Tag {
    /// 1 byte: a [`reason`].
    pub const REASON: Tag = Tag(1);
    /// Text.
    pub const REASON_INFO: Tag = Tag(2);
    /// 1 byte: 1 LSC, 2 MIC.
    pub const CERT_TYPE: Tag = Tag(3);
    /// A wrapped certificate ([`wrap_certificate`]).
    pub const CERTIFICATE: Tag = Tag(4);
    /// Certificate id.
    pub const CERTIFICATE_ID: Tag = Tag(5);
    /// SHA-1 signature of the existing-certificate proof.
    pub const SIGNED_DATA: Tag = Tag(6);
    /// 1 byte: [`VERSION`].
    pub const VERSION: Tag = Tag(7);
    /// 1 byte: [`auth_type`].
    pub const AUTH_TYPE: Tag = Tag(8);
    /// SubjectPublicKeyInfo DER.
    pub const PUBLIC_KEY: Tag = Tag(9);
    /// 2 bytes: RSA bits.
    pub const KEY_SIZE: Tag = Tag(10);
    /// The authentication string, NUL-terminated.
    pub const PASSWORD: Tag = Tag(11);
    /// Retry delay.
    pub const RETRY_DELAY: Tag = Tag(12);
    /// Device name, NUL-terminated.
    pub const DEVICE_NAME: Tag = Tag(13);
    /// SUDI data ([`parse_sudi`]).
    pub const SUDI_DATA: Tag = Tag(16);
    /// 1 byte: 0 RSA, 1 EC.
    pub const KEY_TYPE: Tag = Tag(17);
    /// 1 byte: 0 P-256, 1 P-384, 2 P-521.
    pub const CURVE: Tag = Tag(18);
    /// Digest type.
    pub const DIGEST_TYPE: Tag = Tag(19);
    /// Hash id (1 byte), length (2), signature ([`parse_sha2_signed`]).
    pub const SHA2_SIGNED_DATA: Tag = Tag(20);

    /// The tag byte.
    pub fn id(self) -> u8 {
        self.0
    }

    /// The tag for a byte, if the protocol defines it.
    pub fn from_id(id: u8) -> Option<Tag> {
        matches!(id, 1..=13 | 16..=20).then_some(Tag(id))
    }
}

/// Reason values.
pub mod reason {
    /// Nothing scheduled for this phone.
    pub const NO_ACTION: u8 = 0;
    /// Success (update certificate).
    pub const UPDATE_CERTIFICATE: u8 = 1;
    /// Failure: bad authentication, bad message, refused.
    pub const INVALID_ELEMENT: u8 = 7;
    /// Unknown device.
    pub const UNKNOWN_DEVICE: u8 = 9;
}

/// Auth type values.
pub mod auth_type {
    /// No preference: the phone sends whatever proof it has.
    pub const NONE: u8 = 0;
    /// Authentication string.
    pub const PASSWORD: u8 = 1;
    /// No password.
    pub const NO_PASSWORD: u8 = 2;
    /// Existing LSC.
    pub const LSC: u8 = 3;
    /// Existing MIC.
    pub const MIC: u8 = 4;
}

/// Certificate type values (element 3, and inside the wrapped certificate).
pub mod cert_type {
    /// Locally Significant Certificate.
    pub const LSC: u8 = 1;
    /// Manufacturer-installed certificate.
    pub const MIC: u8 = 2;
}

/// Why bytes are not a CAPF message. One line for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The first byte is not 85.
    #[error("wrong protocol id {0} (expected 85)")]
    ProtocolId(u8),
    /// A command id the protocol does not define.
    #[error("unknown command {0}")]
    UnknownCommand(u8),
    /// A tag the protocol does not define.
    #[error("unknown element tag {0}")]
    UnknownTag(u8),
    /// Fewer bytes than the header or a length says.
    #[error("truncated message: {0}")]
    Truncated(String),
    /// More bytes than the header says.
    #[error("{0} bytes after the end of the message")]
    Trailing(usize),
    /// A message or element too large to encode.
    #[error("message too large: {0} bytes of elements (at most 65535)")]
    TooLarge(usize),
    /// An element with a value it cannot have.
    #[error("bad {what}: {why}")]
    BadValue {
        /// Which element.
        what: &'static str,
        /// What is wrong.
        why: String,
    },
}

/// One element: a tag and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The tag.
    pub tag: Tag,
    /// The value bytes.
    pub value: Vec<u8>,
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The command.
    pub command: Command,
    /// The session id (chosen by the server, echoed by the phone).
    pub session_id: u32,
    /// The elements, in order.
    pub elements: Vec<Element>,
}

/// Reads an 8-byte header: the command, session id and the length of the elements that
/// follow. The framing layer reads exactly that many bytes next (at most [`MAX_BODY_LEN`]).
pub fn parse_header(header: &[u8; HEADER_LEN]) -> Result<(Command, u32, usize), CodecError> {
    if header[0] != PROTOCOL_ID {
        return Err(CodecError::ProtocolId(header[0]));
    }
    let command = Command::from_id(header[1]).ok_or(CodecError::UnknownCommand(header[1]))?;
    let session_id = u32::from_be_bytes([header[2], header[3], header[4], header[5]]);
    let len = usize::from(u16::from_be_bytes([header[6], header[7]]));
    Ok((command, session_id, len))
}

impl Message {
    /// A message with no elements yet.
    pub fn new(command: Command, session_id: u32) -> Message {
        Message {
            command,
            session_id,
            elements: Vec::new(),
        }
    }

    /// Adds an element (builder style).
    pub fn with(mut self, tag: Tag, value: impl Into<Vec<u8>>) -> Message {
        self.elements.push(Element {
            tag,
            value: value.into(),
        });
        self
    }

    /// Adds a 1-byte element.
    pub fn with_u8(self, tag: Tag, v: u8) -> Message {
        self.with(tag, vec![v])
    }

    /// Adds a NUL-terminated text element (device name, password).
    pub fn with_text(self, tag: Tag, text: &str) -> Message {
        let mut v = text.as_bytes().to_vec();
        v.push(0);
        self.with(tag, v)
    }

    /// The whole message as bytes, to be sent in one write (phones stall on split messages).
    pub fn encode(&self) -> Result<Vec<u8>, CodecError> {
        let body_len: usize = self.elements.iter().map(|e| 3 + e.value.len()).sum();
        if body_len > MAX_BODY_LEN {
            return Err(CodecError::TooLarge(body_len));
        }
        let mut out = Vec::with_capacity(HEADER_LEN + body_len);
        out.push(PROTOCOL_ID);
        out.push(self.command.0);
        out.extend_from_slice(&self.session_id.to_be_bytes());
        out.extend_from_slice(&(body_len as u16).to_be_bytes());
        for e in &self.elements {
            out.push(e.tag.0);
            out.extend_from_slice(&(e.value.len() as u16).to_be_bytes());
            out.extend_from_slice(&e.value);
        }
        Ok(out)
    }

    /// Decodes exactly one message (header and elements, nothing after).
    pub fn decode(bytes: &[u8]) -> Result<Message, CodecError> {
        let header: &[u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| {
                CodecError::Truncated(format!("{} bytes, a header is 8", bytes.len()))
            })?;
        let (command, session_id, len) = parse_header(header)?;
        let body = &bytes[HEADER_LEN..];
        if body.len() < len {
            return Err(CodecError::Truncated(format!(
                "the header announces {len} bytes of elements, {} follow",
                body.len()
            )));
        }
        if body.len() > len {
            return Err(CodecError::Trailing(body.len() - len));
        }
        Ok(Message {
            command,
            session_id,
            elements: decode_elements(body)?,
        })
    }

    /// The value of the first element with `tag`.
    pub fn get(&self, tag: Tag) -> Option<&[u8]> {
        self.elements
            .iter()
            .find(|e| e.tag == tag)
            .map(|e| e.value.as_slice())
    }

    /// Every value with `tag`, in order.
    pub fn all(&self, tag: Tag) -> impl Iterator<Item = &[u8]> {
        self.elements
            .iter()
            .filter(move |e| e.tag == tag)
            .map(|e| e.value.as_slice())
    }

    /// A 1-byte element's value; an element of another length is an error.
    pub fn get_u8(&self, tag: Tag, what: &'static str) -> Result<Option<u8>, CodecError> {
        match self.get(tag) {
            None => Ok(None),
            Some([b]) => Ok(Some(*b)),
            Some(v) => Err(CodecError::BadValue {
                what,
                why: format!("{} bytes, expected 1", v.len()),
            }),
        }
    }

    /// A NUL-terminated ASCII text element, without its NUL (a missing NUL is tolerated);
    /// anything after the first NUL must be NULs too.
    pub fn get_text(&self, tag: Tag, what: &'static str) -> Result<Option<String>, CodecError> {
        let Some(v) = self.get(tag) else {
            return Ok(None);
        };
        let end = v.iter().position(|b| *b == 0).unwrap_or(v.len());
        if v[end..].iter().any(|b| *b != 0) {
            return Err(CodecError::BadValue {
                what,
                why: "bytes after the terminating NUL".into(),
            });
        }
        let text = &v[..end];
        if !text.iter().all(|b| b.is_ascii_graphic()) {
            return Err(CodecError::BadValue {
                what,
                why: "not printable ASCII".into(),
            });
        }
        Ok(Some(String::from_utf8_lossy(text).into_owned()))
    }
}

fn decode_elements(mut body: &[u8]) -> Result<Vec<Element>, CodecError> {
    let mut elements = Vec::new();
    while !body.is_empty() {
        if body.len() < 3 {
            return Err(CodecError::Truncated(format!(
                "{} bytes left, an element header is 3",
                body.len()
            )));
        }
        let tag = Tag::from_id(body[0]).ok_or(CodecError::UnknownTag(body[0]))?;
        let len = usize::from(u16::from_be_bytes([body[1], body[2]]));
        let rest = &body[3..];
        if rest.len() < len {
            return Err(CodecError::Truncated(format!(
                "element {} announces {len} bytes, {} are left in the message",
                tag.0,
                rest.len()
            )));
        }
        elements.push(Element {
            tag,
            value: rest[..len].to_vec(),
        });
        body = &rest[len..];
    }
    Ok(elements)
}

/// Wraps a certificate as element 4 carries it: `01`, 2-byte length of the rest (DER + 2),
/// `00`, the certificate type, the DER.
pub fn wrap_certificate(cert_type: u8, der: &[u8]) -> Result<Vec<u8>, CodecError> {
    let rest = der.len() + 2;
    if rest > MAX_BODY_LEN - 3 - 3 {
        return Err(CodecError::TooLarge(rest));
    }
    let mut v = Vec::with_capacity(3 + rest);
    v.push(1);
    v.extend_from_slice(&(rest as u16).to_be_bytes());
    v.push(0);
    v.push(cert_type);
    v.extend_from_slice(der);
    Ok(v)
}

/// Unwraps element 4: the certificate type and the DER.
pub fn unwrap_certificate(value: &[u8]) -> Result<(u8, &[u8]), CodecError> {
    let bad = |why: String| CodecError::BadValue {
        what: "certificate element",
        why,
    };
    if value.len() < 5 {
        return Err(bad(format!("{} bytes, at least 5 expected", value.len())));
    }
    if value[0] != 1 || value[3] != 0 {
        return Err(bad("wrong wrapping bytes".into()));
    }
    let rest = usize::from(u16::from_be_bytes([value[1], value[2]]));
    if rest != value.len() - 3 {
        return Err(bad(format!(
            "inner length {rest} does not match the {} bytes present",
            value.len() - 3
        )));
    }
    Ok((value[4], &value[5..]))
}

/// A hash named by a SHA-2 signed data element or a SUDI part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofHash {
    /// SHA-1 (hash id 1).
    Sha1,
    /// SHA-256 (hash id 2).
    Sha256,
    /// SHA-512 (hash id 3).
    Sha512,
}

/// Parses element 20: hash id, 2-byte length, signature.
pub fn parse_sha2_signed(value: &[u8]) -> Result<(ProofHash, &[u8]), CodecError> {
    let bad = |why: String| CodecError::BadValue {
        what: "SHA-2 signed data",
        why,
    };
    if value.len() < 3 {
        return Err(bad(format!("{} bytes, at least 3 expected", value.len())));
    }
    let hash = match value[0] {
        1 => ProofHash::Sha1,
        2 => ProofHash::Sha256,
        3 => ProofHash::Sha512,
        h => return Err(bad(format!("unknown hash id {h}"))),
    };
    let len = usize::from(u16::from_be_bytes([value[1], value[2]]));
    if len != value.len() - 3 {
        return Err(bad(format!(
            "signature length {len} does not match the {} bytes present",
            value.len() - 3
        )));
    }
    Ok((hash, &value[3..]))
}

/// Builds element 20.
pub fn sha2_signed(hash: ProofHash, signature: &[u8]) -> Vec<u8> {
    let id = match hash {
        ProofHash::Sha1 => 1,
        ProofHash::Sha256 => 2,
        ProofHash::Sha512 => 3,
    };
    let mut v = vec![id];
    v.extend_from_slice(&(signature.len() as u16).to_be_bytes());
    v.extend_from_slice(signature);
    v
}

/// The parts of SUDI data (element 16).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sudi<'a> {
    /// Part 0: the SUDI certificate DER.
    pub certificate: Option<&'a [u8]>,
    /// Part 1: SHA-1 signature over the little-endian session id and the certificate.
    pub sha1_signature: Option<&'a [u8]>,
    /// Part 3: SHA-512 signature over the same.
    pub sha512_signature: Option<&'a [u8]>,
}

/// Parses SUDI data: parts of `id (1), length (2), bytes`. Unknown part ids are refused.
pub fn parse_sudi(mut value: &[u8]) -> Result<Sudi<'_>, CodecError> {
    let bad = |why: String| CodecError::BadValue {
        what: "SUDI data",
        why,
    };
    let mut sudi = Sudi::default();
    while !value.is_empty() {
        if value.len() < 3 {
            return Err(bad("truncated part header".into()));
        }
        let id = value[0];
        let len = usize::from(u16::from_be_bytes([value[1], value[2]]));
        let part = value
            .get(3..3 + len)
            .ok_or_else(|| bad(format!("part {id} announces {len} bytes past the element")))?;
        let slot = match id {
            0 => &mut sudi.certificate,
            1 => &mut sudi.sha1_signature,
            3 => &mut sudi.sha512_signature,
            _ => return Err(bad(format!("unknown part id {id}"))),
        };
        if slot.replace(part).is_some() {
            return Err(bad(format!("part {id} appears twice")));
        }
        value = &value[3 + len..];
    }
    Ok(sudi)
}

/// Builds SUDI data from its parts (the test phone sends it).
pub fn sudi_data(certificate: &[u8], sha1_signature: &[u8], sha512_signature: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    for (id, part) in [
        (0u8, certificate),
        (1, sha1_signature),
        (3, sha512_signature),
    ] {
        v.push(id);
        v.extend_from_slice(&(part.len() as u16).to_be_bytes());
        v.extend_from_slice(part);
    }
    v
}

/// What the existing-certificate proof signs: `device name ‖ 0x00 ‖ certificate DER`.
pub fn proof_data(device: &str, cert_der: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(device.len() + 1 + cert_der.len());
    v.extend_from_slice(device.as_bytes());
    v.push(0);
    v.extend_from_slice(cert_der);
    v
}

/// What the SUDI signatures sign: the session id as 4 bytes LITTLE-endian (a quirk of Cisco's
/// server that phones reproduce), then the SUDI certificate DER.
pub fn sudi_proof_data(session_id: u32, cert_der: &[u8]) -> Vec<u8> {
    let mut v = session_id.to_le_bytes().to_vec();
    v.extend_from_slice(cert_der);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Message {
        Message::new(Command::AUTH_RESPONSE, 0x0102_0304)
            .with_u8(Tag::REASON, reason::UPDATE_CERTIFICATE)
            .with_u8(Tag::VERSION, VERSION)
            .with_text(Tag::DEVICE_NAME, "SEP001122AABBCC")
            .with_text(Tag::PASSWORD, "")
    }

    #[test]
    fn round_trip_and_layout() {
        let m = sample();
        let b = m.encode().expect("encode");
        assert_eq!(&b[..8], &[85, 2, 1, 2, 3, 4, 0, (b.len() - 8) as u8]);
        assert_eq!(Message::decode(&b).expect("decode"), m);
        assert_eq!(
            m.get_text(Tag::DEVICE_NAME, "device").expect("text"),
            Some("SEP001122AABBCC".into())
        );
        assert_eq!(
            m.get_text(Tag::PASSWORD, "pw").expect("text"),
            Some("".into())
        );
        assert_eq!(m.get_u8(Tag::REASON, "reason").expect("u8"), Some(1));
    }

    #[test]
    fn hostile_bytes_are_errors_not_panics() {
        let good = sample().encode().expect("encode");
        // Wrong protocol id, unknown command.
        let mut b = good.clone();
        b[0] = 84;
        assert_eq!(Message::decode(&b), Err(CodecError::ProtocolId(84)));
        let mut b = good.clone();
        b[1] = 99;
        assert_eq!(Message::decode(&b), Err(CodecError::UnknownCommand(99)));
        // Truncated anywhere.
        for n in 0..good.len() {
            assert!(Message::decode(&good[..n]).is_err(), "prefix {n}");
        }
        // Trailing bytes.
        let mut b = good.clone();
        b.push(0);
        assert_eq!(Message::decode(&b), Err(CodecError::Trailing(1)));
        // An element length past the message.
        let mut b = good.clone();
        b[10] = 0xff;
        assert!(matches!(Message::decode(&b), Err(CodecError::Truncated(_))));
        // An unknown tag.
        let mut b = good.clone();
        b[8] = 14;
        assert_eq!(Message::decode(&b), Err(CodecError::UnknownTag(14)));
        // Every single-byte corruption decodes or fails cleanly.
        for i in 0..good.len() {
            for v in [0u8, 1, 0x7f, 0xff] {
                let mut b = good.clone();
                b[i] = v;
                let _ = Message::decode(&b);
            }
        }
        // Too large to encode.
        let big =
            Message::new(Command::STORE_CERT_REQUEST, 1).with(Tag::CERTIFICATE, vec![0; 70_000]);
        assert!(matches!(big.encode(), Err(CodecError::TooLarge(_))));
    }

    #[test]
    fn certificate_wrapping_sha2_and_sudi() {
        let der = [0x30, 0x03, 1, 2, 3];
        let w = wrap_certificate(cert_type::LSC, &der).expect("wrap");
        assert_eq!(&w[..5], &[1, 0, 7, 0, 1]);
        assert_eq!(unwrap_certificate(&w).expect("unwrap"), (1, &der[..]));
        assert!(unwrap_certificate(&w[..w.len() - 1]).is_err());
        assert!(unwrap_certificate(&[1, 0]).is_err());
        let s = sha2_signed(ProofHash::Sha512, &[9, 9]);
        assert_eq!(
            parse_sha2_signed(&s).expect("sha2"),
            (ProofHash::Sha512, &[9u8, 9][..])
        );
        assert!(parse_sha2_signed(&s[..3]).is_err());
        let sudi = sudi_data(&der, &[1], &[3, 3]);
        let p = parse_sudi(&sudi).expect("sudi");
        assert_eq!(p.certificate, Some(&der[..]));
        assert_eq!(p.sha512_signature, Some(&[3u8, 3][..]));
        assert!(parse_sudi(&sudi[..sudi.len() - 1]).is_err());
        assert!(parse_sudi(&[7, 0, 0]).is_err());
        assert_eq!(
            sudi_proof_data(0x0102_0304, &[0xaa]),
            vec![4, 3, 2, 1, 0xaa]
        );
        assert_eq!(proof_data("SEP1", &[0xaa]), b"SEP1\0\xaa".to_vec());
    }

    #[test]
    fn text_elements_refuse_junk() {
        let m = Message::new(Command::AUTH_RESPONSE, 1).with(Tag::DEVICE_NAME, b"SEP\0X".to_vec());
        assert!(m.get_text(Tag::DEVICE_NAME, "device").is_err());
        let m =
            Message::new(Command::AUTH_RESPONSE, 1).with(Tag::DEVICE_NAME, b"S\x1bP\0".to_vec());
        assert!(m.get_text(Tag::DEVICE_NAME, "device").is_err());
        let m = Message::new(Command::AUTH_RESPONSE, 1).with(Tag::REASON, vec![1, 2]);
        assert!(m.get_u8(Tag::REASON, "reason").is_err());
    }
}
