//! `utils capf backup <folder>` and `capfd restore <folder> --db PATH`: an online copy of the
//! store with every CA key, restored under another name in another folder, signs.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{TestEnv, csr_pem, openssl_verify_ok, stderr, stdout};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o7777
}

fn write_csr(dir: &Path, dev: &str) -> PathBuf {
    let p = dir.join(format!("{dev}.csr"));
    std::fs::write(&p, csr_pem(dev)).expect("csr");
    p
}

/// The file name the store records for its active CA's key (each CA has its own).
fn key_name(env: &TestEnv) -> String {
    env.active_key()
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned()
}

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    v.sort();
    v
}

/// A store with a CA, one device signed in capf mode and one CSR pending in offline mode.
fn populated() -> TestEnv {
    let env = TestEnv::new();
    let out = env.run_capfd(&["init"]);
    out.success();
    let csr = write_csr(env.home(), "SEP0000000000B1");
    let out = env
        .enroll_cmd("SEP0000000000B1", &csr)
        .output()
        .expect("enroll");
    assert!(out.status.success(), "{}", stderr(&out));
    env.capfsh()
        .args(["utils", "capf", "set", "mode", "offline"])
        .assert()
        .success();
    let csr = write_csr(env.home(), "SEP0000000000B2");
    let out = env
        .enroll_cmd("SEP0000000000B2", &csr)
        .output()
        .expect("enroll");
    assert!(out.status.success(), "{}", stderr(&out));
    env
}

#[test]
fn a_backup_restored_under_another_name_elsewhere_signs() {
    let env = populated();
    let backup = env.home().join("backup-1");
    let out = env.run_capfsh_file("utils capf backup", &backup);
    out.success();
    out.stdout_has("Backup written to");
    // The folder is private; the key keeps its 0600, the store its mode.
    assert_eq!(mode(&backup), 0o700);
    let key = backup.join(key_name(&env));
    assert_eq!(mode(&key), 0o600);
    assert_eq!(
        std::fs::read(&key).expect("key"),
        std::fs::read(env.home().join(key_name(&env))).expect("key")
    );
    assert_eq!(mode(&backup.join("capf.db")), mode(&env.db));
    assert!(backup.join("capf-backup.txt").is_file());
    // A real SQLite says the copy is sound and holds what the store held.
    let check = Command::new("sqlite3")
        .arg(backup.join("capf.db"))
        .arg("PRAGMA integrity_check; SELECT count(*) FROM csr; SELECT count(*) FROM lsc;")
        .output()
        .expect("sqlite3 (install the sqlite3 package)");
    assert_eq!(stdout(&check), "ok\n2\n1\n", "{}", stderr(&check));
    // The audit log says who copied the keys.
    let audit = env.run_capfsh(&["show", "capf", "audit", "1"]);
    audit.stdout_has("backup of the store");

    // Restored under another name in another folder.
    let restored = TestEnv::with_store_name("run.db");
    let out = restored
        .capfd()
        .arg("restore")
        .arg(&backup)
        .output()
        .expect("restore");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("restored from"), "{}", stdout(&out));
    let restored_key = restored.home().join(key_name(&env));
    assert_eq!(mode(&restored_key), 0o600);
    let list = restored.run_capfsh(&["utils", "capf", "csr", "list"]);
    list.stdout_has("SEP0000000000B2");
    restored
        .capfsh()
        .args(["utils", "capf", "set", "mode", "capf"])
        .assert()
        .success();
    let csr = write_csr(restored.home(), "SEP0000000000B3");
    let lsc = restored.home().join("b3.pem");
    let out = restored
        .enroll_cmd("SEP0000000000B3", &csr)
        .arg("--out")
        .arg(&lsc)
        .output()
        .expect("enroll");
    assert!(out.status.success(), "{}", stderr(&out));
    let cert = stdout(&restored.run_capfsh(&["show", "capf", "cert"]));
    let pem: String = cert
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .take_while(|l| !l.starts_with("-----END"))
        .chain(std::iter::once("-----END CERTIFICATE-----"))
        .map(|l| format!("{l}\n"))
        .collect();
    let ca = restored.home().join("ca.pem");
    std::fs::write(&ca, pem).expect("ca");
    let verified = openssl_verify_ok(&ca, &lsc);
    assert!(verified.contains(": OK"), "{verified}");
    // The restore is in the restored store's audit log.
    let audit = restored.run_capfsh(&["show", "capf", "audit"]);
    audit.stdout_has("restored from");
}

#[test]
fn backups_and_restores_never_overwrite() {
    let env = populated();
    let backup = env.home().join("bk");
    env.capfsh()
        .args(["utils", "capf", "backup"])
        .arg(&backup)
        .assert()
        .success();
    let before = listing(&backup);
    // The same folder again: refused, nothing touched.
    let out = env.run_capfsh_file("utils capf backup", &backup);
    assert_eq!(out.status.code(), Some(1));
    out.stderr_has("not empty");
    assert!(stderr(&out).contains("Executed command unsuccessfully"));
    assert_eq!(listing(&backup), before);

    // Restoring over the live store: refused without --force.
    let digest = env.digest();
    let out = env
        .capfd()
        .arg("restore")
        .arg(&backup)
        .output()
        .expect("restore");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(env.digest(), digest, "a refused restore changed the store");

    // With --force, after a change: the backup's content comes back (online, through SQLite).
    env.capfsh()
        .args(["utils", "capf", "csr", "delete", "all", "noconfirm"])
        .assert()
        .success();
    let out = env.run_capfd_file("restore --force", &backup);
    out.success();
    let list = env.run_capfsh(&["utils", "capf", "csr", "list"]);
    list.stdout_has("SEP0000000000B2");

    // A key file of the same name with other content is never replaced, even with --force.
    let other = TestEnv::new();
    std::fs::write(other.home().join(key_name(&env)), "another CA's key\n").expect("key");
    let out = other.run_capfd_file("restore --force", &backup);
    assert_eq!(out.status.code(), Some(1));
    out.stderr_has("other content");
    assert!(!other.db.exists(), "nothing restored");
    assert_eq!(
        std::fs::read_to_string(other.home().join(key_name(&env))).expect("key"),
        "another CA's key\n"
    );
}

#[test]
fn a_damaged_backup_is_refused_whole() {
    let env = populated();
    let backup = env.home().join("bk");
    env.capfsh()
        .args(["utils", "capf", "backup"])
        .arg(&backup)
        .assert()
        .success();
    let key = backup.join(key_name(&env));
    let mut bytes = std::fs::read(&key).expect("key");
    bytes[40] ^= 1;
    std::fs::write(&key, bytes).expect("tamper");
    let other = TestEnv::new();
    let out = other
        .capfd()
        .arg("restore")
        .arg(&backup)
        .output()
        .expect("restore");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("does not match its SHA-256"),
        "{}",
        stderr(&out)
    );
    assert!(
        listing(other.home()).is_empty(),
        "{:?}",
        listing(other.home())
    );
    // Not a backup folder at all.
    let out = other
        .capfd()
        .arg("restore")
        .arg(env.home())
        .output()
        .expect("restore");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a capfsh backup"),
        "{}",
        stderr(&out)
    );
}
