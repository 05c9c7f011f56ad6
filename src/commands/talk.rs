//! What a command needs to talk to the admin: the output format and width, whether questions
//! can be asked and how, and the Ctrl-C flag that stops a long listing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::CommandError;
use crate::render::Format;

/// An answer to a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A line was typed.
    Line(String),
    /// Ctrl-C.
    Interrupted,
    /// End of input.
    Eof,
}

/// Asks the admin things. Implemented by the REPL; scripts and one-shot runs have none, so a
/// command that would ask fails at once and says what to pass instead.
pub trait Prompter {
    /// Asks `prompt` and returns the answer.
    fn ask(&mut self, prompt: &str) -> Answer;
    /// Tells the admin something between two questions (why an answer was refused).
    fn note(&mut self, text: &str);
    /// Asks for a secret (a password) without echoing it. Only a terminal can: the default
    /// answers end of input, so a prompter without one never reads a secret from a script.
    fn ask_secret(&mut self, _prompt: &str) -> Answer {
        Answer::Eof
    }
}

/// Reads a secret at a hidden prompt on the controlling terminal (`/dev/tty`), so it is never
/// echoed, never in the REPL history and never read from a pipe.
pub fn ask_secret_on_terminal(prompt: &str) -> Answer {
    match crate::sys::read_secret(&format!("{prompt} ")) {
        Ok(line) => Answer::Line(line),
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Answer::Interrupted,
        Err(_) => Answer::Eof,
    }
}

/// No terminal: nothing can be asked.
pub struct NoPrompter;

impl Prompter for NoPrompter {
    fn ask(&mut self, _prompt: &str) -> Answer {
        Answer::Eof
    }

    fn note(&mut self, _text: &str) {}
}

/// The line a Ctrl-C at a question or during a listing prints.
pub const CONTROL_C: &str = "Control-C pressed";

/// How the session talks: output settings, questions, interruption.
#[derive(Debug)]
pub struct Talk {
    /// Output format.
    pub format: Format,
    /// `--yes`: confirmations are answered yes.
    pub assume_yes: bool,
    /// Whether questions can be asked (a terminal is attached).
    pub interactive: bool,
    /// Set by SIGINT while a command runs; long commands stop when they see it.
    pub interrupted: Arc<AtomicBool>,
    /// `set cli pagination` state: the interactive shell pages on a terminal while it is on.
    pub pagination: bool,
    /// Width of the terminal output goes to, if it goes to one (tables wrap to it).
    pub terminal_width: Option<usize>,
}

impl Talk {
    /// Talk in `format`; `interactive` when a terminal can answer questions.
    pub fn new(format: Format, interactive: bool) -> Talk {
        Talk {
            format,
            assume_yes: false,
            interactive,
            interrupted: Arc::new(AtomicBool::new(false)),
            pagination: true,
            terminal_width: crate::render::terminal_width(),
        }
    }

    /// Reads the terminal's width again. The REPL calls it before each command: an admin
    /// resizes the window during a session, and tables should follow (one ioctl, cheap).
    pub fn refresh_terminal_width(&mut self) {
        self.terminal_width = crate::render::terminal_width();
    }

    /// Whether Ctrl-C was pressed since the command started.
    pub fn is_interrupted(&self) -> bool {
        self.interrupted.load(Ordering::Relaxed)
    }

    /// Asks `Continue (y/n)?` unless `noconfirm`/`--yes` was given; without a terminal, refuses
    /// and says what to add. `command` is the canonical command line, `effect` completes
    /// "This will ..." (`delete 1 stale LSC`); `declined` is the line printed when the admin
    /// says no or ends input.
    pub fn confirm(
        &self,
        command: &str,
        noconfirm: bool,
        effect: &str,
        declined: &str,
        prompter: &mut dyn Prompter,
    ) -> Result<(), CommandError> {
        if noconfirm || self.assume_yes {
            return Ok(());
        }
        if !self.interactive {
            return Err(CommandError::refused(format!(
                "{command} would {effect} and needs confirmation, but there is no terminal to \
                 ask on: add noconfirm (or --yes)"
            )));
        }
        loop {
            match prompter.ask(&format!("This will {effect}.\nContinue (y/n)?")) {
                Answer::Line(l) => match l.trim().to_ascii_lowercase().as_str() {
                    "y" | "yes" => return Ok(()),
                    "n" | "no" => return Err(CommandError::cancelled(declined)),
                    _ => continue,
                },
                Answer::Interrupted => return Err(CommandError::cancelled(CONTROL_C)),
                Answer::Eof => return Err(CommandError::cancelled(declined)),
            }
        }
    }
}
