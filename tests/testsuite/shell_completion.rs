//! Dynamic shell completion (clap_complete CompleteEnv) answers from the command tree and the
//! store; the pseudo-terminal tests in repl_pty drive real shells.

use crate::support::{TestEnv, stdout};

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
        .output()
        .expect("run");
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
