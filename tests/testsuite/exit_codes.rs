//! The one exit-code table at work in both binaries, and the fixes that came with it: `| count`
//! counts a table's data lines, `set mode X` when the mode is already X writes nothing.

use crate::support::{TestEnvironment, csr_pem};

#[test]
fn count_counts_the_data_lines_of_a_table_and_every_line_otherwise() {
    let env = TestEnvironment::new();
    let run = |args: &[&str]| env.run_capfsh(args).success().out();
    // An empty list is only its closing sentence: no data line.
    assert_eq!(
        run(&["utils", "capf", "csr", "list", "|", "count"]),
        "Count: 0\n"
    );
    env.seed();
    assert_eq!(
        run(&["utils", "capf", "csr", "list", "|", "count"]),
        "Count: 4\n"
    );
    assert_eq!(
        run(&[
            "utils", "capf", "csr", "list", "|", "include", "SEP", "|", "count"
        ]),
        "Count: 3\n"
    );
    // The Count line itself is data for the stage after it.
    assert_eq!(
        run(&["utils", "capf", "csr", "list", "|", "count", "|", "count"]),
        "Count: 1\n"
    );
    // CSV has no frame: its header line counts, as every line of JSON does.
    assert_eq!(
        run(&[
            "--format", "csv", "utils", "capf", "csr", "list", "|", "count"
        ]),
        "Count: 5\n"
    );
    // A record's lines are its data.
    assert_eq!(
        run(&["show", "capf", "keep_alive", "|", "count"]),
        "Count: 3\n"
    );
}

#[test]
fn count_says_in_its_help_that_it_counts_data_lines() {
    let help: Vec<String> = capfsh::cli::help::question_mark(&capfsh::cli::complete::complete(
        "utils capf csr list | ",
        true,
        &|_, _| Vec::new(),
    ));
    assert!(
        help.iter()
            .any(|l| l.contains("count") && l.contains("data lines only")),
        "{help:?}"
    );
}

#[test]
fn setting_the_mode_in_force_says_so_and_writes_nothing() {
    let env = TestEnvironment::new();
    env.store();
    let before = env.digest();
    let out = env.run_capfsh(&["utils", "capf", "set", "mode", "capf"]);
    insta::assert_snapshot!(out, @r#"
        CAPF issuer mode is already capf; nothing changed
        [EOF]
    "#);
    assert_eq!(env.digest(), before, "no write, not even the revision");
    let audit = env.store().recent_audit(10).expect("audit");
    assert!(audit.is_empty(), "nothing audited: {audit:?}");
    // A real change still says from what to what, and is audited.
    let out = env.run_capfsh(&[
        "--format", "json", "utils", "capf", "set", "mode", "offline",
    ]);
    out.success();
    assert!(out.out().contains(r#""old": "capf""#), "{}", out.out());
    assert_eq!(env.store().recent_audit(10).expect("audit").len(), 1);
}

#[test]
fn capfd_exit_codes_follow_the_table() {
    let env = TestEnvironment::new();
    // Usage: clap's own code, 2.
    let out = env.run_capfd(&["bogus"]);
    out.code(2);
    // Refused input: 1.
    let out = env.run_capfd_stdin(
        &["enroll", "--device", "BAD NAME!", "--csr", "-"],
        csr_pem("SEP001122334455"),
    );
    out.code(1);
    // No CA in capf mode: refused, 1, with the reason.
    let out = env.run_capfd_stdin(
        &["enroll", "--device", "SEP001122334455", "--csr", "-"],
        csr_pem("SEP001122334455"),
    );
    out.code(1);
    assert!(
        out.err().contains("run `capfd init` first"),
        "{}",
        out.err()
    );
    // A read-only store: its own code, 75 (try again later), and the store is unchanged.
    env.seed();
    let before = env.digest();
    set_mode(&env.db, 0o444);
    let out = env.run_capfd(&["installed", "--device", "SEP001122AABB01"]);
    set_mode(&env.db, 0o600);
    out.code(75);
    assert!(out.err().contains("read-only"), "{}", out.err());
    assert_eq!(env.digest(), before);
}

#[test]
fn capfsh_keeps_exit_code_1_for_a_read_only_store() {
    let env = TestEnvironment::new();
    env.seed();
    set_mode(&env.db, 0o444);
    let out = env.run_capfsh(&["utils", "capf", "set", "keep_alive", "20"]);
    set_mode(&env.db, 0o600);
    out.code(1);
    assert!(
        out.err().ends_with("Executed command unsuccessfully\n"),
        "{}",
        out.err()
    );
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}
