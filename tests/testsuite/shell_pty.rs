//! Completion in the real shells (bash, zsh, fish), driven in a pseudo-terminal, registered the
//! way README tells admins to.

use std::path::Path;

use rexpect::session::PtySession;

use crate::support::{TestEnv, keys};

fn bin_dir() -> String {
    Path::new(env!("CARGO_BIN_EXE_capfsh"))
        .parent()
        .expect("bin dir")
        .display()
        .to_string()
}

/// `program` (bash, zsh, fish) in a pty, the binaries on its PATH and the store in `CAPFSH_DB`.
/// Behind `stty echo`: rexpect turns the pty's echo off, and readline (bash) then echoes
/// nothing, as for a password; turn it back on, as on any login terminal.
fn shell(env: &TestEnv, program: &str, args: &[&str]) -> PtySession {
    env.pty("xterm")
        .program(program)
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir()))
        .env("ZDOTDIR", env.home())
        .env("COLUMNS", "160")
        .env("LINES", "50")
        .env("CAPFSH_DB", &env.db)
        .env("PS1", "$ ")
        .spawn(args)
}

/// Runs a command line and waits for its marker (computed, so the echo of the typed line does
/// not match), so what follows starts on a fresh prompt.
fn setup(p: &mut PtySession, line: &str) {
    p.send_line(&format!("{line}; echo SETUP-DONE-$((40+2))"))
        .expect("send");
    p.exp_string("SETUP-DONE-42").expect("setup ran");
    // Keys typed before the shell is back at its prompt can be flushed when it resets the
    // terminal: wait for the prompt.
    p.exp_string("$ ").expect("prompt");
}

fn setup_fish(p: &mut PtySession, line: &str) {
    p.send_line(&format!("{line}; echo SETUP-DONE-(math 40+2)"))
        .expect("send");
    p.exp_string("SETUP-DONE-42").expect("setup ran");
    p.exp_string("$ ").expect("prompt");
}

fn seeded() -> TestEnv {
    let env = TestEnv::new();
    env.seed();
    env
}

/// Ends the shell with `exit`: interactive bash and zsh ignore the SIGTERM that dropping the
/// session sends, which would make every test wait out the kill timeout.
fn end(mut p: PtySession) {
    // Ctrl-U empties the line without a signal (Ctrl-C would race with what is typed next).
    p.send_control('u').expect("clear");
    p.send_line("exit").expect("exit");
    p.exp_eof().expect("the shell exits");
}

#[test]
fn bash_completes_words_and_devices() {
    let env = seeded();
    let mut p = shell(&env, "bash", &["--norc", "--noprofile", "-i"]);
    setup(&mut p, "source <(COMPLETE=bash capfsh)");
    keys(&mut p, "capfsh ut\t");
    p.exp_string("capfsh utils ").expect("ut<Tab> -> utils");
    // The next Tab offers what may follow: capf alone (options only when asked with `-`).
    keys(&mut p, "\t");
    p.exp_string("capf ").expect("next Tab offers capf");
    keys(&mut p, "capf csr dump CSF\t");
    p.exp_string("CSFJOHN").expect("device from the store");
    p.send_control('u').expect("clear");
    keys(&mut p, "capfsh utils capf stale-lsc delete \t\t");
    p.exp_string("SEP001122AABB02")
        .expect("stale devices listed");
    end(p);
}

#[test]
fn bash_static_script_completes_words() {
    let env = seeded();
    let mut p = shell(&env, "bash", &["--norc", "--noprofile", "-i"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/capfsh.bash");
    setup(&mut p, &format!("source {}", script.display()));
    keys(&mut p, "capfsh ut\t");
    p.exp_string("capfsh utils ").expect("ut<Tab> -> utils");
    end(p);
}

#[test]
fn zsh_completes_words_and_devices() {
    let env = seeded();
    let mut p = shell(&env, "zsh", &["-f", "-i"]);
    setup(
        &mut p,
        "PROMPT='$ '; autoload -U compinit && compinit -u && source <(COMPLETE=zsh capfsh)",
    );
    keys(&mut p, "capfsh ut\t");
    p.exp_string("capfsh utils").expect("ut<Tab> -> utils");
    keys(&mut p, "\t");
    p.exp_string("capf").expect("next Tab offers capf");
    p.send_control('u').expect("clear");
    keys(&mut p, "capfsh utils capf csr dump CSF\t");
    p.exp_string("CSFJOHN").expect("device from the store");
    end(p);
}

#[test]
fn fish_completes_words_and_devices() {
    let env = seeded();
    let mut p = shell(&env, "fish", &["--no-config", "-i"]);
    setup_fish(
        &mut p,
        "function fish_prompt; echo '$ '; end; COMPLETE=fish capfsh | source",
    );
    keys(&mut p, "capfsh ut\t");
    p.exp_string("utils").expect("ut<Tab> -> utils");
    // The next Tab offers what follows `utils`: `capf`, its only word.
    keys(&mut p, "\t");
    p.exp_string("capf").expect("the second Tab gives capf");
    p.send_control('u').expect("clear");
    keys(&mut p, "capfsh utils capf csr dump CSF\t");
    p.exp_string("CSFJOHN").expect("device from the store");
    end(p);
}
