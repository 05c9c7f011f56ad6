//! `capfd run` under emulated phones: installs per second and the 99th percentile session time
//! at 1, 50 and 500 concurrent phones on loopback, next to the CA's signing-only rate measured
//! in the same run, and the peak RSS of the `capfd run` process.
//!
//! Each session is a full Install/Upgrade by null string with an EC P-256 key: TLS handshake,
//! auth, key generation on the phone, LSC issuance, store, confirmation, end session. The
//! phones run in this process (threads), capfd in its own (the release binary), so both share
//! the machine's cores: the figures are for the pair.
//!
//! Beside the rates: capfd's and the phones' CPU per install, and where it goes (a bare TLS
//! handshake with the same configurations, the phone's key generation, one signature, measured
//! apart in the same run), so a rate far from the signing-only one can be told apart from a
//! slow server; and the load average, since the machine is shared.
//!
//! `CAPFSH_BENCH_PHONES=1:200,50:2000,500:3000` sets concurrency:sessions pairs.

#[path = "../tests/testsuite/phone_emulator.rs"]
mod phone_emulator;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use capfsh::domain::{AuthMode, KeySpec, NewOperation, OperationKind};
use capfsh::store::{Actor, OpenOptions, Store};

fn device(i: usize) -> String {
    format!("SEP{i:012X}")
}

/// Peak resident set (VmHWM) of a process, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// CPU time (user + system) a process has used so far, from `/proc/<pid>/stat`.
fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at ") ".
    let rest = stat.rsplit_once(") ")?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let hz = if hz > 0 { hz as u64 } else { 100 };
    Some(Duration::from_micros(ticks * 1_000_000 / hz))
}

/// CPU time (user + system) of this whole process (the phones' threads and the log reader).
fn self_cpu() -> Duration {
    // SAFETY: getrusage writes into the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the struct it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Where a session's CPU goes, measured apart in the same run: a bare TLS handshake on
/// loopback with capfd's own server configuration (the CAPF CA as identity) and the phones'
/// client configuration, each side's CPU per handshake; and the phone's key generation.
struct Breakdown {
    handshake_server: Duration,
    handshake_client: Duration,
    handshakes_per_s: f64,
    phone_keygen: Duration,
}

fn breakdown(db: &std::path::Path, client: Arc<rustls::ClientConfig>) -> Breakdown {
    let mut store = Store::open(db, &OpenOptions::default()).expect("store");
    let actor = Actor {
        os_user: "bench".into(),
        command: "bench".into(),
    };
    let ca = capfsh::engine::Engine::new(&mut store, actor)
        .load_ca()
        .expect("CA");
    let server = Arc::new(
        capfsh::phone::server::tls_config(ca.cert_der(), ca.private_key_pkcs8_der())
            .expect("server config"),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    const N: u32 = 300;
    let srv = std::thread::spawn(move || {
        let mut cpu = Duration::ZERO;
        for _ in 0..N {
            let (sock, _) = listener.accept().expect("accept");
            let _ = sock.set_nodelay(true);
            let t = thread_cpu();
            let conn = rustls::ServerConnection::new(server.clone()).expect("server conn");
            let mut s = rustls::StreamOwned::new(conn, sock);
            while s.conn.is_handshaking() {
                if s.conn.complete_io(&mut s.sock).is_err() {
                    break;
                }
            }
            cpu += thread_cpu() - t;
        }
        cpu
    });
    let start = Instant::now();
    let mut client_cpu = Duration::ZERO;
    for _ in 0..N {
        let t = thread_cpu();
        let c = phone_emulator::Conn::open(addr, client.clone()).expect("handshake");
        client_cpu += thread_cpu() - t;
        drop(c);
    }
    let wall = start.elapsed();
    let server_cpu = srv.join().expect("server thread");
    let t = thread_cpu();
    for _ in 0..N {
        let _ = phone_emulator::PhoneKey::ec(256).spki_der();
    }
    let keygen = thread_cpu() - t;
    Breakdown {
        handshake_server: server_cpu / N,
        handshake_client: client_cpu / N,
        handshakes_per_s: f64::from(N) / wall.as_secs_f64(),
        phone_keygen: keygen / N,
    }
}

/// The 1, 5 and 15 minute load averages, as /proc/loadavg says.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// LSCs signed per second by one thread in this process: per second of wall time (the goal's
/// measure, which a busy machine lowers) and per second of the thread's own CPU.
fn signing_only_rate(db: &std::path::Path) -> (f64, f64) {
    let mut store = Store::open(db, &OpenOptions::default()).expect("store");
    let actor = Actor {
        os_user: "bench".into(),
        command: "bench".into(),
    };
    let ca = capfsh::engine::Engine::new(&mut store, actor)
        .load_ca()
        .expect("CA");
    let key = phone_emulator::PhoneKey::ec(256).spki_der();
    let now = chrono::Utc::now();
    let start = Instant::now();
    let cpu = thread_cpu();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        ca.sign_lsc_for_key(&key, "SEP000000000001", 365, now)
            .expect("sign");
        n += 1;
    }
    let cpu = (thread_cpu() - cpu).as_secs_f64();
    (
        n as f64 / start.elapsed().as_secs_f64(),
        n as f64 / cpu.max(1e-9),
    )
}

fn main() {
    let levels: Vec<(usize, usize)> = std::env::var("CAPFSH_BENCH_PHONES")
        .ok()
        .map(|v| {
            v.split(',')
                .filter_map(|p| {
                    let (c, n) = p.split_once(':')?;
                    Some((c.parse().ok()?, n.parse().ok()?))
                })
                .collect()
        })
        .unwrap_or_else(|| vec![(1, 200), (50, 2000), (500, 3000)]);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("capf.db");
    let capfd = env!("CARGO_BIN_EXE_capfd");
    let init = Command::new(capfd)
        .args(["init", "--key", "ec-p256", "--db"])
        .arg(&db)
        .output()
        .expect("capfd init");
    assert!(init.status.success(), "{:?}", init);
    // Every device the bench will serve gets its Install/Upgrade, by null string, EC P-256.
    let total: usize = levels.iter().map(|(_, n)| n).sum();
    {
        let mut store = Store::open(&db, &OpenOptions::default()).expect("store");
        let now = chrono::Utc::now();
        let ops: Vec<NewOperation> = (0..total)
            .map(|i| NewOperation {
                device: device(i).parse().expect("name"),
                kind: OperationKind::Install,
                auth_mode: AuthMode::Null,
                auth_secret: None,
                key: Some(KeySpec::Ec(256)),
                completes_by: None,
                scheduled_at: now,
            })
            .collect();
        store
            .schedule_operations(
                &ops,
                &Actor {
                    os_user: "bench".into(),
                    command: "bench".into(),
                },
            )
            .expect("schedule");
    }
    let (sign_rate, sign_cpu_rate) = signing_only_rate(&db);
    let mut child = Command::new(capfd)
        .args([
            "run",
            "--listen",
            "127.0.0.1:0",
            "--max-sessions",
            "1000",
            "--db",
        ])
        .arg(&db)
        .env_remove("JOURNAL_STREAM")
        .stderr(Stdio::piped())
        .spawn()
        .expect("capfd run");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let first = lines.next().expect("line").expect("read");
    let addr: SocketAddr = first
        .split("listening for phones on ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|a| a.parse().ok())
        .expect("address");
    let failures = Arc::new(AtomicUsize::new(0));
    {
        // Drain the log (a full pipe would stall capfd), counting failed sessions.
        let failures = failures.clone();
        std::thread::spawn(move || {
            for l in lines.map_while(Result::ok) {
                if l.contains(": session ") && !l.contains("result success") {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    let ca = phone_emulator::capf_ca_der(&db);
    let cfg = phone_emulator::client_config(&ca, false);
    println!(
        "CAPF CA EC P-256; signing only (in-process, one thread): {sign_rate:.0} LSCs/s ({sign_cpu_rate:.0} per second of its CPU)"
    );
    println!("load average at start: {}", load_average());
    println!();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "| concurrent phones | sessions | installs/s | % of signing-only | p50 ms | p99 ms | failed | capfd peak RSS MiB | capfd CPU µs/install | phones CPU µs/install |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    // The level with most phones up to 50: the goal's level, for the breakdown.
    let mut goal_level: Option<(usize, f64, Duration, Duration)> = None;
    let mut next_device = 0usize;
    for (conc, sessions) in levels {
        let first_device = next_device;
        next_device += sessions;
        let counter = Arc::new(AtomicUsize::new(0));
        let times = Arc::new(Mutex::new(Vec::with_capacity(sessions)));
        let errors = Arc::new(AtomicUsize::new(0));
        let before_fail = failures.load(Ordering::Relaxed);
        let capfd_cpu0 = process_cpu(child.id()).unwrap_or_default();
        let self_cpu0 = self_cpu();
        let start = Instant::now();
        let threads: Vec<_> = (0..conc)
            .map(|_| {
                let counter = counter.clone();
                let times = times.clone();
                let errors = errors.clone();
                let cfg = cfg.clone();
                std::thread::Builder::new()
                    .stack_size(256 * 1024)
                    .spawn(move || {
                        loop {
                            let i = counter.fetch_add(1, Ordering::Relaxed);
                            if i >= sessions {
                                break;
                            }
                            let phone = phone_emulator::Phone::new(&device(first_device + i));
                            let t = Instant::now();
                            match phone_emulator::run(addr, cfg.clone(), &phone) {
                                Ok(o) if o.end_reason == Some(1) => {
                                    times.lock().expect("times").push(t.elapsed())
                                }
                                _ => {
                                    errors.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                    })
                    .expect("thread")
            })
            .collect();
        for t in threads {
            let _ = t.join();
        }
        let wall = start.elapsed();
        let capfd_cpu = process_cpu(child.id())
            .unwrap_or_default()
            .saturating_sub(capfd_cpu0);
        let phones_cpu = self_cpu().saturating_sub(self_cpu0);
        let mut t = times.lock().expect("times").clone();
        t.sort();
        let pct = |p: f64| {
            t.get(((t.len() as f64 * p).ceil() as usize).saturating_sub(1))
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(f64::NAN)
        };
        let rate = t.len() as f64 / wall.as_secs_f64();
        std::thread::sleep(Duration::from_millis(200));
        let rss = peak_rss_kib(child.id())
            .map(|k| k as f64 / 1024.0)
            .unwrap_or(f64::NAN);
        let done = t.len().max(1) as u32;
        println!(
            "| {conc} | {sessions} | {rate:.0} | {:.1}% | {:.1} | {:.1} | {} | {rss:.1} | {:.0} | {:.0} |",
            100.0 * rate / sign_rate,
            pct(0.50),
            pct(0.99),
            errors.load(Ordering::Relaxed) + failures.load(Ordering::Relaxed) - before_fail,
            us(capfd_cpu / done),
            us(phones_cpu / done),
        );
        if conc <= 50 && goal_level.is_none_or(|(c, ..)| conc >= c) {
            goal_level = Some((conc, rate, capfd_cpu / done, phones_cpu / done));
        }
    }
    let b = breakdown(&db, cfg.clone());
    let sign = Duration::from_secs_f64(1.0 / sign_cpu_rate);
    println!();
    if let Some((conc, rate, capfd, phones)) = goal_level {
        let session = capfd + phones;
        let ceiling = cores as f64 / session.as_secs_f64();
        let hs = b.handshake_server + b.handshake_client;
        let hs_ceiling = cores as f64 / hs.as_secs_f64();
        println!(
            "Where an install's CPU goes at {conc} phones ({cores} cores shared by capfd and the phones; the TLS handshake, the phone's key and one signature measured apart in this run):"
        );
        println!();
        println!("| per install | CPU µs | share |");
        println!("|---|---:|---:|");
        let row = |what: &str, d: Duration| {
            println!(
                "| {what} | {:.0} | {:.0}% |",
                us(d),
                100.0 * d.as_secs_f64() / session.as_secs_f64()
            )
        };
        row("capfd, all of it", capfd);
        row(
            "  TLS handshake, server side (bare handshake, same config)",
            b.handshake_server,
        );
        row("  LSC signature (signing-only rate)", sign);
        row(
            "  the rest: protocol, store writes, session thread, log",
            capfd.saturating_sub(b.handshake_server + sign),
        );
        row("phones, all of it", phones);
        row("  TLS handshake, client side", b.handshake_client);
        row("  EC P-256 key generation", b.phone_keygen);
        row(
            "  the rest: protocol, thread",
            phones.saturating_sub(b.handshake_client + b.phone_keygen),
        );
        println!();
        println!(
            "By CPU (not disturbed by the machine's other load): the {cores} cores, doing nothing else, would serve {ceiling:.0} installs/s, {:.1}% of the signing-only CPU rate ({sign_cpu_rate:.0}/s); measured {rate:.0}/s, {:.1}% of the signing-only wall rate.",
            100.0 * ceiling / sign_cpu_rate,
            100.0 * rate / sign_rate
        );
        let verdict = if hs_ceiling < 0.5 * sign_cpu_rate {
            "below 50%: the goal is out of reach whatever a session does besides its handshake"
        } else {
            "handshakes alone would allow 50%"
        };
        println!(
            "Bare TLS handshakes alone, both sides on {cores} cores: at most {hs_ceiling:.0}/s, {:.1}% of the signing-only CPU rate ({verdict}); one after another on loopback: {:.0}/s.",
            100.0 * hs_ceiling / sign_cpu_rate,
            b.handshakes_per_s
        );
    }
    println!("load average at end: {}", load_average());
    let _ = child.kill();
    let _ = child.wait();
}
