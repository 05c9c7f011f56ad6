//! With `--format json` (or `| json`), a failure is a JSON object on standard error, with the
//! same exit code as ever.

use crate::support::{Run, TestEnv, stderr, words};

fn error_object(out: &std::process::Output) -> serde_json::Value {
    let err = stderr(out);
    let line = err.lines().next().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {err:?}"))
}

#[test]
fn failures_are_json_objects_when_the_output_is_json() {
    let env = TestEnv::new();
    let out = env
        .capfsh()
        .args(words("--format json utils capf set keep_alive 99"))
        .run();
    assert_eq!(out.status.code(), Some(1));
    let v = error_object(&out);
    assert_eq!(v["kind"], "refused");
    assert_eq!(v["exit_code"], 1);
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("keep_alive 99")),
        "{v}"
    );
    assert_eq!(
        stderr(&out).lines().count(),
        1,
        "one line: {}",
        stderr(&out)
    );

    // `| json` chooses JSON too.
    let out = env
        .capfsh()
        .args(["utils", "capf", "csr", "dump", "SEPNOSUCH", "|", "json"])
        .run();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(error_object(&out)["kind"], "refused");

    // A usage error, caught before the command is known.
    let out = env
        .capfsh()
        .args(["--format", "json", "utils", "capf", "bogus"])
        .run();
    assert_eq!(out.status.code(), Some(2));
    let v = error_object(&out);
    assert_eq!(v["kind"], "usage");
    assert_eq!(v["exit_code"], 2);

    // A script names the failing line.
    let out = env
        .capfsh()
        .args(["--format", "json"])
        .write_stdin("utils capf set validity 0\n")
        .run();
    assert_eq!(out.status.code(), Some(1));
    let v = error_object(&out);
    assert_eq!(v["context"], "stdin line 1");

    // Table output keeps the CUCM lines.
    let out = env
        .capfsh()
        .args(["utils", "capf", "set", "keep_alive", "99"])
        .run();
    assert!(stderr(&out).contains("Executed command unsuccessfully"));
}
