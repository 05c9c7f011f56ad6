//! Store v10: stale LSCs in a table of their own (`lsc_stale`), the `lsc` view over both
//! tables, the migration from every older version, and the stale delete as a table clear.

use super::tests::{
    actor, count, csr_with_key, dev, lsc_with_der, old_store, put_csr, put_lsc, stale_serials, t,
    tmp_store, xorshift,
};
use super::*;
use crate::domain::{NewCsr, NewLsc, RevocationReason, Timestamp};

fn csr(device: &str, at: Timestamp, key_byte: u8) -> NewCsr {
    csr_with_key(device, at, key_byte, "RSA", 2048)
}

/// An LSC as [`lsc_with_der`] makes it, answering `csr_id` or no CSR at all.
fn lsc(device: &str, serial: &str, at: Timestamp, csr_id: Option<i64>, der: u8) -> NewLsc {
    NewLsc {
        csr_id,
        ..lsc_with_der(device, serial, at, 0, der)
    }
}

fn strings(store: &Store, sql: &str) -> Vec<String> {
    column(store, sql, 0)
}

/// Column `idx` of every row of `sql` (EXPLAIN and EXPLAIN QUERY PLAN cannot be subqueries).
fn column(store: &Store, sql: &str, idx: usize) -> Vec<String> {
    let mut stmt = store.conn.prepare(sql).expect("prepare");
    stmt.query_map([], |r| r.get(idx))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// The v9 definition of a stale LSC, computed over the `lsc` view: lsc_stale must hold exactly
/// these rows (the triggers keep it so).
fn stale_by_the_v9_rule(store: &Store) -> Vec<String> {
    strings(
        store,
        "SELECT serial FROM lsc l
          WHERE installed_at IS NULL AND superseded_at IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = l.serial)
          ORDER BY serial",
    )
}

/// Where the row of the LSC `serial` sits.
fn table_of(store: &Store, serial: &str) -> &'static str {
    let q = |table: &str| -> i64 {
        store
            .conn
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE serial = ?1"),
                [serial],
                |r| r.get(0),
            )
            .expect("query")
    };
    match (q("lsc_live"), q("lsc_stale")) {
        (1, 0) => "lsc_live",
        (0, 1) => "lsc_stale",
        (0, 0) => "nowhere",
        other => panic!("LSC {serial} is in both tables, or twice: {other:?}"),
    }
}

/// The data every schema version can hold, in the SQL of `version`: SEPA installed its LSC
/// (10), SEPB's waits (20), SEPC's went stale when SEPC sent a newer CSR (30), SEPD's too (40),
/// and from v9 on SEPD's stale LSC is revoked. Ids are sparse on purpose.
fn data_at(version: usize) -> String {
    let lsc_cols = if version < 6 { ", der" } else { "" };
    let der = |b: &str| {
        if version < 6 {
            format!(", x'30{b}'")
        } else {
            String::new()
        }
    };
    let mut sql = format!(
        "INSERT INTO csr (id, device, submitted_at, subject, key_algorithm, key_bits,
                          public_key_sha256, der, state)
         VALUES (1, 'SEPA', 100, 'CN=SEPA', 'RSA', 2048, printf('%064d', 1), x'3001', 'done'),
                (2, 'SEPB', 110, 'CN=SEPB', 'EC', 256, printf('%064d', 2), x'3002', 'pending'),
                (3, 'SEPC', 120, 'CN=SEPC', 'RSA', 2048, printf('%064d', 3), x'3003',
                 'superseded'),
                (5, 'SEPD', 130, 'CN=SEPD', 'RSA', 2048, printf('%064d', 5), x'3005',
                 'superseded');
         INSERT INTO lsc (id, device, serial, subject, issuer, not_before, not_after,
                          issued_at, installed_at, csr_id{lsc_cols})
         VALUES (10, 'SEPA', 'aa', 'CN=SEPA', 'CN=CAPF-1', 200, 900, 200, 300, 1{}),
                (20, 'SEPB', 'bb', 'CN=SEPB', 'CN=CAPF-1', 210, 900, 210, NULL, 2{}),
                (30, 'SEPC', 'cc', 'CN=SEPC', 'CN=CAPF-1', 220, 900, 220, NULL, 3{}),
                (40, 'SEPD', 'dd', 'CN=SEPD', 'CN=CAPF-1', 230, 800, 230, NULL, 5{});
         INSERT INTO csr (id, device, submitted_at, subject, key_algorithm, key_bits,
                          public_key_sha256, der)
         VALUES (4, 'SEPC', 400, 'CN=SEPC', 'EC', 384, printf('%064d', 4), x'3004'),
                (6, 'SEPD', 500, 'CN=SEPD', 'EC', 384, printf('%064d', 6), x'3006');",
        der("aa"),
        der("bb"),
        der("cc"),
        der("dd"),
    );
    if version >= 6 {
        sql.push_str(
            "INSERT INTO lsc_der (lsc_id, der)
             VALUES (10, x'30aa'), (20, x'30bb'), (30, x'30cc'), (40, x'30dd');",
        );
    }
    if version >= 9 {
        sql.push_str(
            "INSERT INTO revocation (serial, device, issuer, not_after, revoked_at, reason,
                                     revoked_by)
             VALUES ('dd', 'SEPD', 'CN=CAPF-1', 800, 600, 'keyCompromise', 'admin');",
        );
    }
    sql
}

#[test]
fn every_older_version_migrates_to_the_latest_keeping_every_lsc() {
    const { assert!(LATEST_VERSION >= 10) };
    for version in 1..LATEST_VERSION as usize {
        let (_dir, path) = old_store(version, &data_at(version));
        let mut store = Store::open(&path, &OpenOptions::default())
            .unwrap_or_else(|e| panic!("v{version}: {e}"));
        let v = format!("from v{version}");
        assert_eq!(
            schema_version(&store.conn).expect("version"),
            LATEST_VERSION,
            "{v}"
        );
        // Every LSC, id and certificate kept; each row where its state puts it.
        assert_eq!(
            strings(&store, "SELECT id || ':' || serial FROM lsc ORDER BY id"),
            vec!["10:aa", "20:bb", "30:cc", "40:dd"],
            "{v}"
        );
        for (serial, der) in [("aa", 0xaa), ("bb", 0xbb), ("cc", 0xcc), ("dd", 0xdd)] {
            assert_eq!(
                store.lsc_der(serial).expect("der"),
                Some(vec![0x30, der]),
                "{v} {serial}"
            );
        }
        let revoked = version >= 9;
        let expected_stale: Vec<String> = if revoked {
            vec!["cc".into()]
        } else {
            vec!["cc".into(), "dd".into()]
        };
        assert_eq!(stale_serials(&store), expected_stale, "{v}");
        assert_eq!(stale_by_the_v9_rule(&store), expected_stale, "{v}");
        assert_eq!(table_of(&store, "aa"), "lsc_live", "{v}");
        assert_eq!(table_of(&store, "bb"), "lsc_live", "{v}");
        assert_eq!(table_of(&store, "cc"), "lsc_stale", "{v}");
        assert_eq!(
            table_of(&store, "dd"),
            if revoked { "lsc_live" } else { "lsc_stale" },
            "{v}"
        );
        // The DERs sit where v10 keeps them: a live LSC's in lsc_der, a stale one's in its row.
        assert_eq!(
            count(&store, "SELECT count(*) FROM lsc_der"),
            if revoked { 3 } else { 2 },
            "{v}"
        );
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM lsc_stale WHERE der IS NOT NULL"
            ),
            expected_stale.len() as i64,
            "{v}"
        );
        assert!(
            !strings(
                &store,
                "SELECT name FROM sqlite_schema WHERE name = 'stale_lsc_der'"
            )
            .iter()
            .any(|n| n == "stale_lsc_der"),
            "{v}"
        );
        // Integrity and foreign keys hold.
        assert_eq!(strings(&store, "PRAGMA integrity_check"), vec!["ok"], "{v}");
        assert_eq!(
            count(&store, "SELECT count(*) FROM pragma_foreign_key_check"),
            0
        );

        // The constraints still hold across both tables: a serial or a CSR a stale LSC holds,
        // lower-case names.
        for (serial, csr_id, device) in [
            ("cc", 1000, "SEPZ"),
            ("zz", 3, "SEPZ"),
            ("yy", 1000, "sepz"),
        ] {
            let refused = store.conn.execute(
                "INSERT INTO lsc (device, serial, subject, issuer, not_before, not_after,
                                  issued_at, csr_id)
                 VALUES (?1, ?2, 'CN=Z', 'CN=CAPF-1', 1, 2, 1,
                         (SELECT id FROM csr WHERE id = ?3))",
                rusqlite::params![device, serial, csr_id],
            );
            assert!(
                refused.is_err(),
                "{v}: {serial} {csr_id} {device}: {refused:?}"
            );
        }
        // A new LSC takes an id no LSC ever had, though the highest one moved to lsc_stale.
        let c = put_csr(&mut store, csr("SEPE", t(0), 7));
        let id = store
            .record_lsc(&lsc("SEPE", "ee", t(1), Some(c), 0xee), &actor())
            .expect("lsc");
        assert!(id > 40, "{v}: {id}");
        // And the delete takes exactly the stale ones.
        let n = store
            .delete_stale_lscs(&Scope::All, &actor())
            .expect("delete");
        assert_eq!(n, expected_stale.len() as u64, "{v}");
        assert!(stale_serials(&store).is_empty(), "{v}");
        let left = strings(&store, "SELECT serial FROM lsc ORDER BY serial");
        let want: Vec<&str> = if revoked {
            vec!["aa", "bb", "dd", "ee"]
        } else {
            vec!["aa", "bb", "ee"]
        };
        assert_eq!(left, want, "{v}");
        assert_eq!(store.lsc_der("ee").expect("der"), Some(vec![0x30, 0xee]));
    }
}

#[test]
fn deleting_all_stale_lscs_clears_one_table_and_touches_no_live_lsc() {
    let (_d, _p, mut store) = tmp_store();
    for i in 0..6u8 {
        let name = format!("SEPF{i}");
        let id = put_csr(&mut store, csr(&name, t(i64::from(i)), i + 1));
        put_lsc(
            &mut store,
            lsc(&name, &format!("f{i}"), t(i64::from(i) + 10), Some(id), i),
        );
    }
    // f0..f2 go stale; f3 is installed; f4, f5 wait.
    for i in 0..3u8 {
        put_csr(&mut store, csr(&format!("SEPF{i}"), t(100), i + 20));
    }
    store
        .mark_installed(&dev("SEPF3"), None, t(101), &actor())
        .expect("install");
    assert_eq!(stale_serials(&store), vec!["f0", "f1", "f2"]);
    let live_before = strings(
        &store,
        "SELECT l.serial || ':' || hex(d.der) FROM lsc_live l JOIN lsc_der d ON d.lsc_id = l.id
          ORDER BY l.id",
    );
    assert_eq!(live_before.len(), 3);

    // What the delete compiles to: a clear of the table and its indexes (OP_Clear), no
    // row-by-row delete. A DELETE trigger or a foreign key on lsc_stale would turn it back
    // into one: this is what keeps the delete cheap.
    let ops = column(&store, "EXPLAIN DELETE FROM lsc_stale", 1);
    assert!(ops.iter().any(|o| o == "Clear"), "{ops:?}");
    assert!(
        !ops.iter().any(|o| o == "Delete" || o == "IdxDelete"),
        "{ops:?}"
    );

    assert_eq!(
        store
            .delete_stale_lscs(&Scope::All, &actor())
            .expect("delete"),
        3
    );
    assert!(stale_serials(&store).is_empty());
    assert_eq!(count(&store, "SELECT count(*) FROM lsc_stale"), 0);
    let live_after = strings(
        &store,
        "SELECT l.serial || ':' || hex(d.der) FROM lsc_live l JOIN lsc_der d ON d.lsc_id = l.id
          ORDER BY l.id",
    );
    assert_eq!(live_after, live_before);
    let audit = strings(
        &store,
        "SELECT detail FROM audit_log ORDER BY id DESC LIMIT 1",
    );
    assert_eq!(audit, vec!["3 stale lscs deleted"]);
}

#[test]
fn a_revoked_stale_lsc_leaves_the_stale_table_and_stays_through_the_delete() {
    let (_d, _p, mut store) = tmp_store();
    let a = put_csr(&mut store, csr("SEPG", t(0), 1));
    put_lsc(&mut store, lsc("SEPG", "9a", t(1), Some(a), 0x9a));
    let b = put_csr(&mut store, csr("SEPG", t(2), 2));
    put_lsc(&mut store, lsc("SEPG", "9b", t(3), Some(b), 0x9b));
    put_csr(&mut store, csr("SEPG", t(4), 3));
    assert_eq!(stale_serials(&store), vec!["9a", "9b"]);
    let n = store
        .revoke_lscs(
            &["9a".to_string()],
            RevocationReason::KeyCompromise,
            t(5),
            &actor(),
        )
        .expect("revoke");
    assert_eq!(n, 1);
    assert_eq!(table_of(&store, "9a"), "lsc_live");
    assert_eq!(stale_serials(&store), vec!["9b"]);
    assert_eq!(store.lsc_der("9a").expect("der"), Some(vec![0x30, 0x9a]));
    assert_eq!(
        store.lsc_counts().expect("counts"),
        LscCounts {
            issued: 0,
            installed: 0,
            stale: 1,
            revoked: 1,
            by_retired_ca: 0,
        }
    );
    assert_eq!(
        store
            .delete_stale_lscs(&Scope::All, &actor())
            .expect("delete"),
        1
    );
    assert_eq!(strings(&store, "SELECT serial FROM lsc"), vec!["9a"]);
    assert_eq!(store.lsc_der("9a").expect("der"), Some(vec![0x30, 0x9a]));
    // Withdrawn by plain SQL, the revocation no longer keeps it off the stale list.
    store
        .conn
        .execute("DELETE FROM revocation WHERE serial = '9a'", [])
        .expect("withdraw");
    assert_eq!(stale_serials(&store), vec!["9a"]);
    assert_eq!(table_of(&store, "9a"), "lsc_stale");
    assert_eq!(store.lsc_der("9a").expect("der"), Some(vec![0x30, 0x9a]));
}

#[test]
fn deleting_a_csr_unlinks_the_stale_lsc_that_answered_it() {
    let (_d, _p, mut store) = tmp_store();
    let a = put_csr(&mut store, csr("SEPH", t(0), 1));
    put_lsc(&mut store, lsc("SEPH", "8a", t(1), Some(a), 1));
    put_csr(&mut store, csr("SEPH", t(2), 2));
    assert_eq!(table_of(&store, "8a"), "lsc_stale");
    assert_eq!(store.lsc_for_csr(a).expect("lsc"), Some("8a".into()));
    // A tidy deletes the superseded CSR, as ON DELETE SET NULL did for every LSC.
    let (lscs, csrs) = store
        .tidy(
            &TidyScope {
                expired_lscs: false,
                superseded_csrs: true,
                cutoff: t(60),
            },
            &actor(),
        )
        .expect("tidy");
    assert_eq!((lscs, csrs), (0, 1));
    assert_eq!(
        count(&store, "SELECT count(*) FROM lsc WHERE csr_id IS NOT NULL"),
        0
    );
    assert_eq!(stale_serials(&store), vec!["8a"]);
}

#[test]
fn tidy_deletes_expired_lscs_from_both_tables_and_counts_them() {
    let (_d, _p, mut store) = tmp_store();
    for (i, name) in ["SEPI1", "SEPI2"].iter().enumerate() {
        let id = put_csr(&mut store, csr(name, t(i as i64), i as u8 + 1));
        put_lsc(
            &mut store,
            lsc(name, &format!("7{i}"), t(i as i64 + 1), Some(id), 7),
        );
    }
    put_csr(&mut store, csr("SEPI1", t(10), 9));
    assert_eq!(stale_serials(&store), vec!["70"]);
    let scope = TidyScope {
        expired_lscs: true,
        superseded_csrs: false,
        cutoff: t(0) + chrono::Duration::days(400),
    };
    assert_eq!(store.tidy_plan(&scope).expect("plan").lscs.len(), 2);
    assert_eq!(store.tidy(&scope, &actor()).expect("tidy"), (2, 0));
    assert_eq!(count(&store, "SELECT count(*) FROM lsc"), 0);
    assert_eq!(count(&store, "SELECT count(*) FROM lsc_der_any"), 0);
}

#[test]
fn plain_sql_through_the_lsc_view_behaves_as_the_v9_table_did() {
    let (_d, _p, mut store) = tmp_store();
    let a = put_csr(&mut store, csr("SEPJ", t(0), 1));
    put_csr(&mut store, csr("SEPJ", t(5), 2));
    // Inserted by hand after the newer CSR: born stale, as the v3 trigger made it.
    store
        .conn
        .execute(
            "INSERT INTO lsc (device, serial, subject, issuer, not_before, not_after, issued_at,
                              csr_id)
             VALUES ('SEPJ', '6a', 'CN=SEPJ', 'CN=CAPF-1', 1, 2, ?1, ?2)",
            rusqlite::params![t(1).timestamp_micros(), a],
        )
        .expect("insert");
    assert_eq!(table_of(&store, "6a"), "lsc_stale");
    assert_eq!(stale_serials(&store), vec!["6a"]);
    // Marked installed by hand: live again.
    store
        .conn
        .execute("UPDATE lsc SET installed_at = 7 WHERE serial = '6a'", [])
        .expect("update");
    assert_eq!(table_of(&store, "6a"), "lsc_live");
    assert!(stale_serials(&store).is_empty());
    // Its mark cleared by hand stays cleared (not installed, not stale: installable).
    store
        .conn
        .execute(
            "UPDATE lsc SET installed_at = NULL, superseded_at = NULL WHERE serial = '6a'",
            [],
        )
        .expect("clear");
    assert_eq!(table_of(&store, "6a"), "lsc_live");
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM lsc WHERE serial = '6a' AND superseded_at IS NULL"
        ),
        1
    );
    // Marked stale by hand: it moves.
    store
        .conn
        .execute("UPDATE lsc SET superseded_at = 3 WHERE serial = '6a'", [])
        .expect("mark");
    assert_eq!(table_of(&store, "6a"), "lsc_stale");
    // Other columns of a stale LSC can be changed in place.
    store
        .conn
        .execute("UPDATE lsc SET not_after = 99 WHERE serial = '6a'", [])
        .expect("not_after");
    assert_eq!(
        count(
            &store,
            "SELECT not_after FROM lsc_stale WHERE serial = '6a'"
        ),
        99
    );
    assert_eq!(stale_by_the_v9_rule(&store), stale_serials(&store));
    // Deleted by hand, from wherever it is.
    store
        .conn
        .execute("DELETE FROM lsc WHERE serial = '6a'", [])
        .expect("delete");
    assert_eq!(count(&store, "SELECT count(*) FROM lsc"), 0);
    assert_eq!(count(&store, "SELECT count(*) FROM lsc_der_any"), 0);
}

/// Random histories of CSRs, LSCs, installs, revocations, CSR deletions and plain-SQL edits:
/// after each step lsc_stale holds exactly what the v9 rule calls stale, ids and serials are
/// unique across both tables, and every LSC that had a DER still has it.
#[test]
fn the_stale_table_holds_exactly_the_stale_lscs_on_random_histories() {
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    let (mut moved_in, mut moved_out) = (0, 0);
    for round in 0..20 {
        let (_d, _p, mut store) = tmp_store();
        let devices = ["SEPK", "SEPL", "SEPM"];
        let mut serials: Vec<String> = Vec::new();
        let mut last_csr: std::collections::HashMap<&str, i64> = Default::default();
        for step in 0..50u32 {
            let device = devices[next(3) as usize];
            let at = t(i64::from(step));
            let before = stale_serials(&store).len();
            match next(12) {
                0..=3 => {
                    let id = put_csr(&mut store, csr(device, at, (step + round) as u8));
                    last_csr.insert(device, id);
                }
                4..=6 => {
                    let id = last_csr.get(device).copied();
                    if id.is_none_or(|id| store.lsc_for_csr(id).expect("lsc").is_none()) {
                        let serial = format!("{round:02x}{step:02x}");
                        put_lsc(&mut store, lsc(device, &serial, at, id, step as u8));
                        serials.push(serial);
                    }
                }
                7 => {
                    let _ = store.mark_installed(&dev(device), None, at, &actor());
                }
                8 if !serials.is_empty() => {
                    let s = serials[next(serials.len() as u64) as usize].clone();
                    // Deleted meanwhile (a stale delete): refused, nothing changes.
                    match store.revoke_lscs(&[s], RevocationReason::Superseded, at, &actor()) {
                        Ok(_) | Err(StoreError::Invalid(_)) => {}
                        Err(e) => panic!("revoke: {e}"),
                    }
                }
                9 => {
                    store
                        .delete_pending_csrs(&Scope::Device(dev(device)), &actor())
                        .expect("delete");
                    last_csr.remove(device);
                }
                10 if !serials.is_empty() => {
                    let s = &serials[next(serials.len() as u64) as usize];
                    store
                        .conn
                        .execute("DELETE FROM revocation WHERE serial = ?1", [s])
                        .expect("withdraw");
                }
                _ => {
                    store
                        .delete_stale_lscs(&Scope::Device(dev(device)), &actor())
                        .expect("delete stale");
                }
            }
            let after = stale_serials(&store);
            if after.len() > before {
                moved_in += 1;
            } else if after.len() < before {
                moved_out += 1;
            }
            let mut sorted = after.clone();
            sorted.sort();
            assert_eq!(
                sorted,
                stale_by_the_v9_rule(&store),
                "round {round} step {step}"
            );
            assert_eq!(
                count(
                    &store,
                    "SELECT count(*) FROM lsc_live l JOIN lsc_stale s
                         ON s.id = l.id OR s.serial = l.serial OR s.csr_id = l.csr_id"
                ),
                0,
                "round {round} step {step}"
            );
            assert_eq!(
                count(&store, "SELECT count(*) FROM lsc"),
                count(&store, "SELECT count(*) FROM lsc_der_any"),
                "round {round} step {step}: every LSC keeps its DER"
            );
        }
    }
    assert!(moved_in > 20 && moved_out > 20, "{moved_in} {moved_out}");
}

#[test]
fn borrowed_stale_rows_agree_with_the_owned_ones() {
    let (_d, _p, mut store) = tmp_store();
    for (i, name) in ["SEPN3", "SEPN1", "SEPN2"].iter().enumerate() {
        let i = i as i64;
        let id = put_csr(&mut store, csr(name, t(i), i as u8 + 1));
        // Issued out of id order: the list goes by issue time.
        put_lsc(
            &mut store,
            lsc(name, &format!("5{i}"), t(30 - i), Some(id), 5),
        );
        put_csr(&mut store, csr(name, t(40 + i), i as u8 + 10));
    }
    let mut owned = Vec::new();
    store
        .each_stale_lsc(|s| {
            owned.push((
                s.device,
                s.serial,
                s.issued_at.timestamp_micros(),
                s.not_after.timestamp_micros(),
                s.superseded_at.timestamp_micros(),
            ));
            Ok::<_, StoreError>(())
        })
        .expect("owned");
    let mut borrowed = Vec::new();
    let n = store
        .each_stale_lsc_row(|s| {
            borrowed.push((
                s.device.to_owned(),
                s.serial.to_owned(),
                s.issued_at_micros,
                s.not_after_micros,
                s.superseded_at_micros,
            ));
            Ok::<_, StoreError>(())
        })
        .expect("borrowed");
    assert_eq!(n, 3);
    assert_eq!(borrowed, owned);
    assert_eq!(
        borrowed.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        vec!["52", "51", "50"],
        "oldest issue first"
    );
    // The list reads its covering index, in list order, never the rows with their DERs.
    let plan = column(
        &store,
        "EXPLAIN QUERY PLAN
           SELECT device, serial, issued_at, not_after, superseded_at
             FROM stale_lsc ORDER BY issued_at, id",
        3,
    );
    assert_eq!(plan.len(), 1, "{plan:?}");
    assert!(
        plan[0].contains("COVERING INDEX lsc_stale_list"),
        "{plan:?}"
    );
}

#[test]
fn a_stored_instant_no_timestamp_can_hold_fails_the_stale_listing() {
    let (_d, _p, mut store) = tmp_store();
    let a = put_csr(&mut store, csr("SEPO", t(0), 1));
    put_lsc(&mut store, lsc("SEPO", "4a", t(1), Some(a), 4));
    put_csr(&mut store, csr("SEPO", t(2), 2));
    store
        .conn
        .execute("UPDATE lsc SET not_after = ?1", [i64::MAX])
        .expect("update");
    let r = store.each_stale_lsc_row(|_| Ok::<_, StoreError>(()));
    assert!(r.is_err(), "{r:?}");
}

#[test]
fn a_missing_instant_fails_the_stale_listing_instead_of_showing_1970() {
    let (_d, _p, mut store) = tmp_store();
    let a = put_csr(&mut store, csr("SEPN", t(0), 1));
    put_lsc(&mut store, lsc("SEPN", "4b", t(1), Some(a), 4));
    put_csr(&mut store, csr("SEPN", t(2), 2));
    // The column allows NULL; the schema moves such a row back to the live table, so only a store
    // edited by hand holds one. A listing must fail on it, not show it as the epoch.
    store
        .conn
        .execute_batch(
            "DROP TRIGGER lsc_stops_being_stale;
             UPDATE lsc_stale SET superseded_at = NULL;",
        )
        .expect("update");
    let mut seen = 0;
    let r = store.each_stale_lsc_row(|_| {
        seen += 1;
        Ok::<_, StoreError>(())
    });
    let e = r.expect_err("NULL instant");
    assert!(e.to_string().contains("Null"), "{e}");
    assert_eq!(seen, 0);
}

#[test]
fn a_version_9_lsc_linked_to_a_csr_that_is_gone_migrates_unlinked() {
    // Written with foreign keys off (the sqlite3 shell's default): LSC 11 names CSR 99, which
    // does not exist. lsc_live checks the link, so the upgrade unlinks it, as ON DELETE SET
    // NULL would have, instead of failing.
    let (_dir, path) = old_store(
        9,
        "PRAGMA foreign_keys = OFF;
             INSERT INTO csr (id, device, submitted_at, subject, key_algorithm, key_bits,
                              public_key_sha256, der)
             VALUES (1, 'SEPP', 100, 'CN=SEPP', 'RSA', 2048, printf('%064d', 1), x'3001');
             INSERT INTO lsc (id, device, serial, subject, issuer, not_before, not_after,
                              issued_at, csr_id)
             VALUES (11, 'SEPP', '3a', 'CN=SEPP', 'CN=CAPF-1', 10, 900, 10, 99),
                    (12, 'SEPP', '3b', 'CN=SEPP', 'CN=CAPF-1', 20, 900, 20, 1);
             INSERT INTO lsc_der (lsc_id, der) VALUES (11, x'303a'), (12, x'303b');",
    );
    let store = Store::open(&path, &OpenOptions::default()).expect("migrate");
    assert_eq!(
        strings(
            &store,
            "SELECT serial || ':' || coalesce(csr_id, '-') FROM lsc ORDER BY id"
        ),
        vec!["3a:-", "3b:1"]
    );
    // Both recorded after CSR 1 (submitted at 100) and issued before it: born stale (v3).
    assert_eq!(stale_serials(&store), vec!["3a", "3b"]);
    assert_eq!(store.lsc_der("3a").expect("der"), Some(vec![0x30, 0x3a]));
    assert_eq!(
        count(&store, "SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
}

#[test]
fn lsc_completion_merges_both_tables_in_order_once_each() {
    let (_d, _p, mut store) = tmp_store();
    // SEPQ2 has a live LSC and a stale one, SEPQ1 only a stale one, SEPQ3 only a live one.
    for (name, k) in [("SEPQ2", 1), ("SEPQ1", 2), ("SEPQ3", 3)] {
        let id = put_csr(&mut store, csr(name, t(0), k));
        put_lsc(&mut store, lsc(name, &format!("2{k}"), t(1), Some(id), k));
    }
    for (name, k) in [("SEPQ2", 4), ("SEPQ1", 5)] {
        put_csr(&mut store, csr(name, t(2), k));
    }
    let id = store
        .pending_csr(&dev("SEPQ2"))
        .expect("pending")
        .map(|c| c.csr.id);
    put_lsc(&mut store, lsc("SEPQ2", "26", t(3), id, 6));
    assert_eq!(table_of(&store, "21"), "lsc_stale");
    assert_eq!(table_of(&store, "22"), "lsc_stale");
    assert_eq!(table_of(&store, "26"), "lsc_live");
    assert_eq!(
        store
            .device_names(DeviceSource::Lsc, "sepq", 50)
            .expect("names"),
        vec!["SEPQ1", "SEPQ2", "SEPQ3"]
    );
    assert_eq!(
        store
            .device_names(DeviceSource::Lsc, "SEPQ", 2)
            .expect("names"),
        vec!["SEPQ1", "SEPQ2"]
    );
    assert_eq!(
        store
            .count_device_names(DeviceSource::Lsc, "SEPQ")
            .expect("count"),
        3
    );
    assert_eq!(
        store
            .device_names(DeviceSource::StaleLsc, "SEPQ", 50)
            .expect("names"),
        vec!["SEPQ1", "SEPQ2"]
    );
    // Each table's index read in order and merged, never a sort of every name.
    let names = super::csr::merged_lsc_names(DeviceSource::Lsc).expect("two tables");
    let mut stmt = store
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {names} LIMIT 5"))
        .expect("plan");
    let plan: Vec<String> = stmt
        .query_map(["A", "Z"], |r| r.get(3))
        .expect("plan")
        .collect::<Result<_, _>>()
        .expect("plan");
    assert!(plan.iter().any(|p| p.contains("MERGE")), "{plan:?}");
    assert!(!plan.iter().any(|p| p.contains("TEMP B-TREE")), "{plan:?}");
}
