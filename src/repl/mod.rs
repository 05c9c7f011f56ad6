//! The interactive `admin:` shell.
//!
//! Built for people at a terminal and for expect-style automation over SSH alike: a banner line
//! before the first prompt, the prompt exactly `admin:` at the start of a line, the typed line
//! echoed as typed, failures followed by `Executed command unsuccessfully`. On a terminal rustyline
//! can't drive (`TERM=dumb`), it reads plain lines, and a trailing `?` still asks for help.

mod helper;

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use rustyline::config::{BellStyle, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::{FileHistory, History};
use rustyline::{Editor, EventHandler, KeyEvent};

use crate::cli::complete::complete;
use crate::cli::help::question_mark;
use crate::commands::{Answer, Flow, Prompter, Session};
use crate::shell::{report_error, run_line};

use crate::cli::complete::DEVICE_LIMIT;
use crate::store::StoreDevices;
use helper::{CapfHelper, QuestionMark};

/// The prompt, exactly as CUCM prints it (automation matches `admin:$`).
pub const PROMPT: &str = "admin:";

/// Most history lines kept.
const HISTORY_SIZE: usize = 1000;

/// Where REPL history lives: `<state dir>/capfsh/history`, falling back to the data dir.
pub fn history_path() -> Option<PathBuf> {
    dirs::state_dir()
        .or_else(dirs::data_dir)
        .map(|d| d.join("capfsh").join("history"))
}

type CapfEditor = Editor<CapfHelper, FileHistory>;

/// Asks questions on the REPL's own line editor.
struct EditorPrompter<'a> {
    editor: &'a mut CapfEditor,
}

impl Prompter for EditorPrompter<'_> {
    fn ask(&mut self, prompt: &str) -> Answer {
        let (before, last) = match prompt.rsplit_once('\n') {
            Some((b, l)) => (Some(b), l),
            None => (None, prompt),
        };
        if let Some(b) = before {
            println!("{}", crate::render::escape_controls(b));
        }
        match self.editor.readline(last) {
            Ok(l) => Answer::Line(l),
            Err(ReadlineError::Interrupted) => Answer::Interrupted,
            Err(_) => Answer::Eof,
        }
    }

    fn note(&mut self, text: &str) {
        println!("{}", crate::render::escape_controls(text));
    }
}

/// Runs the shell until `quit`, `exit` or Ctrl-D. Returns the process exit code (0).
pub fn run(session: &mut Session) -> io::Result<u8> {
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
    let devices = Arc::new(StoreDevices::new(session.location().clone()));
    let mut editor: CapfEditor = Editor::with_config(config).map_err(io::Error::other)?;
    editor.set_helper(Some(CapfHelper::new(devices.clone())));
    editor.bind_sequence(
        KeyEvent::from('?'),
        EventHandler::Conditional(Box::new(QuestionMark::new(devices.clone()))),
    );
    let history = history_path();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    // Ctrl-C while a command runs (not while editing: rustyline owns the key then) must stop the
    // command, not end an admin's SSH session.
    let _ = signal_hook::flag::register(signal_hook::consts::SIGINT, session.interrupted.clone());

    println!(
        "capfsh {} - CAPF admin CLI. Type ? or help for commands, quit to leave.",
        env!("CARGO_PKG_VERSION")
    );
    let mut initial = String::new();
    loop {
        let read = if initial.is_empty() {
            editor.readline(PROMPT)
        } else {
            editor.readline_with_initial(PROMPT, (&std::mem::take(&mut initial), ""))
        };
        let line = match read {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("input error: {e}");
                break;
            }
        };
        let trimmed = line.trim_end();
        // A `?` typed at the end of a plain line (dumb terminals, automation): help, then the
        // line again for editing.
        if let Some(before) = trimmed.strip_suffix('?') {
            let lookup = |s, p: &str| devices.lookup(s, p, DEVICE_LIMIT);
            for l in question_mark(&complete(before, true, &lookup)) {
                println!("{}", crate::render::escape_controls(&l));
            }
            initial = before.to_owned();
            continue;
        }
        if !trimmed.trim().is_empty() {
            let _ = editor.add_history_entry(trimmed);
            if let Some(h) = &history {
                save_history(&mut editor, h);
            }
        }
        let stdout = io::stdout();
        let mut out = stdout.lock();
        let result = {
            let mut prompter = EditorPrompter {
                editor: &mut editor,
            };
            run_line(session, trimmed, &mut prompter, &mut out, &mut |_| {})
        };
        match result {
            Ok(Flow::Quit) => break,
            Ok(Flow::Continue) => {}
            Err(e) => report_error(&e, None, &mut out)?,
        }
        out.flush()?;
    }
    if let Some(h) = &history {
        save_history(&mut editor, h);
    }
    Ok(0)
}

fn save_history(editor: &mut CapfEditor, path: &std::path::Path) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if editor.history().is_empty() {
        return;
    }
    if editor.save_history(path).is_ok() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
    }
}
