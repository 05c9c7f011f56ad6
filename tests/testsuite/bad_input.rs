//! Bad input: each case gets one clear reason line, the failure trailer, a non-zero exit code,
//! and leaves the store exactly as it was.

use std::time::Duration;

use crate::support::{Run, TestEnvironment, stderr, words};

const TRAILER: &str = "Executed command unsuccessfully";

/// Runs `args` against a seeded store and checks the failure contract; returns standard error.
fn refused(env: &TestEnvironment, args: &[&str], code: i32, reason: &str) -> String {
    let before = env.digest();
    let out = env
        .capfsh()
        .args(args)
        .timeout(Duration::from_secs(20))
        .run();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.last(), Some(&TRAILER), "{args:?}: {err}");
    assert!(
        err.contains(reason),
        "{args:?}: expected {reason:?} in {err:?}"
    );
    assert!(
        out.stdout.is_empty(),
        "{args:?}: stdout {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(env.digest(), before, "{args:?} changed the store");
    err
}

/// One reason line (clap usage errors carry a usage block, checked separately).
fn one_line(env: &TestEnvironment, args: &[&str], code: i32, reason: &str) {
    let err = refused(env, args, code, reason);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 2, "{args:?}: not one reason line: {err:?}");
}

#[test]
fn bad_values_and_commands_are_refused_cleanly() {
    let env = TestEnvironment::new();
    env.seed();
    let cases: &[(&str, i32, &str)] = &[
        ("utils capf set keep_alive 4", 1, "out of range"),
        ("utils capf set keep_alive 61", 1, "between 5 and 60"),
        ("utils capf set keep_alive 0", 1, "out of range"),
        ("utils capf set keep_alive -1", 1, "out of range"),
        ("utils capf set keep_alive abc", 1, "not a number"),
        ("utils capf set keep_alive 15.5", 1, "not a number"),
        (
            "utils capf set keep_alive 99999999999999999999999",
            1,
            "not a number",
        ),
        ("utils capf set validity 0", 1, "between 1 and 1825"),
        ("utils capf set validity 1826", 1, "between 1 and 1825"),
        ("utils capf set validity x", 1, "not a number"),
        (
            "utils capf csr dump SEPDEADBEEF0000",
            1,
            "no pending CSR for device SEPDEADBEEF0000",
        ),
        ("utils capf csr dump SEP;DROP", 1, "invalid device name"),
        (
            "utils capf csr dump SEP001122AABBCCDDEE",
            1,
            "at most 15 characters",
        ),
        (
            "utils capf csr delete SEPDEADBEEF0000 noconfirm",
            1,
            "no pending CSR",
        ),
        (
            "utils capf stale-lsc delete SEP001122AABB01 noconfirm",
            1,
            "no stale LSC",
        ),
        (
            "utils capf stale-lsc delete all",
            1,
            "utils capf stale-lsc delete all would delete 1 stale LSC and needs confirmation, \
             but there is no terminal to ask on: add noconfirm (or --yes)",
        ),
        (
            "ut ca cs del CSFJOHN",
            1,
            "utils capf csr delete CSFJOHN would delete 1 pending CSR of CSFJOHN and needs \
             confirmation, but there is no terminal to ask on: add noconfirm (or --yes)",
        ),
        (
            "utils capf csr delete all",
            1,
            "would delete 4 pending CSRs and needs confirmation",
        ),
        ("utils capf set keep_alive", 1, "pass the minutes"),
        ("show capf lsc expiring -5", 1, "between 0 and 3650"),
        (
            "utils capf cert import /nonexistent/x.pem",
            1,
            "does not exist",
        ),
    ];
    for (line, code, reason) in cases {
        one_line(&env, &words(line), *code, reason);
    }
}

#[test]
fn usage_errors_exit_2_with_the_trailer() {
    let env = TestEnvironment::new();
    env.seed();
    let cases: &[(&str, &str)] = &[
        ("utils bogus", "unrecognized subcommand"),
        ("frobnicate", "unrecognized subcommand"),
        ("utils capf s", "unrecognized subcommand"),
        ("utils capf csr list extra", "unexpected argument"),
        ("utils capf stale-lsc delete", "required"),
        ("utils capf set mode bogus", "invalid value"),
        ("set cli pagination maybe", "invalid value"),
    ];
    for (line, reason) in cases {
        refused(&env, &words(line), 2, reason);
    }
}

#[test]
fn an_ambiguous_prefix_names_the_candidates_and_runs_nothing() {
    let env = TestEnvironment::new();
    env.seed();
    let out = env.run_capfsh(&["utils", "capf", "s"]);
    let err = stderr(&out);
    assert!(err.contains("set") && err.contains("stale-lsc"), "{err}");
}

#[test]
fn store_problems_are_one_actionable_line() {
    // A missing folder for --db: refused, and the folder is not created.
    let env = TestEnvironment::new();
    let missing = env.home().join("no-such-folder").join("capf.db");
    let out = env
        .capfsh_default()
        .arg("--db")
        .arg(&missing)
        .args(["utils", "capf", "csr", "list"])
        .run();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("does not exist"), "{err}");
    assert!(err.ends_with(&format!("{TRAILER}\n")), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(!missing.parent().expect("parent").exists());

    // A file that is not a database: refused, the file untouched.
    let junk = env.home().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).expect("write");
    let out = env
        .capfsh_default()
        .arg("--db")
        .arg(&junk)
        .args(["utils", "capf", "csr", "list"])
        .run();
    assert_eq!(out.status.code(), Some(1));
    out.stderr_has("not a capfsh store");
    assert_eq!(std::fs::read(&junk).expect("read"), vec![b'x'; 4096]);
}

#[test]
fn a_read_only_store_refuses_writes_but_still_reads() {
    let env = TestEnvironment::new();
    env.seed();
    let before = env.digest();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&env.db, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    }
    let out = env.run_capfsh(&["utils", "capf", "set", "keep_alive", "20"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    let out = env.run_capfsh(&["utils", "capf", "csr", "count"]);
    out.success();
    assert_eq!(env.digest(), before);
}

#[test]
fn a_store_locked_by_another_writer_times_out_cleanly() {
    let env = TestEnvironment::new();
    env.seed();
    let before = env.digest();
    let mut holder = rusqlite::Connection::open(&env.db).expect("open");
    let tx = holder
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .expect("lock");
    let out = env
        .capfsh()
        .env("CAPFSH_BUSY_TIMEOUT_MS", "200")
        .args(["utils", "capf", "stale-lsc", "delete", "all", "noconfirm"])
        .run();
    drop(tx);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("busy"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    assert_eq!(env.digest(), before);
}

#[test]
fn a_newer_schema_is_refused_and_the_file_is_untouched() {
    let env = TestEnvironment::new();
    env.seed();
    {
        let conn = rusqlite::Connection::open(&env.db).expect("open");
        conn.pragma_update(None, "user_version", 99).expect("bump");
        conn.pragma_update(None, "journal_mode", "DELETE")
            .expect("no wal");
    }
    let bytes = std::fs::read(&env.db).expect("read");
    let out = env.run_capfsh(&["utils", "capf", "csr", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("schema version 99 is newer"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    assert_eq!(std::fs::read(&env.db).expect("read"), bytes);
}

#[test]
fn a_corrupt_store_is_reported_not_panicked_on() {
    let env = TestEnvironment::new();
    env.seed();
    {
        let conn = rusqlite::Connection::open(&env.db).expect("open");
        conn.pragma_update(None, "journal_mode", "DELETE")
            .expect("no wal");
    }
    let mut bytes = std::fs::read(&env.db).expect("read");
    let page = 4096;
    assert!(bytes.len() > 3 * page);
    // Every page after the schema: wherever the listing reads (a table, an index), it finds
    // garbage.
    for b in &mut bytes[page + 100..] {
        *b = 0xA5;
    }
    std::fs::write(&env.db, &bytes).expect("write");
    let out = env.run_capfsh(&["utils", "capf", "csr", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("corrupt") || err.contains("malformed"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
}
