//! The global options of `capfsh` and `capfd`, defined once.
//!
//! Both binaries build their clap options from [`OPTIONS`], and the hand-written parts that
//! must know the options (which values may be non-UTF-8 paths, which options take a value when
//! shell completion skips over them, where `--db` is on a line being completed) ask this table
//! instead of keeping their own lists.

use std::path::PathBuf;

use clap::{Arg, ArgAction, Command, ValueHint, value_parser};

use crate::error::Program;
use crate::render::Format;
use crate::store::DB_ENV;

/// What a global option's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionValue {
    /// A flag: no value.
    Flag,
    /// A file path: any bytes on Unix, so it may be other than UTF-8.
    Path(&'static str),
    /// One of fixed words.
    Choice(&'static str, &'static [&'static str]),
}

/// One global option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalOption {
    /// clap's id (and the long name).
    pub long: &'static str,
    /// The one-letter form, if any.
    pub short: Option<char>,
    /// Its value.
    pub value: OptionValue,
    /// The environment variable that supplies it when it is not given.
    pub env: Option<&'static str>,
    /// One line of `--help`.
    pub help: &'static str,
    /// Whether it may stand after the command words too (clap's `global`).
    pub anywhere: bool,
    /// The binaries that take it.
    pub programs: &'static [Program],
}

/// Every global option, in the order `--help` lists them.
pub const OPTIONS: &[GlobalOption] = &[
    GlobalOption {
        long: "db",
        short: None,
        value: OptionValue::Path("PATH"),
        env: Some(DB_ENV),
        help: "Store to use [default: <data dir>/capfsh/capf.db]",
        anywhere: true,
        programs: &[Program::Capfsh, Program::Capfd],
    },
    GlobalOption {
        long: "format",
        short: None,
        value: OptionValue::Choice("FORMAT", &Format::NAMES),
        env: None,
        help: "Output format [default: table]",
        anywhere: true,
        programs: &[Program::Capfsh],
    },
    GlobalOption {
        long: "yes",
        short: Some('y'),
        value: OptionValue::Flag,
        env: None,
        help: "Answer yes to confirmations (same as noconfirm)",
        anywhere: true,
        programs: &[Program::Capfsh],
    },
    GlobalOption {
        long: "file",
        short: Some('f'),
        value: OptionValue::Path("FILE"),
        env: None,
        help: "Run the commands in FILE, one per line",
        anywhere: false,
        programs: &[Program::Capfsh],
    },
    GlobalOption {
        long: "keep-going",
        short: None,
        value: OptionValue::Flag,
        env: None,
        help: "In a script, run past failures (exit 1 if any failed)",
        anywhere: false,
        programs: &[Program::Capfsh],
    },
    GlobalOption {
        long: "quiet",
        short: Some('q'),
        value: OptionValue::Flag,
        env: None,
        help: "In a script, do not warn about abbreviated commands",
        anywhere: false,
        programs: &[Program::Capfsh],
    },
];

impl GlobalOption {
    /// The clap argument.
    pub fn arg(&self) -> Arg {
        let mut arg = Arg::new(self.long)
            .long(self.long)
            .global(self.anywhere)
            .help(self.help);
        if let Some(c) = self.short {
            arg = arg.short(c);
        }
        if let Some(var) = self.env {
            arg = arg.env(var);
        }
        match self.value {
            OptionValue::Flag => arg.action(ArgAction::SetTrue),
            OptionValue::Path(name) => arg
                .value_name(name)
                .value_hint(ValueHint::FilePath)
                .value_parser(value_parser!(PathBuf)),
            OptionValue::Choice(name, words) => {
                arg.value_name(name)
                    .value_parser(clap::builder::PossibleValuesParser::new(
                        words.iter().copied(),
                    ))
            }
        }
    }

    /// Whether `word` is this option written alone (`--db`, `-f`), so the next word is its value.
    fn is(&self, word: &str) -> bool {
        word.strip_prefix("--") == Some(self.long)
            || self
                .short
                .is_some_and(|c| word.strip_prefix('-') == Some(c.encode_utf8(&mut [0; 4])))
    }
}

/// Adds the global options of `program` to its command.
pub fn add_to(mut cmd: Command, program: Program) -> Command {
    for o in OPTIONS.iter().filter(|o| o.programs.contains(&program)) {
        cmd = cmd.arg(o.arg());
    }
    cmd
}

/// Whether `word` is an option written alone whose value is the next word (`--db`, `-f`,
/// `--format`).
pub fn takes_value(word: &str) -> bool {
    OPTIONS
        .iter()
        .any(|o| o.value != OptionValue::Flag && o.is(word))
}

/// Whether the word after `word` is a path (`--db PATH`, `-f FILE`), which may be any bytes.
pub fn takes_path(word: &str) -> bool {
    OPTIONS
        .iter()
        .any(|o| matches!(o.value, OptionValue::Path(_)) && o.is(word))
}

/// Whether `arg` carries a path inline (`--db=PATH`, `--file=FILE`); `arg` may be any bytes.
pub fn has_inline_path(arg: &[u8]) -> bool {
    OPTIONS.iter().any(|o| {
        matches!(o.value, OptionValue::Path(_))
            && arg.strip_prefix(b"--").is_some_and(|rest| {
                rest.strip_prefix(o.long.as_bytes())
                    .is_some_and(|r| r.starts_with(b"="))
            })
    })
}

/// The last `--db PATH` or `--db=PATH` among `words` (a line being completed); a leading `~/`
/// is the home folder (the shells pass the words unexpanded).
pub fn db_option(words: &[std::ffi::OsString]) -> Option<PathBuf> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_answers_for_paths_and_values() {
        assert!(takes_value("--db") && takes_value("-f") && takes_value("--format"));
        assert!(!takes_value("--yes") && !takes_value("-y") && !takes_value("utils"));
        assert!(takes_path("--db") && takes_path("--file") && takes_path("-f"));
        assert!(!takes_path("--format"));
        assert!(has_inline_path(b"--db=/x") && has_inline_path(b"--file=/y"));
        assert!(!has_inline_path(b"--format=json") && !has_inline_path(b"--dbx=/z"));
    }

    #[test]
    fn capfd_takes_only_the_store_option() {
        let cmd = add_to(Command::new("capfd"), Program::Capfd);
        let ids: Vec<&str> = cmd.get_arguments().map(|a| a.get_id().as_str()).collect();
        assert_eq!(ids, ["db"]);
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
}
