//! The one-shot CLI as a clap `Command`, generated from the command tree.
//!
//! clap parses `capfsh [options] <words...>` and gives `--help` pages; the words it recognised
//! are then handed to the same [`resolve`](super::parse::resolve) the REPL uses, so both accept
//! and refuse exactly the same commands. Shell completion scripts and the man page are generated
//! from this `Command` too.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Command, ValueHint, value_parser};
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};

use super::complete::{DEVICE_LIMIT, complete};
use super::parse::{Invocation, ParseError, is_noconfirm, match_choice, resolve};
use super::tree::{Choice, NOCONFIRM, Node, ROOT, ValueKind};
use crate::render::Format;
use crate::store::{DB_ENV, StoreDevices, StoreLocation};

/// The whole one-shot CLI.
pub fn command() -> Command {
    let mut root = Command::new("capfsh")
        .about("Admin shell for a CAPF store: the CUCM `admin:` CLI for CSRs and LSCs")
        .long_about(
            "Admin shell for a CAPF (Certificate Authority Proxy Function) store.\n\n\
             With a command, runs it and exits (0 success, 1 command failed, 2 usage error).\n\
             Without one, starts the interactive admin: shell on a terminal, or reads commands \
             line by line from standard input (a script).",
        )
        .version(env!("CARGO_PKG_VERSION"))
        .infer_subcommands(true)
        .disable_help_subcommand(true)
        .arg(
            Arg::new("db")
                .long("db")
                .env(DB_ENV)
                .value_name("PATH")
                .value_hint(ValueHint::FilePath)
                .value_parser(value_parser!(PathBuf))
                .global(true)
                .help("Store to use [default: <data dir>/capfsh/capf.db]"),
        )
        .arg(
            Arg::new("format")
                .long("format")
                .value_name("FORMAT")
                .value_parser(Format::NAMES)
                .global(true)
                .help("Output format [default: table]"),
        )
        .arg(
            Arg::new("yes")
                .long("yes")
                .short('y')
                .action(ArgAction::SetTrue)
                .global(true)
                .help("Answer yes to confirmations (same as noconfirm)"),
        )
        .arg(
            Arg::new("file")
                .long("file")
                .short('f')
                .value_name("FILE")
                .value_hint(ValueHint::FilePath)
                .value_parser(value_parser!(PathBuf))
                .help("Run the commands in FILE, one per line"),
        )
        .arg(
            Arg::new("keep-going")
                .long("keep-going")
                .action(ArgAction::SetTrue)
                .help("In a script, run past failures (exit 1 if any failed)"),
        )
        .arg(
            Arg::new("quiet")
                .long("quiet")
                .short('q')
                .action(ArgAction::SetTrue)
                .help("In a script, do not warn about abbreviated commands"),
        );
    for child in ROOT.visible_children(false) {
        root = root.subcommand(node_command(child, &[]));
    }
    root.subcommand(
        Command::new(COMPLETIONS)
            .about("Print a shell completion script (bash, zsh, fish, elvish, powershell)")
            .arg(
                Arg::new("shell")
                    .required(true)
                    .value_parser(value_parser!(clap_complete::Shell)),
            ),
    )
    .subcommand(Command::new(MAN).about("Print the capfsh(1) man page (roff)"))
}

/// The `Command` the shells' dynamic completion (`COMPLETE=<shell> capfsh`) answers from:
/// [`command`], built, with every option hidden.
///
/// clap's engine offers all options at an empty word next to the subcommands and values, so
/// `capfsh utils <Tab>` would list `--db`, `--format`, `--yes`, `--help` beside `capf` and
/// insert nothing. Hidden options are dropped whenever anything else is offered, and still
/// offered when nothing else is or the word starts with `-`: the shells offer what the admin:
/// shell's Tab offers.
///
/// clap's engine also walks only full subcommand names, not the unique prefixes the one-shot
/// CLI accepts (`capfsh ut ca cs du CSF<Tab>` completed nothing): every unique prefix becomes
/// a hidden alias here, so completion after abbreviated words works like the REPL's.
pub fn completion_command() -> Command {
    let mut line: Vec<std::ffi::OsString> = std::env::args_os()
        .skip_while(|a| a != "--")
        .skip(1)
        .collect();
    // bash, zsh and elvish pass the whole line and the index of the word at the cursor; fish
    // passes the line cut at the cursor.
    if let Some(index) = std::env::var("_CLAP_COMPLETE_INDEX")
        .ok()
        .and_then(|i| i.parse::<usize>().ok())
    {
        line.truncate(index + 1);
    }
    completion_command_for(&line)
}

/// [`completion_command`] for the line being completed (`line[0]` is the program, the last
/// word the one at the cursor).
///
/// clap's engine hands a value completer only the word at the cursor, never the values of the
/// same argument before it; `help`'s command path is several words (`help utils capf <Tab>`), so
/// its completer is given the words of the line up front.
pub fn completion_command_for(line: &[std::ffi::OsString]) -> Command {
    let path = help_path_words(line);
    let mut cmd = command().mut_subcommand(HELP, |help| {
        help.mut_arg(HELP_PATH, |arg| arg.add(help_path_completer(path)))
    });
    cmd.build();
    for_completion(cmd)
}

/// The `help` command, and the name of its command-path argument (the tree's parameter).
const HELP: &str = "help";
const HELP_PATH: &str = "command";

/// The words after `help` (or its prefix) and before the word at the cursor, options left out.
fn help_path_words(line: &[std::ffi::OsString]) -> Vec<String> {
    let before_cursor = line.get(1..line.len().saturating_sub(1)).unwrap_or(&[]);
    let mut words = Vec::new();
    let mut it = before_cursor.iter().filter_map(|w| w.to_str());
    while let Some(w) = it.next() {
        if ["--db", "--format", "--file", "-f"].contains(&w) {
            it.next();
        } else if !w.starts_with('-') {
            words.push(w.to_owned());
        }
    }
    // The first word names `help` itself.
    words.into_iter().skip(1).collect()
}

/// Completes `help <command path>` through the same [`complete`] as the REPL's Tab, so the
/// shells offer after `capfsh help utils ` what `admin:help utils ` offers.
fn help_path_completer(path: Vec<String>) -> ArgValueCompleter {
    ArgValueCompleter::new(move |current: &OsStr| -> Vec<CompletionCandidate> {
        let Some(current) = current.to_str() else {
            return Vec::new();
        };
        let mut line = String::from("help ");
        for w in &path {
            line.push_str(w);
            line.push(' ');
        }
        line.push_str(current);
        let no_devices = |_, _: &str| Vec::new();
        complete(&line, false, &no_devices)
            .choices
            .into_iter()
            .filter(|c| c.insertable() && c.word != "|")
            .map(|c| CompletionCandidate::new(c.word).help(Some(c.help.into())))
            .collect()
    })
}

fn for_completion(cmd: Command) -> Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    cmd.mut_args(|a| if a.is_positional() { a } else { a.hide(true) })
        .mut_subcommands(|sub| {
            let name = sub.get_name().to_owned();
            let prefixes: Vec<String> = (1..name.len())
                .filter(|&n| name.is_char_boundary(n))
                .map(|n| name[..n].to_owned())
                .filter(|p| {
                    names
                        .iter()
                        .all(|other| *other == name || !other.starts_with(p.as_str()))
                })
                .collect();
            for_completion(sub.aliases(prefixes))
        })
}

/// Whether `word` is one of capfsh's own options (`--format`, `--db=PATH`, `-y`, `--help`...):
/// after an output modifier such a word is a misplaced option, not part of a regular expression.
pub fn is_option(word: &str) -> bool {
    let mut cmd = command();
    cmd.build();
    cmd.get_arguments().any(|a| {
        let long = a.get_long().is_some_and(|l| {
            word.strip_prefix("--")
                .is_some_and(|w| w == l || w.strip_prefix(l).is_some_and(|r| r.starts_with('=')))
        });
        let short = a.get_short().is_some_and(|c| {
            word.strip_prefix('-')
                .is_some_and(|w| w.len() == c.len_utf8() && w.starts_with(c))
        });
        long || short
    })
}

/// Meta command printing a static completion script.
pub const COMPLETIONS: &str = "completions";
/// Meta command printing the man page.
pub const MAN: &str = "man";

/// Device values for shell completion, through the same [`complete`] as the REPL's Tab: the
/// command's words plus the value typed so far, completed against the store named by
/// `$CAPFSH_DB` (or the default store).
fn device_completer(path: Vec<&'static str>) -> ArgValueCompleter {
    ArgValueCompleter::new(move |current: &OsStr| -> Vec<CompletionCandidate> {
        let Some(current) = current.to_str() else {
            return Vec::new();
        };
        let Ok(location) = StoreLocation::resolve(completion_db().as_deref()) else {
            return Vec::new();
        };
        let devices = StoreDevices::new(location);
        let lookup = |s, p: &str| devices.lookup(s, p, DEVICE_LIMIT);
        let line = format!("{} {current}", path.join(" "));
        complete(&line, false, &lookup)
            .choices
            .into_iter()
            // Values only: clap offers the node's subcommand words itself (`revoke serial`).
            .filter(|c| {
                c.insertable() && !matches!(c.kind, super::complete::ChoiceKind::Command(_))
            })
            .map(|c| CompletionCandidate::new(c.word).help(Some(c.help.into())))
            .collect()
    })
}

/// The `--db PATH` of the line being completed: the shells pass its words after `--`
/// (`capfsh -- capfsh --db PATH utils ...`). Without it, completion reads `$CAPFSH_DB` or the
/// default store, as the command will.
fn completion_db() -> Option<PathBuf> {
    let words: Vec<std::ffi::OsString> = std::env::args_os()
        .skip_while(|a| a != "--")
        .skip(1)
        .collect();
    db_option(&words)
}

/// The last `--db PATH` or `--db=PATH` among `words`; a leading `~/` is the home folder (the
/// shells pass the words unexpanded).
fn db_option(words: &[std::ffi::OsString]) -> Option<PathBuf> {
    let mut found: Option<PathBuf> = None;
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if w == "--db" {
            found = it.next().map(PathBuf::from);
        } else if let Some(v) = w.to_str().and_then(|w| w.strip_prefix("--db=")) {
            found = Some(PathBuf::from(v));
        }
    }
    let path = found?;
    match (path.strip_prefix("~"), dirs::home_dir()) {
        (Ok(rest), Some(home)) => Some(home.join(rest)),
        _ => Some(path),
    }
}

fn node_command(node: &'static Node, parent: &[&'static str]) -> Command {
    let mut path = parent.to_vec();
    path.push(node.word);
    let mut cmd = Command::new(node.word)
        .about(node.help)
        .infer_subcommands(true)
        .disable_help_subcommand(true);
    if let Some(run) = node.run {
        cmd = cmd.long_about(run.description).allow_negative_numbers(true);
        // `revoke <device>` beside `revoke serial <hex>`: the subcommand word stands alone.
        if !node.children.is_empty() && !run.params.is_empty() {
            cmd = cmd.args_conflicts_with_subcommands(true);
        }
        for p in run.params {
            let mut arg = Arg::new(p.name)
                .value_name(p.name)
                .help(p.help_text())
                .required(!p.optional);
            arg = match p.kind {
                ValueKind::Choice(choices) => arg.value_parser(PrefixChoice(choices)),
                ValueKind::Path => arg.value_hint(ValueHint::AnyPath),
                ValueKind::CommandPath => arg.num_args(1..).trailing_var_arg(true),
                // Checked by the tree's parser, which every one-shot line goes through.
                ValueKind::Keywords(_) => arg.num_args(0..).trailing_var_arg(true),
                ValueKind::Word => arg,
                ValueKind::Device(_) | ValueKind::AllOrDevice(_) => {
                    arg.add(device_completer(path.clone()))
                }
                ValueKind::Number(_) => arg,
            };
            cmd = cmd.arg(arg);
        }
        // A keywords parameter takes every remaining word, `noconfirm` included.
        if run.confirms() && !takes_keywords(&run) {
            cmd = cmd.arg(
                Arg::new(NOCONFIRM)
                    .value_name(NOCONFIRM)
                    .value_parser(PrefixChoice(NOCONFIRM_CHOICE))
                    .help("Do not ask for confirmation"),
            );
        }
    } else {
        cmd = cmd.subcommand_required(true);
    }
    for child in node.visible_children(false) {
        cmd = cmd.subcommand(node_command(child, &path));
    }
    cmd
}

/// A fixed-word value that, like the REPL and scripts, also takes an unambiguous prefix
/// (`set mode onl`, `noc` for `noconfirm`); the full words stay visible to help and completion.
#[derive(Clone, Copy)]
struct PrefixChoice(&'static [Choice]);

/// `noconfirm` as the one choice of its argument.
const NOCONFIRM_CHOICE: &[Choice] = &[Choice {
    word: NOCONFIRM,
    help: "",
}];

impl clap::builder::TypedValueParser for PrefixChoice {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let text = value.to_str().unwrap_or_default();
        let word = if self.0 == NOCONFIRM_CHOICE {
            is_noconfirm(text).then_some(NOCONFIRM)
        } else {
            match_choice(self.0, text).map(|c| c.word)
        };
        word.map(str::to_owned).ok_or_else(|| {
            let mut err = clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd);
            use clap::error::{ContextKind, ContextValue};
            err.insert(
                ContextKind::InvalidValue,
                ContextValue::String(text.to_owned()),
            );
            if let Some(arg) = arg {
                err.insert(
                    ContextKind::InvalidArg,
                    ContextValue::String(arg.to_string()),
                );
            }
            err.insert(
                ContextKind::ValidValue,
                ContextValue::Strings(self.0.iter().map(|c| c.word.to_owned()).collect()),
            );
            err
        })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            self.0
                .iter()
                .map(|c| clap::builder::PossibleValue::new(c.word)),
        ))
    }
}

/// Whether the command ends with a [`ValueKind::Keywords`] parameter.
fn takes_keywords(run: &crate::cli::tree::Runnable) -> bool {
    run.params
        .iter()
        .any(|p| matches!(p.kind, ValueKind::Keywords(_)))
}

/// Turns clap's matches back into words and resolves them like a typed line. Returns `None`
/// when no command was given.
pub fn invocation(matches: &ArgMatches, argv: &[String]) -> Option<Result<Invocation, ParseError>> {
    let mut words = Vec::new();
    let mut node: &'static Node = &ROOT;
    let mut m = matches;
    while let Some((name, sub)) = m.subcommand() {
        let child = node.children.iter().find(|c| c.word == name)?;
        words.push(name.to_owned());
        node = child;
        m = sub;
    }
    if words.is_empty() {
        return None;
    }
    if let Some(run) = node.run {
        for p in run.params {
            if let Some(values) = m.get_many::<String>(p.name) {
                words.extend(values.cloned());
            }
        }
        if run.confirms() && !takes_keywords(&run) && m.get_one::<String>(NOCONFIRM).is_some() {
            words.push(NOCONFIRM.into());
        }
    }
    Some(resolve(&words, false).map(|mut inv| {
        // clap expanded prefixes; note whether the admin typed the words in full.
        inv.abbreviated |= inv.path.iter().any(|w| !argv.iter().any(|a| a == w));
        inv
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::tree::CommandId;

    fn parse(args: &[&str]) -> Invocation {
        let argv: Vec<String> = std::iter::once("capfsh")
            .chain(args.iter().copied())
            .map(String::from)
            .collect();
        let m = command().try_get_matches_from(&argv).expect("clap");
        invocation(&m, &argv).expect("command").expect("resolve")
    }

    /// The committed scripts under `completions/` are what `capfsh completions <shell>` prints.
    #[test]
    fn committed_completion_scripts_are_current() {
        use clap_complete::Shell;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
        for (shell, file) in [
            (Shell::Bash, "capfsh.bash"),
            (Shell::Zsh, "_capfsh"),
            (Shell::Fish, "capfsh.fish"),
            (Shell::Elvish, "capfsh.elv"),
            (Shell::PowerShell, "_capfsh.ps1"),
        ] {
            let mut generated = Vec::new();
            clap_complete::generate(shell, &mut command(), "capfsh", &mut generated);
            let committed = std::fs::read(dir.join(file)).unwrap_or_default();
            assert!(
                committed == generated,
                "completions/{file} ({shell}) is out of date: run completions/regenerate.sh"
            );
        }
    }

    /// Shell completion (clap_complete's engine over the generated `Command`) offers exactly
    /// the words the REPL's Tab and `?` offer, at every menu of the tree.
    #[test]
    fn shells_and_repl_complete_the_same_words_everywhere() {
        use crate::cli::tree::{DeviceSource, all_menus};
        let none = |_: DeviceSource, _: &str| Vec::new();
        for (path, _) in all_menus() {
            let mut args: Vec<std::ffi::OsString> = vec!["capfsh".into()];
            args.extend(path.iter().map(|w| (*w).into()));
            args.push("".into());
            let index = args.len() - 1;
            let shell: Vec<String> =
                clap_complete::engine::complete(&mut completion_command(), args, index, None)
                    .expect("complete")
                    .into_iter()
                    .map(|c| c.get_value().to_string_lossy().into_owned())
                    .filter(|w| w != COMPLETIONS && w != MAN)
                    .collect();
            let line = if path.is_empty() {
                String::new()
            } else {
                format!("{} ", path.join(" "))
            };
            let repl: Vec<String> = complete(&line, false, &none)
                .choices
                .into_iter()
                .filter(|c| c.insertable() && c.word != "|")
                .map(|c| c.word)
                .collect();
            let mut shell_sorted = shell.clone();
            shell_sorted.sort();
            let mut repl_sorted = repl.clone();
            repl_sorted.sort();
            assert_eq!(shell_sorted, repl_sorted, "at {path:?}");
        }
        // `help <path>`: at every menu and command, as typed in full and abbreviated.
        let paths = all_menus()
            .into_iter()
            .chain(crate::cli::tree::all_commands())
            .map(|(p, _)| p)
            .filter(|p| p.first().is_none_or(|w| *w != "quit" && *w != "exit"));
        for path in paths {
            let short: Vec<&str> = path.iter().map(|w| &w[..w.len().min(3)]).collect();
            for (help, words) in [("help", &path), ("he", &short)] {
                let mut args: Vec<std::ffi::OsString> = vec!["capfsh".into(), help.into()];
                args.extend(words.iter().map(|w| (*w).into()));
                args.push("".into());
                let index = args.len() - 1;
                let mut shell: Vec<String> = clap_complete::engine::complete(
                    &mut completion_command_for(&args),
                    args,
                    index,
                    None,
                )
                .expect("complete")
                .into_iter()
                .map(|c| c.get_value().to_string_lossy().into_owned())
                // Options are offered where nothing else is (after a command's full path).
                .filter(|w| !w.starts_with('-'))
                .collect();
                let mut repl: Vec<String> =
                    complete(&format!("help {} ", words.join(" ")), false, &none)
                        .choices
                        .into_iter()
                        .filter(|c| c.insertable() && c.word != "|")
                        .map(|c| c.word)
                        .collect();
                shell.sort();
                repl.sort();
                assert_eq!(shell, repl, "at {help} {words:?}");
            }
        }
        let top = complete("help ", false, &none);
        assert!(top.choices.iter().any(|c| c.word == "utils"));
    }

    /// Choice values (modes, on/off) agree too. (Device values come from the store named by the
    /// environment; the pseudo-terminal shell tests check those.)
    #[test]
    fn shells_and_repl_complete_the_same_values() {
        use crate::cli::tree::{DeviceSource, ValueKind, all_commands};
        let none = |_: DeviceSource, _: &str| Vec::new();
        for (path, node) in all_commands() {
            let Some(run) = node.run else { continue };
            let Some(first) = run.params.first() else {
                continue;
            };
            if !matches!(first.kind, ValueKind::Choice(_)) {
                continue;
            }
            let mut args: Vec<std::ffi::OsString> = vec!["capfsh".into()];
            args.extend(path.iter().map(|w| (*w).into()));
            args.push("".into());
            let index = args.len() - 1;
            let mut shell: Vec<String> =
                clap_complete::engine::complete(&mut completion_command(), args, index, None)
                    .expect("complete")
                    .into_iter()
                    .map(|c| c.get_value().to_string_lossy().into_owned())
                    .collect();
            let mut repl: Vec<String> = complete(&format!("{} ", path.join(" ")), false, &none)
                .choices
                .into_iter()
                .filter(|c| c.insertable() && c.word != "|" && c.word != NOCONFIRM)
                .map(|c| c.word)
                .collect();
            shell.sort();
            repl.sort();
            assert_eq!(shell, repl, "at {path:?}");
        }
    }

    /// Options are offered when the word starts with `-`, or when nothing else may come.
    #[test]
    fn shells_offer_options_only_when_asked_or_alone() {
        let offered = |words: &[&str]| -> Vec<String> {
            let mut args: Vec<std::ffi::OsString> = vec!["capfsh".into()];
            args.extend(words.iter().map(|w| (*w).into()));
            let index = args.len() - 1;
            clap_complete::engine::complete(&mut completion_command(), args, index, None)
                .expect("complete")
                .into_iter()
                .map(|c| c.get_value().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(offered(&["utils", ""]), ["capf"]);
        assert_eq!(
            offered(&["utils", "--"]),
            ["--db", "--format", "--yes", "--help"]
        );
        assert_eq!(
            offered(&["utils", "capf", "csr", "list", "--f"]),
            ["--format"]
        );
        assert!(offered(&["utils", "capf", "csr", "list", ""]).contains(&"--format".into()));
        // Abbreviated words are walked as the one-shot CLI parses them; a prefix completes to
        // the full word only.
        assert_eq!(offered(&["ut", "ca", "s"]), ["set", "stale-lsc"]);
        assert_eq!(offered(&["ut", "ca", "st", "d"]), ["delete"]);
        assert_eq!(offered(&["u"]), ["utils"]);
    }

    #[test]
    fn completion_reads_the_store_of_db_on_the_line() {
        let words =
            |w: &[&str]| -> Vec<std::ffi::OsString> { w.iter().map(|s| (*s).into()).collect() };
        assert_eq!(db_option(&words(&["capfsh", "utils", "capf"])), None);
        assert_eq!(
            db_option(&words(&[
                "capfsh",
                "--db",
                "/a.db",
                "utils",
                "--db=/b.db",
                "x"
            ])),
            Some(PathBuf::from("/b.db"))
        );
        assert_eq!(
            db_option(&words(&["capfsh", "utils", "--db", "/c.db", "capf"])),
            Some(PathBuf::from("/c.db"))
        );
        if let Some(home) = dirs::home_dir() {
            assert_eq!(
                db_option(&words(&["capfsh", "--db", "~/d.db"])),
                Some(home.join("d.db"))
            );
        }
    }

    #[test]
    fn clap_tree_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn one_shot_matches_the_repl_parser() {
        let inv = parse(&["ut", "ca", "cs", "li"]);
        assert_eq!(inv.id, CommandId::CsrList);
        assert!(inv.abbreviated);
        let inv = parse(&[
            "utils",
            "capf",
            "stale-lsc",
            "delete",
            "all",
            "noconfirm",
            "--format",
            "json",
        ]);
        assert_eq!(inv.id, CommandId::StaleDelete);
        assert!(inv.noconfirm && !inv.abbreviated);
        let inv = parse(&["help", "utils", "capf"]);
        assert_eq!(inv.arg(0), Some("utils capf"));
    }
}
