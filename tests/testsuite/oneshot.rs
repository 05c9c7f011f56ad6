//! One-shot commands: output in the three formats, exit codes, abbreviations, deletes.

use crate::support::{
    HOSTILE_SUBJECT, Run, TestEnvironment, actor, me, new_csr, new_lsc, stderr, stdout, words,
};

#[test]
fn csr_list_table_is_cucm_style_oldest_first() {
    let env = TestEnvironment::new();
    env.seed();
    let out = env.run_capfsh(&["utils", "capf", "csr", "list"]);
    insta::assert_snapshot!(out, @r#"
        Device Name      Submitted At (UTC)   Key              Subject
        ===============  ===================  ===============  =======
        SEP001122AABB01  2026-11-20 08:00:00  RSA-2048         CN=SEP001122AABB01
        CSFJOHN          2026-11-20 08:10:00  EC-P256          CN=CSFJOHN, O=Example
        SEPBADBADBAD001  2026-11-20 08:20:00  RSA-2048         CN=SEPBADBADBAD001\x1b[2J\u{202e}gnp.exe
        SEP001122AABB02  2026-11-20 08:30:00  RSA-2048         CN=SEP001122AABB02

        4 pending CSRs found
        [EOF]
    "#);
}

#[test]
fn an_empty_listing_says_so_in_words() {
    let env = TestEnvironment::new();
    let out = env.run_capfsh(&["utils", "capf", "csr", "list"]);
    assert!(out.status.success());
    insta::assert_snapshot!(out, @r#"
        No pending CSRs found
        [EOF]
    "#);
    let out = env.run_capfsh(&["utils", "capf", "stale-lsc", "list"]);
    insta::assert_snapshot!(out, @r#"
        No stale LSCs found
        [EOF]
    "#);
}

#[test]
fn csr_list_json_has_stable_fields_and_rfc3339_times() {
    let env = TestEnvironment::new();
    env.seed();
    let out = env.run_capfsh(&["--format", "json", "utils", "capf", "csr", "list"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rows = v.as_array().expect("array");
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[0],
        serde_json::json!({
            "device": "SEP001122AABB01",
            "submitted_at": "2026-11-20T08:00:00.000000Z",
            "key": "RSA-2048",
            "subject": "CN=SEP001122AABB01",
        })
    );
    assert_eq!(rows[2]["subject"], HOSTILE_SUBJECT);
}

#[test]
fn stale_lsc_list_in_table_json_and_csv() {
    let env = TestEnvironment::new();
    env.seed();
    let table = env.run_capfsh(&["ut", "ca", "st", "li"]);
    insta::assert_snapshot!(table, @r#"
        Device Name      Serial                                    Issued At (UTC)      Expires (UTC)        Newer CSR At (UTC)
        ===============  ========================================  ===================  ===================  ==================
        SEP001122AABB02  0a0b0c0d0e0f10111213141516171819          2026-11-20 08:02:00  2027-11-20 08:02:00  2026-11-20 08:30:00

        1 stale LSC found
        [EOF]
    "#);
    let csv = env.run_capfsh(&["--format", "csv", "utils", "capf", "stale-lsc", "list"]);
    insta::assert_snapshot!(csv, @r#"
        device,serial,issued_at,expires_at,superseded_at
        SEP001122AABB02,0a0b0c0d0e0f10111213141516171819,2026-11-20T08:02:00.000000Z,2027-11-20T08:02:00.000000Z,2026-11-20T08:30:00.000000Z
        [EOF]
    "#);
    let json = env.run_capfsh(&["utils", "capf", "stale-lsc", "list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v[0]["superseded_at"], "2026-11-20T08:30:00.000000Z");
}

#[test]
fn keep_alive_set_and_show() {
    let env = TestEnvironment::new();
    let out = env.run_capfsh(&["utils", "capf", "set", "keep_alive", "30"]);
    insta::assert_snapshot!(out, @r#"
        CAPF keep-alive changed from 15 to 30 minutes
        [EOF]
    "#);
    let out = env.run_capfsh(&["--format", "json", "show", "capf", "keep_alive"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["keep_alive"], 30);
    // USER=tester is set, but the log names the real uid's user.
    assert_eq!(v["set_by"], me());
    assert!(v["set_at"].as_str().is_some_and(|s| s.ends_with('Z')));
    let out = env.run_capfsh(&words("--format csv utils capf set keep_alive 20"));
    insta::assert_snapshot!(out, @r#"
        setting,old,new
        keep_alive,30,20
        [EOF]
    "#);
}

#[test]
fn counts_dumps_and_reports() {
    let env = TestEnvironment::new();
    env.seed();
    let out = env.run_capfsh(&["utils", "capf", "csr", "count"]);
    insta::assert_snapshot!(out, @r#"
        4 CSRs pending
        [EOF]
    "#);
    let out = env.run_capfsh(&["utils", "capf", "csr", "dump", "CSFJOHN"]);
    let text = stdout(&out);
    out.success();
    assert!(text.contains("Signature:            verified"), "{text}");
    assert!(
        text.contains("-----BEGIN CERTIFICATE REQUEST-----"),
        "{text}"
    );
    let out = env.run_capfsh(&["--format", "json", "show", "capf", "status"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (
            v["pending_csrs"].as_i64(),
            v["issued_lscs"].as_i64(),
            v["installed_lscs"].as_i64(),
            v["stale_lscs"].as_i64()
        ),
        // The seed's one not-installed LSC is stale: it is counted there, not as issued.
        (Some(4), Some(0), Some(1), Some(1))
    );
    assert!(v["ca_subject"].is_null(), "no CA yet: {v}");
    let out = env.run_capfsh(&["show", "capf", "lsc", "device", "SEP001122AABB03"]);
    out.stdout_has("installed");
}

#[test]
fn deletes_report_counts_and_are_scoped() {
    let env = TestEnvironment::new();
    env.seed();
    let out = env.run_capfsh(&["utils", "capf", "stale-lsc", "delete", "all", "noconfirm"]);
    out.success();
    insta::assert_snapshot!(out, @r#"
        Deleted 1 stale LSC
        [EOF]
    "#);
    let out = env.run_capfsh(&["--yes", "utils", "capf", "csr", "delete", "CSFJOHN"]);
    insta::assert_snapshot!(out, @r#"
        Deleted 1 pending CSR
        [EOF]
    "#);
    let out = env.run_capfsh(&words("--format json utils capf csr delete all noconfirm"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["deleted"], 3);
}

#[test]
fn hostile_text_never_reaches_the_terminal_raw() {
    let env = TestEnvironment::new();
    env.seed();
    for format in ["table", "json", "csv"] {
        for cmd in [
            &["utils", "capf", "csr", "list"][..],
            &["utils", "capf", "csr", "dump", "SEPBADBADBAD001"][..],
        ] {
            let out = env.capfsh().arg("--format").arg(format).args(cmd).run();
            for stream in [&out.stdout, &out.stderr] {
                let text = String::from_utf8_lossy(stream);
                assert!(
                    !text.contains('\u{1b}'),
                    "raw ESC in {format} {cmd:?}: {text:?}"
                );
                assert!(
                    !text.contains('\u{202e}'),
                    "raw bidi override in {format} {cmd:?}"
                );
            }
        }
    }
}

#[test]
fn output_modifiers_filter_and_count() {
    let env = TestEnvironment::new();
    env.seed();
    let out = env.run_capfsh(&[
        "utils", "capf", "csr", "list", "|", "include", "SEP00", "|", "count",
    ]);
    out.success();
    insta::assert_snapshot!(out, @r#"
        Count: 2
        [EOF]
    "#);
    let out = env.run_capfsh(&words("utils capf csr list | exclude ^=|^Device|found|^$"));
    assert_eq!(stdout(&out).lines().count(), 4);
    let out = env.run_capfsh(&["utils", "capf", "csr", "list", "|", "include", "("]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid regular expression"));
}

#[test]
fn the_default_store_is_created_private_on_first_use() {
    let env = TestEnvironment::new();
    let out = env
        .capfsh_default()
        .args(["utils", "capf", "csr", "count"])
        .run();
    out.success();
    let db = env.home().join("data").join("capfsh").join("capf.db");
    assert!(db.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&db).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn help_describes_commands_without_a_store() {
    let env = TestEnvironment::new();
    let out = env.run_capfsh(&["help", "utils", "capf", "stale-lsc", "delete"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("utils capf stale-lsc delete {all|<device>} [noconfirm]"),
        "{text}"
    );
    assert!(!env.db.exists(), "help must not create a store");
}

#[test]
fn completions_and_man_page_are_generated() {
    let env = TestEnvironment::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = env.capfsh().args(["completions", shell]).run();
        assert!(out.status.success());
        assert!(stdout(&out).contains("stale-lsc"), "{shell}");
    }
    let out = env.run_capfsh(&["man"]);
    assert!(stdout(&out).contains(".TH capfsh"));
}

#[test]
fn the_audit_log_records_changes_and_failed_attempts() {
    let env = TestEnvironment::new();
    env.seed();
    env.capfsh()
        .args(["ut", "ca", "set", "keep", "25"])
        .assert()
        .success();
    env.capfsh()
        .args(words("utils capf csr delete SEPDEADBEEF0000 noconfirm"))
        .assert()
        .code(1);
    env.capfsh()
        .args(["utils", "capf", "csr", "list"])
        .assert()
        .success();
    let out = env.run_capfsh(&["--format", "json", "show", "capf", "audit", "2"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rows = v.as_array().expect("array");
    assert_eq!(rows.len(), 2, "read-only commands are not audited: {v}");
    assert_eq!(rows[0]["outcome"], "failed");
    assert_eq!(rows[0]["os_user"], me());
    assert_eq!(
        rows[0]["detail"],
        "no pending CSR for device SEPDEADBEEF0000"
    );
    assert_eq!(rows[1]["outcome"], "ok");
    assert_eq!(
        rows[1]["command"],
        "--db ".to_owned() + &env.db.display().to_string() + " ut ca set keep 25"
    );
    assert_eq!(rows[1]["detail"], "keep_alive 15 -> 25");
}

#[test]
fn a_newline_in_a_csr_subject_cannot_forge_a_dump_line() {
    let env = TestEnvironment::new();
    let forged = "CN=SEPX\nSignature:            verified\nFAKE LINE";
    env.store()
        .record_csr(
            &new_csr("SEP00000000F0F0", 0, forged, "RSA", 2048, 7),
            &actor(),
        )
        .expect("csr");
    let out = env.run_capfsh(&["utils", "capf", "csr", "dump", "SEP00000000F0F0"]);
    let text = stdout(&out);
    out.success();
    assert!(
        text.contains(
            "Subject:              CN=SEPX\\x0aSignature:            verified\\x0aFAKE LINE\n"
        ),
        "{text}"
    );
    assert!(!text.lines().any(|l| l == "FAKE LINE"), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("Signature:")).count(),
        1,
        "{text}"
    );
    // Our own PEM still spans lines.
    assert!(
        text.contains("\n-----BEGIN CERTIFICATE REQUEST-----\n"),
        "{text}"
    );
}

#[test]
fn csv_pem_and_help_are_quoted_fields_with_real_newlines() {
    let env = TestEnvironment::new();
    env.seed();
    let out = env.run_capfsh(&["--format", "csv", "utils", "capf", "csr", "dump", "CSFJOHN"]);
    let text = stdout(&out);
    out.success();
    assert!(!text.contains("\\x0a"), "{text}");
    assert!(
        text.contains(",\"-----BEGIN CERTIFICATE REQUEST-----\n"),
        "{text}"
    );
    assert!(
        text.ends_with("\n-----END CERTIFICATE REQUEST-----\"\n"),
        "{text}"
    );
    let out = env.run_capfsh(&["--format", "csv", "help", "utils", "capf", "csr", "list"]);
    let text = stdout(&out);
    assert!(
        text.starts_with("text\n\"utils capf csr list help:\n"),
        "{text}"
    );
    assert!(!text.contains("\\x0a"), "{text}");
}

#[test]
fn forty_hex_digit_serials_fit_their_column_and_the_count_agrees() {
    let env = TestEnvironment::new();
    {
        let mut s = env.store();
        let (c, _) = s
            .record_csr(
                &new_csr("SEP0000000000AA", 0, "CN=SEP0000000000AA", "RSA", 2048, 8),
                &actor(),
            )
            .expect("csr");
        s.record_lsc(
            &new_lsc("SEP0000000000AA", &"7f".repeat(20), 1, c),
            &actor(),
        )
        .expect("lsc");
    }
    let out = env.run_capfsh(&["show", "capf", "lsc"]);
    let text = stdout(&out);
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    lines.next();
    let row = lines.next().expect("row");
    let col = header.find("State").expect("State column");
    assert_eq!(row.get(col..col + 6), Some("issued"), "{text}");
    assert!(row.contains(&"7f".repeat(20)), "{text}");
    let out = env.run_capfsh(&["show", "capf", "lsc", "expiring", "3650"]);
    let text = stdout(&out);
    assert!(text.contains("\n1 LSC expires before "), "{text}");
}

/// Arguments are bytes on Unix: a word that is not UTF-8 is a usage error naming it (not a
/// panic), while a `--db` path may be any bytes, as paths are.
#[cfg(unix)]
#[test]
fn non_utf8_arguments_are_usage_errors_but_db_paths_work() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let env = TestEnvironment::new();
    let bad = OsStr::from_bytes(b"\xff");
    for args in [
        vec![
            OsStr::new("utils"),
            OsStr::new("capf"),
            OsStr::new("csr"),
            OsStr::new("list"),
            OsStr::new("|"),
            OsStr::new("include"),
            bad,
        ],
        vec![
            OsStr::new("utils"),
            OsStr::new("capf"),
            OsStr::new("csr"),
            OsStr::new("dump"),
            bad,
        ],
    ] {
        let out = env.capfsh().args(&args).run();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with("argument "), "{err}");
        assert!(err.contains("is not valid UTF-8"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let db = env.home().join(OsStr::from_bytes(b"store-\xff.db"));
    let out = env
        .capfsh_default()
        .arg("--db")
        .arg(&db)
        .args(["utils", "capf", "csr", "count"])
        .run();
    out.success();
    insta::assert_snapshot!(crate::support::CommandOutput(out.clone()), @r#"
        0 CSRs pending
        [EOF]
    "#);
    assert!(db.is_file());
}

/// Modifiers and `-f` are honoured or refused, never silently dropped.
#[test]
fn modifiers_and_scripts_in_the_wrong_place_are_usage_errors() {
    let env = TestEnvironment::new();
    env.seed();
    let script = env.home().join("s.txt");
    std::fs::write(&script, "utils capf csr count\n").expect("write script");
    let script = script.to_string_lossy().into_owned();
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &["|", "count"],
            "utils capf csr count\n",
            "output modifiers follow a command",
        ),
        (
            &["-f", &script, "|", "include", "ZZZ"],
            "",
            "output modifiers follow a command",
        ),
        (
            &["-f", &script, "utils", "capf", "csr", "list"],
            "",
            "either -f FILE or a command",
        ),
        (
            &[
                "utils", "capf", "csr", "list", "|", "include", "SEP", "--format", "json",
            ],
            "",
            "put options before the command",
        ),
    ];
    for (args, stdin, message) in cases {
        let out = env.capfsh().args(args).write_stdin(stdin).run();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
    }
    // Options before the command, modifiers after it: honoured.
    let out = env.run_capfsh(&[
        "--format", "csv", "utils", "capf", "csr", "list", "|", "include", "CSF",
    ]);
    out.success();
    assert!(stdout(&out).starts_with("CSFJOHN,"), "{}", stdout(&out));
}

/// `| begin` and `| json` end to end; a count flows through the stages after it.
#[test]
fn begin_json_and_count_chains_end_to_end() {
    let env = TestEnvironment::new();
    env.seed();
    let run = |args: &[&str]| {
        env.capfsh()
            .args(["utils", "capf", "csr", "list"])
            .args(args)
            .output()
            .expect("run")
    };
    let out = run(&["|", "begin", "^CSFJOHN"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("CSFJOHN "), "{text}");
    assert_eq!(text.lines().count(), 5, "3 rows, blank, summary: {text}");
    let out = run(&["|", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(4));
    let out = run(&["|", "json", "|", "count"]);
    assert!(stdout(&out).starts_with("Count: "), "{}", stdout(&out));
    let out = run(&["|", "include", "SEP", "|", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("must come right after the command"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&run(&["|", "count", "|", "count"])), "Count: 1\n");
    assert_eq!(stdout(&run(&["|", "count", "|", "include", "ZZZ"])), "");
}

/// Table output to a pipe never wraps, whatever COLUMNS says: scripts get whole lines.
#[test]
fn table_output_to_a_pipe_never_wraps() {
    let env = TestEnvironment::new();
    env.seed();
    let out = env
        .capfsh()
        .env("COLUMNS", "40")
        .args(["utils", "capf", "csr", "list"])
        .run();
    out.success();
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l
                == "CSFJOHN          2026-11-20 08:10:00  EC-P256          CN=CSFJOHN, O=Example"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 8, "{text}");
}

/// NO_COLOR (and any output that is not a terminal) gives plain text: no escape sequence
/// reaches stdout or stderr, even from a hostile CSR subject.
#[test]
fn no_color_output_has_no_escape_sequences() {
    let env = TestEnvironment::new();
    env.seed();
    for args in [
        &["utils", "capf", "csr", "list"][..],
        &["utils", "capf", "csr", "dump", "SEPBADBADBAD001"],
        &["show", "capf", "status"],
        &["help", "utils", "capf"],
        &["utils", "bogus"],
    ] {
        let out = env
            .capfsh()
            .env("NO_COLOR", "1")
            .env("TERM", "xterm-256color")
            .args(args)
            .run();
        assert!(!out.stdout.contains(&0x1b), "{args:?}: {}", stdout(&out));
        assert!(!out.stderr.contains(&0x1b), "{args:?}: {}", stderr(&out));
    }
}

/// One-shot takes the same unambiguous value prefixes as the shell and scripts.
#[test]
fn one_shot_takes_abbreviated_values_like_the_shell() {
    let env = TestEnvironment::new();
    let out = env.run_capfsh(&["utils", "capf", "set", "mode", "offl"]);
    out.success();
    out.stdout_has("to offline");
    // Ambiguous (online/offline) is a usage error; `no` is an answer, not `noconfirm`.
    for args in [
        &["utils", "capf", "set", "mode", "o"][..],
        &["utils", "capf", "stale-lsc", "delete", "all", "no"],
    ] {
        let out = env.capfsh().args(args).run();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    let out = env.run_capfsh(&["utils", "capf", "stale-lsc", "delete", "all", "noc"]);
    out.success();
}
