//! Errors keep their kind through backup and restore: a restore that meets a store locked by
//! another writer is store trouble (capfd 75, try again later), not a refusal (1), and changes
//! nothing.

use crate::support::{Run, TestEnv, words};

#[test]
fn a_restore_over_a_locked_store_exits_75_and_changes_nothing() {
    let env = TestEnv::new();
    env.run_capfd(&["init"]).success();
    env.run_capfsh(&words("utils capf set keep_alive 20"))
        .success();
    let backup = env.home().join("bk");
    env.run_capfsh_file("utils capf backup", &backup).success();
    env.run_capfsh(&words("utils capf set keep_alive 30"))
        .success();
    let digest = env.digest();
    let mut holder = rusqlite::Connection::open(&env.db).expect("open");
    let tx = holder
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .expect("lock");
    let mut restore = env.capfd();
    restore
        .env("CAPFSH_BUSY_TIMEOUT_MS", "200")
        .args(["restore", "--force"])
        .arg(&backup);
    let out = restore.run();
    drop(tx);
    out.code(75).stderr_has("busy");
    assert_eq!(env.digest(), digest, "a failed restore changed the store");
    // Once the lock is gone, the same restore goes through.
    env.run_capfd_file("restore --force", &backup).success();
    env.run_capfsh(&words("show capf keep_alive"))
        .success()
        .stdout_has("20");
}
