//! One clock: `CAPFSH_NOW` pins it, and every write of capfsh and capfd takes its time from it.

use crate::support::{Run, TestEnv, csr_pem, stderr};

const NOW: &str = "2026-11-25T08:00:00Z";

#[test]
fn capfsh_writes_take_their_time_from_the_pinned_clock() {
    let env = TestEnv::new();
    let out = env
        .capfsh()
        .env("CAPFSH_NOW", NOW)
        .args(["utils", "capf", "set", "keep_alive", "20"])
        .run();
    out.success();
    let out = env
        .capfsh()
        .args(["--format", "json", "show", "capf", "keep_alive"])
        .run();
    out.stdout_has(r#""set_at": "2026-11-25T08:00:00.000000Z""#);
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
        .run();
    out.success();
    let out = env
        .capfd()
        .env("CAPFSH_NOW", NOW)
        .args(["enroll", "--device", "SEP001122334455", "--csr", "-"])
        .write_stdin(csr_pem("SEP001122334455"))
        .run();
    out.success();
    let out = env.capfsh().args(["utils", "capf", "csr", "list"]).run();
    out.stdout_has("SEP001122334455  2026-11-25 08:00:00");
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
        .run();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    out.stderr_has("CAPFSH_NOW");
    let out = env
        .capfd()
        .env("CAPFSH_NOW", "yesterday")
        .args(["installed", "--device", "SEP001122334455"])
        .run();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    out.stderr_has("CAPFSH_NOW");
}
