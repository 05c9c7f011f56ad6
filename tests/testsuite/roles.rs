//! Roles with real OS users (root creates them with groupadd/useradd and runs commands as them
//! with runuser): `capfd setup` lays the store out; a reader lists but changes nothing, through
//! capfsh or by any other means; an operator changes settings but not the CA or trust; an admin
//! does everything; refusals name the role and are audited as failed.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Users and groups made for one test, removed when it ends (also when it fails).
struct Accounts {
    suffix: String,
    users: Vec<String>,
    groups: Vec<String>,
}

impl Accounts {
    fn new() -> Accounts {
        // SAFETY: geteuid cannot fail.
        assert_eq!(
            unsafe { libc::geteuid() },
            0,
            "the roles test creates OS users: run the tests as root (CI does)"
        );
        Accounts {
            suffix: format!("{}", std::process::id() % 100_000),
            users: Vec::new(),
            groups: Vec::new(),
        }
    }

    fn group(&mut self, base: &str) -> String {
        let name = format!("{base}{}", self.suffix);
        let out = Command::new("groupadd")
            .arg(&name)
            .output()
            .expect("groupadd");
        assert!(
            out.status.success(),
            "groupadd {name}: {}",
            text(&out.stderr)
        );
        self.groups.push(name.clone());
        name
    }

    fn user(&mut self, base: &str, groups: &[&str]) -> String {
        let name = format!("{base}{}", self.suffix);
        let mut cmd = Command::new("useradd");
        cmd.args(["-M", "-s", "/bin/sh"]);
        if !groups.is_empty() {
            cmd.arg("-G").arg(groups.join(","));
        }
        let out = cmd.arg(&name).output().expect("useradd");
        assert!(
            out.status.success(),
            "useradd {name}: {}",
            text(&out.stderr)
        );
        self.users.push(name.clone());
        name
    }
}

impl Drop for Accounts {
    fn drop(&mut self) {
        for u in &self.users {
            let _ = Command::new("userdel").arg(u).output();
        }
        for g in &self.groups {
            let _ = Command::new("groupdel").arg(g).output();
        }
    }
}

struct Site {
    base: tempfile::TempDir,
    bin: PathBuf,
    db: PathBuf,
}

impl Site {
    fn new() -> Site {
        let base = tempfile::tempdir().expect("tempdir");
        // Other users must reach the binaries and the store's folder.
        std::fs::set_permissions(base.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let bin = base.path().join("bin");
        std::fs::create_dir(&bin).expect("bin");
        for b in [env!("CARGO_BIN_EXE_capfsh"), env!("CARGO_BIN_EXE_capfd")] {
            let to = bin.join(Path::new(b).file_name().expect("name"));
            std::fs::copy(b, &to).expect("copy binary");
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        let db = base.path().join("state").join("capf.db");
        Site { base, bin, db }
    }

    /// Runs `program args` as `user` (root when None) with a clean environment.
    fn run_as(&self, user: Option<&str>, program: &str, args: &[&str]) -> Output {
        let mut cmd = match user {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]);
                c.arg("env");
                c
            }
            None => Command::new("env"),
        };
        let path = format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", self.bin.display());
        cmd.args([
            "-i",
            &format!("PATH={path}"),
            "HOME=/nonexistent",
            "TERM=dumb",
        ])
        .arg(format!("CAPFSH_DB={}", self.db.display()))
        .arg(program)
        .args(args);
        cmd.current_dir(self.base.path());
        cmd.output().expect("run")
    }

    fn capfsh(&self, user: Option<&str>, args: &str) -> Output {
        let words: Vec<&str> = args.split(' ').collect();
        self.run_as(user, "capfsh", &words)
    }

    fn sh(&self, user: &str, script: &str) -> Output {
        self.run_as(Some(user), "sh", &["-c", script])
    }

    fn keep_alive(&self) -> String {
        // Read-only: a plain sqlite3 closing last would remove the -wal and -shm files that
        // readers, who may not create files in the folder, rely on.
        let out = Command::new("sqlite3")
            .arg("-readonly")
            .arg(&self.db)
            .arg("SELECT keep_alive_minutes, issuer_mode FROM settings")
            .output()
            .expect("sqlite3");
        text(&out.stdout)
    }
}

fn ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what}: {:?}\n{}{}",
        o.status,
        text(&o.stdout),
        text(&o.stderr)
    );
}

fn refused(o: &Output, what: &str, needle: &str) {
    assert_eq!(
        o.status.code(),
        Some(1),
        "{what}: {}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    let err = text(&o.stderr);
    assert!(err.contains(needle), "{what}: {err}");
    assert!(
        err.contains("Executed command unsuccessfully"),
        "{what}: {err}"
    );
}

#[test]
fn readers_read_operators_operate_admins_administer_with_real_os_users() {
    let mut acc = Accounts::new();
    let admins = acc.group("cfa");
    let operators = acc.group("cfo");
    let readers = acc.group("cfr");
    let service = acc.user("cfsvc", &[]);
    let admin = acc.user("cfadm", &[&admins]);
    let operator = acc.user("cfops", &[&operators]);
    let reader = acc.user("cfrd", &[&readers]);
    let nobody = acc.user("cfno", &[]);
    let site = Site::new();
    let setup = |check: bool| {
        let mut args = vec![
            "setup",
            "--admins",
            &admins,
            "--operators",
            &operators,
            "--readers",
            &readers,
            "--service",
            &service,
        ];
        if check {
            args.push("--check");
        }
        site.run_as(None, "capfd", &args)
    };

    // Before setup, --check reports what is missing and changes nothing.
    let out = setup(true);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(!site.db.exists());
    // setup creates the folder, the store, its WAL files and the roles file.
    let out = setup(false);
    ok(&out, "setup");
    assert!(text(&out.stdout).contains("fixed"), "{}", text(&out.stdout));
    let folder = site.db.parent().expect("folder");
    let meta = std::fs::metadata(folder).expect("folder");
    assert_eq!(meta.mode() & 0o7777, 0o2770, "setgid folder");
    assert_eq!(meta.uid(), capfsh::roles::user_id(&service).expect("uid"));
    assert_eq!(meta.gid(), capfsh::roles::group_id(&admins).expect("gid"));
    let meta = std::fs::metadata(&site.db).expect("store");
    assert_eq!(meta.mode() & 0o777, 0o660);
    // Now the layout checks clean.
    let out = setup(true);
    ok(&out, "setup --check");
    assert!(
        !text(&out.stdout).contains("DIFFERS"),
        "{}",
        text(&out.stdout)
    );

    // The service account is admin: it creates the CA, its key its own.
    let out = site.run_as(Some(&service), "capfd", &["init"]);
    ok(&out, "capfd init as the service account");
    // Each CA's key has its own name, recorded with the certificate.
    let key_name: String =
        rusqlite::Connection::open_with_flags(&site.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open")
            .query_row(
                "SELECT key_file FROM capf_ca WHERE retired_at IS NULL",
                [],
                |r| r.get(0),
            )
            .expect("key_file");
    let key = folder.join(key_name);
    let kmeta = std::fs::metadata(&key).expect("key");
    assert_eq!(kmeta.mode() & 0o777, 0o600);
    assert_eq!(kmeta.uid(), capfsh::roles::user_id(&service).expect("uid"));
    ok(&setup(true), "setup --check after init");
    let before = site.keep_alive();

    // A reader lists and shows.
    ok(
        &site.capfsh(Some(&reader), "utils capf csr list"),
        "reader lists",
    );
    let status = site.capfsh(Some(&reader), "show capf status");
    ok(&status, "reader shows status");
    assert!(
        text(&status.stdout).contains("CAPF-"),
        "{}",
        text(&status.stdout)
    );
    // ... changes nothing through capfsh, and the refusal names the role ...
    let out = site.capfsh(Some(&reader), "utils capf set keep_alive 20");
    refused(&out, "reader sets keep_alive", "needs the operator role");
    assert!(
        text(&out.stderr).contains("read-only role"),
        "{}",
        text(&out.stderr)
    );
    refused(
        &site.capfsh(Some(&reader), "utils capf set mode offline"),
        "reader sets mode",
        "needs the admin role",
    );
    // ... and cannot write the store by any other means.
    let out = site.run_as(
        Some(&reader),
        "sqlite3",
        &[
            site.db.to_str().expect("utf-8"),
            "UPDATE settings SET keep_alive_minutes = 21",
        ],
    );
    assert!(!out.status.success(), "sqlite3 as a reader wrote the store");
    let db = site.db.display().to_string();
    for (what, script) in [
        ("append", format!("echo x >> '{db}'")),
        ("truncate", format!(": > '{db}'")),
        ("delete", format!("rm -f '{db}'")),
        ("rename", format!("mv '{db}' '{db}.x'")),
        ("write the WAL", format!("echo x >> '{db}-wal'")),
        ("create a file", format!("touch '{}/x'", folder.display())),
        ("read the CA key", format!("cat '{}'", key.display())),
    ] {
        let out = site.sh(&reader, &script);
        assert!(!out.status.success(), "a reader could {what}");
    }
    assert_eq!(site.keep_alive(), before, "the store changed");

    // An operator changes settings but not the issuer mode or the trust list.
    ok(
        &site.capfsh(Some(&operator), "utils capf set keep_alive 20"),
        "operator sets keep_alive",
    );
    let out = site.capfsh(Some(&operator), "utils capf set mode offline");
    refused(&out, "operator sets mode", "needs the admin role");
    assert!(
        text(&out.stderr).contains("operator role"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !site
            .sh(&operator, &format!("cat '{}'", key.display()))
            .status
            .success(),
        "an operator read the CA key"
    );
    let audit = site.capfsh(None, "show capf audit 5");
    let audit = text(&audit.stdout);
    assert!(
        audit
            .lines()
            .any(|l| l.contains("failed") && l.contains("needs the admin role")),
        "the refusal is audited as failed:\n{audit}"
    );
    assert!(
        site.keep_alive().starts_with("20|capf"),
        "{}",
        site.keep_alive()
    );

    // capfd follows the same roles: the CA is the admin's, enrolling an operator's.
    let out = site.run_as(Some(&operator), "capfd", &["init", "--force"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("capfd init needs the admin role"),
        "{}",
        text(&out.stderr)
    );
    let out = site.run_as(
        Some(&reader),
        "capfd",
        &["installed", "--device", "SEP000000000001"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("needs the operator role"),
        "{}",
        text(&out.stderr)
    );
    // A backup copies the CA keys: admins only.
    let out = site.capfsh(Some(&operator), "utils capf backup /tmp/never-written");
    refused(&out, "operator backs up", "needs the admin role");

    // An admin changes the issuer mode, and can write the store file itself.
    ok(
        &site.capfsh(Some(&admin), "utils capf set mode offline"),
        "admin sets mode",
    );
    assert!(
        site.keep_alive().starts_with("20|offline"),
        "{}",
        site.keep_alive()
    );
    let out = site.run_as(
        Some(&admin),
        "sqlite3",
        &[
            site.db.to_str().expect("utf-8"),
            "UPDATE settings SET keep_alive_minutes = 25",
        ],
    );
    ok(&out, "an admin writes the store file");

    // Someone in none of the groups gets nothing.
    let out = site.capfsh(Some(&nobody), "utils capf csr list");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("Executed command unsuccessfully"));
    // Help needs no role.
    ok(&site.capfsh(Some(&nobody), "help"), "help without a role");
}

/// Without a roles file the store is single-user: its owner is admin, other users read only.
#[test]
fn a_single_user_store_belongs_to_its_owner() {
    let mut acc = Accounts::new();
    let owner = acc.user("cfown", &[]);
    let other = acc.user("cfoth", &[]);
    let site = Site::new();
    let folder = site.db.parent().expect("folder");
    std::fs::create_dir(folder).expect("folder");
    std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let uid = capfsh::roles::user_id(&owner).expect("uid");
    std::os::unix::fs::chown(folder, Some(uid), None).expect("chown");
    ok(
        &site.capfsh(Some(&owner), "utils capf set mode offline"),
        "the owner is admin",
    );
    // Let the other user read the file (a shared single-user store): still read-only by role.
    std::fs::set_permissions(&site.db, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    for side in ["-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{side}", site.db.display()));
        if p.exists() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        }
    }
    refused(
        &site.capfsh(Some(&other), "utils capf set keep_alive 20"),
        "another user",
        "needs the operator role",
    );
}
