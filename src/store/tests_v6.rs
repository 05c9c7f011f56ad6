//! Store v6: the covering list index, LSC DERs apart from the lsc rows, and the migration from
//! v4 that moves them. Since v10 a stale LSC's DER sits in its `lsc_stale` row (tests_v10.rs).

use super::tests::{
    actor, count, csr_with_key, dev, lsc_with_der as lsc, old_store, put_csr, put_lsc, t, tmp_store,
};
use super::*;
use crate::domain::{NewCsr, PendingCsr, Timestamp, key_label};

/// A CSR as [`csr_with_key`] makes it, with a subject of more than one attribute.
fn csr(device: &str, at: Timestamp, key_byte: u8, alg: &str, bits: u32) -> NewCsr {
    NewCsr {
        subject: format!("CN={device}, O=Example"),
        ..csr_with_key(device, at, key_byte, alg, bits)
    }
}

/// Where the DER of the LSC `serial` sits: `lsc_der` (live LSCs), its `lsc_stale` row (stale
/// ones, v10), or nowhere.
fn der_table(store: &Store, serial: &str) -> Option<&'static str> {
    let q = |sql: &str| -> bool {
        store
            .conn
            .query_row(sql, [serial], |r| r.get(0))
            .expect("query")
    };
    match (
        q(
            "SELECT EXISTS (SELECT 1 FROM lsc_der d JOIN lsc l ON l.id = d.lsc_id
                           WHERE l.serial = ?1)",
        ),
        q("SELECT EXISTS (SELECT 1 FROM lsc_stale WHERE serial = ?1 AND der IS NOT NULL)"),
    ) {
        (true, false) => Some("lsc_der"),
        (false, true) => Some("lsc_stale"),
        (false, false) => None,
        (true, true) => panic!("the DER of {serial} is in both tables"),
    }
}

fn schema_has(store: &Store, kind: &str, name: &str) -> bool {
    store
        .conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = ?1 AND name = ?2)",
            [kind, name],
            |r| r.get(0),
        )
        .expect("schema")
}

#[test]
fn a_version_4_store_moves_lsc_ders_apart_keeping_every_one_and_every_id() {
    // SEPA installed its LSC, SEPB's is issued and waiting, SEPC's went stale when SEPC
    // sent a newer CSR (the v4 trigger marks it). Ids are sparse on purpose.
    let (_dir, path) = old_store(
        4,
        "INSERT INTO csr (id, device, submitted_at, subject, key_algorithm, key_bits,
                              public_key_sha256, der, state)
             VALUES (1, 'SEPA', 100, 'CN=SEPA', 'RSA', 2048, printf('%064d', 1), x'3001', 'done'),
                    (2, 'SEPB', 110, 'CN=SEPB', 'EC', 256, printf('%064d', 2), x'3002', 'pending'),
                    (3, 'SEPC', 120, 'CN=SEPC', 'RSA', 2048, printf('%064d', 3), x'3003',
                     'superseded');
             INSERT INTO lsc (id, device, serial, subject, issuer, not_before, not_after,
                              issued_at, installed_at, csr_id, der)
             VALUES (10, 'SEPA', 'aa', 'CN=SEPA', 'CN=CAPF-1', 200, 900, 200, 300, 1, x'30aa'),
                    (20, 'SEPB', 'bb', 'CN=SEPB', 'CN=CAPF-1', 210, 900, 210, NULL, 2, x'30bb'),
                    (30, 'SEPC', 'cc', 'CN=SEPC', 'CN=CAPF-1', 220, 900, 220, NULL, 3, x'30cc');
             INSERT INTO csr (id, device, submitted_at, subject, key_algorithm, key_bits,
                              public_key_sha256, der)
             VALUES (4, 'SEPC', 400, 'CN=SEPC', 'EC', 384, printf('%064d', 4), x'3004');",
    );
    let mut store = Store::open(&path, &OpenOptions::default()).expect("migrate");
    assert_eq!(
        schema_version(&store.conn).expect("version"),
        LATEST_VERSION
    );
    const { assert!(LATEST_VERSION >= 6) };

    // Every DER kept, each where its LSC's state puts it; ids and the stale mark unchanged.
    for (serial, der, table) in [
        ("aa", 0xaa, "lsc_der"),
        ("bb", 0xbb, "lsc_der"),
        ("cc", 0xcc, "lsc_stale"),
    ] {
        assert_eq!(
            store.lsc_der(serial).expect("der"),
            Some(vec![0x30, der]),
            "{serial}"
        );
        assert_eq!(der_table(&store, serial), Some(table), "{serial}");
    }
    let ids: Vec<i64> = {
        let mut stmt = store
            .conn
            .prepare("SELECT id FROM lsc ORDER BY id")
            .expect("ids");
        stmt.query_map([], |r| r.get(0))
            .expect("ids")
            .collect::<Result<_, _>>()
            .expect("ids")
    };
    assert_eq!(ids, vec![10, 20, 30]);
    assert_eq!(store.stale_lsc_count(&Scope::All).expect("stale"), 1);

    // The schema: no DER in lsc, the redundant index gone, the list index in place, and the
    // v4 rule on names still enforced (on the tables behind the `lsc` view since v10).
    let lsc_has_der = count(
        &store,
        "SELECT count(*) FROM pragma_table_info('lsc') WHERE name = 'der'",
    );
    assert_eq!(lsc_has_der, 0);
    assert!(!schema_has(&store, "index", "lsc_not_installed"));
    assert!(!schema_has(&store, "index", "csr_pending_by_time"));
    assert!(schema_has(&store, "index", "csr_pending_list"));
    let lower = store.conn.execute(
        "INSERT INTO lsc (device, serial, subject, issuer, not_before, not_after, issued_at)
         VALUES ('sepz', 'dd', 'CN=z', 'CN=CAPF-1', 1, 2, 1)",
        [],
    );
    assert!(lower.is_err(), "{lower:?}");

    // The list reads the covering index, in list order.
    let plan: String = store
        .conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT device, submitted_at, subject, key_algorithm, key_bits
               FROM csr WHERE state = 'pending' ORDER BY submitted_at, id",
            [],
            |r| r.get(3),
        )
        .expect("plan");
    assert!(plan.contains("csr_pending_list"), "{plan}");
    let mut listed = Vec::new();
    store
        .each_pending_csr_row(|c| {
            listed.push((c.device.to_owned(), c.submitted_at_micros, c.key_bits));
            Ok::<_, StoreError>(())
        })
        .expect("list");
    assert_eq!(
        listed,
        vec![
            ("SEPB".to_string(), 110, 256),
            ("SEPC".to_string(), 400, 384)
        ]
    );

    // Deleting the stale LSC takes its DER along and leaves the others'.
    assert_eq!(
        store
            .delete_stale_lscs(&Scope::All, &actor())
            .expect("delete"),
        1
    );
    assert_eq!(store.lsc_der("cc").expect("der"), None);
    assert_eq!(count(&store, "SELECT count(*) FROM lsc_stale"), 0);
    assert_eq!(count(&store, "SELECT count(*) FROM lsc_der"), 2);
}

#[test]
fn an_lsc_turning_stale_takes_its_der_along_and_back() {
    let (_d, _p, mut store) = tmp_store();
    let a = put_csr(&mut store, csr("SEPAAAA", t(0), 1, "RSA", 2048));
    put_lsc(&mut store, lsc("SEPAAAA", "0a", t(1), a, 7));
    assert_eq!(der_table(&store, "0a"), Some("lsc_der"));
    put_csr(&mut store, csr("SEPAAAA", t(2), 2, "RSA", 2048));
    assert_eq!(der_table(&store, "0a"), Some("lsc_stale"));
    assert_eq!(store.lsc_der("0a").expect("der"), Some(vec![0x30, 7]));
    // Plain SQL that makes it installable again brings the DER back.
    store
        .conn
        .execute("UPDATE lsc SET installed_at = 5 WHERE serial = '0a'", [])
        .expect("update");
    assert_eq!(der_table(&store, "0a"), Some("lsc_der"));
    assert_eq!(store.lsc_der("0a").expect("der"), Some(vec![0x30, 7]));
}

#[test]
fn an_lsc_born_stale_keeps_its_der_with_the_stale_ones() {
    let (_d, _p, mut store) = tmp_store();
    let a = put_csr(&mut store, csr("SEPBBBB", t(0), 1, "EC", 256));
    put_csr(&mut store, csr("SEPBBBB", t(10), 2, "EC", 256));
    // Issued at 5 for the first CSR, recorded after the newer one arrived: born stale.
    put_lsc(&mut store, lsc("SEPBBBB", "0b", t(5), a, 9));
    assert_eq!(store.stale_lsc_count(&Scope::All).expect("stale"), 1);
    assert_eq!(der_table(&store, "0b"), Some("lsc_stale"));
    assert_eq!(store.lsc_der("0b").expect("der"), Some(vec![0x30, 9]));
}

#[test]
fn deleting_stale_lscs_takes_their_ders_and_no_other() {
    let (_d, _p, mut store) = tmp_store();
    for (i, name) in ["SEPC1", "SEPC2", "SEPC3"].iter().enumerate() {
        let i = i as i64;
        let id = put_csr(&mut store, csr(name, t(i * 10), i as u8 + 1, "RSA", 2048));
        put_lsc(
            &mut store,
            lsc(name, &format!("c{i}"), t(i * 10 + 1), id, i as u8 + 1),
        );
    }
    // SEPC1 and SEPC2 go stale; SEPC3's LSC stays issued.
    for (name, at, k) in [("SEPC1", 100, 11), ("SEPC2", 101, 12)] {
        put_csr(&mut store, csr(name, t(at), k, "RSA", 2048));
    }
    assert_eq!(
        store
            .delete_stale_lscs(&Scope::Device(dev("SEPC1")), &actor())
            .expect("one device"),
        1
    );
    assert_eq!(store.lsc_der("c0").expect("der"), None);
    assert_eq!(der_table(&store, "c1"), Some("lsc_stale"));
    // The bulk delete takes the stale LSCs with their DERs and leaves the live ones'.
    assert_eq!(
        store.delete_stale_lscs(&Scope::All, &actor()).expect("all"),
        1
    );
    assert_eq!(store.lsc_der("c1").expect("der"), None);
    assert_eq!(store.lsc_der("c2").expect("der"), Some(vec![0x30, 3]));
    assert_eq!(count(&store, "SELECT count(*) FROM lsc_der"), 1);
    put_csr(&mut store, csr("SEPC3", t(200), 13, "RSA", 2048));
    assert_eq!(der_table(&store, "c2"), Some("lsc_stale"));
    assert_eq!(
        store.delete_stale_lscs(&Scope::All, &actor()).expect("all"),
        1
    );
    assert_eq!(count(&store, "SELECT count(*) FROM lsc_stale"), 0);
    assert_eq!(count(&store, "SELECT count(*) FROM lsc_der"), 0);
    assert_eq!(count(&store, "SELECT count(*) FROM lsc"), 0);
}

#[test]
fn an_lsc_deleted_by_plain_sql_takes_its_der_along() {
    let (_d, _p, mut store) = tmp_store();
    let a = put_csr(&mut store, csr("SEPDDDD", t(0), 1, "RSA", 2048));
    put_lsc(&mut store, lsc("SEPDDDD", "0d", t(1), a, 4));
    store
        .conn
        .execute("DELETE FROM lsc WHERE serial = '0d'", [])
        .expect("delete");
    assert_eq!(count(&store, "SELECT count(*) FROM lsc_der_any"), 0);
}

#[test]
fn borrowed_pending_rows_agree_with_the_owned_ones() {
    let (_d, _p, mut store) = tmp_store();
    for (i, (alg, bits)) in [("RSA", 2048), ("EC", 256), ("RSA", 1024), ("EC", 521)]
        .iter()
        .enumerate()
    {
        put_csr(
            &mut store,
            csr(&format!("SEPE{i}"), t(10 - i as i64), i as u8, alg, *bits),
        );
    }
    let mut owned: Vec<PendingCsr> = Vec::new();
    store
        .each_pending_csr(|c| {
            owned.push(c);
            Ok::<_, StoreError>(())
        })
        .expect("owned");
    let mut borrowed = Vec::new();
    let mut label = String::new();
    store
        .each_pending_csr_row(|c| {
            c.key_label_into(&mut label);
            borrowed.push((
                c.device.to_owned(),
                c.submitted_at_micros,
                c.subject.to_owned(),
                label.clone(),
            ));
            Ok::<_, StoreError>(())
        })
        .expect("borrowed");
    let expected: Vec<_> = owned
        .iter()
        .map(|c| {
            (
                c.device.clone(),
                c.submitted_at.timestamp_micros(),
                c.subject.clone(),
                key_label(&c.key_algorithm, c.key_bits),
            )
        })
        .collect();
    assert_eq!(borrowed, expected);
    assert_eq!(borrowed.len(), 4);
    assert_eq!(borrowed[0].0, "SEPE3", "oldest first");
}

#[test]
fn a_stored_instant_no_timestamp_can_hold_fails_the_listing() {
    let (_d, _p, mut store) = tmp_store();
    put_csr(&mut store, csr("SEPFFFF", t(0), 1, "RSA", 2048));
    store
        .conn
        .execute("UPDATE csr SET submitted_at = ?1", [i64::MAX])
        .expect("update");
    let r = store.each_pending_csr_row(|_| Ok::<_, StoreError>(()));
    assert!(r.is_err(), "{r:?}");
}

#[test]
fn a_stored_text_that_is_not_utf8_fails_the_listing_at_its_column() {
    let (_d, _p, mut store) = tmp_store();
    put_csr(&mut store, csr("SEPFFFF", t(0), 1, "RSA", 2048));
    store
        .conn
        .execute("UPDATE csr SET subject = CAST(X'FF41' AS TEXT)", [])
        .expect("update");
    let mut seen = 0;
    let r = store.each_pending_csr_row(|_| {
        seen += 1;
        Ok::<_, StoreError>(())
    });
    let e = r.expect_err("not UTF-8");
    assert!(e.to_string().contains("index: 2"), "{e}");
    assert_eq!(seen, 0, "no row is handed out half read");
}
