//! The typed values a command's handler gets: the parser checks the words against the tree
//! and hands these over, so no handler parses text again.

use std::path::{Path, PathBuf};

use crate::domain::DeviceName;
use crate::store::Scope;

/// A keyword option's value, typed by what its declaration says follows the keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    /// A flag (`dry-run`).
    Flag,
    /// A number inside its range.
    Number(i64),
    /// One of the choice words, in full, and the value after it where the word takes one
    /// (`string 1234`).
    Word(&'static str, Option<String>),
    /// Free text.
    Text(String),
    /// A file or folder.
    Path(PathBuf),
}

/// The keyword options of a command, typed: what its handler reads, by keyword.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The keywords the command declares (to catch a handler asking for one it does not have).
    declared: Vec<&'static str>,
    /// The defaults the declarations give numbers.
    defaults: Vec<(&'static str, i64)>,
    /// What was given, in the order typed.
    given: Vec<(&'static str, OptionValue)>,
}

impl Options {
    /// The options of a command declaring `declared` (with `defaults` for its numbers), as
    /// given; the parser builds this from the tree.
    pub fn new(
        declared: Vec<&'static str>,
        defaults: Vec<(&'static str, i64)>,
        given: Vec<(&'static str, OptionValue)>,
    ) -> Options {
        Options {
            declared,
            defaults,
            given,
        }
    }

    /// Every value given for `word`, in the order typed (one at most unless it repeats).
    pub fn all(&self, word: &str) -> impl Iterator<Item = &OptionValue> {
        debug_assert!(
            self.declared.contains(&word),
            "no keyword option {word:?} is declared for this command"
        );
        self.given
            .iter()
            .filter(move |(w, _)| *w == word)
            .map(|(_, v)| v)
    }

    fn first(&self, word: &str) -> Option<&OptionValue> {
        self.all(word).next()
    }

    /// Whether `word` was given.
    pub fn has(&self, word: &str) -> bool {
        self.first(word).is_some()
    }

    /// A number option's value, or the default its range declares.
    pub fn number(&self, word: &str) -> Option<i64> {
        match self.first(word) {
            Some(OptionValue::Number(n)) => Some(*n),
            _ => self
                .defaults
                .iter()
                .find(|(w, _)| *w == word)
                .map(|(_, d)| *d),
        }
    }

    /// A choice option's word, in full.
    pub fn word(&self, word: &str) -> Option<&'static str> {
        match self.first(word) {
            Some(OptionValue::Word(w, _)) => Some(w),
            _ => None,
        }
    }

    /// The value after a choice word that takes one (`auth string <digits>`).
    pub fn extra(&self, word: &str) -> Option<&str> {
        match self.first(word) {
            Some(OptionValue::Word(_, extra)) => extra.as_deref(),
            _ => None,
        }
    }

    /// A text option's value.
    pub fn text(&self, word: &str) -> Option<&str> {
        match self.first(word) {
            Some(OptionValue::Text(t)) => Some(t),
            _ => None,
        }
    }

    /// A path option's value.
    pub fn path(&self, word: &str) -> Option<&Path> {
        match self.first(word) {
            Some(OptionValue::Path(p)) => Some(p),
            _ => None,
        }
    }
}

/// One parameter's value, typed by its kind in the tree: the command gets these, never text to
/// parse again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A number inside its range.
    Number(i64),
    /// One of the choice words, in full.
    Word(&'static str),
    /// A checked device name (upper case).
    Device(DeviceName),
    /// `all` or one device.
    Scope(Scope),
    /// A file or folder.
    Path(PathBuf),
    /// Free words (a command path for `help`).
    Text(String),
}

/// The typed values of a command's parameters: the positional ones by position (`None` where
/// an optional one was left out), and the keyword options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args {
    values: Vec<Option<Value>>,
    defaults: Vec<Option<i64>>,
    options: Options,
}

impl Args {
    /// The values by position, the defaults the tree declares for numbers by position, and
    /// the keyword options; the parser builds this from the tree.
    pub fn new(values: Vec<Option<Value>>, defaults: Vec<Option<i64>>, options: Options) -> Args {
        Args {
            values,
            defaults,
            options,
        }
    }

    /// The value at `i`, if given.
    pub fn get(&self, i: usize) -> Option<&Value> {
        self.values.get(i).and_then(Option::as_ref)
    }

    /// The keyword options (none given, when the command takes none).
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// A number parameter.
    pub fn number(&self, i: usize) -> Option<i64> {
        match self.get(i) {
            Some(Value::Number(n)) => Some(*n),
            _ => None,
        }
    }

    /// A number parameter, or the default the tree declares for it when it was left out.
    pub fn number_or_default(&self, i: usize) -> Option<i64> {
        self.number(i)
            .or_else(|| self.defaults.get(i).copied().flatten())
    }

    /// A choice parameter's word.
    pub fn word(&self, i: usize) -> Option<&'static str> {
        match self.get(i) {
            Some(Value::Word(w)) => Some(w),
            _ => None,
        }
    }

    /// A device parameter.
    pub fn device(&self, i: usize) -> Option<&DeviceName> {
        match self.get(i) {
            Some(Value::Device(d)) => Some(d),
            _ => None,
        }
    }

    /// An `all|<device>` parameter.
    pub fn scope(&self, i: usize) -> Option<&Scope> {
        match self.get(i) {
            Some(Value::Scope(s)) => Some(s),
            _ => None,
        }
    }

    /// A path parameter.
    pub fn path(&self, i: usize) -> Option<&Path> {
        match self.get(i) {
            Some(Value::Path(p)) => Some(p),
            _ => None,
        }
    }

    /// A free-text parameter.
    pub fn text(&self, i: usize) -> Option<&str> {
        match self.get(i) {
            Some(Value::Text(t)) => Some(t),
            _ => None,
        }
    }
}
