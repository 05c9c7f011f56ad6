//! `capfsh`: the CAPF admin shell. One-shot with command words, a script without a terminal, the
//! interactive `admin:` shell with one.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ArgMatches;

use capfsh::cli::clap_cmd;
use capfsh::cli::global_args;
use capfsh::cli::modifiers::{self, Piped};
use capfsh::cli::parse::Invocation;
use capfsh::clock::Clock;
use capfsh::commands::{CommandError, NoPrompter, Session};
use capfsh::render::Format;
use capfsh::repl;
use capfsh::shell::script::{ScriptOptions, run_script};
use capfsh::shell::{report_error_as, run_invocation, run_line};
use capfsh::store::StoreLocation;

fn main() -> ExitCode {
    // `COMPLETE=bash capfsh` prints the shell's registration; completion requests end here too.
    clap_complete::CompleteEnv::with_factory(clap_cmd::completion_command).complete();
    ExitCode::from(run())
}

fn run() -> u8 {
    let args = match split_args(std::env::args_os().collect()) {
        Ok(a) => a,
        Err(e) => return fail(&CommandError::usage(e)),
    };
    let Args { argv, words, piped } = args;
    let matches = match clap_cmd::command().try_get_matches_from(&argv) {
        Ok(m) => m,
        Err(e) => {
            let code = e.exit_code();
            let json = words
                .windows(2)
                .any(|w| w[0] == "--format" && w[1] == "json")
                || words.iter().any(|w| w == "--format=json");
            if json && code != 0 {
                // The first line of clap's message, without its `error: `.
                let text = e.to_string();
                let first = text.lines().next().unwrap_or_default();
                let reason = first.strip_prefix("error: ").unwrap_or(first);
                JSON_ERRORS.store(true, std::sync::atomic::Ordering::Relaxed);
                return fail(&CommandError::usage(reason));
            }
            let _ = e.print();
            if code != 0 {
                eprintln!("{}", capfsh::commands::FAILURE_TRAILER);
            }
            return u8::try_from(code).unwrap_or(2);
        }
    };
    let json = matches.get_one::<String>("format").map(String::as_str) == Some("json")
        || piped.as_ref().and_then(|p| p.format) == Some(Format::Json);
    JSON_ERRORS.store(json, std::sync::atomic::Ordering::Relaxed);
    let stdin_tty = io::stdin().is_terminal();
    let mode = match pick_mode(&matches, &words, piped, stdin_tty) {
        Ok(m) => m,
        Err(e) => return fail(&e),
    };
    let session = match &mode {
        Mode::Completions(_) | Mode::Man => None,
        _ => match session(&matches, mode.interactive(stdin_tty)) {
            Ok(s) => Some(s),
            Err(e) => return fail(&e),
        },
    };
    let opts = ScriptOptions {
        keep_going: matches.get_flag("keep-going"),
        quiet: matches.get_flag("quiet"),
    };
    match (mode, session) {
        (Mode::Completions(shell), _) => {
            // Generated into memory first: clap_complete panics on a write error, and a
            // reader that stops early (`| head`) is not one.
            write_out(&clap_cmd::script(shell), "the completion script")
        }
        (Mode::Man, _) => {
            let mut page = Vec::new();
            match capfsh::cli::man::render(&mut page) {
                Ok(()) => write_out(&page, "the man page"),
                Err(e) => fail(&CommandError::internal(format!(
                    "cannot write the man page: {e}"
                ))),
            }
        }
        (_, None) => fail(&CommandError::internal("no session")),
        (Mode::OneShot { inv, line, piped }, Some(mut session)) => {
            let stdout = io::stdout();
            let mut out = stdout.lock();
            let result = if stdin_tty {
                let mut prompter = capfsh::shell::StdinPrompter;
                run_invocation(&mut session, &inv, &line, piped, &mut prompter, &mut out)
            } else {
                run_invocation(&mut session, &inv, &line, piped, &mut NoPrompter, &mut out)
            };
            let _ = out.flush();
            match result {
                Ok(_) => 0,
                Err(e) => fail(&e),
            }
        }
        (Mode::ScriptFile(file), Some(mut session)) => match std::fs::File::open(&file) {
            Ok(f) => script(
                &mut session,
                &mut io::BufReader::new(f),
                &file.display().to_string(),
                opts,
            ),
            Err(e) => fail(&CommandError::refused(format!(
                "cannot read script {}: {e}",
                file.display()
            ))),
        },
        // `ssh -t host 'utils capf stale-lsc delete all'`: there is a terminal, so a
        // destructive command asks, as one-shot does.
        (Mode::SshCommand(line), Some(mut session)) if stdin_tty => {
            let stdout = io::stdout();
            let mut out = stdout.lock();
            let mut prompter = capfsh::shell::StdinPrompter;
            let result = run_line(&mut session, &line, &mut prompter, &mut out, &mut |_| {});
            let _ = out.flush();
            match result {
                Ok(_) => 0,
                Err(e) => fail(&e),
            }
        }
        (Mode::SshCommand(line), Some(mut session)) => {
            let mut input = io::Cursor::new(line.into_bytes());
            script(&mut session, &mut input, "ssh command", opts)
        }
        (Mode::Repl, Some(mut session)) => match repl::run(&mut session) {
            Ok(code) => code,
            Err(e) => fail(&CommandError::internal(format!("terminal error: {e}"))),
        },
        (Mode::ScriptStdin, Some(mut session)) => {
            script(&mut session, &mut io::stdin().lock(), "stdin", opts)
        }
    }
}

/// What this run of capfsh is, decided once from the command line and the environment.
enum Mode {
    /// `capfsh completions <shell>`.
    Completions(clap_complete::Shell),
    /// `capfsh man`.
    Man,
    /// `capfsh <command words> ['|' modifiers]`.
    OneShot {
        inv: Invocation,
        line: String,
        piped: Piped,
    },
    /// `capfsh -f FILE`.
    ScriptFile(PathBuf),
    /// `ForceCommand capfsh` with a command given to ssh: one line run as a script.
    SshCommand(String),
    /// A terminal: the `admin:` shell.
    Repl,
    /// No terminal and no command: commands from standard input.
    ScriptStdin,
}

impl Mode {
    /// Whether questions can be asked: a one-shot command or the shell on a terminal.
    fn interactive(&self, stdin_tty: bool) -> bool {
        match self {
            Mode::OneShot { .. } | Mode::SshCommand(_) => stdin_tty,
            Mode::Repl => true,
            _ => false,
        }
    }
}

/// Decides the mode: meta commands, a command, `-f FILE`, an ssh forced command, a terminal,
/// or a script on standard input. Options that contradict the mode are usage errors.
fn pick_mode(
    matches: &ArgMatches,
    words: &[String],
    piped: Option<Piped>,
    stdin_tty: bool,
) -> Result<Mode, CommandError> {
    let subcommand = matches.subcommand_name();
    let file = matches.get_one::<PathBuf>("file");
    if subcommand.is_some() && file.is_some() {
        return Err(CommandError::usage(
            "-f FILE runs the commands in FILE: give either -f FILE or a command, not both",
        ));
    }
    if piped.is_some()
        && matches!(
            subcommand,
            None | Some(clap_cmd::COMPLETIONS | clap_cmd::MAN)
        )
    {
        return Err(CommandError::usage(
            "output modifiers follow a command: capfsh <command> '|' include REGEX \
             (in a script, put them on the script's lines)",
        ));
    }
    match matches.subcommand() {
        Some((clap_cmd::COMPLETIONS, sub)) => {
            return sub
                .get_one::<clap_complete::Shell>("shell")
                .map(|s| Mode::Completions(*s))
                .ok_or_else(|| CommandError::usage("completions needs a shell"));
        }
        Some((clap_cmd::MAN, _)) => return Ok(Mode::Man),
        _ => {}
    }
    if let Some(parsed) = clap_cmd::invocation(matches, words) {
        return Ok(Mode::OneShot {
            inv: parsed?,
            line: words.get(1..).map(|a| a.join(" ")).unwrap_or_default(),
            piped: piped.unwrap_or_default(),
        });
    }
    if let Some(file) = file {
        return Ok(Mode::ScriptFile(file.clone()));
    }
    // Under `ForceCommand capfsh`, `ssh host 'utils capf csr list'` arrives here: run that one
    // line as a one-line script (no questions, CUCM failure trailer, exit code).
    if let Some(line) = std::env::var("SSH_ORIGINAL_COMMAND")
        .ok()
        .filter(|l| !l.trim().is_empty())
    {
        return Ok(Mode::SshCommand(line));
    }
    Ok(if stdin_tty {
        Mode::Repl
    } else {
        Mode::ScriptStdin
    })
}

/// The one session of this run: the store location with the process's one clock, the output
/// format, `--yes`.
fn session(matches: &ArgMatches, interactive: bool) -> Result<Session, CommandError> {
    let clock = Clock::from_env().map_err(|e| CommandError::usage(e.0))?;
    let location = StoreLocation::resolve(matches.get_one::<PathBuf>("db").map(PathBuf::as_path))?
        .with_clock(clock);
    let format = matches
        .get_one::<String>("format")
        .and_then(|f| f.parse::<Format>().ok())
        .unwrap_or_default();
    let mut session = Session::new(location, format, interactive);
    session.talk.assume_yes = matches.get_flag("yes");
    Ok(session)
}

/// The command line, split where a one-shot command's output modifiers begin.
struct Args {
    /// The arguments before the first lone `|`, for clap (`--db` and `-f` values stay OS paths).
    argv: Vec<OsString>,
    /// The same, as text (a path that is not UTF-8 shows lossily): the audit log's command line.
    words: Vec<String>,
    /// The modifiers after the first lone `|`, when there is one.
    piped: Option<Piped>,
}

/// Splits the process arguments into the command part and its modifiers (`capfsh utils capf
/// csr list '|' include SEP`: the modifiers follow the first lone `|`).
///
/// Command words, values and regular expressions are text: a word that is not UTF-8 is a usage
/// error naming it, not a panic. An option after a modifier would silently become part of its
/// regular expression, so it is refused with a hint to put it before the command.
fn split_args(all: Vec<OsString>) -> Result<Args, String> {
    let pipe = all.iter().position(|a| a == "|");
    let (before, after) = match pipe {
        Some(i) => (&all[..i], Some(&all[i..])),
        None => (&all[..], None),
    };
    let not_text = |n: usize, a: &OsString| {
        format!(
            "argument {n} is not valid UTF-8 ({:?}): command words, values and regular \
             expressions must be text",
            a.to_string_lossy()
        )
    };
    let mut words = Vec::with_capacity(before.len());
    for (n, a) in before.iter().enumerate() {
        // Paths are the only arguments that may be other than UTF-8: a path on Unix is bytes,
        // and an admin's store may live under any name.
        let path_value = n > 0 && before[n - 1].to_str().is_some_and(global_args::takes_path);
        let path_inline = global_args::has_inline_path(a.as_encoded_bytes());
        match a.to_str() {
            Some(w) => words.push(w.to_owned()),
            // The program's own name and paths may be any bytes.
            None if n == 0 || path_value || path_inline => {
                words.push(a.to_string_lossy().into_owned())
            }
            None => return Err(not_text(n, a)),
        }
    }
    let piped = match after {
        None => None,
        Some(rest) => {
            let mut texts = Vec::with_capacity(rest.len());
            for (k, a) in rest.iter().enumerate() {
                let Some(w) = a.to_str() else {
                    return Err(not_text(before.len() + k, a));
                };
                if w != "|" && clap_cmd::is_option(w) {
                    return Err(format!(
                        "{w} after | would be read as part of the modifier: put options before \
                         the command (capfsh {w} ... <command> '|' ...)"
                    ));
                }
                texts.push(w.to_owned());
            }
            Some(modifiers::from_args(&texts)?)
        }
    };
    Ok(Args {
        argv: before.to_vec(),
        words,
        piped,
    })
}

fn script(
    session: &mut Session,
    input: &mut dyn io::BufRead,
    name: &str,
    opts: ScriptOptions,
) -> u8 {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut err = io::stderr();
    match run_script(session, input, name, opts, &mut out, &mut err) {
        Ok(r) => r.exit_code,
        Err(e) => fail(&CommandError::refused(format!("cannot read {name}: {e}"))),
    }
}

/// Set once the output format is known: with `--format json` (or `| json`), failures are
/// written as JSON objects too.
static JSON_ERRORS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn fail(e: &CommandError) -> u8 {
    let format = if JSON_ERRORS.load(std::sync::atomic::Ordering::Relaxed) {
        Format::Json
    } else {
        Format::Table
    };
    let _ = report_error_as(e, None, format, &mut io::stderr());
    e.exit_code()
}

/// Writes generated text to standard output; a closed pipe is the reader's choice (exit 0).
fn write_out(bytes: &[u8], what: &str) -> u8 {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => fail(&CommandError::internal(format!("cannot write {what}: {e}"))),
    }
}
