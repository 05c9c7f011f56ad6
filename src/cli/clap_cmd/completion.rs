//! Shell completion over the one-shot CLI: the shells' dynamic completion
//! (`COMPLETE=<shell> capfsh`) answers from [`completion_command`], which is the one-shot
//! [`command`] with device names from the store, `help`'s command paths, abbreviations and
//! hidden options added, all through the REPL's own [`complete`].

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::Command;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};

use super::command_without_subcommands_at;
use crate::cli::complete::{ChoiceKind, DEVICE_LIMIT, complete};
use crate::cli::global_args;
use crate::cli::parse::walk;
use crate::cli::tree::{Node, ROOT, ValueKind};
use crate::store::{StoreDevices, StoreLocation};

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
    let words = line_words(line);
    // After a command's first value (`install SEP1`) its subcommands (`install file`) no longer
    // fit: leave them out, as the admin: shell's Tab does.
    let walked = walk(&words, false).ok();
    let cut = walked
        .as_ref()
        .filter(|w| w.node.run.is_some() && !w.node.children.is_empty())
        .filter(|w| words.len() > w.consumed)
        .map(|w| w.path.as_slice());
    let mut cmd = with_device_completers(
        command_without_subcommands_at(cut),
        &ROOT,
        &mut Vec::new(),
        &words,
    )
    .mut_subcommand(HELP, |help| {
        help.mut_arg(HELP_PATH, |arg| arg.add(words_completer(words.clone())))
    });
    cmd.build();
    for_completion(cmd)
}

/// The `help` command, and the name of its command-path argument (the tree's parameter).
const HELP: &str = "help";
const HELP_PATH: &str = "command";

/// The words before the word at the cursor (the program and capfsh's own options left out).
fn line_words(line: &[std::ffi::OsString]) -> Vec<String> {
    let before_cursor = line.get(1..line.len().saturating_sub(1)).unwrap_or(&[]);
    let mut words = Vec::new();
    let mut it = before_cursor.iter().filter_map(|w| w.to_str());
    while let Some(w) = it.next() {
        if global_args::takes_value(w) {
            it.next();
        } else if !w.starts_with('-') {
            words.push(w.to_owned());
        }
    }
    words
}

/// Completes the word at the cursor after the line's `words` through the same [`complete`] as
/// the REPL's Tab: for keyword options (`auth`, `key`, `by` and their values) and `help`'s
/// command path (`help utils capf <Tab>`) clap sees one trailing list of words, and its engine
/// hands a completer only the word at the cursor, so it is given the line's words up front.
fn words_completer(words: Vec<String>) -> ArgValueCompleter {
    ArgValueCompleter::new(move |current: &OsStr| -> Vec<CompletionCandidate> {
        let Some(current) = current.to_str() else {
            return Vec::new();
        };
        let mut line = String::new();
        for w in &words {
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
            // Subcommands beside the value (`install file`) are clap's to offer.
            .filter(|c| c.insertable() && !matches!(c.kind, ChoiceKind::Command(_)))
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
    global_args::db_option(&words)
}

/// Gives every device parameter under `node` (whose words are `path`) a completer that reads
/// the store.
fn with_device_completers(
    mut cmd: Command,
    node: &'static Node,
    path: &mut Vec<&'static str>,
    words: &[String],
) -> Command {
    if let Some(run) = node.run {
        // `mut_args` keeps the positions (`mut_arg` would move the argument to the end).
        cmd = cmd.mut_args(|a| {
            let is_device = run.params.iter().any(|p| {
                p.name == a.get_id().as_str()
                    && matches!(
                        p.kind,
                        ValueKind::Device(_)
                            | ValueKind::AllOrDevice(_)
                            | ValueKind::WordOrDevice(..)
                    )
            });
            let is_options = run
                .params
                .iter()
                .any(|p| p.name == a.get_id().as_str() && matches!(p.kind, ValueKind::Options(_)));
            if is_device {
                a.add(device_completer(path.clone()))
            } else if is_options {
                a.add(words_completer(words.to_vec()))
            } else {
                a
            }
        });
    }
    for child in node.visible_children(false) {
        // Left out after the command's first value (see `completion_command_for`).
        if cmd.find_subcommand(child.word).is_none() {
            continue;
        }
        path.push(child.word);
        cmd = cmd.mut_subcommand(child.word, |sub| {
            with_device_completers(sub, child, path, words)
        });
        path.pop();
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::clap_cmd::{COMPLETIONS, MAN};
    use crate::cli::tree::NOCONFIRM;

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
}
