//! One-shot commands run from a terminal, where a destructive command asks on stdin.

use rexpect::session::PtySession;

use crate::support::{TestEnv, pty_exit_status as exit_status};

fn spawn_oneshot(env: &TestEnv, args: &[&str]) -> PtySession {
    env.pty("xterm").spawn(args)
}

/// Asks the question of `stale-lsc delete all` and checks how it reads.
fn asked(p: &mut PtySession) {
    let before = p.exp_string("Continue (y/n)?").expect("asked");
    assert!(
        before.ends_with("This will delete 1 stale LSC.\r\n"),
        "{before:?}"
    );
    assert!(!before.contains("\\x0a"), "{before:?}");
}

#[test]
fn declining_a_one_shot_confirmation_says_so_and_exits_0() {
    let env = TestEnv::new();
    env.seed();
    let digest = env.digest();
    // Answered n.
    let mut p = spawn_oneshot(&env, &["utils", "capf", "stale-lsc", "delete", "all"]);
    asked(&mut p);
    p.send_line("n").expect("send");
    let after = p
        .exp_string("Cancelled: nothing was deleted")
        .expect("reason");
    let rest = p.exp_eof().expect("exits");
    assert!(!format!("{after}{rest}").contains("Executed command unsuccessfully"));
    let status = format!("{:?}", p.process().wait());
    assert!(status.ends_with(", 0))"), "{status}");
    // Ctrl-D at the question: the same, on a line of its own.
    let mut p = spawn_oneshot(&env, &["utils", "capf", "stale-lsc", "delete", "all"]);
    asked(&mut p);
    p.send_control('d').expect("ctrl-d");
    p.exp_string("\r\nCancelled: nothing was deleted")
        .expect("reason on its own line");
    let status = exit_status(&mut p);
    assert!(status.ends_with(", 0))"), "{status}");
    assert_eq!(env.digest(), digest, "nothing deleted");
    // Answered y.
    let mut p = spawn_oneshot(&env, &["utils", "capf", "stale-lsc", "delete", "all"]);
    asked(&mut p);
    p.send_line("y").expect("send");
    p.exp_string("Deleted 1 stale LSC").expect("deleted");
    let status = exit_status(&mut p);
    assert!(status.ends_with(", 0))"), "{status}");
    assert_ne!(env.digest(), digest, "deleted");
}
