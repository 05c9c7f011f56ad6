//! Running commands the three ways admins do: one-shot, scripts, and (in [`crate::repl`]) the
//! interactive shell. All three parse with the same tree and report failures the CUCM way: the
//! reason, then the line `Executed command unsuccessfully`.

pub mod script;

use std::io::{self, Write};

use crate::cli::modifiers::{self, LineFilter, Piped};
use crate::cli::parse::{Invocation, resolve, split_words};
use crate::commands::{CommandError, FAILURE_TRAILER, Flow, Prompter, Session};
use crate::error::ErrorKind;
use crate::render::{self, Framing, escape_controls};

/// Runs one typed line (REPL or script): parse, run, render to `out`.
///
/// `quit`/`exit` are accepted here (automation sends them); blank lines do nothing. When any
/// word (command, value, `noconfirm`, modifier) was abbreviated, `on_abbreviation` gets the
/// line written in full, before the command runs.
pub fn run_line(
    session: &mut Session,
    line: &str,
    prompter: &mut dyn Prompter,
    out: &mut dyn Write,
    on_abbreviation: &mut dyn FnMut(&str),
) -> Result<Flow, CommandError> {
    let piped = modifiers::split(line).map_err(CommandError::usage)?;
    let words = split_words(&piped.command).map_err(CommandError::usage)?;
    if words.is_empty() {
        if piped.modifiers.is_empty() && piped.format.is_none() {
            return Ok(Flow::Continue);
        }
        return Err(CommandError::usage("no command before |"));
    }
    let inv = resolve(&words, true)?;
    if inv.abbreviated || piped.abbreviated {
        on_abbreviation(&format!("{}{}", inv.canonical(), piped.canonical_suffix()));
    }
    run_invocation(session, &inv, line, piped, prompter, out)
}

/// Runs a parsed command through its output modifiers, rendering to `out` in the session's
/// format (or the one a `| json`/`| csv` modifier chose).
pub fn run_invocation(
    session: &mut Session,
    inv: &Invocation,
    line: &str,
    piped: Piped,
    prompter: &mut dyn Prompter,
    out: &mut dyn Write,
) -> Result<Flow, CommandError> {
    let format = piped.format.unwrap_or(session.talk.format);
    // Follow the terminal's width only when people read the lines as they come; filtered lines
    // must stay whole for the regexes.
    let width = if piped.modifiers.is_empty() {
        session.talk.terminal_width
    } else {
        None
    };
    // Buffered: a listing of a million rows must not cost a write system call per line.
    let mut buffered = io::BufWriter::with_capacity(64 * 1024, out);
    let framing = Framing::default();
    let mut filter = LineFilter::new(&mut buffered, piped.modifiers).with_framing(framing.clone());
    let result = {
        let mut renderer = render::renderer_framed(format, Box::new(&mut filter), width, framing);
        crate::cli::run::run(inv, line, session, prompter, renderer.as_mut())
    };
    // `| count` counts what a command printed; a failed or cancelled one printed no answer.
    let finished = if result.is_ok() {
        filter.finish().and_then(|()| buffered.flush())
    } else {
        drop(filter);
        buffered.flush()
    };
    match result {
        // A closed pipe (`capfsh ... | head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(Flow::Continue),
        Ok(flow) => match finished {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(flow),
            Err(e) => Err(e.into()),
            Ok(()) => Ok(flow),
        },
        other => other,
    }
}

/// Writes a failure the CUCM way: the reason (escaped), then the trailer automation greps for.
/// A cancellation prints only its reason.
pub fn report_error(
    err: &CommandError,
    context: Option<&str>,
    to: &mut dyn Write,
) -> io::Result<()> {
    let reason = escape_controls(&err.to_string()).into_owned();
    match context {
        Some(c) => writeln!(to, "{c}: {reason}")?,
        None => writeln!(to, "{reason}")?,
    }
    if err.is_failure() {
        writeln!(to, "{FAILURE_TRAILER}")?;
    }
    to.flush()
}

/// [`report_error`] in the session's output format: with JSON, one object on one line,
/// `{"error": "...", "kind": "refused", "exit_code": 1}` (with `"context"` for a script line),
/// so a program reading JSON reads its failures too; otherwise the CUCM lines.
pub fn report_error_as(
    err: &CommandError,
    context: Option<&str>,
    format: crate::render::Format,
    to: &mut dyn Write,
) -> io::Result<()> {
    if format != crate::render::Format::Json {
        return report_error(err, context, to);
    }
    use crate::error::ErrorKind;
    let kind = match err.kind() {
        ErrorKind::Usage => "usage",
        ErrorKind::Refused => "refused",
        ErrorKind::StoreUnavailable => "store_unavailable",
        ErrorKind::Internal => "internal",
        ErrorKind::BrokenPipe => "broken_pipe",
        ErrorKind::Cancelled => "cancelled",
    };
    let mut obj = serde_json::json!({
        "error": err.to_string(),
        "kind": kind,
        "exit_code": err.exit_code(),
    });
    if let Some(c) = context {
        obj["context"] = c.into();
    }
    writeln!(to, "{obj}")?;
    to.flush()
}

/// Asks on a plain terminal (one-shot commands run from a terminal). Ctrl-C there ends the
/// process, which leaves the store as it was: nothing is written before the answer.
pub struct StdinPrompter;

/// A prompt as shown: its line breaks are ours and stay, while anything inside a line (a
/// device name, one day a subject) is escaped, so the question cannot be forged or garbled.
fn displayed_prompt(prompt: &str) -> String {
    prompt
        .split('\n')
        .map(|l| escape_controls(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

impl crate::commands::Prompter for StdinPrompter {
    fn ask(&mut self, prompt: &str) -> crate::commands::Answer {
        let mut err = io::stderr();
        // Exactly as the shell asks (`Continue (y/n)?`, no trailing space): one form for
        // automation to match.
        let _ = write!(err, "{}", displayed_prompt(prompt));
        let _ = err.flush();
        let mut line = String::new();
        match io::stdin().read_line(&mut line) {
            Ok(0) | Err(_) => {
                // Ctrl-D leaves the cursor after the question: end that line, so the reason
                // printed next starts on its own.
                let _ = writeln!(err);
                crate::commands::Answer::Eof
            }
            Ok(_) => crate::commands::Answer::Line(line.trim_end().to_owned()),
        }
    }

    fn note(&mut self, text: &str) {
        eprintln!("{}", escape_controls(text));
    }
    fn ask_secret(&mut self, prompt: &str) -> crate::commands::Answer {
        crate::commands::ask_secret_on_terminal(prompt)
    }
}

#[cfg(test)]
mod tests {
    use super::displayed_prompt;

    #[test]
    fn a_prompt_keeps_our_line_breaks_and_escapes_inside_lines() {
        assert_eq!(
            displayed_prompt("This will delete 1 stale LSC.\nContinue (y/n)?"),
            "This will delete 1 stale LSC.\nContinue (y/n)?"
        );
        assert_eq!(displayed_prompt("a\u{1b}[2J\r\nb"), "a\\x1b[2J\\x0d\nb");
    }
}
