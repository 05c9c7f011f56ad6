//! Schema migrations: numbered SQL files under `migrations/`, embedded in the binary.
//!
//! Each file runs in its own `BEGIN IMMEDIATE` transaction together with the `user_version` bump,
//! so a crash leaves the store at one version or the next, never in between. (No migration crate
//! fits rusqlite 0.43; see `shared/crate-notes.md`.)

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// The migrations in order; the schema version after migration `i` is `i + 1`.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_initial",
        include_str!("../../migrations/0001_initial.sql"),
    ),
    (
        "0002_ca_and_trust",
        include_str!("../../migrations/0002_ca_and_trust.sql"),
    ),
    (
        "0003_stale_mark_and_one_lsc_per_csr",
        include_str!("../../migrations/0003_stale_mark_and_one_lsc_per_csr.sql"),
    ),
    (
        "0004_upper_case_device_names",
        include_str!("../../migrations/0004_upper_case_device_names.sql"),
    ),
    (
        "0005_ca_key_file_names",
        include_str!("../../migrations/0005_ca_key_file_names.sql"),
    ),
    (
        "0006_list_index_and_lsc_der_apart",
        include_str!("../../migrations/0006_list_index_and_lsc_der_apart.sql"),
    ),
    (
        "0007_online_ca",
        include_str!("../../migrations/0007_online_ca.sql"),
    ),
    (
        "0008_phone_operations",
        include_str!("../../migrations/0008_phone_operations.sql"),
    ),
    (
        "0009_revocation_and_crl",
        include_str!("../../migrations/0009_revocation_and_crl.sql"),
    ),
    (
        "0010_stale_lscs_in_their_own_table",
        include_str!("../../migrations/0010_stale_lscs_in_their_own_table.sql"),
    ),
];

/// The schema version this binary writes and understands.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// Reads `PRAGMA user_version`, the store's schema version.
pub fn schema_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Brings the schema from its current version to [`LATEST_VERSION`].
///
/// The caller has already refused stores newer than this binary. Another process may migrate
/// concurrently; the version is re-read inside each write transaction so nothing runs twice.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version = schema_version(&tx)?;
        if version >= LATEST_VERSION {
            return Ok(());
        }
        let (_, sql) = MIGRATIONS[version as usize];
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}
