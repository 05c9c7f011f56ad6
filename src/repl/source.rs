//! Where typed lines come from: rustyline on capable terminals, plain cooked-mode lines on basic
//! ones (vt100, dumb), where automation needs the echo of a typed line to be exactly the line.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustyline::config::{BellStyle, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::{FileHistory, History};
use rustyline::{Editor, EventHandler, KeyEvent};

use super::helper::{CapfHelper, QuestionMark};
use crate::store::StoreDevices;

/// Most history lines kept.
const HISTORY_SIZE: usize = 1000;

/// What reading a line gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// A line (without its newline).
    Line(String),
    /// Ctrl-C.
    Interrupted,
    /// Ctrl-D or end of input.
    Eof,
    /// A line that is not text (a byte that is not UTF-8): the message says so; the session
    /// goes on (over SSH, ending it would log the admin out).
    Invalid(String),
}

/// What the admin is told about a line that is not UTF-8 text.
fn invalid_line_message(bad_byte: Option<u8>) -> String {
    match bad_byte {
        Some(b) => format!(
            "invalid input: the line holds the byte 0x{b:02X}, which is not UTF-8 text; nothing \
             was run, type the command again"
        ),
        None => "invalid input: the line is not UTF-8 text; nothing was run, type the command \
                 again"
            .to_owned(),
    }
}

/// A source of typed lines with history.
pub trait LineSource {
    /// Shows `prompt` and reads a line; `initial` is text given back for editing where the
    /// source can (after `?`).
    fn read(&mut self, prompt: &str, initial: &str) -> Read;
    /// Remembers a command line.
    fn remember(&mut self, line: &str);
    /// Writes history to `path` (mode 0600).
    fn save(&mut self, path: &Path);
}

/// Terminals on which capfsh reads plain lines: no cursor movement, no colour, the typed line
/// echoed by the terminal exactly as typed (what paramiko-expect style automation, which
/// defaults to vt100, looks for). `CAPFSH_PLAIN=1` forces it anywhere.
pub fn is_basic_terminal() -> bool {
    if std::env::var_os("CAPFSH_PLAIN").is_some_and(|v| v == "1") {
        return true;
    }
    let term = std::env::var("TERM")
        .unwrap_or_default()
        .to_ascii_lowercase();
    matches!(
        term.as_str(),
        "" | "dumb"
            | "unknown"
            | "vt52"
            | "vt100"
            | "vt102"
            | "vt220"
            | "vt320"
            | "ansi"
            | "cons25"
            | "emacs"
    )
}

/// The largest history file read back (1000 lines of commands are far less).
const MAX_HISTORY_BYTES: u64 = 1024 * 1024;

/// Reads history saved by [`save_history`] (rustyline's `#V2` format, or plain lines), never
/// through a symbolic link and never more than [`MAX_HISTORY_BYTES`].
fn load_history(history: &mut FileHistory, path: &Path) {
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt;
    let Ok(f) = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)
    else {
        return;
    };
    if !f.metadata().is_ok_and(|m| m.is_file()) {
        return;
    }
    let mut bytes = Vec::new();
    if f.take(MAX_HISTORY_BYTES).read_to_end(&mut bytes).is_err() {
        return;
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.lines().peekable();
    let v2 = lines.peek() == Some(&"#V2");
    if v2 {
        lines.next();
    }
    for line in lines.filter(|l| !l.is_empty()) {
        let entry = if v2 {
            unescape_v2(line)
        } else {
            line.to_owned()
        };
        let _ = history.add(&entry);
    }
}

/// Undoes rustyline's `#V2` escaping (`\\n` is a line feed, `\\\\` a backslash).
fn unescape_v2(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Writes history to `path` (mode 0600) in rustyline's `#V2` format, through the one safe
/// file writer: its folder is made 0700, a link planted at `path` is refused, not followed.
fn save_history(history: &FileHistory, path: &Path) {
    if history.is_empty() {
        return;
    }
    if let Some(dir) = path.parent()
        && crate::sys::create_private_dir(dir).is_err()
    {
        return;
    }
    let mut text = String::from("#V2\n");
    for entry in history.iter() {
        text.push_str(&entry.replace('\\', "\\\\").replace('\n', "\\n"));
        text.push('\n');
    }
    let _ = crate::sys::write_file(path, text.as_bytes(), 0o600, crate::sys::Existing::Replace);
}

/// rustyline, with Tab and `?` bound to the command tree.
pub struct EditorSource {
    editor: Editor<CapfHelper, FileHistory>,
}

impl EditorSource {
    /// An editor completing from the tree and `devices`, with history from `history`.
    pub fn new(devices: Arc<StoreDevices>, history: Option<&Path>) -> io::Result<Self> {
        let config = Config::builder()
            .completion_type(CompletionType::List)
            .bell_style(BellStyle::None)
            .auto_add_history(false)
            .max_history_size(HISTORY_SIZE)
            .map_err(io::Error::other)?
            .history_ignore_dups(true)
            .map_err(io::Error::other)?
            .history_ignore_space(true)
            .build();
        let mut editor = Editor::with_config(config).map_err(io::Error::other)?;
        editor.set_helper(Some(CapfHelper::new(devices.clone())));
        editor.bind_sequence(
            KeyEvent::from('?'),
            EventHandler::Conditional(Box::new(QuestionMark::new(devices))),
        );
        if let Some(h) = history {
            load_history(editor.history_mut(), h);
        }
        Ok(EditorSource { editor })
    }
}

impl LineSource for EditorSource {
    fn read(&mut self, prompt: &str, initial: &str) -> Read {
        let r = if initial.is_empty() {
            self.editor.readline(prompt)
        } else {
            self.editor.readline_with_initial(prompt, (initial, ""))
        };
        match r {
            Ok(l) => Read::Line(l),
            Err(ReadlineError::Interrupted) => Read::Interrupted,
            Err(ReadlineError::Io(e)) if e.kind() == io::ErrorKind::InvalidData => {
                // The rest of the bad line is still waiting on the terminal: drop it, so it
                // is not read as a command of its own.
                let _ =
                    nix::sys::termios::tcflush(io::stdin(), nix::sys::termios::FlushArg::TCIFLUSH);
                Read::Invalid(invalid_line_message(None))
            }
            Err(_) => Read::Eof,
        }
    }

    fn remember(&mut self, line: &str) {
        let _ = self.editor.add_history_entry(line);
    }

    fn save(&mut self, path: &Path) {
        save_history(self.editor.history(), path);
    }
}

/// Plain lines: the prompt is printed as is, the terminal echoes what is typed, and whole lines
/// are read from standard input between checks for Ctrl-C (a SIGINT in cooked mode, which also
/// discards the half-typed line). No reader thread: the pager reads its key from the same input
/// between two lines.
pub struct PlainSource {
    pending: Vec<u8>,
    interrupted: Arc<AtomicBool>,
    history: FileHistory,
    eof: bool,
}

impl PlainSource {
    /// Reads standard input; `interrupted` is the SIGINT flag.
    pub fn new(interrupted: Arc<AtomicBool>, history: Option<&Path>) -> Self {
        let mut h = FileHistory::new();
        if let Some(p) = history {
            load_history(&mut h, p);
        }
        PlainSource {
            pending: Vec::new(),
            interrupted,
            history: h,
            eof: false,
        }
    }

    /// The next whole line already read, without its line end and without the escape
    /// sequences a basic terminal sends for arrow and function keys (which are no command).
    /// A line that is not UTF-8 comes back as the message saying so: nothing of it runs.
    fn take_line(&mut self) -> Option<Result<String, String>> {
        let end = self.pending.iter().position(|b| *b == b'\n')?;
        let line: Vec<u8> = self.pending.drain(..=end).collect();
        Some(match String::from_utf8(line) {
            Ok(text) => Ok(strip_escape_sequences(text.trim_end_matches(['\n', '\r']))),
            Err(e) => {
                let bad = e.utf8_error().valid_up_to();
                Err(invalid_line_message(e.as_bytes().get(bad).copied()))
            }
        })
    }
}

/// Removes terminal escape sequences (`ESC [ ... final`, `ESC O x`, a lone `ESC`) from a line
/// read plain: on a vt100 an arrow key arrives as `\x1b[A` inside the typed line.
pub fn strip_escape_sequences(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('[') => {
                chars.next();
                // Parameters and intermediates, then one final byte in @..~.
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            Some('O') => {
                chars.next();
                chars.next();
            }
            _ => {}
        }
    }
    out
}

impl LineSource for PlainSource {
    fn read(&mut self, prompt: &str, initial: &str) -> Read {
        if self.eof {
            return Read::Eof;
        }
        self.interrupted.store(false, Ordering::Relaxed);
        let mut out = io::stdout();
        // No cursor movement on a basic terminal: text given back after `?` is printed after
        // the prompt, and what the admin types next continues it.
        let _ = write!(out, "{prompt}{initial}");
        let _ = out.flush();
        loop {
            match self.take_line() {
                Some(Ok(l)) => return Read::Line(format!("{initial}{l}")),
                Some(Err(why)) => return Read::Invalid(why),
                None => {}
            }
            if self.interrupted.swap(false, Ordering::Relaxed) {
                // Ctrl-C discarded the half-typed line in the terminal; drop ours too.
                self.pending.clear();
                let _ = writeln!(out);
                return Read::Interrupted;
            }
            if !super::term::wait_readable(Duration::from_millis(50)) {
                continue;
            }
            let mut buf = [0u8; 4096];
            match super::term::read_stdin(&mut buf) {
                Some(0) => {
                    self.eof = true;
                    let _ = writeln!(out);
                    return Read::Eof;
                }
                Some(n) => {
                    self.pending.extend_from_slice(&buf[..n]);
                    if self.pending.len() > 64 * 1024 && !self.pending.contains(&b'\n') {
                        // Not a command line: drop it rather than grow without bound.
                        self.pending.clear();
                    }
                }
                // EINTR (Ctrl-C) or a failed read: the flag or the next poll decides.
                None => {}
            }
        }
    }

    fn remember(&mut self, line: &str) {
        let _ = self.history.add(line);
    }

    fn save(&mut self, path: &Path) {
        save_history(&self.history, path);
    }
}

#[cfg(test)]
mod plain_tests {
    use super::strip_escape_sequences;

    #[test]
    fn arrow_and_function_keys_are_no_text() {
        assert_eq!(strip_escape_sequences("\u{1b}[A"), "");
        assert_eq!(strip_escape_sequences("\u{1b}[A\u{1b}[B"), "");
        assert_eq!(strip_escape_sequences("show\u{1b}[D capf"), "show capf");
        assert_eq!(strip_escape_sequences("\u{1b}OP"), "");
        assert_eq!(strip_escape_sequences("\u{1b}[1;5C x"), " x");
        assert_eq!(strip_escape_sequences("plain"), "plain");
    }
}
