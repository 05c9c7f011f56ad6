//! One clock: `CAPFSH_NOW` pins it, and every write of capfsh and capfd takes its time from it.

use crate::support::{TestEnv, csr_pem, stderr, stdout};

const NOW: &str = "2026-11-25T08:00:00Z";

#[test]
fn capfsh_writes_take_their_time_from_the_pinned_clock() {
    let env = TestEnv::new();
    let out = env
        .capfsh()
        .env("CAPFSH_NOW", NOW)
        .args(["utils", "capf", "set", "keep_alive", "20"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env
        .capfsh()
        .args(["--format", "json", "show", "capf", "keep_alive"])
        .output()
        .expect("run");
    assert!(
        stdout(&out).contains(r#""set_at": "2026-11-25T08:00:00.000000Z""#),
        "{}",
        stdout(&out)
    );
    let audit = env.store().recent_audit(5).expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(
        capfsh::domain::format_rfc3339(&audit[0].at),
        "2026-11-25T08:00:00.000000Z"
    );
}

#[test]
fn capfd_writes_take_their_time_from_the_pinned_clock() {
    let env = TestEnv::new();
    let out = env
        .capfsh()
        .args(["utils", "capf", "set", "mode", "offline"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env
        .capfd()
        .env("CAPFSH_NOW", NOW)
        .args(["enroll", "--device", "SEP001122334455", "--csr", "-"])
        .write_stdin(csr_pem("SEP001122334455"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env
        .capfsh()
        .args(["utils", "capf", "csr", "list"])
        .output()
        .expect("run");
    assert!(
        stdout(&out).contains("SEP001122334455  2026-11-25 08:00:00"),
        "{}",
        stdout(&out)
    );
    let audit = env.store().recent_audit(1).expect("audit");
    assert_eq!(
        capfsh::domain::format_rfc3339(&audit[0].at),
        "2026-11-25T08:00:00.000000Z"
    );
}

#[test]
fn a_clock_that_is_not_an_instant_is_refused() {
    let env = TestEnv::new();
    let out = env
        .capfsh()
        .env("CAPFSH_NOW", "yesterday")
        .args(["utils", "capf", "csr", "list"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("CAPFSH_NOW"), "{}", stderr(&out));
    let out = env
        .capfd()
        .env("CAPFSH_NOW", "yesterday")
        .args(["installed", "--device", "SEP001122334455"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("CAPFSH_NOW"), "{}", stderr(&out));
}
