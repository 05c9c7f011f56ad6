//! Issue 8, item 5, with real OS users (useradd + runuser; the suite runs as root, CI too):
//! another user who may read the store never breaks the owner's writes, and a read never
//! fails because the reader may not write.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{CommandOutput, words};

const OWNER: &str = "capfsh-t-owner";
const READER: &str = "capfsh-t-reader";

/// Creates the system user `name` unless it exists; its uid.
fn ensure_user(name: &str) -> u32 {
    if let Ok(Some(u)) = nix::unistd::User::from_name(name) {
        return u.uid.as_raw();
    }
    let out = Command::new("useradd")
        .args([
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ])
        .output()
        .expect("useradd runs");
    // Two tests may race to create it: only a user that still does not exist is a failure.
    match nix::unistd::User::from_name(name) {
        Ok(Some(u)) => u.uid.as_raw(),
        _ => panic!("useradd {name}: {}", String::from_utf8_lossy(&out.stderr)),
    }
}

/// `bin` (capfsh or capfd) run as `user` on the store `db`.
fn as_user(user: &str, bin: &str, db: &Path, args: &[&str]) -> Output {
    Command::new("runuser")
        .args(["-u", user, "--", bin, "--db"])
        .arg(db)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .output()
        .expect("runuser runs")
}

fn capfsh() -> &'static str {
    env!("CARGO_BIN_EXE_capfsh")
}

/// capfsh run as `user` on the store `db`, with the words of `line`.
fn capfsh_as(user: &str, db: &Path, line: &str) -> CommandOutput {
    CommandOutput(as_user(user, capfsh(), db, &words(line)))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh folder under /tmp with `mode`, owned by `uid`.
fn folder(mode: u32, uid: u32) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("capfsh-os-users")
        .tempdir_in("/tmp")
        .expect("tempdir");
    let store_dir = dir.path().join("store");
    std::fs::create_dir(&store_dir).expect("dir");
    nix::unistd::chown(&store_dir, Some(nix::unistd::Uid::from_raw(uid)), None).expect("chown");
    std::fs::set_permissions(&store_dir, std::fs::Permissions::from_mode(mode)).expect("chmod");
    // The temporary folder itself must let the users through.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (dir, store_dir)
}

/// Files in `dir` owned by `uid`.
fn owned_by(dir: &Path, uid: u32) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("ls")
        .flatten()
        .filter(|e| e.metadata().is_ok_and(|m| m.uid() == uid))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn skip_unless_root() -> bool {
    if nix::unistd::Uid::current().is_root() {
        return false;
    }
    eprintln!("not root: cannot create OS users here; CI and the dev machine run as root");
    true
}

/// The owner makes a store and lets others read it (`chmod 644`).
fn owner_store(dir: &Path) -> PathBuf {
    let db = dir.join("capf.db");
    capfsh_as(OWNER, &db, "utils capf set keep_alive 20").success();
    let out = Command::new("runuser")
        .args(["-u", OWNER, "--", "chmod", "644"])
        .arg(&db)
        .output()
        .expect("chmod");
    assert!(out.status.success(), "{}", text(&out.stderr));
    db
}

#[test]
fn a_reader_in_a_writable_folder_leaves_nothing_that_breaks_the_owner() {
    if skip_unless_root() {
        return;
    }
    let owner = ensure_user(OWNER);
    let reader = ensure_user(READER);
    // Sticky and world-writable, like /tmp: the reader could create files here.
    let (_tmp, dir) = folder(0o1777, owner);
    let db = owner_store(&dir);
    for _ in 0..2 {
        for args in [
            &["utils", "capf", "csr", "list"][..],
            &["show", "capf", "keep_alive"][..],
        ] {
            let out = as_user(READER, capfsh(), &db, args);
            assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        }
        assert!(
            owned_by(&dir, reader).is_empty(),
            "the reader left files: {:?}",
            owned_by(&dir, reader)
        );
        // The owner's next change works.
        capfsh_as(OWNER, &db, "utils capf set keep_alive 25").success();
    }
    // The reader's own write attempt is refused as read-only, and breaks nothing either.
    capfsh_as(READER, &db, "utils capf set keep_alive 30")
        .code(1)
        .stderr_has("read-only");
    assert!(owned_by(&dir, reader).is_empty());
    capfsh_as(OWNER, &db, "utils capf set keep_alive 35").success();
    capfsh_as(READER, &db, "show capf keep_alive")
        .success()
        .stdout_has("35");
}

#[test]
fn a_reader_in_a_folder_it_cannot_write_still_reads() {
    if skip_unless_root() {
        return;
    }
    let owner = ensure_user(OWNER);
    ensure_user(READER);
    let (_tmp, dir) = folder(0o755, owner);
    let db = owner_store(&dir);
    // With the owner's -wal/-shm in place (kept after the owner's last close).
    capfsh_as(READER, &db, "show capf keep_alive")
        .success()
        .stdout_has("20");
    // And without them (a store last closed by another SQLite program, which removes them).
    for suffix in ["-wal", "-shm"] {
        let mut p = db.as_os_str().to_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    capfsh_as(READER, &db, "show capf keep_alive")
        .success()
        .stdout_has("20");
    // A write by the reader is a write error, never a read that fails.
    let out = capfsh_as(READER, &db, "utils capf set keep_alive 30");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    capfsh_as(OWNER, &db, "utils capf set keep_alive 40").success();
    capfsh_as(READER, &db, "show capf keep_alive")
        .success()
        .stdout_has("40");
}

#[test]
fn side_files_left_by_another_user_are_named_precisely() {
    if skip_unless_root() {
        return;
    }
    let owner = ensure_user(OWNER);
    let reader = ensure_user(READER);
    let (_tmp, dir) = folder(0o1777, owner);
    let db = owner_store(&dir);
    // What an older capfsh's reader left: a -shm the owner cannot write.
    let mut shm = db.as_os_str().to_os_string();
    shm.push("-shm");
    let shm = PathBuf::from(shm);
    nix::unistd::chown(&shm, Some(nix::unistd::Uid::from_raw(reader)), None).expect("chown");
    std::fs::set_permissions(&shm, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = capfsh_as(OWNER, &db, "utils capf set keep_alive 25");
    assert_ne!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(err.contains("-shm belongs to capfsh-t-reader"), "{err}");
    assert!(err.contains("chown"), "{err}");
    // Once root gives it back, all is well.
    nix::unistd::chown(&shm, Some(nix::unistd::Uid::from_raw(owner)), None).expect("chown");
    capfsh_as(OWNER, &db, "utils capf set keep_alive 25").success();
}
