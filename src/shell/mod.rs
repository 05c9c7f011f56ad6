//! Running commands the three ways admins do: one-shot, scripts, and (in [`crate::repl`]) the
//! interactive shell. All three parse with the same tree and report failures the CUCM way: the
//! reason, then the line `Executed command unsuccessfully`.

pub mod script;

use std::io::{self, Write};

use crate::cli::parse::{Invocation, resolve, split_words};
use crate::commands::{self, CmdError, FAILURE_TRAILER, Flow, Prompter, Session};
use crate::render::{self, escape_controls};

/// Runs one typed line (REPL or script): parse, run, render to `out`.
///
/// `quit`/`exit` are accepted here (automation sends them); blank lines do nothing.
pub fn run_line(
    session: &mut Session,
    line: &str,
    prompter: &mut dyn Prompter,
    out: &mut dyn Write,
    on_abbreviation: &mut dyn FnMut(&Invocation),
) -> Result<Flow, CmdError> {
    let words = split_words(line).map_err(CmdError::Usage)?;
    if words.is_empty() {
        return Ok(Flow::Continue);
    }
    let inv = resolve(&words, true)?;
    if inv.abbreviated {
        on_abbreviation(&inv);
    }
    run_invocation(session, &inv, line, prompter, out)
}

/// Runs a parsed command, rendering in the session's format to `out`.
pub fn run_invocation(
    session: &mut Session,
    inv: &Invocation,
    line: &str,
    prompter: &mut dyn Prompter,
    out: &mut dyn Write,
) -> Result<Flow, CmdError> {
    let mut renderer = render::renderer(session.format, Box::new(out));
    match commands::run(inv, line, session, prompter, renderer.as_mut()) {
        // A closed pipe (`capfsh ... | head`) is the reader's choice, not a failure.
        Err(CmdError::Failed(m)) if m.contains("Broken pipe") => Ok(Flow::Continue),
        other => other,
    }
}

/// Writes a failure the CUCM way: the reason (escaped), then the trailer automation greps for.
/// A cancellation prints only its reason.
pub fn report_error(err: &CmdError, context: Option<&str>, to: &mut dyn Write) -> io::Result<()> {
    let reason = escape_controls(&err.to_string()).into_owned();
    match context {
        Some(c) => writeln!(to, "{c}: {reason}")?,
        None => writeln!(to, "{reason}")?,
    }
    if !matches!(err, CmdError::Cancelled(_)) {
        writeln!(to, "{FAILURE_TRAILER}")?;
    }
    to.flush()
}

/// Asks on a plain terminal (one-shot commands run from a terminal). Ctrl-C there ends the
/// process, which leaves the store as it was: nothing is written before the answer.
pub struct StdinPrompter;

impl crate::commands::Prompter for StdinPrompter {
    fn ask(&mut self, prompt: &str) -> crate::commands::Answer {
        let mut err = io::stderr();
        let _ = write!(err, "{} ", escape_controls(prompt));
        let _ = err.flush();
        let mut line = String::new();
        match io::stdin().read_line(&mut line) {
            Ok(0) | Err(_) => crate::commands::Answer::Eof,
            Ok(_) => crate::commands::Answer::Line(line.trim_end().to_owned()),
        }
    }

    fn note(&mut self, text: &str) {
        eprintln!("{}", escape_controls(text));
    }
}
