//! Scripts: from standard input and from `-f FILE`.

use crate::support::{Run, TestEnvironment, stderr, stdout};

#[test]
fn a_script_runs_line_by_line_with_comments() {
    let env = TestEnvironment::new();
    let out = env
        .capfsh()
        .write_stdin(
            "# set up\n\
             ! CUCM-style comment\n\
             \n\
             set cli pagination off\n\
             utils capf set keep_alive 25\n\
             show capf keep_alive | include keep-alive\n",
        )
        .run();
    out.success();
    let text = stdout(&out);
    assert!(
        text.contains("CAPF keep-alive changed from 15 to 25 minutes"),
        "{text}"
    );
    assert!(text.contains("CAPF keep-alive (minutes): 25"), "{text}");
}

#[test]
fn a_script_stops_at_the_first_failure_and_names_its_line() {
    let env = TestEnvironment::new();
    let out = env
        .capfsh()
        .write_stdin("utils capf set keep_alive 20\nutils capf set keep_alive 99\nutils capf set keep_alive 30\n")
        .run();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("stdin line 2: keep_alive 99 is out of range"),
        "{err}"
    );
    assert!(err.contains("Executed command unsuccessfully"));
    let show = env.run_capfsh(&["--format", "csv", "show", "capf", "keep_alive"]);
    assert!(
        stdout(&show).contains("\n20,"),
        "line 3 must not have run: {}",
        stdout(&show)
    );
}

#[test]
fn keep_going_runs_everything_and_exits_1() {
    let env = TestEnvironment::new();
    let out = env
        .capfsh()
        .arg("--keep-going")
        .write_stdin("utils capf set keep_alive 99\nutils bogus\nutils capf set keep_alive 30\n")
        .run();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("stdin line 1:") && err.contains("stdin line 2:"),
        "{err}"
    );
    assert!(stdout(&out).contains("changed from 15 to 30"));
}

#[test]
fn a_script_never_waits_for_answers() {
    let env = TestEnvironment::new();
    env.seed();
    let out = env
        .capfsh()
        .write_stdin("utils capf stale-lsc delete all\ny\n")
        .run();
    assert_eq!(out.status.code(), Some(1));
    out.stderr_has("add noconfirm");
    assert_eq!(
        env.store()
            .stale_lsc_count(&capfsh::store::Scope::All)
            .expect("count"),
        1
    );
}

#[test]
fn abbreviations_warn_unless_quiet_and_quit_ends_the_script() {
    let env = TestEnvironment::new();
    let script = env.home().join("script.txt");
    std::fs::write(&script, "ut ca cs co\nquit\nutils bogus\n").expect("write");
    let out = env.capfsh().arg("-f").arg(&script).run();
    out.success();
    out.stderr_has("write it in full: utils capf csr count");
    assert_eq!(stdout(&out), "0 CSRs pending\n");
    let out = env.capfsh().arg("-q").arg("-f").arg(&script).run();
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

/// A value, `noconfirm` or a modifier word abbreviated is as fragile as an abbreviated command
/// word (`on` is `online` only while no other mode starts with it): warned about, in full.
#[test]
fn abbreviated_values_noconfirm_and_modifiers_warn_with_the_full_line() {
    let env = TestEnvironment::new();
    env.seed();
    let out = env
        .capfsh()
        .write_stdin(
            "utils capf set mode on\n\
             set cli pagination of\n\
             utils capf stale-lsc delete all noconf\n\
             utils capf csr list | inc SEP | cou\n\
             utils capf set mode online\n",
        )
        .run();
    out.success();
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().collect();
    assert_eq!(
        warnings,
        [
            "warning: stdin line 1: abbreviated command; write it in full: utils capf set mode online",
            "warning: stdin line 2: abbreviated command; write it in full: set cli pagination off",
            "warning: stdin line 3: abbreviated command; write it in full: utils capf stale-lsc delete all noconfirm",
            "warning: stdin line 4: abbreviated command; write it in full: utils capf csr list | include SEP | count",
        ],
        "{err}"
    );
    out.stdout_has("Deleted 1 stale LSC");
}

#[test]
fn an_ssh_forced_command_runs_as_one_line() {
    let env = TestEnvironment::new();
    env.seed();
    let out = env
        .capfsh()
        .env("SSH_ORIGINAL_COMMAND", "utils capf csr list | count")
        .run();
    out.success();
    insta::assert_snapshot!(crate::support::CommandOutput(out.clone()), @r#"
        Count: 4
        [EOF]
    "#);
    let out = env
        .capfsh()
        .env("SSH_ORIGINAL_COMMAND", "utils capf stale-lsc delete all")
        .run();
    assert_eq!(out.status.code(), Some(1));
    out.stderr_has("ssh command line 1: ");
}

/// A script saved by a Windows editor starts with a byte-order mark: it is not part of the
/// first command.
#[test]
fn a_byte_order_mark_before_the_first_line_is_ignored() {
    let env = TestEnvironment::new();
    let script = env.home().join("bom.txt");
    std::fs::write(&script, "\u{feff}utils capf set keep_alive 30\r\n").expect("write");
    let out = env.capfsh().arg("-f").arg(&script).run();
    out.success();
    out.stdout_has("changed from 15 to 30 minutes");
}

/// `| count` counts a command's answer: a failed command has none, so no `Count: 0`.
#[test]
fn a_failed_command_prints_no_count() {
    let env = TestEnvironment::new();
    env.seed();
    let out = env.run_capfsh(&["utils", "capf", "csr", "dump", "SEP0000DEAD", "|", "count"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!stdout(&out).contains("Count"), "{}", stdout(&out));
}
