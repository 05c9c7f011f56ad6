//! Issuer modes online and offline: a phone due for Install/Upgrade cannot be served in one
//! session, so its operation stays pending with the reason, written and audited once, and
//! `capfd run` logs it once per device, and once more after a mode change, without a restart.

use capfsh::protocol::{Command as Cmd, reason};

use crate::phone_emulator::{self as emu, Phone};
use crate::phones::{Capfd, cfg, count, init, op_status, sh};
use crate::support::{TestEnv, words};

fn waiting_audit_lines(env: &TestEnv, device: &str) -> i64 {
    count(
        env,
        &format!(
            "SELECT count(*) FROM audit_log WHERE detail LIKE 'phone session of {device}: operation install waiting%'"
        ),
    )
}

#[test]
fn each_waiting_device_is_logged_and_audited_once_per_mode() {
    let env = TestEnv::new();
    let ca = init(&env);
    sh(&env, &words("utils capf set mode online"));
    let devices = ["SEP00000000D001", "SEP00000000D002"];
    for d in devices {
        sh(&env, &["utils", "capf", "operation", "install", d]);
    }
    let d = Capfd::start(&env, &[]);
    let sessions = |n| {
        for _ in 0..n {
            for device in devices {
                let o = emu::run(d.addr, cfg(&ca), &Phone::new(device)).expect("session");
                assert_eq!(o.end_reason, Some(reason::NO_ACTION), "{device}");
                assert_eq!(o.requests, [Cmd::END_SESSION]);
            }
        }
    };
    sessions(3);
    for device in devices {
        // Every session has its own outcome line (written after the phone heard the end, so
        // waited for); the warning is one per device.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while d.count_log(&format!("{device}: session")) < 3 && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(d.count_log(&format!("{device}: session")), 3);
        d.wait_log(&format!(
            "{device}: install left pending: waiting: the issuer mode is online"
        ));
        assert_eq!(d.count_log(&format!("{device}: install left pending")), 1);
        assert_eq!(waiting_audit_lines(&env, device), 1, "{device}");
        let (status, why) = op_status(&env, device);
        assert_eq!(status, "pending");
        assert!(why.contains("issuer mode is online"), "{why}");
    }
    // Offline now, capfd still running: each device is logged and audited once more.
    sh(&env, &words("utils capf set mode offline"));
    d.wait_log("settings changed: issuer mode offline");
    sessions(2);
    for device in devices {
        d.wait_log(&format!(
            "{device}: install left pending: waiting: the issuer mode is offline"
        ));
        assert_eq!(d.count_log(&format!("{device}: install left pending")), 2);
        assert_eq!(waiting_audit_lines(&env, device), 2, "{device}");
        assert!(op_status(&env, device).1.contains("issuer mode is offline"));
    }
    assert_eq!(count(&env, "SELECT count(*) FROM csr"), 0);
    assert_eq!(count(&env, "SELECT count(*) FROM lsc"), 0);
}
