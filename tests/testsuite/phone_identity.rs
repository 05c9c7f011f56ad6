//! By Existing Certificate: the certificate a phone offers must be its own. A MIC names the
//! phone's model and the device (`CN=CP-8865-SEP...`), an LSC the device; another phone's
//! certificate is refused even when the proof is made with that phone's own key (a stolen
//! certificate and key, or a phone replaying its neighbour's).

use std::sync::Arc;

use capfsh::protocol::{ProofHash, cert_type, reason};

use crate::phone_emulator::{self as emu, Credential, Phone, PhoneKey};
use crate::phones::{Capfd, cfg, count, init, issue, json, mfg_ca, op_status, sh};
use crate::support::TestEnv;

/// Runs `phone` and checks the refusal: reason 7, the operation failed saying `why`, one
/// audit line naming the device and the peer with the reason, no LSC.
fn refused(env: &TestEnv, d: &Capfd, ca: &[u8], phone: &Phone, why: &str) {
    let audit_before = count(env, "SELECT count(*) FROM audit_log");
    let lscs_before = count(env, "SELECT count(*) FROM lsc");
    let o = emu::run(d.addr, cfg(ca), phone).expect("session");
    assert_eq!(o.end_reason, Some(reason::INVALID_ELEMENT), "{why}");
    let (status, reason) = op_status(env, &phone.device);
    assert_eq!(status, "failed", "{reason}");
    assert!(reason.contains(why), "{reason} should say {why}");
    assert_eq!(
        count(env, "SELECT count(*) FROM audit_log"),
        audit_before + 1
    );
    assert_eq!(count(env, "SELECT count(*) FROM lsc"), lscs_before);
    let audit = json(env, &["show", "capf", "audit", "1"]);
    let line = &audit[0];
    assert_eq!(line["outcome"], "failed", "{line}");
    assert!(
        line["os_user"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!("{}@127.0.0.1:", phone.device)),
        "{line}"
    );
    assert!(
        line["detail"].as_str().unwrap_or_default().contains(why),
        "{line}"
    );
    d.wait_log(&format!("{}: session", phone.device));
}

#[test]
fn a_mic_issued_to_another_device_is_refused() {
    let env = TestEnv::new();
    let ca = init(&env);
    let (mfg_der, mfg) = mfg_ca("Cisco Manufacturing CA SHA2");
    let mfg_file = env.home().join("mfg.pem");
    std::fs::write(&mfg_file, capfsh::pki::to_pem("CERTIFICATE", &mfg_der)).expect("write");
    sh(
        &env,
        &[
            "utils",
            "capf",
            "trust",
            "import",
            &mfg_file.display().to_string(),
            "mic",
        ],
    );
    let device = "SEP001122AABB31";
    sh(
        &env,
        &[
            "utils",
            "capf",
            "operation",
            "install",
            device,
            "auth",
            "existing-mic",
            "key",
            "ec-p256",
        ],
    );
    let d = Capfd::start(&env, &[]);
    let key = Arc::new(PhoneKey::ec(256));
    let offering = |der: Vec<u8>| Phone {
        proof: Some(Credential {
            cert_type: cert_type::MIC,
            der,
            key: key.clone(),
        }),
        ..Phone::new(device)
    };
    // The neighbour's MIC (a valid chain, a valid proof with its key): not this device's.
    refused(
        &env,
        &d,
        &ca,
        &offering(issue(&mfg, "CP-8865-SEP001122AABB32", &key, false)),
        "the MIC was issued to CN=CP-8865-SEP001122AABB32, not to SEP001122AABB31",
    );
    // A subject that merely contains the name, or ends with it without the model's dash.
    refused(
        &env,
        &d,
        &ca,
        &offering(issue(&mfg, "CP-8865-XSEP001122AABB31", &key, false)),
        "not to SEP001122AABB31",
    );
    refused(
        &env,
        &d,
        &ca,
        &offering(issue(&mfg, "SEP001122AABB31-CP-8865", &key, false)),
        "not to SEP001122AABB31",
    );
    // Its own MIC, model and device as Cisco's manufacturing CAs write them (any case): served.
    let o = emu::run(
        d.addr,
        cfg(&ca),
        &offering(issue(&mfg, "cp-8865-sep001122aabb31", &key, false)),
    )
    .expect("session");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
    let (status, why) = op_status(&env, device);
    assert_eq!(status, "success", "{why}");
    assert!(why.contains("existing MIC"), "{why}");
}

#[test]
fn an_lsc_of_another_device_is_refused() {
    let env = TestEnv::new();
    let ca = init(&env);
    let d = Capfd::start(&env, &[]);
    // The neighbour gets a real LSC from this CAPF.
    let neighbour = "SEP001122AABB42";
    sh(
        &env,
        &[
            "utils",
            "capf",
            "operation",
            "install",
            neighbour,
            "key",
            "ec-p256",
        ],
    );
    let o = emu::run(d.addr, cfg(&ca), &Phone::new(neighbour)).expect("install");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
    let (lsc, key) = (o.lsc.expect("lsc"), o.key.expect("key"));
    // The device offers the neighbour's LSC, with a proof made with the neighbour's key.
    let device = "SEP001122AABB41";
    sh(
        &env,
        &[
            "utils",
            "capf",
            "operation",
            "troubleshoot",
            device,
            "auth",
            "existing-lsc",
        ],
    );
    let offering = |der: Vec<u8>, sha2| Phone {
        proof: Some(Credential {
            cert_type: cert_type::LSC,
            der,
            key: key.clone(),
        }),
        sha2,
        held: Some((cert_type::LSC, lsc.clone())),
        ..Phone::new(device)
    };
    for sha2 in [ProofHash::Sha512, ProofHash::Sha256] {
        refused(
            &env,
            &d,
            &ca,
            &offering(lsc.clone(), sha2),
            "the LSC was issued to CN=SEP001122AABB42, not to SEP001122AABB41",
        );
    }
    // Nothing was recorded as what the device holds.
    let view = json(&env, &["show", "capf", "phone", device]);
    assert!(view["reported_cert"].is_null(), "{view}");
    // The neighbour itself is served with the same LSC.
    sh(
        &env,
        &[
            "utils",
            "capf",
            "operation",
            "troubleshoot",
            neighbour,
            "auth",
            "existing-lsc",
        ],
    );
    let own = Phone {
        device: neighbour.into(),
        ..offering(lsc.clone(), ProofHash::Sha512)
    };
    let o = emu::run(d.addr, cfg(&ca), &own).expect("session");
    assert_eq!(o.end_reason, Some(reason::UPDATE_CERTIFICATE));
}
