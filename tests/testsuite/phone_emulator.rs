//! A Cisco phone as far as CAPF is concerned: it speaks the CAPF protocol (version 3) over TLS,
//! trusting exactly the CAPF certificate (no host name check, as phones do), answers the
//! server's requests (key generation, store, fetch, delete) and proves itself with a password,
//! nothing, or an existing certificate (SHA-1 and SHA-2 signed data), optionally SUDI data.
//!
//! Shared by the test suite and the bench (`benches/phones.rs` includes this file), so it uses
//! only the library's codec, rustls, aws-lc-rs and, for RSA keys, the `openssl` command.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair};
use capfsh::protocol::{
    Command, HEADER_LEN, Message, ProofHash, Tag, cert_type, parse_header, proof_data, reason,
    sha2_signed, sudi_data, sudi_proof_data, unwrap_certificate, wrap_certificate,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned};

/// A key the phone generated.
pub enum PhoneKey {
    /// EC on P-256/384/521 (aws-lc-rs).
    Ec {
        /// The key.
        pair: EcdsaKeyPair,
        /// PKCS#8 (for certificates made in tests).
        pkcs8: Vec<u8>,
        /// 256, 384, 521.
        bits: u16,
    },
    /// RSA (made and used through the `openssl` command: aws-lc-rs neither makes RSA-1024
    /// nor signs with SHA-1, both of which old phones do).
    Rsa {
        /// PKCS#8 PEM.
        pem: String,
        /// SubjectPublicKeyInfo DER.
        spki: Vec<u8>,
    },
}

fn openssl(args: &[&str], input: Option<&[u8]>) -> Vec<u8> {
    let mut child = std::process::Command::new("openssl")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("openssl runs");
    if let Some(i) = input {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(i)
            .expect("write");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

impl PhoneKey {
    /// Generates an EC key on the curve of `bits`.
    pub fn ec(bits: u16) -> PhoneKey {
        let alg = match bits {
            256 => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            384 => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
            _ => &signature::ECDSA_P521_SHA512_ASN1_SIGNING,
        };
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &aws_lc_rs::rand::SystemRandom::new())
            .expect("ec key")
            .as_ref()
            .to_vec();
        let pair = EcdsaKeyPair::from_pkcs8(alg, &pkcs8).expect("ec key");
        PhoneKey::Ec { pair, pkcs8, bits }
    }

    /// Generates an RSA key of `bits` with `openssl genpkey`.
    pub fn rsa(bits: u16) -> PhoneKey {
        let opt = format!("rsa_keygen_bits:{bits}");
        let pem = String::from_utf8(openssl(
            &["genpkey", "-algorithm", "RSA", "-pkeyopt", &opt],
            None,
        ))
        .expect("pem");
        let spki = openssl(
            &["pkey", "-pubout", "-outform", "DER"],
            Some(pem.as_bytes()),
        );
        PhoneKey::Rsa { pem, spki }
    }

    /// The SubjectPublicKeyInfo (DER) sent in the key-generate response.
    pub fn spki_der(&self) -> Vec<u8> {
        match self {
            PhoneKey::Ec { pair, .. } => {
                pair.public_key().as_der().expect("spki").as_ref().to_vec()
            }
            PhoneKey::Rsa { spki, .. } => spki.clone(),
        }
    }

    /// PKCS#8 DER of the private key (to certify it in tests).
    pub fn pkcs8_der(&self) -> Vec<u8> {
        match self {
            PhoneKey::Ec { pkcs8, .. } => pkcs8.clone(),
            PhoneKey::Rsa { pem, .. } => ::pem::parse(pem).expect("pem").into_contents(),
        }
    }

    /// A signature over `data` with `hash`: PKCS#1 v1.5 (RSA) or ECDSA in DER (EC).
    pub fn sign(&self, hash: ProofHash, data: &[u8]) -> Vec<u8> {
        match self {
            PhoneKey::Ec { pair, bits, .. } => {
                // ECDSA signs a hash value read as an integer of at most the curve's size
                // (FIPS 186-5, 6.4.1). aws-lc-rs signs digests of its key's own hash only,
                // so the wanted hash is brought to that length: truncated when longer (the
                // leftmost bits are what counts), left-padded with zeros when shorter (the
                // same integer).
                let h = match hash {
                    ProofHash::Sha1 => digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, data),
                    ProofHash::Sha256 => digest::digest(&digest::SHA256, data),
                    ProofHash::Sha512 => digest::digest(&digest::SHA512, data),
                };
                let (len, alg) = match bits {
                    256 => (32, &digest::SHA256),
                    384 => (48, &digest::SHA384),
                    _ => (64, &digest::SHA512),
                };
                let h = h.as_ref();
                let mut v = vec![0u8; len];
                if h.len() >= len {
                    v.copy_from_slice(&h[..len]);
                } else {
                    v[len - h.len()..].copy_from_slice(h);
                }
                let d = Digest::import_less_safe(&v, alg).expect("digest");
                pair.sign_digest(&d).expect("sign").as_ref().to_vec()
            }
            PhoneKey::Rsa { pem, .. } => {
                let dir = tempfile::tempdir().expect("tempdir");
                let key = dir.path().join("k.pem");
                std::fs::write(&key, pem).expect("key file");
                let h = match hash {
                    ProofHash::Sha1 => "-sha1",
                    ProofHash::Sha256 => "-sha256",
                    ProofHash::Sha512 => "-sha512",
                };
                openssl(
                    &["dgst", h, "-sign", &key.to_string_lossy(), "-binary"],
                    Some(data),
                )
            }
        }
    }
}

/// An existing certificate with the key that proves it (LSC or MIC, or a SUDI certificate).
pub struct Credential {
    /// `cert_type::LSC` or `cert_type::MIC` (ignored for SUDI).
    pub cert_type: u8,
    /// The certificate.
    pub der: Vec<u8>,
    /// Its key.
    pub key: Arc<PhoneKey>,
}

/// What the emulated phone does.
pub struct Phone {
    /// Device name it sends.
    pub device: String,
    /// Authentication string it sends (None: an empty password).
    pub password: Option<String>,
    /// Existing certificate proof.
    pub proof: Option<Credential>,
    /// Hash of the SHA-2 signed data.
    pub sha2: ProofHash,
    /// Leave out the SHA-2 signed data.
    pub omit_sha2: bool,
    /// Sign the proof for another device name (a forged proof).
    pub sign_as: Option<String>,
    /// SUDI data to send.
    pub sudi: Option<Credential>,
    /// Sign SUDI data with the big-endian session id (wrong).
    pub sudi_big_endian: bool,
    /// The certificate it holds (answer to fetch); None: reason 7.
    pub held: Option<(u8, Vec<u8>)>,
    /// Reason of its store-certificate response.
    pub store_reason: u8,
    /// How many "request in progress" it sends before the key.
    pub in_progress: u32,
    /// Key to answer key-generate with (None: generate the requested one).
    pub key: Option<Arc<PhoneKey>>,
    /// Answer key-generate with a reason and no key.
    pub keygen_fails: bool,
    /// Whether it has an LSC to delete.
    pub has_lsc: bool,
    /// Close the connection when this request arrives.
    pub hang_up_on: Option<Command>,
    /// Echo a wrong session id.
    pub wrong_session_id: bool,
}

impl Phone {
    /// A phone with defaults: no password, no proof, stores what it gets.
    pub fn new(device: &str) -> Phone {
        Phone {
            device: device.into(),
            password: None,
            proof: None,
            sha2: ProofHash::Sha512,
            omit_sha2: false,
            sign_as: None,
            sudi: None,
            sudi_big_endian: false,
            held: None,
            store_reason: reason::UPDATE_CERTIFICATE,
            in_progress: 0,
            key: None,
            keygen_fails: false,
            has_lsc: true,
            hang_up_on: None,
            wrong_session_id: false,
        }
    }
}

/// What happened in a session, from the phone's side.
#[derive(Default)]
pub struct Outcome {
    /// The end session reason, if the server sent one.
    pub end_reason: Option<u8>,
    /// The requests the server sent, in order.
    pub requests: Vec<Command>,
    /// The key-generate request.
    pub key_request: Option<Message>,
    /// The LSC it was asked to store.
    pub lsc: Option<Vec<u8>>,
    /// The key it generated.
    pub key: Option<Arc<PhoneKey>>,
    /// The TLS version negotiated.
    pub tls: Option<rustls::ProtocolVersion>,
}

/// Trusts exactly the CAPF certificate, as phones do (no name check, no chain).
#[derive(Debug)]
pub struct TrustCapf {
    ca_der: Vec<u8>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for TrustCapf {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.ca_der.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "the server is not the CAPF this phone trusts".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A TLS client configuration for a phone that trusts `ca_der`.
pub fn client_config(ca_der: &[u8], tls12_only: bool) -> Arc<ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = if tls12_only {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    };
    Arc::new(
        ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .expect("versions")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(TrustCapf {
                ca_der: ca_der.to_vec(),
                provider,
            }))
            .with_no_client_auth(),
    )
}

/// A TLS connection to capfd, moving whole CAPF messages (or raw bytes, for hostile tests).
pub struct Conn {
    s: StreamOwned<ClientConnection, TcpStream>,
}

impl Conn {
    /// Connects and completes the TLS handshake.
    pub fn open(addr: SocketAddr, cfg: Arc<ClientConfig>) -> Result<Conn, String> {
        let sock = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
            .map_err(|e| format!("connect: {e}"))?;
        sock.set_read_timeout(Some(Duration::from_secs(30))).ok();
        sock.set_nodelay(true).ok();
        let conn = ClientConnection::new(cfg, ServerName::try_from("capf").expect("name"))
            .map_err(|e| e.to_string())?;
        let mut s = StreamOwned::new(conn, sock);
        while s.conn.is_handshaking() {
            s.conn
                .complete_io(&mut s.sock)
                .map_err(|e| format!("TLS handshake: {e}"))?;
        }
        Ok(Conn { s })
    }

    /// The negotiated TLS version.
    pub fn tls_version(&self) -> Option<rustls::ProtocolVersion> {
        self.s.conn.protocol_version()
    }

    /// Sends raw bytes in one write.
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.s
            .write_all(bytes)
            .and_then(|_| self.s.flush())
            .map_err(|e| format!("send: {e}"))
    }

    /// Ends the phone's side of the TLS stream (close_notify): the server sees end of input.
    pub fn close_write(&mut self) {
        self.s.conn.send_close_notify();
        let _ = self.s.conn.complete_io(&mut self.s.sock);
    }

    /// Sends a message.
    pub fn send(&mut self, m: &Message) -> Result<(), String> {
        self.send_raw(&m.encode().map_err(|e| e.to_string())?)
    }

    /// Receives a message; Err when the server closed or sent garbage.
    pub fn recv(&mut self) -> Result<Message, String> {
        let mut header = [0u8; HEADER_LEN];
        self.s
            .read_exact(&mut header)
            .map_err(|e| format!("recv: {e}"))?;
        let (_, _, len) = parse_header(&header).map_err(|e| e.to_string())?;
        let mut whole = header.to_vec();
        whole.resize(HEADER_LEN + len, 0);
        self.s
            .read_exact(&mut whole[HEADER_LEN..])
            .map_err(|e| format!("recv: {e}"))?;
        Message::decode(&whole).map_err(|e| e.to_string())
    }

    /// Whether the server closed the connection (reads until EOF or a timeout).
    pub fn closed_by_server(&mut self) -> bool {
        let mut b = [0u8; 64];
        loop {
            match self.s.read(&mut b) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) => {
                    return !matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    );
                }
            }
        }
    }
}

fn proof_signatures(phone: &Phone, cred: &Credential) -> (Vec<u8>, Vec<u8>) {
    let name = phone.sign_as.as_deref().unwrap_or(&phone.device);
    let data = proof_data(name, &cred.der);
    (
        cred.key.sign(ProofHash::Sha1, &data),
        cred.key.sign(phone.sha2, &data),
    )
}

/// The phone's auth response to an auth request with `sid`.
pub fn auth_response(phone: &Phone, sid: u32) -> Message {
    let mut m = Message::new(Command::AUTH_RESPONSE, sid)
        .with_u8(Tag::REASON, reason::UPDATE_CERTIFICATE)
        .with_u8(Tag::VERSION, 3)
        .with_text(Tag::DEVICE_NAME, &phone.device)
        .with_text(Tag::PASSWORD, phone.password.as_deref().unwrap_or(""));
    if let Some(cred) = &phone.proof {
        let (sha1, sha2) = proof_signatures(phone, cred);
        m = m
            .with(
                Tag::CERTIFICATE,
                wrap_certificate(cred.cert_type, &cred.der).expect("wrap"),
            )
            .with(Tag::SIGNED_DATA, sha1);
        if !phone.omit_sha2 {
            m = m.with(Tag::SHA2_SIGNED_DATA, sha2_signed(phone.sha2, &sha2));
        }
    }
    if let Some(s) = &phone.sudi {
        let id = if phone.sudi_big_endian {
            sid.swap_bytes()
        } else {
            sid
        };
        let data = sudi_proof_data(id, &s.der);
        m = m.with(
            Tag::SUDI_DATA,
            sudi_data(
                &s.der,
                &s.key.sign(ProofHash::Sha1, &data),
                &s.key.sign(ProofHash::Sha512, &data),
            ),
        );
    }
    m
}

/// Runs one session against capfd at `addr`, trusting `ca_der`.
pub fn run(addr: SocketAddr, cfg: Arc<ClientConfig>, phone: &Phone) -> Result<Outcome, String> {
    let mut conn = Conn::open(addr, cfg)?;
    let mut out = Outcome {
        tls: conn.tls_version(),
        ..Outcome::default()
    };
    let hello = conn.recv()?;
    if hello.command != Command::AUTH_REQUEST {
        return Err(format!("first message is {}", hello.command));
    }
    let sid = if phone.wrong_session_id {
        hello.session_id ^ 1
    } else {
        hello.session_id
    };
    conn.send(&auth_response(phone, sid))?;
    loop {
        let m = match conn.recv() {
            Ok(m) => m,
            // The server closed without an end session (it may have refused garbage).
            Err(_) => return Ok(out),
        };
        out.requests.push(m.command);
        if Some(m.command) == phone.hang_up_on {
            return Ok(out);
        }
        let reply = |c: Command| Message::new(c, sid);
        match m.command {
            Command::END_SESSION => {
                out.end_reason = m.get_u8(Tag::REASON, "reason").ok().flatten();
                return Ok(out);
            }
            Command::KEY_GEN_REQUEST => {
                out.key_request = Some(m.clone());
                for _ in 0..phone.in_progress {
                    conn.send(&reply(Command::REQUEST_IN_PROGRESS))?;
                }
                if phone.keygen_fails {
                    conn.send(
                        &reply(Command::KEY_GEN_RESPONSE)
                            .with_u8(Tag::REASON, reason::INVALID_ELEMENT),
                    )?;
                    continue;
                }
                let key = match &phone.key {
                    Some(k) => k.clone(),
                    None => Arc::new(generate_requested(&m)?),
                };
                conn.send(
                    &reply(Command::KEY_GEN_RESPONSE)
                        .with_u8(Tag::REASON, reason::UPDATE_CERTIFICATE)
                        .with(Tag::PUBLIC_KEY, key.spki_der()),
                )?;
                out.key = Some(key);
            }
            Command::STORE_CERT_REQUEST => {
                let v = m.get(Tag::CERTIFICATE).ok_or("no certificate to store")?;
                let (t, der) = unwrap_certificate(v).map_err(|e| e.to_string())?;
                if t != cert_type::LSC {
                    return Err(format!("asked to store certificate type {t}"));
                }
                out.lsc = Some(der.to_vec());
                conn.send(
                    &reply(Command::STORE_CERT_RESPONSE).with_u8(Tag::REASON, phone.store_reason),
                )?;
            }
            Command::FETCH_CERT_REQUEST => {
                let r = match &phone.held {
                    Some((t, der)) => reply(Command::FETCH_CERT_RESPONSE)
                        .with_u8(Tag::REASON, reason::UPDATE_CERTIFICATE)
                        .with(Tag::CERTIFICATE, wrap_certificate(*t, der).expect("wrap")),
                    None => reply(Command::FETCH_CERT_RESPONSE)
                        .with_u8(Tag::REASON, reason::INVALID_ELEMENT),
                };
                conn.send(&r)?;
            }
            Command::DELETE_CERT_REQUEST => {
                let r = if phone.has_lsc {
                    reason::UPDATE_CERTIFICATE
                } else {
                    reason::INVALID_ELEMENT
                };
                conn.send(&reply(Command::DELETE_CERT_RESPONSE).with_u8(Tag::REASON, r))?;
            }
            other => return Err(format!("unexpected request {other}")),
        }
    }
}

/// Generates the key a key-generate request asks for.
pub fn generate_requested(m: &Message) -> Result<PhoneKey, String> {
    match m
        .get_u8(Tag::KEY_TYPE, "key type")
        .map_err(|e| e.to_string())?
    {
        Some(0) => {
            let size = m.get(Tag::KEY_SIZE).ok_or("no key size")?;
            let bits = u16::from_be_bytes(size.try_into().map_err(|_| "bad key size")?);
            Ok(PhoneKey::rsa(bits))
        }
        Some(1) => {
            let bits = match m.get_u8(Tag::CURVE, "curve").map_err(|e| e.to_string())? {
                Some(0) => 256,
                Some(1) => 384,
                Some(2) => 521,
                c => return Err(format!("curve {c:?}")),
            };
            Ok(PhoneKey::ec(bits))
        }
        t => Err(format!("key type {t:?}")),
    }
}

/// The CAPF CA certificate (DER) of the store at `db`, as `show capf cert` prints it.
pub fn capf_ca_der(db: &Path) -> Vec<u8> {
    let store =
        capfsh::store::Store::open(db, &capfsh::store::OpenOptions::default()).expect("store");
    store.active_ca().expect("read").expect("a CA").der
}
