//! Issue 8, items 7 and 8, in a real pseudo-terminal: history is never written through a
//! planted link, state folders are 0700 whatever the umask, and a line that is not UTF-8 is
//! reported while the session goes on.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;

use rexpect::session::PtySession;

use crate::support::{Bin, TestEnv, quit};

/// capfsh in a pty with `umask` applied first and echo on (as over SSH).
fn spawn(env: &TestEnv, term: &str, umask: &str) -> PtySession {
    env.pty(term).umask(umask).shell()
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
}

#[test]
fn history_is_never_written_through_a_planted_link() {
    for term in ["xterm", "vt100"] {
        let env = TestEnv::new();
        let state = env.home().join("state").join("capfsh");
        std::fs::create_dir_all(&state).expect("state dir");
        let victim = env.home().join("victim");
        std::fs::write(&victim, "precious\n").expect("victim");
        std::os::unix::fs::symlink(&victim, state.join("history")).expect("link");
        let mut p = spawn(&env, term, "022");
        p.send_line("show capf keep_alive").expect("send");
        p.exp_string("admin:").expect("prompt");
        quit(p);
        assert_eq!(
            std::fs::read_to_string(&victim).expect("victim"),
            "precious\n",
            "{term}"
        );
        assert!(
            std::fs::symlink_metadata(state.join("history"))
                .expect("link")
                .file_type()
                .is_symlink()
        );
    }
}

#[test]
fn state_and_data_folders_are_0700_and_history_0600_under_umask_000() {
    for term in ["xterm", "vt100"] {
        let env = TestEnv::new();
        let mut p = spawn(&env, term, "000");
        p.send_line("show capf keep_alive").expect("send");
        p.exp_string("admin:").expect("prompt");
        quit(p);
        let state = env.home().join("state");
        assert_eq!(mode(&state), 0o700, "{term}: {}", state.display());
        assert_eq!(mode(&state.join("capfsh")), 0o700, "{term}");
        assert_eq!(mode(&state.join("capfsh").join("history")), 0o600, "{term}");
        let history =
            std::fs::read_to_string(state.join("capfsh").join("history")).expect("history");
        assert!(history.contains("show capf keep_alive"), "{history}");
    }
    // The default store's folders too.
    let env = TestEnv::new();
    let out = env
        .process_after(Bin::Capfsh, "umask 000", false)
        .args(["utils", "capf", "csr", "count"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let data = env.home().join("data");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("capfsh")), 0o700);
    assert_eq!(mode(&data.join("capfsh").join("capf.db")), 0o600);
}

#[test]
fn a_line_that_is_not_utf8_is_reported_and_the_session_goes_on() {
    for term in ["vt100", "xterm", "dumb"] {
        let env = TestEnv::new();
        let mut p = spawn(&env, term, "022");
        {
            let mut pty = p.process().get_file_handle().expect("pty");
            pty.write_all(b"utils capf \xff\xfe csr list\r")
                .expect("write");
            pty.flush().expect("flush");
        }
        p.exp_string("not UTF-8 text")
            .expect("the line is reported");
        p.exp_string("Executed command unsuccessfully")
            .expect("failure trailer");
        p.exp_string("admin:").expect("prompt again");
        p.send_line("show capf keep_alive").expect("send");
        p.exp_string("15").expect("the session still runs commands");
        p.exp_string("admin:").expect("prompt");
        quit(p);
    }
}
