//! `capfsh`: the CAPF admin shell. One-shot with command words, a script without a terminal, the
//! interactive `admin:` shell with one.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use capfsh::cli::clap_cmd;
use capfsh::cli::modifiers::{self, Piped};
use capfsh::commands::{CmdError, NoPrompter, Session};
use capfsh::render::Format;
use capfsh::repl;
use capfsh::shell::script::{ScriptOptions, run_script};
use capfsh::shell::{report_error, run_invocation};
use capfsh::store::StoreLocation;

fn main() -> ExitCode {
    // `COMPLETE=bash capfsh` prints the shell's registration; completion requests end here too.
    clap_complete::CompleteEnv::with_factory(clap_cmd::completion_command).complete();
    ExitCode::from(run())
}

fn run() -> u8 {
    let all_args: Vec<String> = std::env::args().collect();
    // `capfsh utils capf csr list '|' include SEP` : the modifiers follow the first lone `|`.
    let (argv, piped) = match all_args.iter().position(|a| a == "|") {
        None => (all_args, Piped::default()),
        Some(i) => match modifiers::from_args(&all_args[i..]) {
            Ok(p) => (all_args[..i].to_vec(), p),
            Err(e) => return fail(&CmdError::Usage(e), None),
        },
    };
    let matches = match clap_cmd::command().try_get_matches_from(&argv) {
        Ok(m) => m,
        Err(e) => {
            let code = e.exit_code();
            let _ = e.print();
            if code != 0 {
                eprintln!("{}", capfsh::commands::FAILURE_TRAILER);
            }
            return u8::try_from(code).unwrap_or(2);
        }
    };
    match matches.subcommand() {
        Some((clap_cmd::COMPLETIONS, sub)) => {
            let Some(shell) = sub.get_one::<clap_complete::Shell>("shell") else {
                return 2;
            };
            clap_complete::generate(
                *shell,
                &mut clap_cmd::command(),
                "capfsh",
                &mut io::stdout(),
            );
            return 0;
        }
        Some((clap_cmd::MAN, _)) => {
            return match clap_mangen::Man::new(clap_cmd::command()).render(&mut io::stdout()) {
                Ok(()) => 0,
                Err(e) => fail(
                    &CmdError::Failed(format!("cannot write the man page: {e}")),
                    None,
                ),
            };
        }
        _ => {}
    }
    let location =
        match StoreLocation::resolve(matches.get_one::<PathBuf>("db").map(PathBuf::as_path)) {
            Ok(l) => l,
            Err(e) => return fail(&CmdError::from(e), None),
        };
    let format = matches
        .get_one::<String>("format")
        .and_then(|f| f.parse::<Format>().ok())
        .unwrap_or_default();
    let stdin_tty = io::stdin().is_terminal();

    if let Some(parsed) = clap_cmd::invocation(&matches, &argv) {
        let inv = match parsed {
            Ok(inv) => inv,
            Err(e) => return fail(&CmdError::from(e), None),
        };
        let mut session = Session::new(location, format, stdin_tty);
        session.assume_yes = matches.get_flag("yes");
        let line = argv.get(1..).map(|a| a.join(" ")).unwrap_or_default();
        let stdout = io::stdout();
        let mut out = stdout.lock();
        let result = if stdin_tty {
            let mut prompter = capfsh::shell::StdinPrompter;
            run_invocation(&mut session, &inv, &line, piped, &mut prompter, &mut out)
        } else {
            run_invocation(&mut session, &inv, &line, piped, &mut NoPrompter, &mut out)
        };
        let _ = out.flush();
        return match result {
            Ok(_) => 0,
            Err(e) => fail(&e, None),
        };
    }

    let opts = ScriptOptions {
        keep_going: matches.get_flag("keep-going"),
        quiet: matches.get_flag("quiet"),
    };
    if let Some(file) = matches.get_one::<PathBuf>("file") {
        let mut session = Session::new(location, format, false);
        session.assume_yes = matches.get_flag("yes");
        let f = match std::fs::File::open(file) {
            Ok(f) => f,
            Err(e) => {
                return fail(
                    &CmdError::Failed(format!("cannot read script {}: {e}", file.display())),
                    None,
                );
            }
        };
        return script(
            &mut session,
            &mut io::BufReader::new(f),
            &file.display().to_string(),
            opts,
        );
    }
    // Under `ForceCommand capfsh`, `ssh host 'utils capf csr list'` arrives here: run that one
    // line as a one-line script (no questions, CUCM failure trailer, exit code).
    if let Some(line) = std::env::var("SSH_ORIGINAL_COMMAND")
        .ok()
        .filter(|l| !l.trim().is_empty())
    {
        let mut session = Session::new(location, format, false);
        session.assume_yes = matches.get_flag("yes");
        let mut input = io::Cursor::new(line.into_bytes());
        return script(&mut session, &mut input, "ssh command", opts);
    }
    if stdin_tty {
        let mut session = Session::new(location, format, true);
        session.assume_yes = matches.get_flag("yes");
        return match repl::run(&mut session) {
            Ok(code) => code,
            Err(e) => fail(&CmdError::Failed(format!("terminal error: {e}")), None),
        };
    }
    let mut session = Session::new(location, format, false);
    session.assume_yes = matches.get_flag("yes");
    script(&mut session, &mut io::stdin().lock(), "stdin", opts)
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
        Err(e) => fail(&CmdError::Failed(format!("cannot read {name}: {e}")), None),
    }
}

fn fail(e: &CmdError, context: Option<&str>) -> u8 {
    let _ = report_error(e, context, &mut io::stderr());
    e.exit_code()
}
