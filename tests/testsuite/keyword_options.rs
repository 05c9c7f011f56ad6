//! Keyword options, declared once in the tree (`auth string <digits>`, `older-than <days>`,
//! `host <host>`): the same parsing, errors, help and never-shown secrets for every command
//! that takes them.

use crate::support::{Run, TestEnvironment, stderr, stdout};

/// An abbreviated line is warned about with the line in full, and the authentication string in
/// it is masked there as in the audit log.
#[test]
fn the_full_line_of_a_warning_never_shows_an_authentication_string() {
    let env = TestEnvironment::new();
    env.seed();
    let out = env
        .capfsh()
        .write_stdin("ut ca op inst SEP001122AABB01 k ec-p256 au str 98765\n")
        .run();
    out.success();
    out.stderr_has(
        "write it in full: utils capf operation install SEP001122AABB01 auth string **** key \
         ec-p256",
    );
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.contains("98765"), "{all}");
    let audit = env.capfsh().args(["show", "capf", "audit"]).run();
    assert!(!stdout(&audit).contains("98765"), "{}", stdout(&audit));
}

/// A keyword given twice is refused the same way for every command, before anything runs.
#[test]
fn a_keyword_given_twice_is_refused_alike_everywhere() {
    let env = TestEnvironment::new();
    env.seed();
    for (line, keyword) in [
        ("utils capf tidy dry-run dry-run", "dry-run"),
        (
            "utils capf operation install SEP001122AABB01 key ec-p256 key rsa-2048",
            "key",
        ),
        (
            "utils capf lsc revoke SEP001122AABB01 reason superseded reason superseded noconfirm",
            "reason",
        ),
        ("utils capf set online-ca host a host b user u", "host"),
    ] {
        let out = env.capfsh().args(line.split(' ')).run();
        out.code(2);
        out.stderr_has(&format!("Invalid command: {keyword} is given twice"));
    }
}

/// `help` lists each keyword option with what follows it, generated from its declaration.
#[test]
fn help_lists_each_keyword_option_with_its_generated_help() {
    let env = TestEnvironment::new();
    let out = env.capfsh().args(["help", "utils", "capf", "tidy"]).run();
    out.success();
    out.stdout_has("older-than       optional   0-36500 days, default 30: the safety margin");
    out.stdout_has("dry-run          optional   list what would be deleted, change nothing");
    let out = env
        .capfsh()
        .args(["help", "utils", "capf", "operation", "install"])
        .run();
    out.stdout_has(
        "key     optional   ec-p256, ec-p384, ec-p521, rsa-1024, rsa-2048, rsa-3072 or rsa-4096",
    );
}
