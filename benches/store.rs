//! Store benchmark: builds stores of 10,000 / 100,000 / 1,000,000 devices (under the target
//! folder in use, `<target>/bench-stores`) and measures the `capfsh` binary this `cargo bench`
//! built, one-shot, as a whole process (wall time, peak RSS from `wait4`), each command in turn
//! with its peer measured in the same run, the ratio taken pair by pair:
//!
//! - lists: the sqlite3 CLI printing the same rows and columns from the same store (CSV:
//!   `sqlite3 -csv -header`; table: `sqlite3 -column -header`, and the plainest `sqlite3 -list`);
//! - `stale-lsc delete all`: the same delete (capfsh's v4 SQL, the same bundled SQLite, the same
//!   WAL + synchronous=NORMAL) on a store of the same shape at schema v4, and the sqlite3 CLI's
//!   raw DELETE on a copy of the same store (since v10 the stale LSCs are the rows of one table,
//!   so the raw DELETE clears that table).
//!
//! Run with `cargo bench --bench store`; choose sizes with `CAPFSH_BENCH_SIZES=10000,100000` and
//! the number of pairs with `CAPFSH_BENCH_RUNS` (default 5).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use capfsh::domain::{DeviceName, NewCsr, NewLsc};
use capfsh::store::{Actor, DeviceSource, LATEST_VERSION, MIGRATIONS, OpenOptions, Store};
use chrono::{TimeZone, Utc};
use support::{Binaries, Pairs, available, bench_dir, machine, median, ms};
/// Bumped whenever `build` makes a different store.
const FIXTURE: u32 = 3;

/// The schema version the delete is compared against.
const V4: usize = 4;

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
    // Stale LSCs sit in lsc_stale since v10, so every row of lsc_live is a candidate.
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(
        "BEGIN;
         UPDATE csr SET state = 'done' WHERE id IN (
           SELECT csr_id FROM lsc_live WHERE superseded_at IS NULL AND id % 10 != 6);
         UPDATE lsc_live SET installed_at = issued_at + 1000000
          WHERE superseded_at IS NULL AND id % 10 != 6;
         COMMIT;
         PRAGMA wal_checkpoint(TRUNCATE);",
    )
    .expect("install");
}

/// The same fixture as [`build`] on a store left at schema v4, written with plain SQL the way
/// capfsh v4 wrote it (the DER in the lsc row, v4's indexes and triggers).
fn build_v4(n: u64, path: &Path) {
    let t0 = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("t0")
        .timestamp_micros();
    let mut conn = rusqlite::Connection::open(path).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("sync");
    for (_, sql) in &MIGRATIONS[..V4] {
        conn.execute_batch(sql).expect("migration");
    }
    conn.pragma_update(None, "user_version", V4 as i64)
        .expect("version");
    let der = vec![0x30u8; 600];
    let s = |i: u64| i as i64 * 3_000_000;
    let chunk = 50_000u64;
    let mut start = 0;
    while start < n {
        let end = (start + chunk).min(n);
        let tx = conn.transaction().expect("tx");
        {
            let mut supersede = tx
                .prepare(
                    "UPDATE csr SET state = 'superseded' WHERE device = ?1 AND state = 'pending'",
                )
                .expect("supersede");
            let mut csr = tx
                .prepare(
                    "INSERT INTO csr (device, submitted_at, subject, key_algorithm, key_bits,
                                      public_key_sha256, der) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .expect("csr");
            let mut lsc = tx
                .prepare(
                    "INSERT INTO lsc (device, serial, subject, issuer, not_before, not_after,
                                      issued_at, csr_id, der)
                     VALUES (?1, ?2, ?3, 'CN=CAPF-0a1b2c3d', ?4, ?5, ?4, ?6, ?7)",
                )
                .expect("lsc");
            let mut ids = Vec::new();
            for i in start..end {
                let d = device(i).to_string();
                supersede.execute([&d]).expect("supersede");
                csr.execute(rusqlite::params![
                    d,
                    t0 + s(i),
                    format!("CN={d}, O=Example, OU=Voice"),
                    "RSA",
                    2048,
                    format!("{i:064x}"),
                    der
                ])
                .expect("csr");
                ids.push(tx.last_insert_rowid());
            }
            for (i, id) in (start..end).zip(ids) {
                if i % 2 == 0 {
                    let issued = t0 + s(i) + 1_000_000;
                    let days = 365 + (i % 700) as i64;
                    lsc.execute(rusqlite::params![
                        device(i).to_string(),
                        format!("{i:032x}"),
                        format!("CN={}", device(i)),
                        issued,
                        issued + days * 86_400_000_000,
                        id,
                        der
                    ])
                    .expect("lsc");
                }
            }
            for i in (start..end).filter(|i| i % 20 == 0) {
                let d = device(i).to_string();
                supersede.execute([&d]).expect("supersede");
                csr.execute(rusqlite::params![
                    d,
                    t0 + s(i) + 2_000_000,
                    format!("CN={d}, O=Example, OU=Voice"),
                    "EC",
                    256,
                    format!("{:064x}", i + (1 << 40)),
                    der
                ])
                .expect("newer csr");
            }
        }
        tx.commit().expect("commit");
        start = end;
    }
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

/// The store of `n` devices at `version` (the latest, or v4), built once and kept.
fn cached_store(n: u64, version: usize) -> PathBuf {
    let dir = bench_dir();
    // Named by schema version and fixture shape, so a changed fixture is rebuilt.
    let name = format!("{n}-v{version}-{FIXTURE}");
    let path = dir.join(format!("{name}.db"));
    if !path.exists() {
        let tmp = dir.join(format!("{name}.building.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
        }
        let t = Instant::now();
        // Build in a child process: Linux carries a process's peak RSS into the children it
        // spawns, so the measuring process must stay small.
        let status = Command::new(std::env::current_exe().expect("self"))
            .env("CAPFSH_BENCH_BUILD", n.to_string())
            .env("CAPFSH_BENCH_VERSION", version.to_string())
            .env("CAPFSH_BENCH_PATH", &tmp)
            .status()
            .expect("builder");
        assert!(status.success(), "building the {n}-device store failed");
        std::fs::rename(&tmp, &path).expect("rename");
        eprintln!(
            "built the {n}-device v{version} store in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    path
}

/// capfsh v4's `stale-lsc delete all`, run by this bench binary as a child process: the same
/// bundled SQLite and pragmas as capfsh (WAL, synchronous=NORMAL, foreign keys, one BEGIN
/// IMMEDIATE transaction with its audit line), v4's SQL, on a v4 store.
fn v4_delete(path: &Path) {
    let mut conn = rusqlite::Connection::open(path).expect("open");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("busy");
    conn.pragma_update(None, "foreign_keys", true).expect("fk");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("sync");
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .expect("tx");
    let n = tx
        .execute("DELETE FROM lsc WHERE id IN (SELECT id FROM stale_lsc)", [])
        .expect("delete");
    tx.execute(
        "INSERT INTO audit_log (at, os_user, command, outcome, detail)
         VALUES (0, 'bench', 'utils capf stale-lsc delete all noconfirm', 'ok', ?1)",
        [format!("{n} stale lscs deleted")],
    )
    .expect("audit");
    tx.commit().expect("commit");
    println!("Deleted {n} stale LSCs");
}

/// Records a newer CSR for every device whose LSC is issued and waiting (i % 20 == 10 in the
/// fixture), the way an engine writing plain SQL would, in one transaction with capfsh's
/// pragmas; the schema's triggers make those LSCs stale. Returns the milliseconds the writes and
/// the commit took and how many LSCs turned stale.
fn supersede(path: &Path, n: u64) -> (f64, i64) {
    let mut conn = rusqlite::Connection::open(path).expect("open");
    conn.pragma_update(None, "foreign_keys", true).expect("fk");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("sync");
    let stale = |c: &rusqlite::Connection| -> i64 {
        c.query_row("SELECT count(*) FROM stale_lsc", [], |r| r.get(0))
            .expect("count")
    };
    let before = stale(&conn);
    let t0 = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("t0")
        .timestamp_micros();
    let der = vec![0x30u8; 600];
    let start = Instant::now();
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .expect("tx");
    {
        let mut supersede = tx
            .prepare("UPDATE csr SET state = 'superseded' WHERE device = ?1 AND state = 'pending'")
            .expect("supersede");
        let mut csr = tx
            .prepare(
                "INSERT INTO csr (device, submitted_at, subject, key_algorithm, key_bits,
                                  public_key_sha256, der) VALUES (?1, ?2, ?3, 'EC', 256, ?4, ?5)",
            )
            .expect("csr");
        for i in (0..n).filter(|i| i % 20 == 10) {
            let d = device(i).to_string();
            supersede.execute([&d]).expect("supersede");
            csr.execute(rusqlite::params![
                d,
                t0 + i as i64 * 3_000_000 + 5_000_000,
                format!("CN={d}, O=Example, OU=Voice"),
                format!("{:064x}", i + (2 << 40)),
                der
            ])
            .expect("csr");
        }
    }
    tx.commit().expect("commit");
    let elapsed = ms(start.elapsed());
    let moved = stale(&conn) - before;
    (elapsed, moved)
}

fn remove_store(p: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
    }
}

const PENDING_SQL: &str = "SELECT device, submitted_at, key_algorithm, key_bits, subject \
     FROM csr WHERE state = 'pending' ORDER BY submitted_at, id";
const STALE_SQL: &str = "SELECT device, serial, issued_at, not_after, superseded_at \
     FROM stale_lsc ORDER BY issued_at, id";
const SQLITE_DELETE: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
     PRAGMA foreign_keys=ON; PRAGMA secure_delete=OFF; BEGIN IMMEDIATE; \
     DELETE FROM lsc_stale; COMMIT;";

fn main() {
    if let (Ok(n), Ok(path)) = (
        std::env::var("CAPFSH_BENCH_BUILD"),
        std::env::var("CAPFSH_BENCH_PATH"),
    ) {
        let n = n.parse().expect("size");
        match std::env::var("CAPFSH_BENCH_VERSION").as_deref() {
            Ok("4") => build_v4(n, Path::new(&path)),
            _ => build(n, Path::new(&path)),
        }
        return;
    }
    if let Ok(path) = std::env::var("CAPFSH_BENCH_V4_DELETE") {
        v4_delete(Path::new(&path));
        return;
    }
    let sizes: Vec<u64> = std::env::var("CAPFSH_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("CAPFSH_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let bins = Binaries::snapshot();
    let sqlite3 = available("sqlite3", "-version");
    println!("machine: {}", machine());
    println!(
        "capfsh store schema v{LATEST_VERSION}; {runs} pairs per row after one warm-up each, in turn; \
         ratio = median of the pair-by-pair wall-time ratios"
    );
    println!();
    println!(
        "| devices | command | format | capfsh ms | peak RSS MiB | lines | peer | peer ms | peer RSS MiB | ratio | cpu ratio |"
    );
    println!("|---:|---|---|---:|---:|---:|---|---:|---:|---:|---:|");
    for &n in &sizes {
        let db = cached_store(n, LATEST_VERSION as usize);
        let lists: [(&str, &[&str], &str, &str); 4] = [
            (
                "utils capf csr list",
                &["utils", "capf", "csr", "list"],
                "csv",
                PENDING_SQL,
            ),
            (
                "utils capf csr list",
                &["utils", "capf", "csr", "list"],
                "table",
                PENDING_SQL,
            ),
            (
                "utils capf stale-lsc list",
                &["utils", "capf", "stale-lsc", "list"],
                "csv",
                STALE_SQL,
            ),
            (
                "utils capf stale-lsc list",
                &["utils", "capf", "stale-lsc", "list"],
                "table",
                STALE_SQL,
            ),
        ];
        for (name, words, format, sql) in lists {
            let peers: &[&[&str]] = match (sqlite3, format) {
                (false, _) => &[],
                (true, "csv") => &[&["-csv", "-header"]],
                _ => &[&["-column", "-header"], &["-list", "-header"]],
            };
            let capfsh = || {
                let mut c = Command::new(&bins.capfsh);
                c.arg("--db")
                    .arg(&db)
                    .args(["--format", format])
                    .args(words);
                c
            };
            if peers.is_empty() {
                let p = Pairs::measure(runs, |_| {}, capfsh, capfsh, true);
                println!(
                    "| {n} | `{name}` | {format} | {:.0} | {:.1} | {} | - | - | - | - | - |",
                    p.a_ms(),
                    p.a_rss_mib(),
                    p.a[0].lines
                );
            }
            for peer in peers {
                let p = Pairs::measure(
                    runs,
                    |_| {},
                    capfsh,
                    || {
                        let mut c = Command::new("sqlite3");
                        c.args(*peer).arg(&db).arg(sql);
                        c
                    },
                    true,
                );
                println!(
                    "| {n} | `{name}` | {format} | {:.0} | {:.1} | {} | `sqlite3 {}` | {:.0} | {:.1} | {:.2} | {:.2} |",
                    p.a_ms(),
                    p.a_rss_mib(),
                    p.a[0].lines,
                    peer.join(" "),
                    p.b_ms(),
                    p.b_rss_mib(),
                    p.ratio(),
                    p.cpu_ratio()
                );
            }
        }

        // The delete: a fresh copy of each store for every run, copied before the clock starts
        // (at most 3 pairs: every run copies two stores).
        let delete_runs = runs.min(3);
        let v4 = cached_store(n, V4);
        let a_copy = db.with_file_name(format!("delete-{n}-a.db"));
        let b_copy = db.with_file_name(format!("delete-{n}-b.db"));
        // The copy is synced before the clock starts: otherwise the measured command's first
        // fsync (a WAL checkpoint) would also write back the whole copy just made.
        let fresh = |from: &Path, to: &Path| {
            remove_store(to);
            std::fs::copy(from, to).expect("copy");
            std::fs::File::open(to)
                .and_then(|f| f.sync_all())
                .expect("sync the copy");
        };
        let capfsh_delete = || {
            let mut c = Command::new(&bins.capfsh);
            c.arg("--db").arg(&a_copy).args([
                "utils",
                "capf",
                "stale-lsc",
                "delete",
                "all",
                "noconfirm",
            ]);
            c
        };
        let p = Pairs::measure(
            delete_runs,
            |a| {
                if a {
                    fresh(&db, &a_copy)
                } else {
                    fresh(&v4, &b_copy)
                }
            },
            capfsh_delete,
            || {
                let mut c = Command::new(std::env::current_exe().expect("self"));
                c.env("CAPFSH_BENCH_V4_DELETE", &b_copy);
                c
            },
            false,
        );
        println!(
            "| {n} | `utils capf stale-lsc delete all noconfirm` | table | {:.0} | {:.1} | {} | same delete, v4 store | {:.0} | {:.1} | {:.2} | {:.2} |",
            p.a_ms(),
            p.a_rss_mib(),
            p.a[0].lines,
            p.b_ms(),
            p.b_rss_mib(),
            p.ratio(),
            p.cpu_ratio()
        );
        if sqlite3 {
            let p = Pairs::measure(
                delete_runs,
                |a| fresh(&db, if a { &a_copy } else { &b_copy }),
                capfsh_delete,
                || {
                    let mut c = Command::new("sqlite3");
                    c.arg(&b_copy).arg(SQLITE_DELETE);
                    c
                },
                false,
            );
            println!(
                "| {n} | `utils capf stale-lsc delete all noconfirm` | table | {:.0} | {:.1} | {} | `sqlite3` raw DELETE, same store | {:.0} | {:.1} | {:.2} | {:.2} |",
                p.a_ms(),
                p.a_rss_mib(),
                p.a[0].lines,
                p.b_ms(),
                p.b_rss_mib(),
                p.ratio(),
                p.cpu_ratio()
            );
        }
        // What the delete's speed costs elsewhere: since v10 an LSC row moves to lsc_stale when
        // a newer CSR supersedes it. The same superseding CSRs, recorded in-process with the same
        // plain SQL on fresh copies of both stores, in turn (one pair at 1M: each copies 3 GB).
        let pairs = if n >= 1_000_000 { 1 } else { delete_runs };
        let (mut now, mut v4_times) = (Vec::new(), Vec::new());
        let mut moved = 0;
        for _ in 0..pairs {
            fresh(&db, &a_copy);
            let (t, m) = supersede(&a_copy, n);
            now.push(t);
            moved = m;
            fresh(&v4, &b_copy);
            let (t, m) = supersede(&b_copy, n);
            v4_times.push(t);
            assert_eq!(m, moved, "both stores gained the same stale LSCs");
        }
        let ratios: Vec<f64> = now.iter().zip(&v4_times).map(|(a, b)| a / b).collect();
        println!(
            "| {n} | {moved} newer CSRs, each making a waiting LSC stale (in-process, one transaction) | - | {:.0} | - | - | same SQL, v4 store | {:.0} | - | {:.2} | - |",
            median(&now),
            median(&v4_times),
            median(&ratios)
        );
        remove_store(&a_copy);
        remove_store(&b_copy);

        // Completion: the indexed prefix query in-process, and the real binary answering bash.
        let store = Store::open(&db, &OpenOptions::default()).expect("open");
        let mut q = Vec::new();
        for _ in 0..100 {
            let t = Instant::now();
            let names = store
                .device_names(DeviceSource::PendingCsr, "SEP0000000001", 50)
                .expect("names");
            q.push(ms(t.elapsed()));
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
            sq.push(ms(t.elapsed()));
            assert_eq!(names.len(), 50);
        }
        let mut c = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            let out = Command::new(&bins.capfsh)
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
            c.push(ms(t.elapsed()));
            assert!(String::from_utf8_lossy(&out.stdout).contains("SEP0000000001"));
        }
        println!(
            "| {n} | device completion: prefix query (in-process) | - | {:.3} | - | 50 | - | - | - | - | - |",
            median(&q)
        );
        println!(
            "| {n} | stale device completion: prefix query (in-process) | - | {:.3} | - | 50 | - | - | - | - | - |",
            median(&sq)
        );
        println!(
            "| {n} | device completion: `COMPLETE=bash capfsh` (process) | - | {:.1} | - | - | - | - | - | - | - |",
            median(&c)
        );
    }
    println!();
    println!("at the end: {}", support::load_average());
}
