//! Scripts: commands read line by line from a file or from standard input without a terminal.
//!
//! A script never waits for an answer (there is no one to give it): commands that would ask fail
//! and say what to pass. It stops at the first failure unless `--keep-going`, and every failure
//! names its line.

use std::io::{self, BufRead, Read, Write};

use super::{report_error_as, run_line};
use crate::commands::{CommandError, Flow, NoPrompter, Session};

/// The longest script line accepted: a command line is short, a longer one is a wrong file.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// How a script ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptResult {
    /// Lines run as commands.
    pub commands: u64,
    /// Commands that failed.
    pub failures: u64,
    /// Exit code: 0, or the code of the first failure.
    pub exit_code: u8,
}

/// Options of a script run.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScriptOptions {
    /// Run past failures.
    pub keep_going: bool,
    /// Do not warn about abbreviations.
    pub quiet: bool,
}

/// Runs every line of `input`. `name` labels failures (`script.txt line 3: ...`).
pub fn run_script(
    session: &mut Session,
    input: &mut dyn BufRead,
    name: &str,
    opts: ScriptOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ScriptResult> {
    let mut result = ScriptResult {
        commands: 0,
        failures: 0,
        exit_code: 0,
    };
    let mut buf = Vec::new();
    let mut lineno = 0u64;
    loop {
        buf.clear();
        let n = Read::take(&mut *input, MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        lineno += 1;
        let context = format!("{name} line {lineno}");
        if buf.len() > MAX_LINE_BYTES && !buf.ends_with(b"\n") {
            let e = CommandError::usage(format!("line longer than {MAX_LINE_BYTES} bytes"));
            report_error_as(&e, Some(&context), session.talk.format, err)?;
            result.failures += 1;
            result.exit_code = e.exit_code();
            // An overlong line means the input is not a command list: stop.
            break;
        }
        // Windows editors start a file with a byte-order mark; it is not part of the command.
        let bytes = if lineno == 1 {
            buf.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&buf)
        } else {
            &buf
        };
        let line = match std::str::from_utf8(bytes) {
            Ok(l) => l.trim(),
            Err(_) => {
                let e = CommandError::usage("line is not valid UTF-8");
                report_error_as(&e, Some(&context), session.talk.format, err)?;
                result.failures += 1;
                if result.exit_code == 0 {
                    result.exit_code = e.exit_code();
                }
                if opts.keep_going {
                    continue;
                }
                break;
            }
        };
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        result.commands += 1;
        let mut warn = |full: &str| {
            if !opts.quiet {
                let _ = writeln!(
                    err,
                    "warning: {context}: abbreviated command; write it in full: {full}"
                );
            }
        };
        match run_line(session, line, &mut NoPrompter, out, &mut warn) {
            Ok(Flow::Quit) => break,
            Ok(Flow::Continue) => {}
            Err(e) => {
                report_error_as(&e, Some(&context), session.talk.format, err)?;
                result.failures += 1;
                if result.exit_code == 0 {
                    result.exit_code = e.exit_code();
                }
                if !opts.keep_going {
                    break;
                }
            }
        }
    }
    if opts.keep_going && result.failures > 0 {
        result.exit_code = 1;
    }
    Ok(result)
}
