//! The interactive `admin:` shell.
//!
//! Built for people at a terminal and for expect-style automation over SSH alike: a banner line
//! before the first prompt, the prompt exactly `admin:` at the start of a line, failures followed
//! by `Executed command unsuccessfully`. On capable terminals rustyline gives Tab completion,
//! the `?` key and history editing; on basic ones (vt100, dumb: what automation uses) lines are
//! read plain, so the echo of a typed line is exactly the line, and a trailing `?` still asks
//! for help.

mod helper;
pub mod pager;
mod source;
mod term;

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::complete::{DEVICE_LIMIT, complete};
use crate::cli::help::question_mark;
use crate::commands::{Answer, CommandError, Flow, Prompter, Session};
use crate::render::escape_controls;
use crate::shell::{report_error, run_line};
use crate::store::StoreDevices;

pub use source::{EditorSource, LineSource, PlainSource, Read, is_basic_terminal};

/// The prompt, exactly as CUCM prints it (automation matches `admin:$`).
pub const PROMPT: &str = "admin:";

/// Where REPL history lives: `<state dir>/capfsh/history`, falling back to the data dir.
pub fn history_path() -> Option<PathBuf> {
    dirs::state_dir()
        .or_else(dirs::data_dir)
        .map(|d| d.join("capfsh").join("history"))
}

/// Whether the end of `text` is inside a double-quoted word (where `?` is just a character).
fn inside_quotes(text: &str) -> bool {
    text.chars().filter(|c| *c == '"').count() % 2 == 1
}

/// Whether a typed line is `quit` or `exit` (in any abbreviation the parser takes).
fn ends_session(line: &str) -> bool {
    use crate::cli::parse::{resolve, split_words};
    use crate::cli::tree::Effect;
    split_words(line)
        .ok()
        .and_then(|w| resolve(&w, true).ok())
        .is_some_and(|inv| inv.run.effect == Effect::Ends)
}

/// Asks questions on the REPL's own line source.
struct SourcePrompter<'a> {
    source: &'a mut dyn LineSource,
}

impl Prompter for SourcePrompter<'_> {
    fn ask(&mut self, prompt: &str) -> Answer {
        let (before, last) = match prompt.rsplit_once('\n') {
            Some((b, l)) => (Some(b), l),
            None => (None, prompt),
        };
        if let Some(b) = before {
            println!("{}", escape_controls(b));
        }
        match self.source.read(last, "") {
            Read::Line(l) => Answer::Line(l),
            Read::Interrupted => Answer::Interrupted,
            Read::Eof => Answer::Eof,
            // Not an answer: the question is asked again.
            Read::Invalid(why) => {
                println!("{}", escape_controls(&why));
                Answer::Line(String::new())
            }
        }
    }

    fn note(&mut self, text: &str) {
        println!("{}", escape_controls(text));
    }
    fn ask_secret(&mut self, prompt: &str) -> crate::commands::Answer {
        crate::commands::ask_secret_on_terminal(prompt)
    }
}

/// Runs the shell until `quit`, `exit` or Ctrl-D. Returns the process exit code (0).
pub fn run(session: &mut Session) -> io::Result<u8> {
    let devices = Arc::new(StoreDevices::new(session.location().clone()));
    let history = history_path();
    // Ctrl-C while a command runs must stop the command, not end an admin's SSH session.
    let _ = signal_hook::flag::register(
        signal_hook::consts::SIGINT,
        session.talk.interrupted.clone(),
    );
    let mut source: Box<dyn LineSource> = if is_basic_terminal() {
        Box::new(PlainSource::new(
            session.talk.interrupted.clone(),
            history.as_deref(),
        ))
    } else {
        Box::new(EditorSource::new(devices.clone(), history.as_deref())?)
    };
    println!(
        "capfsh {} - CAPF admin CLI. Type ? or help for commands, quit to leave.",
        env!("CARGO_PKG_VERSION")
    );
    let mut initial = String::new();
    loop {
        let line = match source.read(PROMPT, &std::mem::take(&mut initial)) {
            Read::Line(l) => l,
            Read::Interrupted => continue,
            Read::Eof => break,
            Read::Invalid(why) => {
                report_error(&CommandError::refused(why), None, &mut io::stdout().lock())?;
                continue;
            }
        };
        let trimmed = line.trim_end();
        // A `?` typed at the end of a line read plain: help, then the line again for editing.
        if let Some(before) = trimmed.strip_suffix('?').filter(|b| !inside_quotes(b)) {
            let lookup = |s, p: &str| devices.lookup(s, p, DEVICE_LIMIT);
            for l in question_mark(&complete(before, true, &lookup)) {
                println!("{}", escape_controls(&l));
            }
            initial = before.to_owned();
            continue;
        }
        // `quit` and `exit` are not kept: Up and Enter after a restart must not end the
        // session. Nor is a line where a password may have been typed (the parser refuses it).
        if !trimmed.trim().is_empty()
            && !ends_session(trimmed)
            && !crate::cli::parse::may_hold_password(trimmed)
        {
            // Never keep an authentication string in the history file.
            source.remember(&crate::cli::parse::redact_secrets(trimmed));
            if let Some(h) = &history {
                source.save(h);
            }
        }
        session.talk.refresh_terminal_width();
        let stdout = io::stdout();
        let mut out = stdout.lock();
        // CUCM pages on a terminal until `set cli pagination off`.
        let page = if session.talk.pagination {
            term::size()
        } else {
            None
        };
        let mut quit_listing = false;
        let result = {
            let mut prompter = SourcePrompter {
                source: source.as_mut(),
            };
            match page {
                Some((rows, cols)) => {
                    let interrupted = session.talk.interrupted.clone();
                    let keys = pager::TerminalKeys {
                        interrupted: interrupted.clone(),
                    };
                    let mut pager = pager::Pager::new(&mut out, keys, rows, cols, interrupted);
                    let r = run_line(session, trimmed, &mut prompter, &mut pager, &mut |_| {});
                    quit_listing = pager.quit();
                    r
                }
                None => run_line(session, trimmed, &mut prompter, &mut out, &mut |_| {}),
            }
        };
        match result {
            Ok(Flow::Quit) => break,
            Ok(Flow::Continue) => {}
            // `q` at the pager's question stops the listing quietly.
            Err(e) if quit_listing && e.kind() == crate::error::ErrorKind::Cancelled => {}
            Err(e) => report_error(&e, None, &mut out)?,
        }
        out.flush()?;
    }
    if let Some(h) = &history {
        source.save(h);
    }
    Ok(0)
}
