//! The interactive shell in a real pseudo-terminal, as an admin and as expect-style automation
//! (paramiko-expect over SSH) drive it.

use rexpect::session::PtySession;

use crate::support::{TestEnv, assert_pty_exited_0 as assert_exited_0, keys, quit};

fn spawn(env: &TestEnv, term: &str) -> PtySession {
    env.pty(term).shell()
}

#[test]
fn question_mark_lists_choices_and_gives_the_line_back() {
    // On a capable terminal `?` acts at once; on a basic one (vt100, dumb) it acts with Enter.
    for term in ["xterm", "vt100", "dumb"] {
        let env = TestEnv::new();
        let mut p = spawn(&env, term);
        keys(&mut p, "utils capf ?");
        if term != "xterm" {
            keys(&mut p, "\r");
        }
        let listing = p.exp_string("trust*").expect("choices");
        for word in ["cert*", "csr*", "set*", "stale-lsc*"] {
            assert!(listing.contains(word), "{term}: {listing}");
        }
        p.exp_string("admin:utils capf ").expect("line given back");
        // Finish the line that was given back.
        p.send_line("csr count").expect("send");
        p.exp_string("0 CSRs pending")
            .expect("ran the completed line");
        p.exp_string("admin:").expect("prompt");
        quit(p);
    }
}

#[test]
fn question_mark_after_a_command_prints_the_syntax() {
    let env = TestEnv::new();
    let mut p = spawn(&env, "xterm");
    keys(&mut p, "utils capf set keep_alive ?");
    p.exp_string("Syntax:").expect("syntax");
    p.exp_string("utils capf set keep_alive [minutes]")
        .expect("syntax line");
    p.exp_string("minutes  optional   5-60, default 15")
        .expect("param line");
    p.send_control('u').expect("clear");
    quit(p);
}

#[test]
fn tab_completes_words_and_devices() {
    let env = TestEnv::new();
    env.seed();
    let mut p = spawn(&env, "xterm");
    keys(&mut p, "ut\t");
    p.exp_string("utils ").expect("unique prefix completed");
    keys(&mut p, "ca\tcsr du\tCSF\t");
    p.exp_string("CSFJOHN")
        .expect("device completed from the store");
    keys(&mut p, "\r");
    p.exp_string("Device Name:").expect("dump ran");
    p.exp_string("admin:").expect("prompt");
    // After a full word, Tab lists the choices.
    keys(&mut p, "utils capf stale-lsc \t\t");
    p.exp_string("delete").expect("listed");
    p.send_control('u').expect("clear");
    quit(p);
}

#[test]
fn abbreviations_run_and_ambiguity_is_refused() {
    let env = TestEnv::new();
    env.seed();
    let mut p = spawn(&env, "vt100");
    p.send_line("ut ca cs li").expect("send");
    p.exp_string("4 pending CSRs found")
        .expect("abbreviated list ran");
    p.send_line("utils capf s").expect("send");
    p.exp_string("could be set, stale-lsc").expect("candidates");
    p.exp_string("Executed command unsuccessfully")
        .expect("trailer");
    quit(p);
}

#[test]
fn keep_alive_prompt_re_asks_on_bad_input() {
    for term in ["xterm", "vt100"] {
        let env = TestEnv::new();
        let mut p = spawn(&env, term);
        p.send_line("utils capf set keep_alive").expect("send");
        p.exp_string("a number between 5 and 60:").expect("asked");
        p.send_line("99").expect("send");
        p.exp_string("out of range").expect("refused");
        p.exp_string("a number between 5 and 60:")
            .expect("asked again");
        p.send_line("20").expect("send");
        p.exp_string("changed from 15 to 20 minutes").expect("set");
        p.exp_string("admin:").expect("prompt");
        // Ctrl-C at the question cancels it.
        p.send_line("utils capf set keep_alive").expect("send");
        p.exp_string("a number between 5 and 60:").expect("asked");
        p.send_control('c').expect("ctrl-c");
        p.exp_string("Control-C pressed").expect("cancelled");
        p.exp_string("admin:").expect("prompt");
        p.send_line("show capf keep_alive").expect("send");
        p.exp_string("CAPF keep-alive (minutes): 20")
            .expect("unchanged by the cancel");
        quit(p);
    }
}

#[test]
fn confirmation_answered_no_then_yes() {
    for term in ["xterm", "vt100"] {
        let env = TestEnv::new();
        env.seed();
        let mut p = spawn(&env, term);
        p.send_line("utils capf stale-lsc delete all")
            .expect("send");
        p.exp_string("Continue (y/n)?").expect("asked");
        p.send_line("n").expect("send");
        p.exp_string("Cancelled: nothing was deleted")
            .expect("cancelled");
        p.exp_string("admin:").expect("prompt");
        p.send_line("utils capf stale-lsc delete all")
            .expect("send");
        p.exp_string("Continue (y/n)?").expect("asked");
        p.send_line("y").expect("send");
        p.exp_string("Deleted 1 stale LSC").expect("deleted");
        quit(p);
    }
}

#[test]
fn ctrl_c_clears_the_line_and_ctrl_d_ends() {
    for term in ["xterm", "vt100"] {
        let env = TestEnv::new();
        let mut p = spawn(&env, term);
        keys(&mut p, "utils capf bogus");
        p.send_control('c').expect("ctrl-c");
        p.exp_string("admin:").expect("fresh prompt");
        p.send_line("utils capf csr count").expect("send");
        p.exp_string("0 CSRs pending")
            .expect("the cleared text did not run");
        p.exp_string("admin:").expect("prompt");
        p.send_control('d').expect("ctrl-d");
        p.exp_eof().expect("eof");
        assert_exited_0(&p);
    }
}

#[test]
fn history_persists_across_sessions() {
    let env = TestEnv::new();
    let mut p = spawn(&env, "vt100");
    p.send_line("utils capf set keep_alive 33").expect("send");
    p.exp_string("to 33 minutes").expect("set");
    quit(p);
    let history = env.home().join("state").join("capfsh").join("history");
    let text = std::fs::read_to_string(&history).expect("history file");
    assert!(text.contains("utils capf set keep_alive 33"), "{text}");
    // `quit` is not kept: Up and Enter after a restart must not end the session.
    assert!(
        !text.lines().any(|l| l.trim() == "quit"),
        "quit was saved: {text}"
    );
    let mut p = spawn(&env, "xterm");
    keys(&mut p, "\x1b[A");
    p.exp_string("keep_alive 33")
        .expect("the last command recalled, not quit");
    p.send_control('u').expect("clear");
    quit(p);
}

/// paramiko-expect style: wait for `admin:` at the end of the ANSI-stripped output after a
/// newline, send a line, look for the exact echo and the failure string.
#[test]
fn automation_sees_a_clean_prompt_and_echo() {
    for term in ["dumb", "vt100"] {
        let env = TestEnv::new();
        // Automation reads the escapes too.
        let mut p = env.pty(term).keep_ansi().spawn(&[]);
        let prompt = r"(?s).*\nadmin:$";
        let (before, _) = p.exp_regex(r"\nadmin:").expect("banner then prompt");
        assert!(before.contains("capfsh"), "{term}: {before:?}");
        for (line, expect_failure) in [
            ("set cli pagination off", false),
            ("utils capf csr list", false),
            ("utils capf set keep_alive 99", true),
        ] {
            p.send_line(line).expect("send");
            let (out, _) = p.exp_regex(r"\nadmin:").expect("next prompt");
            let raw = format!("admin:{out}");
            assert!(
                raw.starts_with(&format!("admin:{line}")),
                "{term}: echo of {line:?} not clean: {raw:?}"
            );
            let stripped = strip_ansi(&(raw + "\nadmin:"));
            assert!(
                regex::Regex::new(prompt).expect("re").is_match(&stripped),
                "{term}: {stripped:?}"
            );
            assert_eq!(
                stripped.contains("Executed command unsuccessfully"),
                expect_failure,
                "{term}: {line}: {stripped:?}"
            );
        }
        p.send_line("exit").expect("send");
        p.exp_eof().expect("eof");
    }
}

fn strip_ansi(s: &str) -> String {
    regex::Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]|\r")
        .expect("re")
        .replace_all(s, "")
        .into_owned()
}

#[test]
fn a_question_mark_inside_quotes_is_text() {
    for term in ["xterm", "vt100"] {
        let env = TestEnv::new();
        env.seed();
        let mut p = spawn(&env, term);
        p.send_line("utils capf csr list | include \"SEP00112.AABB0?1\"")
            .expect("send");
        p.exp_string("SEP001122AABB01").expect("filtered listing");
        p.exp_string("admin:").expect("prompt");
        quit(p);
    }
}

/// Tab where a value may come or the command may end inserts nothing (before, it inserted the
/// modifier bar, `| `, the only insertable choice), and a second Tab lists the choices.
#[test]
fn tab_does_not_insert_the_modifier_bar() {
    let env = TestEnv::new();
    env.seed();
    let mut p = spawn(&env, "xterm");
    keys(&mut p, "utils capf csr list \t");
    keys(&mut p, "\r");
    p.exp_string("4 pending CSRs found")
        .expect("the line ran as typed, without a bar");
    p.exp_string("admin:").expect("prompt");
    keys(&mut p, "utils capf set keep_alive \t\t");
    p.exp_string("<minutes>")
        .expect("second Tab lists the choices");
    p.exp_string("<cr>").expect("listed");
    keys(&mut p, "20\r");
    p.exp_string("changed from 15 to 20")
        .expect("value typed after the listing");
    p.exp_string("admin:").expect("prompt");
    quit(p);
}

/// Sets the pseudo-terminal's size, as a terminal window does when the admin resizes it.
fn resize(p: &PtySession, cols: u16) {
    use std::os::fd::AsRawFd;
    let master = p.process().get_file_handle().expect("pty master");
    let size = libc::winsize {
        ws_row: 24,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads one winsize from a valid pointer; the fd is open.
    let rc = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &size) };
    assert_eq!(rc, 0, "TIOCSWINSZ");
}

/// Tables follow the terminal's width as it changes during a session (it was read once, at
/// start-up).
#[test]
fn tables_follow_the_terminal_width_after_a_resize() {
    let env = TestEnv::new();
    env.seed();
    let mut p = spawn(&env, "vt100");
    resize(&p, 67);
    p.send_line("utils capf csr list").expect("send");
    // The subject column starts at 55: at 67 columns it wraps under itself.
    p.exp_regex(r"CN=CSFJOHN, \r?\n {55}O=Example")
        .expect("wrapped at 67 columns");
    p.exp_string("admin:").expect("prompt");
    resize(&p, 200);
    p.send_line("utils capf csr list").expect("send");
    p.exp_string("CN=CSFJOHN, O=Example")
        .expect("one line at 200 columns");
    p.exp_string("admin:").expect("prompt");
    quit(p);
}

/// Output modifiers typed at the prompt, on a capable and a basic terminal.
#[test]
fn modifiers_work_in_the_interactive_shell() {
    for term in ["xterm", "vt100"] {
        let env = TestEnv::new();
        env.seed();
        let mut p = spawn(&env, term);
        p.send_line("utils capf csr list | include SEP00 | count")
            .expect("send");
        p.exp_string("Count: 2").expect("filtered and counted");
        p.exp_string("admin:").expect("prompt");
        p.send_line("ut ca cs li | begin CSFJOHN | exclude found")
            .expect("send");
        p.exp_string("CSFJOHN ").expect("from the first match on");
        p.exp_string("SEP001122AABB02").expect("the lines after it");
        p.exp_string("admin:").expect("prompt");
        p.send_line("utils capf csr list | include (")
            .expect("send");
        p.exp_string("invalid regular expression")
            .expect("a bad regex is a clear error");
        p.exp_string("Executed command unsuccessfully")
            .expect("trailer");
        quit(p);
    }
}
