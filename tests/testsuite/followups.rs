//! Follow-ups to other branches' work: capfd on a closed pipe, the online CA password in
//! backups, the bulk strings file through the shared safe writer.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{Bin, TestEnv, TestEnvironment};

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777
}

/// Runs `cmd` (built by the harness) with its standard output a pipe whose reader is gone.
fn with_closed_stdout(mut cmd: Command) -> std::process::Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    cmd.stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run")
}

#[test]
fn capfd_output_to_a_closed_pipe_is_no_panic_and_exit_0() {
    let env = TestEnvironment::new();
    let mut init = env.process(Bin::Capfd);
    init.arg("init");
    let out = with_closed_stdout(init);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        !err.contains("Broken pipe") && !err.contains("standard output"),
        "a closed pipe needs no message: {err}"
    );
    // The work happened; only its report went unread.
    assert!(env.active_key().is_file());
    env.run_capfd(&["init"]).code(1);
    // Another printing command: `installed` after an enroll.
    let csr = env.home().join("p.csr");
    std::fs::write(&csr, crate::support::csr_pem("SEP0000000000C1")).expect("csr");
    let mut enroll = env.process(Bin::Capfd);
    enroll.args(["enroll", "--device", "SEP0000000000C1", "--csr"]);
    enroll.arg(&csr);
    let out = with_closed_stdout(enroll);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("LSC") && err.contains("issued"), "{err}");
}

#[test]
fn a_restored_store_keeps_its_online_ca_password() {
    let env = TestEnvironment::new();
    env.run_capfd(&["init"]).success();
    let pw = env.db.with_file_name("capf.db.est-password");
    std::fs::write(&pw, "s3cret-online\n").expect("password");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let folder = env.home().join("bk");
    let folder_s = folder.to_str().expect("path");
    env.run_capfsh(&["utils", "capf", "backup", folder_s])
        .success();
    let manifest = std::fs::read_to_string(folder.join("capf-backup.txt")).expect("manifest");
    assert!(
        manifest
            .lines()
            .any(|l| l.starts_with("est-password 0600 ") && l.ends_with(" capf.db.est-password")),
        "{manifest}"
    );
    assert_eq!(mode(&folder.join("capf.db.est-password")), 0o600);

    // Restored under another name in another folder: the password follows the store's name.
    let restored = TestEnv::with_store_name("restored.db");
    let out = restored
        .capfd()
        .arg("restore")
        .arg(&folder)
        .output()
        .expect("restore");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let target = restored.home();
    let pw2 = target.join("restored.db.est-password");
    assert_eq!(
        std::fs::read_to_string(&pw2).expect("restored password"),
        "s3cret-online\n"
    );
    assert_eq!(mode(&pw2), 0o600);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Online CA password"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A store without a password backs up and restores without one.
    std::fs::remove_file(&pw).expect("rm");
    let folder2 = env.home().join("bk2");
    env.run_capfsh(&["utils", "capf", "backup", folder2.to_str().expect("p")])
        .success();
    assert!(!folder2.join("capf.db.est-password").exists());
}

#[test]
fn bulk_strings_file_is_0600_new_and_never_through_a_link() {
    let env = TestEnvironment::new();
    let dir = env.home();
    let csv = dir.join("ops.csv");
    std::fs::write(
        &csv,
        "device,auth,string,key,by\nSEP0000000000D1,generate,,,\n",
    )
    .expect("csv");
    let run = |output: &Path| {
        env.run_capfsh(&[
            "utils",
            "capf",
            "operation",
            "install",
            "file",
            csv.to_str().expect("p"),
            "output",
            output.to_str().expect("p"),
        ])
    };
    // A link planted at the output name (dangling or not) is refused, never followed.
    let victim = dir.join("victim");
    let link = dir.join("link.csv");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");
    let out = run(&link);
    assert_ne!(out.0.status.code(), Some(0));
    assert!(!victim.exists(), "written through the link");
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );

    let strings = dir.join("strings.csv");
    run(&strings).success();
    assert_eq!(mode(&strings), 0o600);
    let body = std::fs::read_to_string(&strings).expect("read");
    assert!(
        body.starts_with("device,auth_string\nSEP0000000000D1,"),
        "{body}"
    );
    // Nothing but the inputs, the link and the strings file is left in the folder.
    let stray: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}
