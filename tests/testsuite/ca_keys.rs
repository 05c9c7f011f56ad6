//! Files capfd writes and the CA key (issue 8, items 1-4): `--out` never destroys the store,
//! a key or an existing file; every CA names its own key file, recorded with the certificate
//! as a plain name beside the store; replacing the CA never touches the active key; a store
//! copied elsewhere finds its keys; a key that is missing or wrong is named precisely.

use std::path::{Path, PathBuf};

use crate::support::{Bin, Run, TestEnv, csr_pem, stderr, stdout};

fn init(env: &TestEnv, extra: &[&str]) {
    let out = env.capfd().arg("init").args(extra).output().expect("init");
    assert!(out.status.success(), "{}", stderr(&out));
}

fn write_csr(env: &TestEnv, cn: &str) -> PathBuf {
    let p = env.home().join(format!("{cn}.csr"));
    std::fs::write(&p, csr_pem(cn)).expect("csr");
    p
}

fn enroll(env: &TestEnv, device: &str, out: Option<&Path>) -> std::process::Output {
    let csr = write_csr(env, device);
    let mut cmd = env.capfd();
    cmd.args(["enroll", "--device", device, "--csr"]).arg(&csr);
    if let Some(o) = out {
        cmd.arg("--out").arg(o);
    }
    cmd.output().expect("enroll")
}

/// capfd on another store than the environment's.
fn capfd_on(env: &TestEnv, db: &Path) -> std::process::Command {
    env.process_on(Bin::Capfd, db)
}

fn count(env: &TestEnv, sql: &str) -> i64 {
    let conn =
        rusqlite::Connection::open_with_flags(&env.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open");
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

/// Files in the store's folder, by name (temporary files would show here).
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn out_naming_the_store_its_wal_or_a_key_is_refused_before_anything_changes() {
    let env = TestEnv::new();
    init(&env, &[]);
    let ok = enroll(&env, "SEP000000000001", None);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let before = env.digest();
    let key = env.active_key();
    let key_bytes = std::fs::read(&key).expect("key");
    let db_len = std::fs::metadata(&env.db).expect("db").len();
    let mut wal = env.db.as_os_str().to_os_string();
    wal.push("-wal");
    // A hard link to the store under another name is the store too.
    let alias = env.home().join("alias.db");
    std::fs::hard_link(&env.db, &alias).expect("link");
    let relative_store = Path::new(".").join(env.db.file_name().expect("name"));
    std::fs::create_dir(env.home().join("sub")).expect("sub");
    for target in [
        env.db.clone(),
        PathBuf::from(&wal),
        key.clone(),
        alias.clone(),
        env.home().join("sub").join("..").join("capf.db"),
    ] {
        let out = enroll(&env, "SEP000000000002", Some(&target));
        assert_eq!(out.status.code(), Some(1), "{}", target.display());
        let err = stderr(&out);
        assert!(err.contains("refusing to write"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // Relative to the store's folder, too.
    let out = env
        .capfd()
        .current_dir(env.home())
        .args(["enroll", "--device", "SEP000000000002", "--csr"])
        .arg(write_csr(&env, "SEP000000000002"))
        .arg("--out")
        .arg(&relative_store)
        .output()
        .expect("enroll");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(env.digest(), before, "nothing was recorded");
    assert!(std::fs::metadata(&env.db).expect("db").len() >= db_len);
    assert_eq!(std::fs::read(&key).expect("key"), key_bytes);
    let out = env
        .capfsh()
        .args(["utils", "capf", "csr", "count"])
        .output()
        .expect("count");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains('1'), "{}", stdout(&out));
}

#[test]
fn a_refused_csr_or_a_pending_mode_leaves_an_existing_out_file_as_it_was() {
    let env = TestEnv::new();
    init(&env, &[]);
    let out_file = env.home().join("lsc.pem");
    std::fs::write(&out_file, "precious").expect("seed");
    let junk = env.home().join("junk.csr");
    std::fs::write(
        &junk,
        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
    )
    .expect("junk");
    let out = env
        .enroll_cmd("SEP000000000001", &junk)
        .arg("--out")
        .arg(&out_file)
        .output()
        .expect("enroll");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&out_file).expect("read"),
        "precious"
    );
    for mode in ["offline", "online"] {
        let set = env
            .capfsh()
            .args(["utils", "capf", "set", "mode", mode])
            .output()
            .expect("mode");
        assert!(set.status.success(), "{}", stderr(&set));
        let out = enroll(&env, "SEP000000000001", Some(&out_file));
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            std::fs::read_to_string(&out_file).expect("read"),
            "precious",
            "{mode}"
        );
    }
    let names = listing(env.home());
    assert!(
        !names.iter().any(|n| n.ends_with(".tmp")),
        "temporary files left: {names:?}"
    );
}

#[test]
fn out_through_a_planted_symbolic_link_is_refused_and_records_nothing() {
    let env = TestEnv::new();
    init(&env, &[]);
    let victim = env.home().join("victim");
    std::fs::write(&victim, "precious").expect("victim");
    let link = env.home().join("lsc.pem");
    std::os::unix::fs::symlink(&victim, &link).expect("link");
    let before = env.digest();
    let out = enroll(&env, "SEP000000000001", Some(&link));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
    assert_eq!(env.digest(), before);
}

#[test]
fn out_replaces_a_regular_file_with_the_complete_lsc() {
    let env = TestEnv::new();
    init(&env, &[]);
    let out_file = env.home().join("lsc.pem");
    std::fs::write(&out_file, "old").expect("seed");
    let out = enroll(&env, "SEP000000000001", Some(&out_file));
    assert!(out.status.success(), "{}", stderr(&out));
    let pem = std::fs::read_to_string(&out_file).expect("read");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    assert!(
        pem.trim_end().ends_with("-----END CERTIFICATE-----"),
        "{pem}"
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn each_ca_names_its_own_key_and_replacing_never_touches_the_active_key() {
    let env = TestEnv::new();
    init(&env, &[]);
    let first = env.active_key();
    let name = first
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("capf.db.ca-key-") && name.ends_with(".pem"),
        "{name}"
    );
    let bytes = std::fs::read(&first).expect("key");
    let ino = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&first).expect("meta"));
    init(&env, &["--force", "--key", "ec-p384"]);
    let second = env.active_key();
    assert_ne!(first, second);
    // The old key stays where it was, as it was: the retired record still names it.
    assert_eq!(std::fs::read(&first).expect("old key"), bytes);
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&first).expect("meta")),
        ino
    );
    let retired_names = count(
        &env,
        &format!(
            "SELECT count(*) FROM capf_ca WHERE retired_at IS NOT NULL AND key_file = '{name}'"
        ),
    );
    assert_eq!(retired_names, 1);
    let out = enroll(&env, "SEP000000000001", None);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_failed_replacement_leaves_the_old_ca_and_key_and_no_new_file() {
    let env = TestEnv::new();
    init(&env, &[]);
    let key = env.active_key();
    let bytes = std::fs::read(&key).expect("key");
    let files = env.key_files();
    let before = env.digest();
    // Another writer holds the lock: the replacement must give up without leaving its key.
    let mut holder = rusqlite::Connection::open(&env.db).expect("open");
    let tx = holder
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .expect("lock");
    let out = env
        .capfd()
        .env("CAPFSH_BUSY_TIMEOUT_MS", "200")
        .args(["init", "--force"])
        .output()
        .expect("init");
    drop(tx);
    // 75: the store is unavailable (busy), per the exit-code table.
    assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
    assert!(stderr(&out).contains("busy"), "{}", stderr(&out));
    assert_eq!(env.key_files(), files);
    assert_eq!(std::fs::read(&key).expect("key"), bytes);
    assert_eq!(env.digest(), before);
    let out = enroll(&env, "SEP000000000001", None);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn orphan_keys_of_crashed_replacements_are_removed_and_older_names_kept() {
    let env = TestEnv::new();
    init(&env, &[]);
    let dir = env.db.parent().expect("dir");
    let orphan = dir.join("capf.db.ca-key-0123456789abcdef.pem");
    std::fs::write(&orphan, "half a key").expect("orphan");
    let legacy = dir.join("capf.db.ca-key.pem.retired-1700000000");
    std::fs::write(&legacy, "an old retired key").expect("legacy");
    let other_store = dir.join("other.db.ca-key-0123456789abcdef.pem");
    std::fs::write(&other_store, "another store's key").expect("other");
    init(&env, &["--force"]);
    assert!(!orphan.exists(), "the orphan is removed");
    assert!(legacy.exists(), "older names are never removed");
    assert!(other_store.exists(), "another store's keys are not ours");
    assert_eq!(count(&env, "SELECT count(*) FROM capf_ca"), 2);
    assert!(env.active_key().is_file());
}

#[test]
fn a_store_copied_under_another_name_and_folder_finds_its_keys() {
    let env = TestEnv::new();
    init(&env, &[]);
    init(&env, &["--force"]);
    let elsewhere = env.home().join("restored");
    std::fs::create_dir(&elsewhere).expect("dir");
    let copy = elsewhere.join("copy-of-capf.db");
    // A backup as an admin makes it: the database (checkpointed) and the key files beside it.
    let conn = rusqlite::Connection::open(&env.db).expect("open");
    conn.execute("VACUUM INTO ?1", [copy.to_string_lossy()])
        .expect("vacuum into");
    for k in env.key_files() {
        std::fs::copy(&k, elsewhere.join(k.file_name().expect("name"))).expect("copy key");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            elsewhere.join(k.file_name().expect("name")),
            std::fs::Permissions::from_mode(0o600),
        )
        .expect("chmod");
    }
    let csr = write_csr(&env, "SEP000000000009");
    let out = capfd_on(&env, &copy)
        .args(["enroll", "--device", "SEP000000000009", "--csr"])
        .arg(&csr)
        .output()
        .expect("enroll");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("BEGIN CERTIFICATE"));
    // And through a symbolic link to the store: the keys are beside the real file.
    let link_dir = env.home().join("links");
    std::fs::create_dir(&link_dir).expect("dir");
    let link = link_dir.join("capf.db");
    std::os::unix::fs::symlink(&copy, &link).expect("link");
    let out = capfd_on(&env, &link)
        .args(["enroll", "--device", "SEP00000000000A", "--csr"])
        .arg(write_csr(&env, "SEP00000000000A"))
        .output()
        .expect("enroll");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_missing_or_foreign_active_key_is_named_precisely() {
    let env = TestEnv::new();
    init(&env, &[]);
    let key = env.active_key();
    let saved = std::fs::read(&key).expect("key");
    std::fs::remove_file(&key).expect("rm");
    let out = enroll(&env, "SEP000000000001", None);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("is missing"), "{err}");
    assert!(err.contains(&key.display().to_string()), "{err}");
    assert!(err.contains("init --force"), "{err}");
    // Another CA's key under the active key's name.
    let other = TestEnv::new();
    init(&other, &[]);
    std::fs::copy(other.active_key(), &key).expect("copy");
    let out = enroll(&env, "SEP000000000001", None);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("does not hold the key of the active CAPF CA"),
        "{err}"
    );
    std::fs::write(&key, saved).expect("restore");
    let out = enroll(&env, "SEP000000000001", None);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Item 3: replacements at once run one after the other; every record keeps its own key.
#[test]
fn concurrent_replacements_never_pair_a_ca_with_another_cas_key() {
    let env = TestEnv::new();
    init(&env, &[]);
    for _ in 0..4 {
        let children: Vec<_> = (0..3)
            .map(|_| {
                let mut cmd = env.process(Bin::Capfd);
                cmd.args(["init", "--force"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped());
                cmd.spawn().expect("spawn")
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().expect("wait");
            assert!(out.status.success(), "{}", stderr(&out));
        }
    }
    assert_eq!(count(&env, "SELECT count(*) FROM capf_ca"), 13);
    assert_eq!(
        count(
            &env,
            "SELECT count(*) FROM capf_ca WHERE retired_at IS NULL"
        ),
        1
    );
    assert_eq!(
        count(&env, "SELECT count(DISTINCT key_file) FROM capf_ca"),
        13
    );
    crate::crash::assert_every_ca_has_its_key(&env.db);
    let out = enroll(&env, "SEP000000000001", None);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The second half of item 1: a store emptied by another program is not silently replaced by
/// a fresh one (capfsh never leaves an empty file under a store's name itself).
#[test]
fn an_emptied_store_is_refused_not_silently_started_afresh() {
    let env = TestEnv::new();
    init(&env, &[]);
    std::fs::write(&env.db, b"").expect("truncate");
    for args in [
        &["utils", "capf", "csr", "list"][..],
        &["utils", "capf", "set", "keep_alive", "20"][..],
    ] {
        let out = env.capfsh().args(args).run();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("the store file is empty (0 bytes)"), "{err}");
    }
    let out = enroll(&env, "SEP000000000001", None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("empty"), "{}", stderr(&out));
    assert_eq!(std::fs::metadata(&env.db).expect("db").len(), 0);
    // A store that does not exist yet is still created on first use, whole.
    let fresh = TestEnv::new();
    let out = fresh.capfsh().args(["utils", "capf", "csr", "count"]).run();
    out.success();
    assert!(std::fs::metadata(&fresh.db).expect("db").len() > 0);
    let names = listing(fresh.home());
    assert!(
        !names
            .iter()
            .any(|n| n.ends_with(".new") || n.ends_with("-journal")),
        "{names:?}"
    );
}

/// `capfd run` names an active CA without its key when it starts, before any CSR waits.
#[test]
fn the_service_names_a_missing_ca_key_at_start() {
    let env = TestEnv::new();
    init(&env, &[]);
    let key = env.active_key();
    std::fs::remove_file(&key).expect("rm");
    // A free loopback port for the phone service: tests run side by side.
    let mut run = env.capfd_run(&["--interval-ms", "100", "--listen", "127.0.0.1:0"]);
    let found = run.try_wait_for_next("is missing", std::time::Duration::from_secs(30));
    run.kill();
    let line = found.unwrap_or_else(|| panic!("no missing-key line: {:?}", run.lines));
    assert!(line.contains(&key.display().to_string()), "{line}");
}
