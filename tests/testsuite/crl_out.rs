//! `capfd crl --out` through the shared file writer: the CRL file is 0644, replaced whole with
//! no temporary left, a symbolic link at its name is refused (its target untouched) and a
//! refused file spends no CRL number.

use crate::support::{TestEnv, stderr};

#[test]
fn crl_out_replaces_a_file_refuses_a_link_and_spends_no_number_on_a_refusal() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let dir = env.home();
    let out = env.capfd().arg("init").output().expect("init");
    assert!(out.status.success(), "{}", stderr(&out));
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").expect("seed");
    let link = dir.join("link.crl.pem");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");
    let out = env.run_capfd_file("crl --out", &link);
    assert!(!out.status.success());
    out.stderr_has("symbolic link");
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
    assert!(std::fs::symlink_metadata(&link).expect("link").is_symlink());
    let crl = dir.join("capf.crl.pem");
    std::fs::write(&crl, "old").expect("seed");
    let out = env.run_capfd_file("crl --out", &crl);
    out.success();
    // The refused attempt recorded no CRL: this one is number 1.
    out.stderr_has("CRL 1 written");
    let text = std::fs::read_to_string(&crl).expect("read");
    assert!(text.starts_with("-----BEGIN X509 CRL-----"), "{text}");
    let mode = std::fs::metadata(&crl).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o644 & !umask());
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The process umask, which capfd inherits (read from /proc, never changed: tests run in
/// parallel).
fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .expect("Umask line");
    u32::from_str_radix(line.trim(), 8).expect("octal")
}
