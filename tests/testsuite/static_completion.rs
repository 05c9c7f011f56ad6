//! The committed static completion scripts (completions/, what `capfsh completions <shell>`
//! prints) in the real shells: after a command's values they offer its keyword options, the
//! choices of the keyword just typed and `noconfirm`, never the command's subcommands
//! (`install file` after `install <device>`); elsewhere clap's script still answers (fish: the
//! tree's words at every depth, clap's options).

use std::path::{Path, PathBuf};

use crate::support::{Run, TestEnv, keys};

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(name)
}

fn bin_dir() -> String {
    Path::new(env!("CARGO_BIN_EXE_capfsh"))
        .parent()
        .expect("bin dir")
        .display()
        .to_string()
}

/// What bash's completion function answers for `line` (the last word is the one at the
/// cursor), with the committed script sourced into a real bash.
fn bash(env: &TestEnv, line: &[impl AsRef<str>]) -> Vec<String> {
    let words: Vec<String> = line.iter().map(|w| format!("'{}'", w.as_ref())).collect();
    let program = format!(
        "source '{}'\n\
         COMP_WORDS=({})\n\
         COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n\
         COMP_LINE=\"${{COMP_WORDS[*]}}\"; COMP_POINT=${{#COMP_LINE}}\n\
         _capfsh capfsh \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script("capfsh.bash").display(),
        words.join(" ")
    );
    let out = env
        .program("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What fish offers for `line` (up to the cursor), with the committed script sourced into a
/// real fish.
fn fish(env: &TestEnv, line: &str) -> Vec<String> {
    let program = format!(
        "source '{}'; complete -C '{line}'",
        script("capfsh.fish").display()
    );
    let out = env
        .program("fish")
        .args(["--no-config", "-c", &program])
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir()))
        .run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
        .collect()
}

const INSTALL: [&str; 5] = ["capfsh", "utils", "capf", "operation", "install"];

/// `capfsh utils capf operation install SEP001122AABB01` and `rest`.
fn install(rest: &[&str]) -> Vec<String> {
    INSTALL
        .iter()
        .chain(&["SEP001122AABB01"])
        .chain(rest)
        .map(|w| (*w).to_owned())
        .collect()
}

#[test]
fn bash_script_completes_keyword_options_and_their_values() {
    let env = TestEnv::new();
    assert_eq!(bash(&env, &install(&[""])), ["auth", "by", "key"]);
    assert_eq!(
        bash(&env, &install(&["auth", ""])),
        ["existing-lsc", "existing-mic", "generate", "null", "string"]
    );
    // The digits after `auth string` are typed, then the options not given yet.
    assert_eq!(
        bash(&env, &install(&["auth", "string", ""])),
        Vec::<String>::new()
    );
    assert_eq!(
        bash(&env, &install(&["auth", "string", "1234", ""])),
        ["by", "key"]
    );
    assert_eq!(
        bash(&env, &install(&["key", "ec"])),
        ["ec-p256", "ec-p384", "ec-p521"]
    );
    assert_eq!(bash(&env, &install(&["fi"])), Vec::<String>::new());
    // Right after `install`, clap's script answers: the subcommand `file` is offered there.
    let mut at_install = INSTALL.to_vec();
    at_install.push("");
    assert!(bash(&env, &at_install).contains(&"file".to_owned()));
    // Past capfsh's own options, for every command with keyword options.
    assert_eq!(
        bash(
            &env,
            &[
                "capfsh", "--db", "x.db", "utils", "capf", "tidy", "dry-run", ""
            ]
        ),
        ["expired-lscs", "older-than", "superseded-csrs", "noconfirm"]
    );
    assert_eq!(
        bash(
            &env,
            &[
                "capfsh", "utils", "capf", "lsc", "revoke", "SEP1", "reason", "k"
            ]
        ),
        ["keyCompromise"]
    );
    assert_eq!(
        bash(
            &env,
            &[
                "capfsh",
                "utils",
                "capf",
                "set",
                "online-ca",
                "host",
                "est",
                ""
            ]
        ),
        ["port", "label", "user", "password-file"]
    );
    assert_eq!(
        bash(
            &env,
            &[
                "capfsh",
                "utils",
                "capf",
                "operation",
                "install",
                "file",
                "a.csv",
                ""
            ]
        ),
        ["output"]
    );
}

#[test]
fn fish_script_completes_keyword_options_and_their_values() {
    let env = TestEnv::new();
    let line = "capfsh utils capf operation install SEP001122AABB01 ";
    assert_eq!(fish(&env, line), ["auth", "by", "key"]);
    assert_eq!(
        fish(&env, &format!("{line}auth ")),
        ["existing-lsc", "existing-mic", "generate", "null", "string"]
    );
    assert_eq!(
        fish(&env, &format!("{line}auth string 1234 ")),
        ["by", "key"]
    );
    assert_eq!(
        fish(&env, &format!("{line}key rsa")),
        ["rsa-1024", "rsa-2048", "rsa-3072", "rsa-4096"]
    );
    assert_eq!(fish(&env, &format!("{line}fi")), Vec::<String>::new());
    assert_eq!(
        fish(
            &env,
            "capfsh utils capf operation delete SEP1 by 2026-12-31 "
        ),
        ["auth", "noconfirm"]
    );
    assert_eq!(fish(&env, &format!("{line}--f")), ["--format"]);
    // Command words and fixed values at every depth, each only where it fits.
    assert_eq!(
        fish(&env, "capfsh utils capf operation "),
        ["cancel", "delete", "install", "troubleshoot"]
    );
    assert_eq!(fish(&env, "capfsh utils capf operation install "), ["file"]);
    assert_eq!(
        fish(&env, "capfsh --db x.db utils capf set mode "),
        ["capf", "offline", "online"]
    );
    assert_eq!(
        fish(&env, "capfsh utils capf stale-lsc delete all "),
        ["noconfirm"]
    );
}

/// zsh completes only inside its line editor: the script is installed the usual way (a folder
/// on `fpath`, compinit), and Tab is pressed in a pseudo-terminal.
#[test]
fn zsh_script_completes_keyword_options_and_their_values() {
    let env = TestEnv::new();
    let functions = env.home().join("zfunc");
    std::fs::create_dir_all(&functions).expect("mkdir");
    std::fs::copy(script("_capfsh"), functions.join("_capfsh")).expect("copy");
    let mut p = env
        .pty("xterm")
        .program("zsh")
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir()))
        .env("ZDOTDIR", env.home())
        .env("COLUMNS", "160")
        .env("LINES", "50")
        .spawn(&["-f", "-i"]);
    p.send_line(&format!(
        "PROMPT='$ '; fpath=({} $fpath); autoload -U compinit && compinit -u; \
         echo SETUP-DONE-$((40+2))",
        functions.display()
    ))
    .expect("send");
    p.exp_string("SETUP-DONE-42").expect("setup ran");
    p.exp_string("$ ").expect("prompt");
    keys(
        &mut p,
        "capfsh utils capf operation install SEP001122AABB01 auth ",
    );
    keys(&mut p, "\t");
    p.exp_regex("existing-lsc.*existing-mic.*generate.*null.*string")
        .expect("auth's choices");
    p.send_control('u').expect("clear");
    keys(
        &mut p,
        "capfsh utils capf operation install SEP001122AABB01 auth null k\t",
    );
    p.exp_string("key ").expect("k<Tab> -> key");
    p.send_control('u').expect("clear");
    keys(
        &mut p,
        "capfsh utils capf tidy dry-run older-than 3 superseded-csrs e\t",
    );
    p.exp_string("expired-lscs ")
        .expect("e<Tab> -> expired-lscs");
    p.send_control('u').expect("clear");
    p.send_line("exit").expect("exit");
    p.exp_eof().expect("zsh exits");
}
