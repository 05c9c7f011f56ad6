//! A phone session cut at any point (the phone hanging up after each request, capfd killed
//! with SIGKILL after issuing an LSC) leaves the store consistent and says what happened: no
//! LSC before the key, an LSC issued but not installed after it (stale once the phone's next
//! key arrives), installed only after the phone's confirmation; the phone is served when it
//! comes back.

use std::process::Command;

use capfsh::protocol::{Command as Cmd, reason};

use crate::phone_emulator::{self as emu, Phone};
use crate::phones::{Capfd, cfg, count, init, op_status, sh};
use crate::support::{TestEnv, stdout};

fn integrity(env: &TestEnv) {
    let check = Command::new("sqlite3")
        .arg(&env.db)
        .arg("PRAGMA integrity_check; PRAGMA foreign_key_check;")
        .output()
        .expect("sqlite3");
    assert_eq!(stdout(&check).trim(), "ok");
}

fn lscs(env: &TestEnv, device: &str, which: &str) -> i64 {
    count(
        env,
        &format!("SELECT count(*) FROM lsc WHERE device = '{device}' AND {which}"),
    )
}

#[test]
fn a_phone_hanging_up_after_each_request_leaves_the_store_consistent() {
    let env = TestEnv::new();
    let ca = init(&env);
    let d = Capfd::start(&env, &[]);
    // Install: cut when the key is asked for, when the LSC comes, when the session ends.
    for (device, cut, status, issued, installed) in [
        ("SEP00000000C001", Cmd::KEY_GEN_REQUEST, "failed", 0, 0),
        ("SEP00000000C002", Cmd::STORE_CERT_REQUEST, "failed", 1, 0),
        ("SEP00000000C003", Cmd::END_SESSION, "success", 1, 1),
    ] {
        sh(
            &env,
            &[
                "utils",
                "capf",
                "operation",
                "install",
                device,
                "key",
                "ec-p256",
            ],
        );
        let o = emu::run(
            d.addr,
            cfg(&ca),
            &Phone {
                hang_up_on: Some(cut),
                ..Phone::new(device)
            },
        )
        .expect("session");
        assert_eq!(o.requests.last(), Some(&cut), "{device}");
        // The outcome is written before the log line: once logged, the store says it.
        d.wait_log(&format!("{device}: session"));
        integrity(&env);
        let (st, why) = op_status(&env, device);
        assert_eq!(st, status, "{device}: {why}");
        if status == "failed" {
            assert!(why.contains("the phone closed the connection"), "{why}");
        }
        assert_eq!(lscs(&env, device, "1"), issued, "{device}");
        assert_eq!(
            lscs(&env, device, "installed_at IS NOT NULL"),
            installed,
            "{device}"
        );
        if status == "failed" {
            // The phone comes back and is served; an LSC it never confirmed is now stale.
            let o = emu::run(d.addr, cfg(&ca), &Phone::new(device)).expect("retry");
            assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE), "{device}");
            assert_eq!(op_status(&env, device).0, "success");
            assert_eq!(
                lscs(&env, device, "installed_at IS NOT NULL"),
                1,
                "{device}"
            );
            assert_eq!(
                count(
                    &env,
                    &format!("SELECT count(*) FROM stale_lsc WHERE device = '{device}'")
                ),
                issued,
                "{device}"
            );
        }
    }
    // Troubleshoot and delete cut at their request: failed, nothing recorded as reported.
    for (device, schedule, cut) in [
        ("SEP00000000C004", "troubleshoot", Cmd::FETCH_CERT_REQUEST),
        (
            "SEP00000000C005",
            "delete noconfirm",
            Cmd::DELETE_CERT_REQUEST,
        ),
    ] {
        let (kind, rest) = schedule.split_once(' ').unwrap_or((schedule, ""));
        let mut args = vec!["utils", "capf", "operation", kind, device];
        args.extend(rest.split_whitespace());
        sh(&env, &args);
        emu::run(
            d.addr,
            cfg(&ca),
            &Phone {
                hang_up_on: Some(cut),
                ..Phone::new(device)
            },
        )
        .expect("session");
        d.wait_log(&format!("{device}: session"));
        integrity(&env);
        assert_eq!(op_status(&env, device).0, "failed", "{device}");
        assert_eq!(
            count(
                &env,
                &format!("SELECT count(*) FROM phone_cert WHERE device = '{device}'")
            ),
            0
        );
    }
}

#[test]
fn kill_9_after_the_lsc_was_issued_leaves_it_issued_then_stale() {
    let env = TestEnv::new();
    let ca = init(&env);
    let device = "SEP00000000C011";
    sh(
        &env,
        &[
            "utils",
            "capf",
            "operation",
            "install",
            device,
            "key",
            "ec-p256",
        ],
    );
    let mut d = Capfd::start(&env, &[]);
    // The phone answers the key request by hand and waits at the store-certificate request.
    let mut c = emu::Conn::open(d.addr, cfg(&ca)).expect("connect");
    let hello = c.recv().expect("auth request");
    let phone = Phone::new(device);
    c.send(&emu::auth_response(&phone, hello.session_id))
        .expect("auth");
    let req = c.recv().expect("key request");
    let key = emu::generate_requested(&req).expect("key");
    c.send(
        &capfsh::protocol::Message::new(Cmd::KEY_GEN_RESPONSE, hello.session_id)
            .with_u8(capfsh::protocol::Tag::REASON, reason::UPDATE_CERTIFICATE)
            .with(capfsh::protocol::Tag::PUBLIC_KEY, key.spki_der()),
    )
    .expect("key");
    let store = c.recv().expect("store-certificate request");
    assert_eq!(store.command, Cmd::STORE_CERT_REQUEST);
    Command::new("kill")
        .args(["-9", &d.child.id().to_string()])
        .status()
        .expect("kill");
    let _ = d.child.wait();
    integrity(&env);
    // Issued in one transaction with its key, never installed.
    assert_eq!(lscs(&env, device, "installed_at IS NULL"), 1);
    assert_eq!(
        count(
            &env,
            &format!("SELECT count(*) FROM csr WHERE device = '{device}' AND kind = 'key'")
        ),
        1
    );
    let d = Capfd::start(&env, &[]);
    d.wait_log("1 operation(s) left in progress by an earlier capfd are marked failed");
    assert!(op_status(&env, device).1.contains("interrupted"));
    let o = emu::run(d.addr, cfg(&ca), &Phone::new(device)).expect("retry");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
    assert_eq!(lscs(&env, device, "installed_at IS NOT NULL"), 1);
    assert_eq!(
        count(
            &env,
            &format!("SELECT count(*) FROM stale_lsc WHERE device = '{device}'")
        ),
        1
    );
    integrity(&env);
}
