//! The TLS side of the phone service: listeners, the connection limit, the handshake timeout,
//! and a blocking rustls stream per session (a thread each, with a small stack) that frames
//! CAPF messages with bounded reads.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::service::PhoneService;
use super::session::{self, Wire, WireError};
use crate::logging::{Level, Logger};
use crate::protocol::{CodecError, HEADER_LEN, Message, parse_header};

/// The CAPF port.
pub const DEFAULT_PORT: u16 = 3804;
/// Concurrent sessions allowed unless configured.
pub const DEFAULT_MAX_SESSIONS: usize = 200;
/// How long a peer has to complete the TLS handshake.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Stack of a session thread: sessions are shallow, and 500 phones must fit in little memory.
const SESSION_STACK: usize = 256 * 1024;

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Addresses to listen on (`ADDR:PORT`; port 0 picks a free one).
    pub listen: Vec<String>,
    /// Most sessions at once; connections over it are closed at once and counted.
    pub max_sessions: usize,
    /// Time allowed for the TLS handshake.
    pub handshake_timeout: Duration,
}

/// The running server: its bound addresses, counters and a stop switch.
pub struct PhoneServer {
    addrs: Vec<SocketAddr>,
    stop: Arc<AtomicBool>,
    /// Sessions running now.
    pub active: Arc<AtomicUsize>,
    /// Connections closed because the limit was reached.
    pub refused: Arc<AtomicU64>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

/// The TLS configuration for the active CAPF CA, rebuilt when the CA changes.
struct TlsCache {
    cached: Mutex<Option<(i64, Arc<ServerConfig>)>>,
}

impl TlsCache {
    fn get(&self, svc: &PhoneService) -> Result<Arc<ServerConfig>, String> {
        let (id, ca) = svc
            .with_store(|st| svc.ca_versioned(st))
            .map_err(|e| e.to_string())?;
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cid, cfg)) = cached.as_ref()
            && *cid == id
        {
            return Ok(cfg.clone());
        }
        let cfg = Arc::new(tls_config(ca.cert_der(), ca.private_key_pkcs8_der())?);
        *cached = Some((id, cfg.clone()));
        Ok(cfg)
    }
}

/// rustls with the aws-lc-rs provider, TLS 1.2 and 1.3, no client certificates (the phone
/// proves itself inside the protocol), the CAPF certificate as the server's identity.
///
/// The server picks the cipher suite, preferring those with SHA-256 (AES-128-GCM first, the
/// suite TLS 1.3 requires of everyone): a session's handshake and records hash far less than its
/// TLS identity's signature costs, but SHA-384 runs on no SHA extension of the CPU and was a
/// visible share of a session's CPU under load, for no security a CAPF exchange needs.
pub fn tls_config(cert_der: &[u8], key_pkcs8: Vec<u8>) -> Result<ServerConfig, String> {
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    provider.cipher_suites.sort_by_key(|s| {
        use rustls::CipherSuite as C;
        matches!(
            s.suite(),
            C::TLS13_AES_256_GCM_SHA384
                | C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
                | C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
        )
    });
    let mut cfg = ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert_der.to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pkcs8)),
        )
        .map_err(|e| format!("TLS setup with the CAPF CA key: {e}"))?;
    cfg.ignore_client_order = true;
    Ok(cfg)
}

impl PhoneServer {
    /// Binds every address (all or nothing) and starts accepting. The bound addresses are
    /// returned by [`PhoneServer::addrs`] (with the real port when 0 was asked).
    pub fn start(
        opts: &ServerOptions,
        svc: Arc<PhoneService>,
        log: Logger,
    ) -> Result<PhoneServer, String> {
        let mut listeners = Vec::new();
        for spec in &opts.listen {
            let addrs: Vec<SocketAddr> = spec
                .to_socket_addrs()
                .map_err(|e| format!("--listen {spec}: {e}"))?
                .collect();
            let addr = addrs
                .first()
                .ok_or_else(|| format!("--listen {spec}: no address"))?;
            let l = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            listeners.push(l);
        }
        let addrs = listeners
            .iter()
            .map(|l| l.local_addr().map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let stop = Arc::new(AtomicBool::new(false));
        let active = Arc::new(AtomicUsize::new(0));
        let refused = Arc::new(AtomicU64::new(0));
        let tls = Arc::new(TlsCache {
            cached: Mutex::new(None),
        });
        let mut threads = Vec::new();
        for l in listeners {
            let ctx = Accept {
                svc: svc.clone(),
                tls: tls.clone(),
                stop: stop.clone(),
                active: active.clone(),
                refused: refused.clone(),
                max: opts.max_sessions.max(1),
                handshake_timeout: opts.handshake_timeout,
                last_refusal_log: Arc::new(Mutex::new((Instant::now(), 0))),
                log: log.clone(),
            };
            let t = std::thread::Builder::new()
                .name("capf-accept".into())
                .spawn(move || ctx.accept_loop(l))
                .map_err(|e| format!("cannot start the listener thread: {e}"))?;
            threads.push(t);
        }
        Ok(PhoneServer {
            addrs,
            stop,
            active,
            refused,
            threads,
        })
    }

    /// The bound addresses.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Stops accepting (running sessions finish on their own timers).
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        for a in &self.addrs {
            // Wake the blocking accept; the loop sees the flag and ends.
            let _ = TcpStream::connect_timeout(&wake_addr(*a), Duration::from_millis(200));
        }
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// The address to connect to for waking a listener bound to `a` (the unspecified address is
/// reached through loopback).
fn wake_addr(a: SocketAddr) -> SocketAddr {
    let mut a = a;
    if a.ip().is_unspecified() {
        a.set_ip(match a {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    a
}

struct Accept {
    svc: Arc<PhoneService>,
    tls: Arc<TlsCache>,
    stop: Arc<AtomicBool>,
    active: Arc<AtomicUsize>,
    refused: Arc<AtomicU64>,
    max: usize,
    handshake_timeout: Duration,
    last_refusal_log: Arc<Mutex<(Instant, u64)>>,
    log: Logger,
}

/// Decrements the session count however the session thread ends.
struct ActiveGuard(Arc<AtomicUsize>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Accept {
    fn accept_loop(self, listener: TcpListener) {
        loop {
            let accepted = listener.accept();
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            let (stream, peer) = match accepted {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: say so, breathe, go on.
                    self.log.error(&format!("accept failed: {e}"));
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
            };
            if self.active.fetch_add(1, Ordering::SeqCst) >= self.max {
                self.active.fetch_sub(1, Ordering::SeqCst);
                drop(stream);
                self.count_refusal(peer);
                continue;
            }
            let guard = ActiveGuard(self.active.clone());
            let svc = self.svc.clone();
            let tls = self.tls.clone();
            let hs = self.handshake_timeout;
            let spawned = std::thread::Builder::new()
                .name("capf-session".into())
                .stack_size(SESSION_STACK)
                .spawn(move || connection(stream, peer, &svc, &tls, hs, guard));
            if let Err(e) = spawned {
                self.log
                    .error(&format!("cannot start a session thread: {e}"));
            }
        }
    }

    /// Counts a connection refused over the limit; logs at most once a second with the count.
    fn count_refusal(&self, peer: SocketAddr) {
        let total = self.refused.fetch_add(1, Ordering::SeqCst) + 1;
        let mut last = self
            .last_refusal_log
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        last.1 += 1;
        if last.0.elapsed() >= Duration::from_secs(1) || total == 1 {
            self.log.log(
                Level::Warning,
                None,
                &format!(
                    "connection limit {} reached: closed {} connection(s) at once (last from {peer}; {total} in all)",
                    self.max, last.1
                ),
            );
            *last = (Instant::now(), 0);
        }
    }
}

fn random_session_id() -> u32 {
    let mut b = [0u8; 4];
    if aws_lc_rs::rand::fill(&mut b).is_err() {
        // The system RNG failing is not worth refusing a phone over; ids only tell sessions
        // apart.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(1);
        return t;
    }
    u32::from_be_bytes(b)
}

/// Serves one connection. The session's slot (`slot`) is given back before the closing log
/// line is written, so whoever reads the log can rely on the slot being free again.
fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    svc: &PhoneService,
    tls: &TlsCache,
    handshake_timeout: Duration,
    slot: ActiveGuard,
) {
    let peer_s = peer.to_string();
    let cfg = match tls.get(svc) {
        Ok(c) => c,
        Err(e) => {
            svc.log.error(&format!(
                "connection from {peer_s} closed: no TLS identity: {e}"
            ));
            return;
        }
    };
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(handshake_timeout.max(Duration::from_secs(5))));
    let conn = match ServerConnection::new(cfg) {
        Ok(c) => c,
        Err(e) => {
            svc.log.error(&format!("TLS: {e}"));
            return;
        }
    };
    let mut tls_stream = StreamOwned::new(conn, stream);
    if let Err(e) = handshake(&mut tls_stream, handshake_timeout) {
        drop(tls_stream);
        drop(slot);
        svc.log.log(
            Level::Warning,
            None,
            &format!("connection from {peer_s} closed: TLS handshake: {e}"),
        );
        return;
    }
    let session_id = random_session_id();
    let mut wire = TlsWire { s: tls_stream };
    let report = session::serve(&mut wire, svc, &peer_s, session_id);
    wire.s.conn.send_close_notify();
    let _ = wire.s.conn.complete_io(&mut wire.s.sock);
    drop(wire);
    drop(slot);
    let level = match report.result {
        "success" | "no action" | "waiting" => Level::Info,
        "error" => Level::Error,
        _ => Level::Warning,
    };
    svc.log.log(
        level,
        report.device.as_deref(),
        &report.log_line(&peer_s, session_id),
    );
}

/// Completes the handshake within `limit` in total (a peer trickling bytes cannot stretch it).
fn handshake(s: &mut StreamOwned<ServerConnection, TcpStream>, limit: Duration) -> io::Result<()> {
    let deadline = Instant::now() + limit;
    while s.conn.is_handshaking() {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| io::Error::new(io::ErrorKind::TimedOut, "timed out"))?;
        s.sock.set_read_timeout(Some(left))?;
        match s.conn.complete_io(&mut s.sock) {
            Ok((0, 0)) if s.conn.is_handshaking() => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the peer closed the connection",
                ));
            }
            Ok(_) => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock) => {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// CAPF messages over a blocking TLS stream. Reads are bounded twice: by size (8 header bytes,
/// then at most the 65,535 the header may announce) and by time (the whole message within the
/// idle timer, so a peer sending a byte a minute cannot hold a session forever).
pub struct TlsWire {
    s: StreamOwned<ServerConnection, TcpStream>,
}

fn read_exact_by(
    s: &mut StreamOwned<ServerConnection, TcpStream>,
    buf: &mut [u8],
    deadline: Instant,
    idle: Duration,
    started: bool,
) -> Result<(), WireError> {
    let mut got = 0;
    while got < buf.len() {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(WireError::Timeout(idle))?;
        s.sock
            .set_read_timeout(Some(left))
            .map_err(|e| WireError::Io(e.to_string()))?;
        match s.read(&mut buf[got..]) {
            Ok(0) if got == 0 && !started => return Err(WireError::Closed),
            Ok(0) => {
                return Err(WireError::Codec(CodecError::Truncated(
                    "the connection ended inside a message".into(),
                )));
            }
            Ok(n) => got += n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(WireError::Timeout(idle));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && got == 0 && !started => {
                return Err(WireError::Closed);
            }
            Err(e) => return Err(WireError::Io(e.to_string())),
        }
    }
    Ok(())
}

impl Wire for TlsWire {
    fn send(&mut self, msg: &Message) -> Result<(), WireError> {
        let bytes = msg.encode()?;
        // One write: header and elements in one TLS record (phones stall on split messages).
        self.s
            .write_all(&bytes)
            .and_then(|_| self.s.flush())
            .map_err(|e| WireError::Io(e.to_string()))
    }

    fn recv(&mut self, idle: Duration) -> Result<Message, WireError> {
        let deadline = Instant::now() + idle;
        let mut header = [0u8; HEADER_LEN];
        read_exact_by(&mut self.s, &mut header, deadline, idle, false)?;
        let (_, _, len) = parse_header(&header)?;
        let mut whole = vec![0u8; HEADER_LEN + len];
        whole[..HEADER_LEN].copy_from_slice(&header);
        read_exact_by(&mut self.s, &mut whole[HEADER_LEN..], deadline, idle, true)?;
        Ok(Message::decode(&whole)?)
    }
}
