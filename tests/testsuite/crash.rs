//! Crash and concurrency trials (issue 8), sized for CI: processes killed with SIGKILL at
//! random moments during CA replacement, enrollment and deletion, and a ten-second run of
//! concurrent enrollments, listings, deletions and CA rollovers. After every trial: SQLite's
//! `PRAGMA integrity_check`, counts that add up, every CA paired with its own key, and the
//! active CA signing. The random seed is printed so a failure can be replayed
//! (`CAPFSH_TRIAL_SEED=...`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use capfsh::domain::IssuerMode;
use capfsh::engine::Engine;
use capfsh::pki::{CapfCa, ParsedCsr, to_pem};
use capfsh::store::{OpenOptions, Store};

use crate::support::{Bin, Run, TestEnv, actor, csr_pem, stderr};

/// Kill trials per operation.
const TRIALS: usize = 20;

/// A small xorshift generator: no dependency, and a printed seed replays a run.
struct Rng(u64);

impl Rng {
    fn new(name: &str) -> Rng {
        let seed = std::env::var("CAPFSH_TRIAL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
                    | 1
            });
        eprintln!("{name}: CAPFSH_TRIAL_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn conn(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db).expect("open")
}

fn count(db: &Path, sql: &str) -> i64 {
    conn(db).query_row(sql, [], |r| r.get(0)).expect("count")
}

/// `PRAGMA integrity_check` says `ok`.
pub fn assert_integrity(db: &Path) {
    let result: String = conn(db)
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(result, "ok");
}

/// Every CAPF CA record, active or retired, loads with the key file it names.
pub fn assert_every_ca_has_its_key(db: &Path) {
    let c = conn(db);
    let mut stmt = c
        .prepare("SELECT subject, der, key_file FROM capf_ca ORDER BY id")
        .expect("prepare");
    let rows: Vec<(String, Vec<u8>, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    for (subject, der, key_file) in rows {
        let key = std::fs::read_to_string(db.with_file_name(&key_file))
            .unwrap_or_else(|e| panic!("{subject}: key file {key_file}: {e}"));
        CapfCa::load(&to_pem("CERTIFICATE", &der), &key)
            .unwrap_or_else(|e| panic!("{subject}: {key_file}: {e}"));
    }
}

/// The active CA, loaded the way capfd loads it, signs an LSC.
pub fn assert_active_ca_signs(db: &Path) {
    let mut store = Store::open(db, &OpenOptions::default()).expect("open store");
    let engine = Engine::new(&mut store, actor());
    let ca = engine.load_ca().expect("the active CA loads with its key");
    let csr = ParsedCsr::parse(csr_pem("SEP0000000000FF").as_bytes()).expect("csr");
    ca.sign_lsc(&csr, "SEP0000000000FF", 30, chrono::Utc::now())
        .expect("the active CA signs");
}

/// `bin` on the store, waiting long for the lock (the tests below contend on purpose), output
/// piped (standard output discarded for capfd).
fn contending(env: &TestEnv, bin: Bin) -> Command {
    let mut cmd = env.process(bin);
    cmd.env("CAPFSH_BUSY_TIMEOUT_MS", "30000")
        .stdin(Stdio::null())
        .stdout(if bin == Bin::Capfd {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stderr(Stdio::piped());
    cmd
}

fn capfd(env: &TestEnv) -> Command {
    contending(env, Bin::Capfd)
}

fn capfsh(env: &TestEnv) -> Command {
    contending(env, Bin::Capfsh)
}

fn run_ok(mut cmd: Command) -> std::process::Output {
    let out = cmd.run();
    assert!(out.status.success(), "{:?}: {}", cmd, stderr(&out));
    out.0
}

/// How long one complete run of `make()` takes (the kill delays are drawn below it).
fn calibrate(mut make: impl FnMut() -> Command) -> u64 {
    let started = Instant::now();
    run_ok(make());
    (started.elapsed().as_micros() as u64).max(2_000)
}

/// Starts `cmd`, kills it with SIGKILL after a random delay up to `span_us` (it may finish
/// first), and waits for it.
fn kill_at_random(mut cmd: Command, rng: &mut Rng, span_us: u64) {
    let mut child = cmd.spawn().expect("spawn");
    std::thread::sleep(Duration::from_micros(rng.below(span_us)));
    let _ = child.kill();
    let _ = child.wait();
}

fn init(env: &TestEnv) {
    let mut cmd = capfd(env);
    cmd.arg("init");
    run_ok(cmd);
}

#[test]
fn killing_ca_replacement_never_leaves_a_ca_without_its_key() {
    let env = TestEnv::new();
    init(&env);
    let mut rng = Rng::new("init --force");
    let force = || {
        let mut cmd = capfd(&env);
        cmd.args(["init", "--force"]);
        cmd
    };
    let span = calibrate(force);
    for trial in 0..TRIALS {
        let before = count(&env.db, "SELECT count(*) FROM capf_ca");
        kill_at_random(force(), &mut rng, span);
        assert_integrity(&env.db);
        let after = count(&env.db, "SELECT count(*) FROM capf_ca");
        assert!(
            after == before || after == before + 1,
            "trial {trial}: {before} -> {after}"
        );
        assert_eq!(
            count(
                &env.db,
                "SELECT count(*) FROM capf_ca WHERE retired_at IS NULL"
            ),
            1,
            "trial {trial}"
        );
        assert_every_ca_has_its_key(&env.db);
        assert_active_ca_signs(&env.db);
    }
    // The next replacement clears what killed ones left: one key file per record.
    run_ok(force());
    let records = count(&env.db, "SELECT count(*) FROM capf_ca");
    assert_eq!(
        env.key_files().len() as i64,
        records,
        "{:?}",
        env.key_files()
    );
}

#[test]
fn killing_enrollment_stores_a_csr_with_its_lsc_or_nothing() {
    let env = TestEnv::new();
    init(&env);
    let mut rng = Rng::new("enroll");
    let csr = env.home().join("phone.csr");
    std::fs::write(&csr, csr_pem("SEP0000000000C1")).expect("csr");
    let out_file = env.home().join("lsc.pem");
    let enroll = |device: &str| {
        let mut cmd = capfd(&env);
        cmd.args(["enroll", "--device", device, "--csr"])
            .arg(&csr)
            .arg("--out")
            .arg(&out_file);
        cmd
    };
    let span = calibrate(|| enroll("SEP0000000000C0"));
    for trial in 0..TRIALS {
        let _ = std::fs::remove_file(&out_file);
        let csrs = count(&env.db, "SELECT count(*) FROM csr");
        let lscs = count(&env.db, "SELECT count(*) FROM lsc");
        kill_at_random(enroll(&format!("SEP0000000001{trial:02}")), &mut rng, span);
        assert_integrity(&env.db);
        let (c, l) = (
            count(&env.db, "SELECT count(*) FROM csr"),
            count(&env.db, "SELECT count(*) FROM lsc"),
        );
        assert!(
            (c, l) == (csrs, lscs) || (c, l) == (csrs + 1, lscs + 1),
            "trial {trial}: ({csrs}, {lscs}) -> ({c}, {l})"
        );
        if let Ok(pem) = std::fs::read_to_string(&out_file) {
            assert!(
                pem.starts_with("-----BEGIN CERTIFICATE-----")
                    && pem.trim_end().ends_with("-----END CERTIFICATE-----"),
                "trial {trial}: a partial LSC file: {pem:?}"
            );
            assert_eq!(l, lscs + 1, "trial {trial}: a file for an LSC not recorded");
        }
        assert_active_ca_signs(&env.db);
    }
}

#[test]
fn killing_a_delete_removes_all_of_it_or_none() {
    let env = TestEnv::new();
    init(&env);
    let mut rng = Rng::new("csr delete all");
    let seed_csrs = |store: &mut Store| {
        let der = crate::support::csr_der("SEP0000000000D0");
        let csrs: Vec<_> = (0..1500)
            .map(|i| capfsh::domain::NewCsr {
                device: format!("SEPD{i:011}").parse().expect("device"),
                submitted_at: chrono::Utc::now(),
                subject: format!("CN=SEPD{i:011}"),
                key_algorithm: "EC".into(),
                key_bits: 256,
                public_key_sha256: format!("{:064x}", i),
                der: der.clone(),
            })
            .collect();
        store.record_csrs(&csrs, &actor()).expect("seed");
    };
    let delete = || {
        let mut cmd = capfsh(&env);
        cmd.args(["utils", "capf", "csr", "delete", "all", "noconfirm"]);
        cmd
    };
    seed_csrs(&mut env.store());
    let span = calibrate(delete);
    for trial in 0..TRIALS {
        seed_csrs(&mut env.store());
        let audit = count(&env.db, "SELECT count(*) FROM audit_log");
        kill_at_random(delete(), &mut rng, span);
        assert_integrity(&env.db);
        let pending = count(&env.db, "SELECT count(*) FROM csr WHERE state = 'pending'");
        let logged = count(&env.db, "SELECT count(*) FROM audit_log") - audit;
        match pending {
            0 => assert_eq!(logged, 1, "trial {trial}: a delete without its audit line"),
            1500 => assert_eq!(logged, 0, "trial {trial}"),
            n => panic!("trial {trial}: a partial delete left {n} of 1500"),
        }
        if pending == 1500 {
            run_ok(delete());
        }
        assert_active_ca_signs(&env.db);
    }
}

/// Enrollments, listings, deletions and CA rollovers at once for ten seconds: nothing fails,
/// nothing is lost, every LSC comes from a CA the store knows, and the CA still signs.
#[test]
fn ten_seconds_of_concurrent_enroll_list_delete_and_rollover() {
    let env = Arc::new(TestEnv::new());
    init(&env);
    {
        let store = env.store();
        let s = store.settings().expect("settings");
        assert_eq!(s.issuer_mode, IssuerMode::Capf);
    }
    let csr_dir = env.home().join("csrs");
    std::fs::create_dir(&csr_dir).expect("dir");
    // A pool of 12 phones: re-enrolling one supersedes its CSR and makes its LSC stale.
    for i in 0..12 {
        std::fs::write(
            csr_dir.join(format!("{i}.csr")),
            csr_pem(&format!("SEP0000000002{i:02}")),
        )
        .expect("csr");
    }
    let stop = Arc::new(AtomicBool::new(false));
    let enrolled = Arc::new(AtomicI64::new(0));
    let csr_deleted = Arc::new(AtomicI64::new(0));
    let stale_deleted = Arc::new(AtomicI64::new(0));
    let rollovers = Arc::new(AtomicI64::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut threads = Vec::new();
    let record_failure = |failures: &Arc<Mutex<Vec<String>>>, what: String| {
        if let Ok(mut f) = failures.lock() {
            f.push(what);
        }
    };
    for worker in 0..2u64 {
        let (env, stop, enrolled, failures, csr_dir) = (
            env.clone(),
            stop.clone(),
            enrolled.clone(),
            failures.clone(),
            csr_dir.clone(),
        );
        threads.push(std::thread::spawn(move || {
            let mut rng = Rng(worker * 7919 + 17);
            while !stop.load(Ordering::Relaxed) {
                let i = rng.below(12);
                let mut cmd = capfd(&env);
                cmd.args([
                    "enroll",
                    "--device",
                    &format!("SEP0000000002{i:02}"),
                    "--csr",
                ])
                .arg(csr_dir.join(format!("{i}.csr")));
                let out = cmd.output().expect("enroll");
                if out.status.success() {
                    enrolled.fetch_add(1, Ordering::Relaxed);
                } else {
                    record_failure(&failures, format!("enroll: {}", stderr(&out)));
                }
            }
        }));
    }
    {
        let (env, stop, failures) = (env.clone(), stop.clone(), failures.clone());
        threads.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                for args in [
                    &["utils", "capf", "csr", "list"][..],
                    &["show", "capf", "status"][..],
                    &["utils", "capf", "stale-lsc", "list"][..],
                ] {
                    let out = capfsh(&env).args(args).output().expect("list");
                    if !out.status.success() {
                        record_failure(&failures, format!("{args:?}: {}", stderr(&out)));
                    }
                }
            }
        }));
    }
    {
        let (env, stop, failures, csr_deleted, stale_deleted) = (
            env.clone(),
            stop.clone(),
            failures.clone(),
            csr_deleted.clone(),
            stale_deleted.clone(),
        );
        threads.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                for (what, counter) in [("csr", &csr_deleted), ("stale-lsc", &stale_deleted)] {
                    let out = capfsh(&env)
                        .args(["--format", "json", "utils", "capf", what, "delete", "all"])
                        .arg("noconfirm")
                        .output()
                        .expect("delete");
                    if !out.status.success() {
                        record_failure(&failures, format!("{what} delete: {}", stderr(&out)));
                        continue;
                    }
                    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
                    counter.fetch_add(v["deleted"].as_i64().expect("deleted"), Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(300));
            }
        }));
    }
    {
        let (env, stop, failures, rollovers) = (
            env.clone(),
            stop.clone(),
            failures.clone(),
            rollovers.clone(),
        );
        threads.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let mut cmd = capfd(&env);
                cmd.args(["init", "--force"]);
                let out = cmd.output().expect("init");
                if out.status.success() {
                    rollovers.fetch_add(1, Ordering::Relaxed);
                } else {
                    record_failure(&failures, format!("init --force: {}", stderr(&out)));
                }
                std::thread::sleep(Duration::from_millis(700));
            }
        }));
    }
    std::thread::sleep(Duration::from_secs(10));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("thread");
    }
    let failures = failures.lock().expect("failures").clone();
    assert!(
        failures.is_empty(),
        "{} failures: {failures:#?}",
        failures.len()
    );
    let enrolled = enrolled.load(Ordering::Relaxed);
    let rollovers = rollovers.load(Ordering::Relaxed);
    eprintln!(
        "{enrolled} enrollments, {rollovers} rollovers, {} CSRs and {} stale LSCs deleted",
        csr_deleted.load(Ordering::Relaxed),
        stale_deleted.load(Ordering::Relaxed)
    );
    assert!(enrolled > 0 && rollovers > 0);
    assert_integrity(&env.db);
    assert_eq!(
        count(&env.db, "SELECT count(*) FROM csr"),
        enrolled - csr_deleted.load(Ordering::Relaxed),
        "CSRs recorded minus CSRs deleted"
    );
    assert_eq!(
        count(&env.db, "SELECT count(*) FROM lsc"),
        enrolled - stale_deleted.load(Ordering::Relaxed),
        "LSCs issued minus stale LSCs deleted"
    );
    assert_eq!(
        count(&env.db, "SELECT count(*) FROM capf_ca"),
        rollovers + 1
    );
    assert_eq!(
        count(
            &env.db,
            "SELECT count(*) FROM lsc WHERE issuer NOT IN (SELECT subject FROM capf_ca)"
        ),
        0,
        "every LSC was issued by a CA the store knows"
    );
    assert_every_ca_has_its_key(&env.db);
    assert_active_ca_signs(&env.db);
}

/// A store made on first use appears whole or not at all: a killed first run never leaves an
/// empty or half-made file under the store's name (which the next run would refuse).
#[test]
fn killing_the_first_run_never_leaves_a_half_made_store() {
    let env = TestEnv::new();
    let mut rng = Rng::new("store creation");
    let first_use = || {
        let mut cmd = capfsh(&env);
        cmd.args(["utils", "capf", "csr", "count"]);
        cmd
    };
    let span = calibrate(first_use);
    for trial in 0..TRIALS {
        let _ = std::fs::remove_file(&env.db);
        for suffix in ["-wal", "-shm"] {
            let mut p = env.db.as_os_str().to_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(std::path::PathBuf::from(p));
        }
        kill_at_random(first_use(), &mut rng, span);
        if env.db.exists() {
            assert_integrity(&env.db);
        }
        let out = first_use().run();
        assert!(out.status.success(), "trial {trial}: {}", stderr(&out));
        assert_integrity(&env.db);
    }
}
