//! The CUCM pager in a real pseudo-terminal of 10 rows: a screenful, the question, Enter for one
//! line, space for a page, `q` to stop; `set cli pagination off` turns it off; one-shot output
//! to a terminal never pages.

use rexpect::session::PtySession;

use crate::support::{TestEnv, actor, keys, new_csr};

const PROMPT: &str = "Press <enter> for 1 line, <space> for one page, or <q> to quit";

/// A store with 40 pending CSRs (a listing of 40 rows plus header and count).
fn store_with_40_csrs() -> TestEnv {
    let env = TestEnv::new();
    let mut s = env.store();
    for i in 0..40 {
        let dev = format!("SEP0000000001{i:02}");
        s.record_csr(
            &new_csr(&dev, i, &format!("CN={dev}"), "EC", 256, (i + 1) as u8),
            &actor(),
        )
        .expect("csr");
    }
    env
}

/// capfsh in a pty of 10 rows and 80 columns.
fn spawn(env: &TestEnv, term: &str, args: &[&str]) -> PtySession {
    env.pty(term).size(10, 80).spawn(args)
}

fn pages_enter_space_and_q(term: &str) {
    let env = store_with_40_csrs();
    let mut p = spawn(&env, term, &[]);
    p.exp_string("admin:").expect("prompt");
    p.send_line("utils capf csr list").expect("send");
    // A screenful (9 rows) then the question: the first CSRs, not the last.
    let before = p.exp_string(PROMPT).expect("the pager's question");
    assert!(before.contains("SEP000000000100"), "{term}: {before:?}");
    assert!(!before.contains("SEP000000000108"), "{term}: {before:?}");
    // Enter: one more line, then the question again.
    keys(&mut p, "\r");
    let one = p.exp_string(PROMPT).expect("question after one line");
    let shown: Vec<&str> = one.lines().filter(|l| l.contains("SEP0")).collect();
    assert_eq!(shown.len(), 1, "{term}: Enter shows one line: {one:?}");
    // Space: a page more.
    keys(&mut p, " ");
    let page = p.exp_string(PROMPT).expect("question after a page");
    let shown = page.lines().filter(|l| l.contains("SEP0")).count();
    assert_eq!(shown, 9, "{term}: space shows a page: {page:?}");
    // q: the listing stops, quietly, and the prompt comes back.
    keys(&mut p, "q");
    let rest = p.exp_string("admin:").expect("prompt after q");
    assert!(!rest.contains("SEP000000000139"), "{term}: {rest:?}");
    assert!(!rest.contains("pending CSRs found"), "{term}: {rest:?}");
    assert!(
        !rest.contains("Executed command unsuccessfully"),
        "{term}: {rest:?}"
    );
    // Off for the session, with CUCM's answer.
    p.send_line("set cli pagination off").expect("send");
    p.exp_string("Automatic pagination is turned off")
        .expect("CUCM's answer");
    p.exp_string("admin:").expect("prompt");
    p.send_line("utils capf csr list").expect("send");
    let all = p
        .exp_string("40 pending CSRs found")
        .expect("whole listing");
    assert!(!all.contains(PROMPT), "{term}: paged after off: {all:?}");
    p.exp_string("admin:").expect("prompt");
    p.send_line("quit").expect("quit");
    p.exp_eof().expect("exit");
}

#[test]
fn the_shell_pages_like_cucm_on_a_capable_terminal() {
    pages_enter_space_and_q("xterm");
}

#[test]
fn the_shell_pages_like_cucm_on_a_vt100() {
    pages_enter_space_and_q("vt100");
}

#[test]
fn one_shot_output_to_a_terminal_never_pages() {
    let env = store_with_40_csrs();
    let mut p = spawn(&env, "xterm", &["utils", "capf", "csr", "list"]);
    let all = p
        .exp_string("40 pending CSRs found")
        .expect("whole listing");
    assert!(!all.contains(PROMPT), "{all:?}");
    p.exp_eof().expect("exit");
}

/// On a basic terminal lines are read plain: an arrow key arrives as `ESC [ A` inside the line
/// and is no command.
#[test]
fn an_arrow_key_on_a_vt100_is_not_a_command() {
    let env = TestEnv::new();
    let mut p = spawn(&env, "vt100", &[]);
    p.exp_string("admin:").expect("prompt");
    p.send_line("\x1b[A").expect("send");
    p.exp_string("admin:").expect("prompt again");
    p.send_line("\x1b[Ashow capf keep_alive\x1b[B")
        .expect("send");
    let out = p.exp_string("admin:").expect("prompt again");
    assert!(out.contains("15"), "{out:?}");
    assert!(!out.contains("Invalid"), "{out:?}");
    assert!(!out.contains("Executed command unsuccessfully"), "{out:?}");
    p.send_line("quit").expect("quit");
    p.exp_eof().expect("exit");
}

/// `?` and Tab after a device parameter show the first 50 names and say how many more there
/// are, instead of 50 of 120 silently.
#[test]
fn a_long_device_list_says_how_many_more() {
    let env = TestEnv::new();
    let mut s = env.store();
    for i in 0..120 {
        let dev = format!("SEP000000002{i:03}");
        s.record_csr(
            &new_csr(
                &dev,
                i,
                &format!("CN={dev}"),
                "EC",
                256,
                (i % 250 + 1) as u8,
            ),
            &actor(),
        )
        .expect("csr");
    }
    drop(s);
    let mut p = spawn(&env, "vt100", &["--format", "table"]);
    p.exp_string("admin:").expect("prompt");
    p.send_line("set cli pagination off").expect("send");
    p.exp_string("admin:").expect("prompt");
    p.send_line("utils capf csr dump ?").expect("send");
    let out = p
        .exp_string("and 70 more: type more letters")
        .expect("the rest counted");
    assert!(out.contains("SEP000000002049"), "{out:?}");
    assert!(!out.contains("SEP000000002050"), "{out:?}");
    p.send_control('c').expect("ctrl-c");
    p.exp_string("admin:").expect("prompt");
    let mut p2 = spawn(&env, "xterm", &[]);
    p2.exp_string("admin:").expect("prompt");
    keys(&mut p2, "utils capf csr dump SEP\t\t");
    // rustyline pages its own list on this 10-row terminal: space through it.
    p2.exp_string("--More--").expect("rustyline's list");
    keys(&mut p2, "    ");
    p2.exp_string("and 70 more: type more letters")
        .expect("Tab says it too");
}

/// `ssh -tt host 'utils capf stale-lsc delete all'` under `ForceCommand capfsh`: there is a
/// terminal, so the question is asked as in one-shot use (no false "no terminal" refusal).
#[test]
fn an_ssh_command_with_a_terminal_asks() {
    let env = TestEnv::new();
    env.seed();
    let mut p = env
        .pty("xterm")
        .direct()
        .env("SSH_ORIGINAL_COMMAND", "utils capf stale-lsc delete all")
        .spawn(&[]);
    p.exp_string("This will delete 1 stale LSC.")
        .expect("the effect");
    p.exp_string("Continue (y/n)?").expect("asked");
    p.send_line("y").expect("answer");
    p.exp_string("Deleted 1 stale LSC").expect("deleted");
    p.exp_eof().expect("exit");
}
