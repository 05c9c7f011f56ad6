//! Store unit tests: migrations, the stale rule, supersession, scoped deletes.

use std::path::PathBuf;

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::domain::{DeviceName, KeepAlive, NewCsr, NewLsc, Timestamp};

pub(super) fn actor() -> Actor {
    Actor {
        os_user: "tester".into(),
        command: "test".into(),
    }
}

pub(super) fn tmp_store() -> (tempfile::TempDir, PathBuf, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("capf.db");
    let store = Store::open(&path, &OpenOptions::default()).expect("open");
    (dir, path, store)
}

pub(super) fn t(min: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("ts")
        + Duration::minutes(min)
}

pub(super) fn dev(s: &str) -> DeviceName {
    s.parse().expect("device")
}

fn csr(device: &str, at: Timestamp, key_byte: u8) -> NewCsr {
    csr_with_key(device, at, key_byte, "RSA", 2048)
}

/// A CSR of `device` whose key (`algorithm`, `bits`) and fingerprint are made of `key_byte`.
pub(super) fn csr_with_key(
    device: &str,
    at: Timestamp,
    key_byte: u8,
    algorithm: &str,
    bits: u32,
) -> NewCsr {
    NewCsr {
        device: dev(device),
        submitted_at: at,
        subject: format!("CN={device}"),
        key_algorithm: algorithm.into(),
        key_bits: bits,
        public_key_sha256: format!("{key_byte:02x}").repeat(32),
        der: vec![0x30, key_byte],
    }
}

fn lsc(device: &str, serial: &str, at: Timestamp, csr_id: i64) -> NewLsc {
    lsc_with_der(device, serial, at, csr_id, 1)
}

/// An LSC answering `csr_id`, valid a year, whose DER is `30 <der_byte>`.
pub(super) fn lsc_with_der(
    device: &str,
    serial: &str,
    at: Timestamp,
    csr_id: i64,
    der_byte: u8,
) -> NewLsc {
    NewLsc {
        device: dev(device),
        serial: serial.into(),
        subject: format!("CN={device}"),
        issuer: "CN=CAPF-0000".into(),
        not_before: at,
        not_after: at + Duration::days(365),
        issued_at: at,
        csr_id: Some(csr_id),
        der: vec![0x30, der_byte],
    }
}

/// Records `csr` as the test's actor; returns its id.
pub(super) fn put_csr(store: &mut Store, csr: NewCsr) -> i64 {
    store.record_csr(&csr, &actor()).expect("csr").0
}

/// Records `lsc` as the test's actor.
pub(super) fn put_lsc(store: &mut Store, lsc: NewLsc) {
    store.record_lsc(&lsc, &actor()).expect("lsc");
}

/// Records a CSR of `device` at `t(at)`, its key made of `key_byte`; returns its id.
fn add_csr(store: &mut Store, device: &str, at: i64, key_byte: u8) -> i64 {
    put_csr(store, csr(device, t(at), key_byte))
}

/// Records the LSC `serial` of `device`, issued at `t(at)` for the CSR `csr_id`.
fn add_lsc(store: &mut Store, device: &str, serial: &str, at: i64, csr_id: i64) {
    put_lsc(store, lsc(device, serial, t(at), csr_id));
}

/// A store file left at schema `version` (as an older capfsh wrote it), holding `data_sql`.
pub(super) fn old_store(version: usize, data_sql: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(format!("v{version}.db"));
    let conn = rusqlite::Connection::open(&path).expect("open");
    for (_, sql) in &MIGRATIONS[..version] {
        conn.execute_batch(sql).expect("migration");
    }
    conn.pragma_update(None, "user_version", version as i64)
        .expect("version");
    conn.execute_batch(data_sql).expect("data");
    (dir, path)
}

/// The value of a one-number query (`SELECT count(*) ...`).
pub(super) fn count(store: &Store, sql: &str) -> i64 {
    store.conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

/// A small deterministic generator (xorshift64) for the random-history tests: each call gives
/// a number below `n`, the same sequence for the same `seed` on every run.
pub(super) fn xorshift(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    }
}

pub(super) fn stale_serials(store: &Store) -> Vec<String> {
    let mut v = Vec::new();
    store
        .each_stale_lsc(|s| {
            v.push(s.serial);
            Ok::<_, StoreError>(())
        })
        .expect("stale");
    v
}

#[test]
fn fresh_store_is_migrated_wal_and_private() {
    let (_d, path, store) = tmp_store();
    assert_eq!(
        schema_version(&store.conn).expect("version"),
        LATEST_VERSION
    );
    let mode: String = store
        .conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    let fk: i64 = store
        .conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .expect("fk");
    assert_eq!(fk, 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(
        store.settings().expect("settings").keep_alive,
        KeepAlive::DEFAULT
    );
}

#[test]
fn reopening_does_not_rerun_migrations() {
    let (_d, path, store) = tmp_store();
    drop(store);
    let store = Store::open(&path, &OpenOptions::default()).expect("reopen");
    assert_eq!(
        schema_version(&store.conn).expect("version"),
        LATEST_VERSION
    );
}

#[test]
fn newer_schema_is_refused_and_left_untouched() {
    let (_d, path, store) = tmp_store();
    store
        .conn
        .pragma_update(None, "user_version", LATEST_VERSION + 1)
        .expect("bump");
    drop(store);
    let before = std::fs::read(&path).expect("read");
    match Store::open(&path, &OpenOptions::default()) {
        Err(StoreError::NewerSchema { found, .. }) => assert_eq!(found, LATEST_VERSION + 1),
        other => panic!("expected NewerSchema, got {:?}", other.err()),
    }
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn not_a_database_and_missing_folder_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not sqlite, just text that is long enough ............................................................................................").expect("write");
    assert!(matches!(
        Store::open(&junk, &OpenOptions::default()),
        Err(StoreError::NotADatabase(_))
    ));
    let missing = dir.path().join("nope").join("capf.db");
    assert!(matches!(
        Store::open(&missing, &OpenOptions::default()),
        Err(StoreError::FolderMissing(_))
    ));
    assert!(!dir.path().join("nope").exists());
    let created = Store::open(
        &missing,
        &OpenOptions {
            create_folder: true,
            ..OpenOptions::default()
        },
    );
    assert!(created.is_ok());
}

#[test]
fn keep_alive_change_is_audited_and_bumps_revision() {
    let (_d, _p, mut store) = tmp_store();
    let rev = store.settings_revision().expect("rev");
    let old = store
        .set_keep_alive(KeepAlive::from_minutes(30).expect("ka"), &actor())
        .expect("set");
    assert_eq!(old, KeepAlive::DEFAULT);
    let s = store.settings().expect("settings");
    assert_eq!(s.keep_alive.minutes(), 30);
    assert_eq!(s.keep_alive_set_by.as_deref(), Some("tester"));
    assert!(store.settings_revision().expect("rev") > rev);
    let audit = store.recent_audit(5).expect("audit");
    assert_eq!(audit[0].detail.as_deref(), Some("keep_alive 15 -> 30"));
}

#[test]
fn schema_checks_refuse_out_of_range_settings_written_behind_our_back() {
    let (_d, _p, store) = tmp_store();
    let r = store
        .conn
        .execute("UPDATE settings SET keep_alive_minutes = 61", []);
    assert!(r.is_err());
    let r = store
        .conn
        .execute("UPDATE settings SET validity_days = 0", []);
    assert!(r.is_err());
}

#[test]
fn newer_csr_supersedes_the_pending_one() {
    let (_d, _p, mut store) = tmp_store();
    let first = add_csr(&mut store, "SEP000000000001", 0, 1);
    let (second, superseded) = store
        .record_csr(&csr("SEP000000000001", t(5), 2), &actor())
        .expect("csr");
    assert_eq!(superseded, 1);
    assert_ne!(first, second);
    let mut ids = Vec::new();
    store
        .each_pending_csr(|c| {
            ids.push(c.id);
            Ok::<_, StoreError>(())
        })
        .expect("list");
    assert_eq!(ids, vec![second]);
}

#[test]
fn stale_rule_needs_not_installed_and_a_newer_csr() {
    let (_d, _p, mut store) = tmp_store();
    // A: issued, then a newer CSR -> stale.
    let a1 = add_csr(&mut store, "SEPAAAAAAAAAAAA", 0, 1);
    add_lsc(&mut store, "SEPAAAAAAAAAAAA", "0a", 1, a1);
    add_csr(&mut store, "SEPAAAAAAAAAAAA", 2, 2);
    // B: issued, no newer CSR -> not stale.
    let b1 = add_csr(&mut store, "SEPBBBBBBBBBBBB", 0, 3);
    add_lsc(&mut store, "SEPBBBBBBBBBBBB", "0b", 1, b1);
    // C: issued, installed, then a newer CSR -> not stale (it was installed).
    let c1 = add_csr(&mut store, "SEPCCCCCCCCCCCC", 0, 4);
    add_lsc(&mut store, "SEPCCCCCCCCCCCC", "0c", 1, c1);
    store
        .mark_installed(&dev("SEPCCCCCCCCCCCC"), None, t(2), &actor())
        .expect("install");
    add_csr(&mut store, "SEPCCCCCCCCCCCC", 3, 5);
    // D: a newer CSR of *another* device does not make it stale.
    let d1 = add_csr(&mut store, "SEPDDDDDDDDDDDD", 0, 6);
    add_lsc(&mut store, "SEPDDDDDDDDDDDD", "0d", 1, d1);
    add_csr(&mut store, "SEPEEEEEEEEEEEE", 9, 7);
    // E: a CSR submitted *before* the LSC was issued does not make it stale.
    let f1 = add_csr(&mut store, "SEPFFFFFFFFFFFF", 0, 8);
    add_csr(&mut store, "SEPFFFFFFFFFFFF", 1, 9);
    add_lsc(&mut store, "SEPFFFFFFFFFFFF", "0f", 2, f1);

    assert_eq!(stale_serials(&store), vec!["0a".to_string()]);
    assert_eq!(store.stale_lsc_count(&Scope::All).expect("count"), 1);
    let counts = store.lsc_counts().expect("counts");
    assert_eq!((counts.issued, counts.installed, counts.stale), (3, 1, 1));
}

#[test]
fn installing_clears_the_pending_csr_it_answered() {
    let (_d, _p, mut store) = tmp_store();
    let id = add_csr(&mut store, "SEP000000000001", 0, 1);
    add_lsc(&mut store, "SEP000000000001", "01", 1, id);
    assert_eq!(store.pending_csr_count().expect("count"), 1);
    let serial = store
        .mark_installed(&dev("SEP000000000001"), None, t(2), &actor())
        .expect("install");
    assert_eq!(serial, "01");
    assert_eq!(store.pending_csr_count().expect("count"), 0);
    assert!(
        store
            .mark_installed(&dev("SEP000000000001"), None, t(3), &actor())
            .is_err()
    );
}

#[test]
fn stale_delete_by_device_touches_only_that_device() {
    let (_d, _p, mut store) = tmp_store();
    for (i, name) in ["SEP000000000001", "SEP000000000002"].iter().enumerate() {
        let k = (i as u8) * 2;
        let id = add_csr(&mut store, name, 0, k + 1);
        add_lsc(&mut store, name, &format!("{:02x}", k + 1), 1, id);
        add_csr(&mut store, name, 2, k + 2);
    }
    assert_eq!(store.stale_lsc_count(&Scope::All).expect("count"), 2);
    let n = store
        .delete_stale_lscs(&Scope::Device(dev("SEP000000000002")), &actor())
        .expect("delete");
    assert_eq!(n, 1);
    assert_eq!(stale_serials(&store), vec!["01".to_string()]);
    let n = store
        .delete_stale_lscs(&Scope::All, &actor())
        .expect("delete");
    assert_eq!(n, 1);
    assert_eq!(store.stale_lsc_count(&Scope::All).expect("count"), 0);
    // The CSRs that made them stale are still pending.
    assert_eq!(store.pending_csr_count().expect("count"), 2);
}

#[test]
fn device_completion_is_a_prefix_query() {
    let (_d, _p, mut store) = tmp_store();
    for (i, name) in ["SEP0011", "SEP0012", "SEP0021", "CSFJOE"]
        .iter()
        .enumerate()
    {
        put_csr(&mut store, csr(name, t(i as i64), i as u8));
    }
    let names = store
        .device_names(DeviceSource::PendingCsr, "SEP001", 10)
        .expect("names");
    assert_eq!(names, vec!["SEP0011".to_string(), "SEP0012".to_string()]);
    let names = store
        .device_names(DeviceSource::PendingCsr, "", 2)
        .expect("names");
    assert_eq!(names, vec!["CSFJOE".to_string(), "SEP0011".to_string()]);
    assert!(
        store
            .device_names(DeviceSource::PendingCsr, "x' OR 1=1", 10)
            .expect("names")
            .is_empty()
    );
}

#[test]
fn schema_refuses_bad_device_names_even_from_raw_sql() {
    let (_d, _p, store) = tmp_store();
    let r = store.conn.execute(
        "INSERT INTO csr (device, submitted_at, subject, key_algorithm, key_bits, public_key_sha256, der)
         VALUES ('SEP\u{1b}[2J', 0, 'CN=x', 'RSA', 2048, ?1, x'30')",
        ["a".repeat(64)],
    );
    assert!(r.is_err());
}

fn new_ca(subject: &str, fp: &str) -> NewCa {
    NewCa {
        subject: subject.into(),
        not_before: t(0),
        not_after: t(0) + Duration::days(1825),
        sha256_fingerprint: fp.into(),
        key_file: format!("capf.db.ca-key-{fp}.pem"),
        der: vec![0x30, 0x01],
    }
}

fn no_key() -> Result<(), StoreError> {
    Ok(())
}

#[test]
fn one_active_ca_and_force_retires_the_old_one() {
    let (_d, _p, mut store) = tmp_store();
    assert!(store.active_ca().expect("ca").is_none());
    store
        .install_ca(&new_ca("CN=CAPF-00000001", "AA"), false, &actor(), no_key)
        .expect("first");
    let again = store.install_ca(&new_ca("CN=CAPF-00000002", "BB"), false, &actor(), no_key);
    assert!(matches!(again, Err(StoreError::Invalid(_))));
    assert_eq!(
        store.active_ca().expect("ca").map(|c| c.subject),
        Some("CN=CAPF-00000001".to_string())
    );
    store
        .install_ca(&new_ca("CN=CAPF-00000002", "BB"), true, &actor(), no_key)
        .expect("force");
    assert_eq!(
        store.active_ca().expect("ca").map(|c| c.subject),
        Some("CN=CAPF-00000002".to_string())
    );
    let kept: Vec<(String, String)> = store
        .conn
        .prepare("SELECT subject, key_file FROM capf_ca WHERE retired_at IS NOT NULL")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    // The retired record keeps naming its own key file: nothing is renamed.
    assert_eq!(
        kept,
        vec![(
            "CN=CAPF-00000001".to_string(),
            "capf.db.ca-key-AA.pem".to_string()
        )]
    );
}

#[test]
fn trust_anchors_are_deduplicated_by_fingerprint() {
    let (_d, _p, mut store) = tmp_store();
    let a = NewTrustAnchor {
        subject: "CN=Example Issuing CA".into(),
        not_after: t(100),
        sha256_fingerprint: "AA:BB".into(),
        der: vec![0x30, 0x02],
    };
    assert_eq!(
        store
            .add_trust_anchors(std::slice::from_ref(&a), &actor())
            .expect("add"),
        1
    );
    assert_eq!(store.add_trust_anchors(&[a], &actor()).expect("add"), 0);
    assert_eq!(store.trust_anchors().expect("list").len(), 1);
}

#[test]
fn a_version_1_store_is_migrated_in_place_keeping_its_data() {
    let (_dir, path) = old_store(1, "UPDATE settings SET keep_alive_minutes = 42;");
    let store = Store::open(&path, &OpenOptions::default()).expect("migrate");
    assert_eq!(
        schema_version(&store.conn).expect("version"),
        LATEST_VERSION
    );
    assert_eq!(store.settings().expect("settings").keep_alive.minutes(), 42);
    assert!(store.active_ca().expect("ca table exists").is_none());
}

#[test]
fn a_stale_lsc_stays_stale_when_the_csr_that_superseded_it_is_deleted() {
    let (_d, _p, mut store) = tmp_store();
    let a1 = add_csr(&mut store, "SEPAAAAAAAAAAAA", 0, 1);
    add_lsc(&mut store, "SEPAAAAAAAAAAAA", "0a", 1, a1);
    add_csr(&mut store, "SEPAAAAAAAAAAAA", 2, 2);
    assert_eq!(stale_serials(&store), vec!["0a".to_string()]);
    let deleted = store
        .delete_pending_csrs(&Scope::All, &actor())
        .expect("delete csrs");
    assert_eq!(deleted, 1);
    // The phone replaced its key: the old LSC is still stale, and still not installable.
    assert_eq!(stale_serials(&store), vec!["0a".to_string()]);
    let refused = store.mark_installed(&dev("SEPAAAAAAAAAAAA"), None, t(3), &actor());
    assert!(
        matches!(refused, Err(StoreError::Invalid(_))),
        "{refused:?}"
    );
}

#[test]
fn a_stale_lsc_cannot_be_marked_installed_even_by_serial() {
    let (_d, _p, mut store) = tmp_store();
    let a1 = add_csr(&mut store, "SEPAAAAAAAAAAAA", 0, 1);
    add_lsc(&mut store, "SEPAAAAAAAAAAAA", "0a", 1, a1);
    let a2 = add_csr(&mut store, "SEPAAAAAAAAAAAA", 2, 2);
    add_lsc(&mut store, "SEPAAAAAAAAAAAA", "0b", 3, a2);
    // Without a serial: the newest installable one.
    let serial = store
        .mark_installed(&dev("SEPAAAAAAAAAAAA"), None, t(4), &actor())
        .expect("install");
    assert_eq!(serial, "0b");
    // Again: only the stale one is left, and it is refused, by default and by serial.
    for serial in [None, Some("0A")] {
        let refused = store.mark_installed(&dev("SEPAAAAAAAAAAAA"), serial, t(5), &actor());
        assert!(
            matches!(refused, Err(StoreError::Invalid(_))),
            "{refused:?}"
        );
    }
    assert_eq!(stale_serials(&store), vec!["0a".to_string()]);
}

#[test]
fn an_lsc_recorded_after_a_newer_csr_is_born_stale() {
    let (_d, _p, mut store) = tmp_store();
    let a1 = add_csr(&mut store, "SEPAAAAAAAAAAAA", 0, 1);
    add_csr(&mut store, "SEPAAAAAAAAAAAA", 5, 2);
    // Issued at t(1), recorded late (a bulk load, a late import): the CSR of t(5) is newer.
    add_lsc(&mut store, "SEPAAAAAAAAAAAA", "0a", 1, a1);
    let mut superseded = Vec::new();
    store
        .each_stale_lsc(|s| {
            superseded.push(s.superseded_at);
            Ok::<_, StoreError>(())
        })
        .expect("stale");
    assert_eq!(superseded, vec![t(5)]);
}

#[test]
fn one_lsc_answers_a_csr_even_with_two_engines() {
    let (_d, path, mut store) = tmp_store();
    let a1 = add_csr(&mut store, "SEPAAAAAAAAAAAA", 0, 1);
    let mut other = Store::open(&path, &OpenOptions::default()).expect("second engine");
    let first = store
        .answer_csr(a1, &actor(), || {
            Ok::<_, StoreError>((lsc("SEPAAAAAAAAAAAA", "0a", t(1), a1), ()))
        })
        .expect("first answer");
    assert_eq!(first, Some(()));
    let mut signed_again = false;
    let second = other
        .answer_csr(a1, &actor(), || {
            signed_again = true;
            Ok::<_, StoreError>((lsc("SEPAAAAAAAAAAAA", "0b", t(1), a1), ()))
        })
        .expect("second answer");
    assert_eq!(second, None);
    assert!(!signed_again, "the second engine must not even sign");
    // And the schema refuses a second LSC for the CSR from anyone who bypasses the check.
    let raw = other.record_lsc(&lsc("SEPAAAAAAAAAAAA", "0c", t(1), a1), &actor());
    assert!(raw.is_err(), "{raw:?}");
}

#[test]
fn a_csr_and_its_lsc_are_stored_together_or_not_at_all() {
    let (_d, _p, mut store) = tmp_store();
    let failed = store.record_csr_and_lsc(&csr("SEPAAAAAAAAAAAA", t(0), 1), &actor(), |_| {
        Err::<Option<(NewLsc, ())>, _>(StoreError::Invalid("signing failed".into()))
    });
    assert!(failed.is_err());
    assert_eq!(store.pending_csr_count().expect("count"), 0);
    let (id, _, signed) = store
        .record_csr_and_lsc(&csr("SEPAAAAAAAAAAAA", t(0), 1), &actor(), |id| {
            Ok::<_, StoreError>(Some((lsc("SEPAAAAAAAAAAAA", "0a", t(1), id), 7)))
        })
        .expect("both");
    assert_eq!(signed, Some(7));
    assert_eq!(store.lsc_for_csr(id).expect("lsc"), Some("0a".to_string()));
}

/// Makes another program's database `name` with `sql`, and requires the store to refuse it
/// as foreign, leaving its bytes as they were. Returns its folder.
fn refused_as_foreign(name: &str, sql: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(sql).expect("foreign table");
    }
    let before = std::fs::read(&path).expect("read");
    let opened = Store::open(&path, &OpenOptions::default());
    assert!(
        matches!(opened, Err(StoreError::Foreign(_))),
        "{:?}",
        opened.err()
    );
    assert_eq!(std::fs::read(&path).expect("read"), before);
    dir
}

#[test]
fn another_programs_sqlite_database_is_refused_and_left_alone() {
    let dir = refused_as_foreign(
        "places.sqlite",
        "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);",
    );
    assert!(!dir.path().join("places.sqlite-wal").exists());
}

#[test]
fn a_version_2_store_keeps_its_stale_lscs_through_the_migration() {
    let (_dir, path) = old_store(
        2,
            "INSERT INTO csr (id, device, submitted_at, subject, key_algorithm, key_bits,
                              public_key_sha256, der, state)
             VALUES (1, 'SEPA', 100, 'CN=SEPA', 'RSA', 2048, printf('%064d', 1), x'30', 'superseded'),
                    (2, 'SEPA', 300, 'CN=SEPA', 'RSA', 2048, printf('%064d', 2), x'30', 'pending');
             INSERT INTO lsc (device, serial, subject, issuer, not_before, not_after, issued_at,
                              csr_id, der)
             VALUES ('SEPA', '0a', 'CN=SEPA', 'CN=CAPF-1', 200, 900, 200, 1, x'30');",
    );
    let store = Store::open(&path, &OpenOptions::default()).expect("migrate");
    assert_eq!(stale_serials(&store), vec!["0a".to_string()]);
}

/// Replays random histories (CSRs, LSCs, installs, CSR deletions)
/// through the store and through the domain's rule, and requires the same stale LSCs with the
/// same `superseded_at`.
#[test]
fn the_store_agrees_with_the_domain_stale_rule_on_random_histories() {
    use std::collections::HashMap;

    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    let (mut total_stale, mut total_installed) = (0, 0);
    for round in 0..30 {
        let (_d, _p, mut store) = tmp_store();
        let devices = ["SEPA", "SEPB", "SEPC"];
        // Model: every CSR time a device ever sent; LSCs as (serial, device, issued, installed).
        let mut csr_times: HashMap<&str, Vec<Timestamp>> = HashMap::new();
        let mut lscs: Vec<(String, &str, Timestamp, bool)> = Vec::new();
        let mut last_csr: HashMap<&str, i64> = HashMap::new();
        for step in 0..40u8 {
            let device = devices[next(3) as usize];
            // The clock only moves forward (two events may share an instant), as it does
            // for an engine; out-of-order loads are covered by the born-stale test above.
            let at = t(i64::from(step / 2));
            match next(10) {
                0..=3 => {
                    let key = step.wrapping_add(round as u8);
                    let id = put_csr(&mut store, csr(device, at, key));
                    csr_times.entry(device).or_default().push(at);
                    last_csr.insert(device, id);
                }
                4..=6 => {
                    if let Some(&id) = last_csr.get(device)
                        && store.lsc_for_csr(id).expect("lsc").is_none()
                    {
                        let serial = format!("{round:02x}{step:02x}");
                        put_lsc(&mut store, lsc(device, &serial, at, id));
                        lscs.push((serial, device, at, false));
                    }
                }
                7..=8 => {
                    if let Ok(serial) = store.mark_installed(&dev(device), None, at, &actor()) {
                        let l = lscs
                            .iter_mut()
                            .find(|l| l.0 == serial)
                            .expect("installed a known LSC");
                        // The store installs only what the rule says is not stale.
                        let times = csr_times.get(device).cloned().unwrap_or_default();
                        assert_eq!(crate::domain::stale_since(l.2, false, times), None);
                        l.3 = true;
                    }
                }
                _ => {
                    store
                        .delete_pending_csrs(&Scope::Device(dev(device)), &actor())
                        .expect("delete");
                    last_csr.remove(device);
                }
            }
        }
        let mut expected: Vec<(String, Timestamp)> = lscs
            .iter()
            .filter_map(|(serial, device, issued, installed)| {
                let times = csr_times.get(device).cloned().unwrap_or_default();
                crate::domain::stale_since(*issued, *installed, times).map(|s| (serial.clone(), s))
            })
            .collect();
        expected.sort();
        let mut actual = Vec::new();
        store
            .each_stale_lsc(|s| {
                actual.push((s.serial, s.superseded_at));
                Ok::<_, StoreError>(())
            })
            .expect("stale");
        actual.sort();
        assert_eq!(actual, expected, "round {round}");
        total_stale += expected.len();
        total_installed += lscs.iter().filter(|l| l.3).count();
    }
    // The histories exercised both outcomes.
    assert!(
        total_stale > 10 && total_installed > 10,
        "{total_stale} {total_installed}"
    );
}

#[test]
fn another_programs_database_with_a_user_version_is_refused_too() {
    refused_as_foreign(
        "other.db",
        "CREATE TABLE t (x INTEGER); PRAGMA user_version = 1;",
    );
}

#[test]
fn a_version_3_store_with_lower_case_names_is_folded_to_upper_case() {
    // csfjohn got an LSC, then sent a newer CSR spelled CSFJOHN: two pending CSRs, and
    // the LSC not marked stale, because the spellings differ.
    let (_dir, path) = old_store(
        3,
        "INSERT INTO csr (id, device, submitted_at, subject, key_algorithm, key_bits,
                              public_key_sha256, der)
             VALUES (1, 'csfjohn', 100, 'CN=csfjohn', 'RSA', 2048, printf('%064d', 1), x'30');
             INSERT INTO lsc (device, serial, subject, issuer, not_before, not_after, issued_at,
                              csr_id, der)
             VALUES ('csfjohn', '0a', 'CN=csfjohn', 'CN=CAPF-1', 200, 900, 200, 1, x'30');
             INSERT INTO csr (id, device, submitted_at, subject, key_algorithm, key_bits,
                              public_key_sha256, der)
             VALUES (2, 'CSFJOHN', 300, 'CN=CSFJOHN', 'RSA', 2048, printf('%064d', 2), x'30');",
    );
    let store = Store::open(&path, &OpenOptions::default()).expect("migrate");
    let pending = store.pending_csr(&dev("csfjohn")).expect("pending");
    assert_eq!(
        pending.map(|c| c.csr.id),
        Some(2),
        "the newer CSR stays pending"
    );
    assert_eq!(store.pending_csr_count().expect("count"), 1);
    assert_eq!(stale_serials(&store), vec!["0a".to_string()]);
    // And lower case written behind capfsh's back is refused from now on.
    let raw = store.conn.execute(
        "INSERT INTO csr (device, submitted_at, subject, key_algorithm, key_bits,
                          public_key_sha256, der)
         VALUES ('sepabc', 1, 'CN=x', 'RSA', 2048, printf('%064d', 3), x'30')",
        [],
    );
    assert!(raw.is_err(), "{raw:?}");
}

/// An enrollment whose clock was read before it waited for the lock, while an engine recorded
/// an LSC of the device stamped later: the CSR still arrived after that LSC, so it is newer
/// and makes it stale (the race `capfd run` + `capfd enroll` could produce).
#[test]
fn a_csr_that_waited_for_the_lock_still_supersedes_the_lsc_recorded_meanwhile() {
    let (_d, _p, mut store) = tmp_store();
    let a = add_csr(&mut store, "SEPAAAAAAAAAAAA", 0, 1);
    add_lsc(&mut store, "SEPAAAAAAAAAAAA", "0a", 10, a);
    let (b, _, _) = store
        .record_csr_and_lsc(&csr("SEPAAAAAAAAAAAA", t(5), 2), &actor(), |_| {
            Ok::<Option<(NewLsc, ())>, StoreError>(None)
        })
        .expect("csr b, clock read at 5");
    assert_eq!(stale_serials(&store), vec!["0a".to_string()]);
    let pending = store.pending_csr(&dev("SEPAAAAAAAAAAAA")).expect("pending");
    let pending = pending.expect("b is pending");
    assert_eq!(pending.csr.id, b);
    assert!(pending.csr.submitted_at > t(10));
    let refused = store.mark_installed(&dev("SEPAAAAAAAAAAAA"), None, t(11), &actor());
    assert!(refused.is_err(), "the old key's LSC is not installable");
}

#[test]
fn a_version_2_store_with_a_doubly_answered_csr_migrates() {
    let (_dir, path) = old_store(
        2,
        "INSERT INTO csr (id, device, submitted_at, subject, key_algorithm, key_bits,
                              public_key_sha256, der)
             VALUES (1, 'SEPA', 100, 'CN=SEPA', 'RSA', 2048, printf('%064d', 1), x'30');
             INSERT INTO lsc (id, device, serial, subject, issuer, not_before, not_after,
                              issued_at, installed_at, csr_id, der)
             VALUES (1, 'SEPA', '0a', 'CN=SEPA', 'CN=CAPF-1', 200, 900, 200, 300, 1, x'30'),
                    (2, 'SEPA', '0b', 'CN=SEPA', 'CN=CAPF-1', 200, 900, 201, NULL, 1, x'30');",
    );
    let store = Store::open(&path, &OpenOptions::default()).expect("migrates");
    // The installed answer keeps the CSR; the extra copy stays as an LSC without it.
    assert_eq!(store.lsc_for_csr(1).expect("lsc"), Some("0a".to_string()));
    assert!(store.lsc_serial_exists("0b").expect("kept"));
}

#[test]
fn a_version_4_store_keeps_only_the_name_of_a_recorded_key_path() {
    let (_dir, path) = old_store(
        4,
        "INSERT INTO capf_ca (subject, not_before, not_after, sha256_fingerprint, key_file, der,
                              created_at, retired_at)
             VALUES ('CN=CAPF-1', 1, 2, 'AA', '/srv/old/capf.db.ca-key.pem', x'30', 1, 5),
                    ('CN=CAPF-2', 1, 2, 'BB', 'capf.db.ca-key.pem', x'30', 5, NULL);",
    );
    let store = Store::open(&path, &OpenOptions::default()).expect("migrates");
    let names: Vec<String> = store
        .conn
        .prepare("SELECT key_file FROM capf_ca ORDER BY id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(names, ["capf.db.ca-key.pem", "capf.db.ca-key.pem"]);
    // From now on a path cannot be recorded, even by plain SQL.
    for bad in ["/etc/shadow", "../capf.db.ca-key.pem", "", ".."] {
        let r = store.conn.execute(
            "UPDATE capf_ca SET key_file = ?1 WHERE subject = 'CN=CAPF-2'",
            [bad],
        );
        assert!(r.is_err(), "{bad:?} was recorded");
    }
}
