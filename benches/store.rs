//! Store benchmark: builds stores of 10,000 / 100,000 / 1,000,000 devices and measures the real
//! `capfsh` binary (one-shot) listing and deleting, with wall time and peak memory, plus the
//! completion lookup. Run with `cargo bench --bench store`; choose sizes with
//! `CAPFSH_BENCH_SIZES=10000,100000`.

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use capfsh::domain::{DeviceName, NewCsr, NewLsc};
use capfsh::store::{Actor, DeviceSource, LATEST_VERSION, OpenOptions, Store};
use chrono::{TimeZone, Utc};

const RUNS: usize = 3;
/// Bumped whenever `build` makes a different store.
const FIXTURE: u32 = 2;

fn device(i: u64) -> DeviceName {
    format!("SEP{i:012X}").parse().expect("device")
}

/// A store of `n` devices: each sent one CSR; every second one got an LSC; of those, one in
/// ten was never installed and the phone sent a newer CSR (stale), one in ten is issued and
/// waiting for the phone to install it (so stale queries must skip not-installed LSCs that are
/// not stale), and the others are installed.
fn build(n: u64, path: &Path) {
    let t0 = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("t0");
    let actor = Actor {
        os_user: "bench".into(),
        command: "build".into(),
    };
    let mut store = Store::open(path, &OpenOptions::default()).expect("open");
    let der = vec![0x30u8; 600];
    let chunk = 50_000u64;
    let mut start = 0;
    while start < n {
        let end = (start + chunk).min(n);
        let csrs: Vec<NewCsr> = (start..end)
            .map(|i| NewCsr {
                device: device(i),
                submitted_at: t0 + chrono::Duration::seconds(i as i64 * 3),
                subject: format!("CN={}, O=Example, OU=Voice", device(i)),
                key_algorithm: "RSA".into(),
                key_bits: 2048,
                public_key_sha256: format!("{i:064x}"),
                der: der.clone(),
            })
            .collect();
        let ids = store.record_csrs(&csrs, &actor).expect("csrs");
        let lscs: Vec<NewLsc> = (start..end)
            .zip(ids)
            .filter(|(i, _)| i % 2 == 0)
            .map(|(i, id)| {
                let issued = t0 + chrono::Duration::seconds(i as i64 * 3 + 1);
                NewLsc {
                    device: device(i),
                    serial: format!("{i:032x}"),
                    subject: format!("CN={}", device(i)),
                    issuer: "CN=CAPF-0a1b2c3d".into(),
                    not_before: issued,
                    not_after: issued + chrono::Duration::days(365 + (i % 700) as i64),
                    issued_at: issued,
                    csr_id: Some(id),
                    der: der.clone(),
                }
            })
            .collect();
        store.record_lscs(&lscs, &actor).expect("lscs");
        let newer: Vec<NewCsr> = (start..end)
            .filter(|i| i % 20 == 0)
            .map(|i| NewCsr {
                device: device(i),
                submitted_at: t0 + chrono::Duration::seconds(i as i64 * 3 + 2),
                subject: format!("CN={}, O=Example, OU=Voice", device(i)),
                key_algorithm: "EC".into(),
                key_bits: 256,
                public_key_sha256: format!("{:064x}", i + (1 << 40)),
                der: der.clone(),
            })
            .collect();
        store.record_csrs(&newer, &actor).expect("newer csrs");
        start = end;
    }
    drop(store);
    // The phones that installed their LSC (bulk: the fixture, not the engine's path). LSC ids
    // follow i = 2 * (id - 1): id % 10 = 1 are the stale ones, id % 10 = 6 the waiting ones.
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(
        "BEGIN;
         UPDATE csr SET state = 'done' WHERE id IN (
           SELECT csr_id FROM lsc WHERE superseded_at IS NULL AND id % 10 != 6);
         UPDATE lsc SET installed_at = issued_at + 1000000
          WHERE superseded_at IS NULL AND id % 10 != 6;
         COMMIT;
         PRAGMA wal_checkpoint(TRUNCATE);",
    )
    .expect("install");
}

fn cached_store(n: u64) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-stores");
    std::fs::create_dir_all(&dir).expect("mkdir");
    // Named by schema version and fixture shape, so a changed fixture is rebuilt.
    let path = dir.join(format!("{n}-v{LATEST_VERSION}-{FIXTURE}.db"));
    if !path.exists() {
        let tmp = dir.join(format!("{n}-v{LATEST_VERSION}-{FIXTURE}.building.db"));
        let _ = std::fs::remove_file(&tmp);
        let t = Instant::now();
        // Build in a child process: Linux carries a process's peak RSS into the children it
        // spawns, so the measuring process must stay small.
        let status = Command::new(std::env::current_exe().expect("self"))
            .env("CAPFSH_BENCH_BUILD", n.to_string())
            .env("CAPFSH_BENCH_PATH", &tmp)
            .status()
            .expect("builder");
        assert!(status.success(), "building the {n}-device store failed");
        std::fs::rename(&tmp, &path).expect("rename");
        eprintln!(
            "built the {n}-device store in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    path
}

/// Runs the binary, draining stdout through a pipe; returns (wall time, peak RSS KiB, lines).
fn measure(db: &Path, args: &[&str]) -> (Duration, u64, u64) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_capfsh"))
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut out = child.stdout.take().expect("stdout");
    let mut buf = vec![0u8; 1 << 16];
    let mut lines = 0u64;
    loop {
        let n = out.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
    }
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child and fills `usage`; the Child handle is not waited again.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    let elapsed = start.elapsed();
    let exit = std::process::ExitStatus::from_raw(status);
    assert!(exit.success(), "capfsh {args:?} failed: {exit:?}");
    std::mem::forget(child);
    (elapsed, usage.ru_maxrss as u64, lines)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    if let (Ok(n), Ok(path)) = (
        std::env::var("CAPFSH_BENCH_BUILD"),
        std::env::var("CAPFSH_BENCH_PATH"),
    ) {
        build(n.parse().expect("size"), Path::new(&path));
        return;
    }
    let sizes: Vec<u64> = std::env::var("CAPFSH_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!("| devices | command | format | median ms | peak RSS MiB | lines out |");
    println!("|---:|---|---|---:|---:|---:|");
    for &n in &sizes {
        let db = cached_store(n);
        for (name, args) in [
            ("utils capf csr list", &["utils", "capf", "csr", "list"][..]),
            (
                "utils capf stale-lsc list",
                &["utils", "capf", "stale-lsc", "list"][..],
            ),
        ] {
            for format in ["table", "csv"] {
                let mut times = Vec::new();
                let mut rss = 0;
                let mut lines = 0;
                for _ in 0..RUNS {
                    let mut a = vec!["--format", format];
                    a.extend_from_slice(args);
                    let (t, r, l) = measure(&db, &a);
                    times.push(t);
                    rss = rss.max(r);
                    lines = l;
                }
                println!(
                    "| {n} | `{name}` | {format} | {:.0} | {:.1} | {lines} |",
                    median(times).as_secs_f64() * 1000.0,
                    rss as f64 / 1024.0
                );
            }
        }
        let mut times = Vec::new();
        let mut rss = 0;
        let mut lines = 0;
        for run in 0..RUNS {
            let copy = db.with_file_name(format!("delete-{n}-{run}.db"));
            std::fs::copy(&db, &copy).expect("copy");
            let (t, r, l) = measure(
                &copy,
                &["utils", "capf", "stale-lsc", "delete", "all", "noconfirm"],
            );
            times.push(t);
            rss = rss.max(r);
            lines = l;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
            }
        }
        println!(
            "| {n} | `utils capf stale-lsc delete all noconfirm` | table | {:.0} | {:.1} | {lines} |",
            median(times).as_secs_f64() * 1000.0,
            rss as f64 / 1024.0
        );
        // Completion: the indexed prefix query in-process, and the real binary answering bash.
        let store = Store::open(&db, &OpenOptions::default()).expect("open");
        let mut q = Vec::new();
        for _ in 0..100 {
            let t = Instant::now();
            let names = store
                .device_names(DeviceSource::PendingCsr, "SEP0000000001", 50)
                .expect("names");
            q.push(t.elapsed());
            assert!(!names.is_empty());
        }
        // Stale devices under a prefix every device shares: the partial index holds only stale
        // LSCs, so the issued-and-waiting ones are never visited.
        let mut sq = Vec::new();
        for _ in 0..100 {
            let t = Instant::now();
            let names = store
                .device_names(DeviceSource::StaleLsc, "SEP", 50)
                .expect("names");
            sq.push(t.elapsed());
            assert_eq!(names.len(), 50);
        }
        let mut c = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            let out = Command::new(env!("CARGO_BIN_EXE_capfsh"))
                .env("COMPLETE", "bash")
                .env("CAPFSH_DB", &db)
                .env("_CLAP_IFS", "\n")
                .env("_CLAP_COMPLETE_INDEX", "5")
                .env("_CLAP_COMPLETE_COMP_TYPE", "9")
                .env("_CLAP_COMPLETE_SPACE", "true")
                .args([
                    "--",
                    "capfsh",
                    "utils",
                    "capf",
                    "csr",
                    "dump",
                    "SEP0000000001",
                ])
                .output()
                .expect("complete");
            c.push(t.elapsed());
            assert!(String::from_utf8_lossy(&out.stdout).contains("SEP0000000001"));
        }
        println!(
            "| {n} | device completion: prefix query (in-process) | - | {:.3} | - | 50 |",
            median(q).as_secs_f64() * 1000.0
        );
        println!(
            "| {n} | stale device completion: prefix query (in-process) | - | {:.3} | - | 50 |",
            median(sq).as_secs_f64() * 1000.0
        );
        println!(
            "| {n} | device completion: `COMPLETE=bash capfsh` (process) | - | {:.1} | - | - |",
            median(c).as_secs_f64() * 1000.0
        );
    }
}
