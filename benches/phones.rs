//! `capfd run` under emulated phones: installs per second and the 99th percentile session time
//! at 1, 50 and 500 concurrent phones on loopback, next to the CA's signing-only rate measured
//! in the same run, and the peak RSS of the `capfd run` process.
//!
//! Each session is a full Install/Upgrade by null string with an EC P-256 key: TLS handshake,
//! auth, key generation on the phone, LSC issuance, store, confirmation, end session. The
//! phones run in this process (threads), capfd in its own (the release binary), so both share
//! the machine's cores: the figures are for the pair.
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

fn signing_only_rate(db: &std::path::Path) -> f64 {
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
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        ca.sign_lsc_for_key(&key, "SEP000000000001", 365, now)
            .expect("sign");
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
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
    let sign_rate = signing_only_rate(&db);
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
    println!("CAPF CA EC P-256; signing only (in-process, one core): {sign_rate:.0} LSCs/s");
    println!();
    println!(
        "| concurrent phones | sessions | installs/s | % of signing-only | p50 ms | p99 ms | failed | capfd peak RSS MiB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut next_device = 0usize;
    for (conc, sessions) in levels {
        let first_device = next_device;
        next_device += sessions;
        let counter = Arc::new(AtomicUsize::new(0));
        let times = Arc::new(Mutex::new(Vec::with_capacity(sessions)));
        let errors = Arc::new(AtomicUsize::new(0));
        let before_fail = failures.load(Ordering::Relaxed);
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
        println!(
            "| {conc} | {sessions} | {rate:.0} | {:.1}% | {:.1} | {:.1} | {} | {rss:.1} |",
            100.0 * rate / sign_rate,
            pct(0.50),
            pct(0.99),
            errors.load(Ordering::Relaxed) + failures.load(Ordering::Relaxed) - before_fail,
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}
