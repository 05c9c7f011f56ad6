//! The one-shot CLI as a clap `Command`, generated from the command tree.
//!
//! clap parses `capfsh [options] <words...>` and gives `--help` pages; the words it recognised
//! are then handed to the same [`resolve`](super::parse::resolve) the REPL uses, so both accept
//! and refuse exactly the same commands. Shell completion scripts and the man page are generated
//! from this `Command` too.

mod completion;
mod scripts;

use std::ffi::OsStr;

use clap::{Arg, ArgMatches, Command, ValueHint, value_parser};

use super::global_args;
use super::parse::{Invocation, ParseError, is_noconfirm, match_choice, resolve};
use super::tree::{Choice, NOCONFIRM, Node, ROOT, ValueKind};
use crate::error::Program;

pub use completion::{completion_command, completion_command_for};
pub use scripts::script;

/// The whole one-shot CLI.
pub fn command() -> Command {
    command_without_subcommands_at(None)
}

/// The one-shot CLI, leaving out the subcommands of the command at `cut`: shell completion
/// after `install <device>` must not offer `install file` (clap's engine offers a command's
/// subcommands after its values too).
fn command_without_subcommands_at(cut: Option<&[&'static str]>) -> Command {
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
        .disable_help_subcommand(true);
    root = global_args::add_to(root, Program::Capfsh);
    for child in ROOT.visible_children(false) {
        root = root.subcommand(node_command(child, &[], cut));
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

fn node_command(
    node: &'static Node,
    parent: &[&'static str],
    cut: Option<&[&'static str]>,
) -> Command {
    let mut path = parent.to_vec();
    path.push(node.word);
    let mut cmd = Command::new(node.word)
        .about(node.help)
        .infer_subcommands(true)
        .disable_help_subcommand(true);
    if let Some(run) = node.run {
        cmd = cmd.long_about(run.description).allow_negative_numbers(true);
        if !node.children.is_empty() {
            // `install file <csv>` beside `install <device>`: the subcommand stands alone.
            cmd = cmd.subcommand_negates_reqs(true);
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
                ValueKind::Options(_) => arg
                    .num_args(if p.optional { 0.. } else { 1.. })
                    .trailing_var_arg(true)
                    .allow_hyphen_values(true),
                ValueKind::Device(_)
                | ValueKind::AllOrDevice(_)
                | ValueKind::WordOrDevice(..)
                | ValueKind::Number(_)
                | ValueKind::Text => arg,
            };
            cmd = cmd.arg(arg);
        }
        // After keyword options, `noconfirm` is one more trailing word (the parser takes it).
        if run.confirms() && run.options().is_empty() {
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
    if cut == Some(path.as_slice()) {
        return cmd;
    }
    for child in node.visible_children(false) {
        cmd = cmd.subcommand(node_command(child, &path, cut));
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
        if run.confirms()
            && run.options().is_empty()
            && m.try_get_one::<String>(NOCONFIRM).ok().flatten().is_some()
        {
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
            let generated = script(shell);
            let committed = std::fs::read(dir.join(file)).unwrap_or_default();
            assert!(
                committed == generated,
                "completions/{file} ({shell}) is out of date: run completions/regenerate.sh"
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
        assert_eq!(inv.path, ["utils", "capf", "csr", "list"]);
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
        assert_eq!(inv.path, ["utils", "capf", "stale-lsc", "delete"]);
        assert!(inv.noconfirm && !inv.abbreviated);
        let inv = parse(&["help", "utils", "capf"]);
        assert_eq!(inv.arg(0), Some("utils capf"));
    }
}
