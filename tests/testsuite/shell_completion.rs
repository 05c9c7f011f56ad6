//! Dynamic shell completion (clap_complete CompleteEnv) answers from the command tree and the
//! store; the pseudo-terminal tests in repl_pty drive real shells.

use crate::support::{Bin, Run, TestEnv, stdout};

/// Asks the binary for completions the way the bash registration does.
fn bash_complete(env: &TestEnv, words: &[&str]) -> Vec<String> {
    let index = words.len() - 1;
    let out = env
        .capfsh_default()
        .env("COMPLETE", "bash")
        .env("CAPFSH_DB", &env.db)
        .env("_CLAP_COMPLETE_INDEX", index.to_string())
        .env("_CLAP_COMPLETE_COMP_TYPE", "9")
        .env("_CLAP_COMPLETE_SPACE", "true")
        .env("_CLAP_IFS", "\n")
        .arg("--")
        .args(words)
        .run();
    stdout(&out).lines().map(str::to_owned).collect()
}

#[test]
fn words_complete_from_the_tree() {
    let env = TestEnv::new();
    assert_eq!(bash_complete(&env, &["capfsh", "ut"]), ["utils"]);
    assert_eq!(
        bash_complete(&env, &["capfsh", "utils", "capf", "s"]),
        ["set", "stale-lsc"]
    );
}

#[test]
fn device_names_complete_from_the_store() {
    let env = TestEnv::new();
    env.seed();
    assert_eq!(
        bash_complete(&env, &["capfsh", "utils", "capf", "csr", "dump", "CSF"]),
        ["CSFJOHN"]
    );
    let stale = bash_complete(
        &env,
        &["capfsh", "utils", "capf", "stale-lsc", "delete", ""],
    );
    assert!(
        stale.contains(&"all".to_string()) && stale.contains(&"SEP001122AABB02".to_string()),
        "{stale:?}"
    );
    assert!(
        !stale.contains(&"SEP001122AABB01".to_string()),
        "only stale devices: {stale:?}"
    );
}

#[test]
fn completion_never_creates_a_store() {
    let env = TestEnv::new();
    let _ = bash_complete(&env, &["capfsh", "utils", "capf", "csr", "dump", "S"]);
    assert!(!env.db.exists());
}

/// A reader that stops early (`capfsh completions bash | head`) is not an error: no panic,
/// exit 0.
#[test]
fn generated_text_to_a_closed_pipe_is_not_a_failure() {
    let env = TestEnv::new();
    for args in [&["completions", "bash"][..], &["man"]] {
        let mut child = env
            .program(Bin::Capfsh.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

/// After `utils capf operation install <device>`, the shells offer the keyword options and
/// their values, as the admin: shell's Tab does; options already given are not offered again.
#[test]
fn keyword_options_and_values_complete_after_the_device() {
    let env = TestEnv::new();
    let install = ["capfsh", "utils", "capf", "operation", "install"];
    let at = |rest: &[&str]| {
        let mut words = install.to_vec();
        words.push("SEP001122AABB01");
        words.extend_from_slice(rest);
        bash_complete(&env, &words)
    };
    // `install file` fits only right after `install`, not after a device.
    assert_eq!(at(&[""]), ["auth", "by", "key"]);
    assert_eq!(at(&["fi"]), Vec::<String>::new());
    assert_eq!(
        bash_complete(
            &env,
            &["capfsh", "utils", "capf", "operation", "install", "fi"]
        ),
        ["file"]
    );
    assert_eq!(at(&["k"]), ["key"]);
    assert_eq!(
        at(&["auth", ""]),
        ["existing-lsc", "existing-mic", "generate", "null", "string"]
    );
    let keys = at(&["key", ""]);
    assert!(
        keys.contains(&"ec-p256".to_string()) && keys.contains(&"rsa-2048".to_string()),
        "{keys:?}"
    );
    assert_eq!(at(&["auth", "null", ""]), ["by", "key"]);
    // Through capfsh's own option and an abbreviated path too.
    let short = bash_complete(
        &env,
        &[
            "capfsh",
            "--format",
            "json",
            "ut",
            "ca",
            "op",
            "ins",
            "SEP001122AABB01",
            "",
        ],
    );
    assert!(
        short.contains(&"auth".to_string()) && short.contains(&"key".to_string()),
        "{short:?}"
    );
    assert!(!env.db.exists(), "completion never creates a store");
}
