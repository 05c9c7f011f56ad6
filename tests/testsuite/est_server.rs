//! An EST server (RFC 7030) for the tests, doing real work: TLS (rustls, its own CA), HTTP Basic
//! authentication, `/cacerts`, and `/simpleenroll` that signs the submitted CSR with the
//! `openssl` CLI. Switches make it answer 202-then-200, 401, 500, a certificate for another
//! key, one from an untrusted issuer, or nothing at all (a hang).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;

use crate::support::{openssl, words};

/// How the server answers `simpleenroll`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Sign and return the certificate (200).
    Sign,
    /// Answer 202 with `Retry-After: 1` this many times, then sign.
    AcceptFirst(usize),
    /// 401, whatever the credentials.
    Unauthorized,
    /// 500.
    ServerError,
    /// 500 whose text names a new incident at every request (the same failure, new words).
    ServerErrorNumbered,
    /// 200 with a certificate for a key other than the CSR's.
    OtherKey,
    /// 200 with a certificate signed by a CA nobody trusts.
    UntrustedIssuer,
    /// Read the request, then never answer (until the server stops).
    Hang,
}

/// What the server saw.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// `simpleenroll` requests received.
    pub enrolls: usize,
    /// `cacerts` requests received.
    pub cacerts: usize,
    /// The last Authorization header.
    pub authorization: Option<String>,
    /// The last Content-Type of a POST.
    pub content_type: Option<String>,
    /// The paths requested, in order.
    pub paths: Vec<String>,
}

/// A running EST test server on 127.0.0.1.
pub struct EstServer {
    pub port: u16,
    pub dir: PathBuf,
    pub mode: Arc<Mutex<Mode>>,
    pub seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
    serial: Arc<AtomicUsize>,
}

/// A CA made with openssl: `<name>.pem`, `<name>.key`.
fn make_ca(dir: &Path, name: &str, cn: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-subj",
            &format!("/CN={cn}"),
            "-days",
            "30",
            "-extensions",
            "v3_ca",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
            "-out",
            &format!("{name}.pem"),
        ],
    );
}

impl EstServer {
    /// Makes the CAs and the TLS certificate in `dir` and starts listening; `user`/`password`
    /// are the credentials it accepts.
    pub fn start(dir: &Path, user: &str, password: &str) -> EstServer {
        make_ca(dir, "estca", "EST Test CA");
        make_ca(dir, "rogue", "Rogue CA");
        std::fs::write(
            dir.join("lsc.ext"),
            "keyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n",
        )
        .expect("ext");
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n\
             keyUsage=critical,digitalSignature\n",
        )
        .expect("ext");
        openssl(
            dir,
            &words(
                "req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -subj /CN=localhost -out server.csr",
            ),
        );
        openssl(
            dir,
            &words(
                "x509 -req -in server.csr -CA estca.pem -CAkey estca.key -set_serial 1000 -days 30 -extfile server.ext -outform DER -out server.der",
            ),
        );
        openssl(
            dir,
            &words("pkcs8 -topk8 -nocrypt -in server.key -outform DER -out server.key.der"),
        );
        openssl(
            dir,
            &words("crl2pkcs7 -nocrl -certfile estca.pem -outform DER -out cacerts.p7"),
        );
        let cert = std::fs::read(dir.join("server.der")).expect("cert");
        let key = std::fs::read(dir.join("server.key.der")).expect("key");
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![rustls::pki_types::CertificateDer::from(cert)],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.into()),
            )
            .expect("server config");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let server = EstServer {
            port,
            dir: dir.to_path_buf(),
            mode: Arc::new(Mutex::new(Mode::Sign)),
            seen: Arc::new(Mutex::new(Seen::default())),
            stop: Arc::new(AtomicBool::new(false)),
            serial: Arc::new(AtomicUsize::new(0)),
        };
        let ctx = Ctx {
            dir: dir.to_path_buf(),
            mode: server.mode.clone(),
            seen: server.seen.clone(),
            stop: server.stop.clone(),
            serial: server.serial.clone(),
            auth: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            ),
        };
        std::thread::spawn(move || {
            let started = Instant::now();
            // Bounded: the server stops by itself after five minutes at most.
            while !ctx.stop.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(300)
            {
                match listener.accept() {
                    Ok((sock, _)) => {
                        let ctx = ctx.clone();
                        let config = config.clone();
                        std::thread::spawn(move || {
                            let _ = serve(sock, config, &ctx);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        server
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().expect("mode") = mode;
    }

    pub fn seen(&self) -> Seen {
        self.seen.lock().expect("seen").clone()
    }

    /// The CA that signs the LSCs and the TLS certificate.
    pub fn ca_pem(&self) -> PathBuf {
        self.dir.join("estca.pem")
    }
}

impl Drop for EstServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[derive(Clone)]
struct Ctx {
    dir: PathBuf,
    mode: Arc<Mutex<Mode>>,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
    serial: Arc<AtomicUsize>,
    auth: String,
}

fn serve(sock: TcpStream, config: Arc<rustls::ServerConfig>, ctx: &Ctx) -> std::io::Result<()> {
    sock.set_nonblocking(false)?;
    sock.set_read_timeout(Some(Duration::from_secs(20)))?;
    let conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, sock);
    // Requests on one connection until the client closes it.
    loop {
        let Some((method, path, headers, body)) = read_request(&mut tls)? else {
            return Ok(());
        };
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        {
            let mut seen = ctx.seen.lock().expect("seen");
            seen.paths.push(path.clone());
            if path.ends_with("/cacerts") {
                seen.cacerts += 1;
            }
            if path.ends_with("/simpleenroll") {
                seen.enrolls += 1;
                seen.authorization = header("authorization");
                seen.content_type = header("content-type");
            }
        }
        let reply = if method == "GET" && path.ends_with("/cacerts") {
            let p7 = std::fs::read(ctx.dir.join("cacerts.p7"))?;
            pkcs7_reply(&p7)
        } else if method == "POST" && path.ends_with("/simpleenroll") {
            enroll(ctx, header("authorization"), &body)?
        } else {
            plain(404, "Not Found", "no such EST operation")
        };
        let Some(reply) = reply_or_hang(reply, ctx) else {
            return Ok(());
        };
        tls.write_all(&reply)?;
        tls.flush()?;
    }
}

/// `None` means hang: hold the connection without answering until the server stops.
fn reply_or_hang(reply: Option<Vec<u8>>, ctx: &Ctx) -> Option<Vec<u8>> {
    if reply.is_none() {
        let started = Instant::now();
        while !ctx.stop.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(120) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    reply
}

type Request = (String, String, Vec<(String, String)>, Vec<u8>);

fn read_request(tls: &mut impl Read) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match tls.read(&mut byte) {
            Ok(0) => return Ok(None),
            Ok(_) => buf.push(byte[0]),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        if buf.len() > 16 * 1024 {
            return Ok(None);
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let path = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(1 << 20);
    let mut body = vec![0u8; len];
    tls.read_exact(&mut body)?;
    Ok(Some((method, path, headers, body)))
}

fn plain(status: u16, reason: &str, text: &str) -> Option<Vec<u8>> {
    Some(
        format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        )
        .into_bytes(),
    )
}

fn pkcs7_reply(der: &[u8]) -> Option<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    Some(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/pkcs7-mime; smime-type=certs-only\r\n\
             Content-Transfer-Encoding: base64\r\nContent-Length: {}\r\n\r\n{b64}",
            b64.len()
        )
        .into_bytes(),
    )
}

fn enroll(ctx: &Ctx, auth: Option<String>, body: &[u8]) -> std::io::Result<Option<Vec<u8>>> {
    let mode = *ctx.mode.lock().expect("mode");
    if mode == Mode::Hang {
        return Ok(None);
    }
    if mode == Mode::Unauthorized || auth.as_deref() != Some(ctx.auth.as_str()) {
        return Ok(Some(
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"est\"\r\n\
             Content-Type: text/plain\r\nContent-Length: 17\r\n\r\nbad user/password"
                .as_bytes()
                .to_vec(),
        ));
    }
    if mode == Mode::ServerError {
        return Ok(plain(500, "Internal Server Error", "CA backend down"));
    }
    if mode == Mode::ServerErrorNumbered {
        static INCIDENT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = INCIDENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Ok(plain(
            500,
            "Internal Server Error",
            &format!("CA backend down (incident {n})"),
        ));
    }
    if let Mode::AcceptFirst(n) = mode
        && n > 0
    {
        *ctx.mode.lock().expect("mode") = Mode::AcceptFirst(n - 1);
        return Ok(Some(
            b"HTTP/1.1 202 Accepted\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ));
    }
    let n = ctx.serial.fetch_add(1, Ordering::Relaxed);
    let work = ctx.dir.join(format!("req{n}"));
    std::fs::create_dir_all(&work)?;
    let compact: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let Ok(der) = base64::engine::general_purpose::STANDARD.decode(compact) else {
        return Ok(plain(400, "Bad Request", "not base64"));
    };
    std::fs::write(work.join("csr.der"), der)?;
    openssl(
        &work,
        &[
            "req", "-inform", "DER", "-in", "csr.der", "-verify", "-out", "csr.pem",
        ],
    );
    let (csr, ca) = match mode {
        Mode::OtherKey => {
            // Another key: what a confused CA might send back.
            openssl(
                &work,
                &words(
                    "req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -subj /CN=SEP000000000000 -out other.csr",
                ),
            );
            ("other.csr", "estca")
        }
        Mode::UntrustedIssuer => ("csr.pem", "rogue"),
        _ => ("csr.pem", "estca"),
    };
    let serial = format!("0x{:032x}", 0x1000_0000_0000_0000u128 + n as u128);
    openssl(
        &work,
        &[
            "x509",
            "-req",
            "-in",
            csr,
            "-CA",
            &format!("../{ca}.pem"),
            "-CAkey",
            &format!("../{ca}.key"),
            "-set_serial",
            &serial,
            "-days",
            "30",
            "-sha256",
            "-extfile",
            "../lsc.ext",
            "-out",
            "cert.pem",
        ],
    );
    openssl(
        &work,
        &words("crl2pkcs7 -nocrl -certfile cert.pem -outform DER -out cert.p7"),
    );
    Ok(pkcs7_reply(&std::fs::read(work.join("cert.p7"))?))
}
