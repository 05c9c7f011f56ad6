//! Turns the words of a command line into an [`Invocation`], CUCM style.
//!
//! Words match case-insensitively, and any unambiguous prefix stands for the whole word at every
//! level (`ut ca cs li` is `utils capf csr list`). The REPL, scripts and the one-shot CLI all go
//! through [`resolve`], so abbreviations and errors read the same everywhere.

use std::path::{Path, PathBuf};

use super::tree::{
    Choice, CommandId, Effect, Keyword, KeywordValue, NOCONFIRM, Node, OptionSpec, OptionValue,
    Param, ROOT, ValueKind,
};
use crate::domain::{DeviceName, InvalidValue};
use crate::store::Scope;

/// A fully parsed command, ready to dispatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// What to run.
    pub id: CommandId,
    /// The canonical words (`["utils", "capf", "csr", "list"]`).
    pub path: Vec<&'static str>,
    /// Parameter values in the order of the command's parameters; `None` where an optional one
    /// was left out. Choices are expanded to their full word.
    pub args: Vec<Option<String>>,
    /// `noconfirm` was given.
    pub noconfirm: bool,
    /// Some word was abbreviated (scripts warn about this: a later command could make the
    /// prefix ambiguous).
    pub abbreviated: bool,
    /// What the command does to the store, from its definition in the tree.
    pub effect: Effect,
    /// The command's parameters, for [`Invocation::values`].
    params: &'static [Param],
}

/// One parameter's value, typed by its [`ValueKind`]: the command gets these, never text to
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

/// The typed values of a command's parameters, by position; `None` where an optional one was
/// left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args(Vec<Option<Value>>);

impl Args {
    /// The value at `i`, if given.
    pub fn get(&self, i: usize) -> Option<&Value> {
        self.0.get(i).and_then(Option::as_ref)
    }

    /// A number parameter.
    pub fn number(&self, i: usize) -> Option<i64> {
        match self.get(i) {
            Some(Value::Number(n)) => Some(*n),
            _ => None,
        }
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

impl Invocation {
    /// The canonical command line (`utils capf csr list`) with its arguments.
    pub fn canonical(&self) -> String {
        let mut words: Vec<String> = self.path.iter().map(|w| (*w).to_owned()).collect();
        for (i, value) in self.args.iter().enumerate() {
            let Some(value) = value else { continue };
            if let Some(p) = self.params.get(i)
                && matches!(p.kind, ValueKind::Keyed { .. })
            {
                words.push(p.name.to_owned());
            }
            words.push(value.clone());
        }
        if self.noconfirm {
            words.push(NOCONFIRM.into());
        }
        words.join(" ")
    }

    /// The value of parameter `i` as typed (choices in full), if given.
    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).and_then(|a| a.as_deref())
    }

    /// The default the tree declares for parameter `i` (a number's), used when it is left out.
    pub fn default_of(&self, i: usize) -> Option<i64> {
        match self.params.get(i)?.kind {
            ValueKind::Number(range) => range.default,
            _ => None,
        }
    }

    /// The parameters as typed values, checked against the domain (a device name's rules, a
    /// number's range). A value that fails is refused (exit 1, audited for a command that
    /// changes the store), not a usage error: the command was right, the value was not.
    pub fn values(&self) -> Result<Args, InvalidValue> {
        let mut values = Vec::with_capacity(self.params.len());
        for (param, raw) in self.params.iter().zip(&self.args) {
            let Some(raw) = raw else {
                values.push(None);
                continue;
            };
            let kind = match param.kind {
                ValueKind::Keyed { kind, .. } => *kind,
                other => other,
            };
            values.push(Some(match kind {
                ValueKind::Number(range) => Value::Number(range.check(param.name, raw)?),
                ValueKind::Choice(choices) => Value::Word(
                    match_choice(choices, raw)
                        .map(|c| c.word)
                        .ok_or_else(|| InvalidValue(format!("{raw:?} is not a choice")))?,
                ),
                ValueKind::Device(_) => Value::Device(raw.parse()?),
                ValueKind::AllOrDevice(_) if raw == "all" => Value::Scope(Scope::All),
                ValueKind::AllOrDevice(_) => Value::Scope(Scope::Device(raw.parse()?)),
                ValueKind::Path => Value::Path(PathBuf::from(raw)),
                ValueKind::Keywords(keywords) => {
                    check_keyword_values(keywords, raw)?;
                    Value::Text(raw.clone())
                }
                ValueKind::CommandPath | ValueKind::Text | ValueKind::Keyed { .. } => {
                    Value::Text(raw.clone())
                }
                ValueKind::Options(_) => Value::Text(raw.clone()),
                ValueKind::WordOrDevice(words, _) => match match_choice(words, raw) {
                    Some(c) if c.word == raw => Value::Word(c.word),
                    _ => Value::Device(raw.parse()?),
                },
            }));
        }
        Ok(Args(values))
    }
}

/// Why a line is not a command. Each message is one line the admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Nothing was typed.
    #[error("no command given: type ? or help")]
    Empty,
    /// A word matched nothing.
    #[error("Invalid command: {word:?} is not a command{}; type {} for choices", after(.path), hint(.path))]
    Unknown {
        /// Canonical words before it.
        path: Vec<&'static str>,
        /// What was typed.
        word: String,
    },
    /// A prefix matched several words.
    #[error("Ambiguous command: {word:?} could be {}; type more letters", .candidates.join(", "))]
    Ambiguous {
        /// What was typed.
        word: String,
        /// The words it could be.
        candidates: Vec<&'static str>,
    },
    /// The words so far are a menu, not a command.
    #[error("Incomplete command: {} needs one of: {}", .path.join(" "), .choices.join(", "))]
    Incomplete {
        /// Canonical words so far.
        path: Vec<&'static str>,
        /// What may follow.
        choices: Vec<&'static str>,
    },
    /// A required parameter is missing.
    #[error("Incomplete command: {} needs <{}> ({})", .path.join(" "), .param, .help)]
    MissingParam {
        /// Canonical words.
        path: Vec<&'static str>,
        /// Parameter name.
        param: &'static str,
        /// Its help line.
        help: String,
    },
    /// A choice parameter got a value outside its choices.
    #[error("Invalid value {value:?} for <{param}>: use {}", .choices.iter().map(|c| c.word).collect::<Vec<_>>().join(" or "))]
    BadChoice {
        /// Parameter name.
        param: &'static str,
        /// What was typed.
        value: String,
        /// The accepted words.
        choices: &'static [Choice],
    },
    /// A password typed on the command line (`password s3cret`): refused without echoing it.
    #[error(
        "the password is never typed on the command line: leave it out to be asked at a hidden \
         prompt, or give password-file <path>"
    )]
    PasswordOnLine,
    /// A keyword given twice (`port 1 port 2`).
    #[error("Invalid command: {param} is given twice")]
    Repeated {
        /// The keyword.
        param: &'static str,
    },
    /// More words than the command takes.
    #[error("Too many arguments: {extra:?} is not expected after {}", .path.join(" "))]
    Extra {
        /// Canonical words.
        path: Vec<&'static str>,
        /// The first unexpected word.
        extra: String,
    },
}

fn after(path: &[&str]) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" after '{}'", path.join(" "))
    }
}

fn hint(path: &[&str]) -> String {
    if path.is_empty() {
        "?".into()
    } else {
        format!("'{} ?'", path.join(" "))
    }
}

/// The outcome of matching one typed word against a node's children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// One child matched; `true` when only by prefix.
    Matched(&'static Node, bool),
    /// Several children start with the word.
    Ambiguous(Vec<&'static str>),
    /// No child matched.
    NoMatch,
}

/// Matches `word` against the children of `node` (an exact word wins over prefixes).
pub fn match_child(node: &'static Node, word: &str, repl: bool) -> Step {
    let lower = word.to_ascii_lowercase();
    let mut hits = Vec::new();
    for child in node.visible_children(repl) {
        if child.word == lower {
            return Step::Matched(child, false);
        }
        if child.word.starts_with(&lower) {
            hits.push(child);
        }
    }
    match hits.as_slice() {
        [] => Step::NoMatch,
        [one] => Step::Matched(one, true),
        many => Step::Ambiguous(many.iter().map(|c| c.word).collect()),
    }
}

/// Where a sequence of words leads in the tree.
#[derive(Debug, Clone)]
pub struct Walk {
    /// The deepest node reached.
    pub node: &'static Node,
    /// Canonical words to it.
    pub path: Vec<&'static str>,
    /// How many input words were consumed as command words.
    pub consumed: usize,
    /// Whether any word was a prefix.
    pub abbreviated: bool,
}

/// Follows command words from the root as far as they go. Stops at the first word that is not a
/// child (it may be a parameter), and fails on an ambiguous prefix.
pub fn walk(words: &[String], repl: bool) -> Result<Walk, ParseError> {
    let mut w = Walk {
        node: &ROOT,
        path: Vec::new(),
        consumed: 0,
        abbreviated: false,
    };
    for word in words {
        if w.node.children.is_empty() {
            break;
        }
        match match_child(w.node, word, repl) {
            Step::Matched(child, abbrev) => {
                w.node = child;
                w.path.push(child.word);
                w.consumed += 1;
                w.abbreviated |= abbrev;
            }
            Step::Ambiguous(candidates) => {
                return Err(ParseError::Ambiguous {
                    word: word.clone(),
                    candidates,
                });
            }
            Step::NoMatch => break,
        }
    }
    Ok(w)
}

/// Matches a choice value by exact word or unique prefix.
pub fn match_choice<'a>(choices: &'a [Choice], value: &str) -> Option<&'a Choice> {
    match_word(choices, |c| c.word, value)
}

/// Matches `value` against the words of `items` by exact word or unique prefix, ignoring
/// case: the one rule for choices and output modifiers.
pub fn match_word<'a, T>(items: &'a [T], word: impl Fn(&T) -> &str, value: &str) -> Option<&'a T> {
    let lower = value.to_ascii_lowercase();
    // Words may be camelCase (`keyCompromise`, as RFC 5280 spells reasons): compare folded.
    if let Some(exact) = items.iter().find(|c| word(c).eq_ignore_ascii_case(&lower)) {
        return Some(exact);
    }
    let mut hits = items
        .iter()
        .filter(|c| word(c).to_ascii_lowercase().starts_with(&lower));
    match (hits.next(), hits.next()) {
        (Some(one), None) if !lower.is_empty() => Some(one),
        _ => None,
    }
}

/// Parses a whole command line (already split into words).
pub fn resolve(words: &[String], repl: bool) -> Result<Invocation, ParseError> {
    if words.is_empty() {
        return Err(ParseError::Empty);
    }
    let w = walk(words, repl)?;
    let Some(run) = w.node.run else {
        return Err(match words.get(w.consumed) {
            Some(word) => ParseError::Unknown {
                path: w.path,
                word: word.clone(),
            },
            None => ParseError::Incomplete {
                choices: w.node.visible_children(repl).map(|c| c.word).collect(),
                path: w.path,
            },
        });
    };
    let mut rest: Vec<String> = words[w.consumed..].to_vec();
    let mut noconfirm = false;
    let mut abbreviated = w.abbreviated;
    if run.confirms()
        && let Some(last) = rest.last()
        && is_noconfirm(last)
    {
        abbreviated |= !last.eq_ignore_ascii_case(NOCONFIRM);
        rest.pop();
        noconfirm = true;
    }
    // A word that is not a child of a runnable node with no parameters is a typo of a command
    // word, not an argument: say so in those terms.
    if run.params.is_empty()
        && let Some(word) = rest.first()
    {
        return Err(if w.node.children.is_empty() {
            ParseError::Extra {
                path: w.path,
                extra: word.clone(),
            }
        } else {
            ParseError::Unknown {
                path: w.path,
                word: word.clone(),
            }
        });
    }
    let mut args = Vec::with_capacity(run.params.len());
    let mut rest = rest.into_iter();
    for param in run.params {
        if let ValueKind::Keywords(keywords) = param.kind {
            let all: Vec<String> = rest.by_ref().collect();
            let (normal, abbrev) = check_keywords(&w.path, param, keywords, &all)?;
            abbreviated |= abbrev;
            args.push((!normal.is_empty()).then_some(normal));
            continue;
        }
        if let ValueKind::Options(specs) = param.kind {
            let all: Vec<String> = rest.by_ref().collect();
            let (canonical, abbrev) = parse_options(specs, &all, &w.path)?;
            abbreviated |= abbrev;
            args.push((!canonical.is_empty()).then(|| canonical.join(" ")));
            continue;
        }
        if matches!(param.kind, ValueKind::Keyed { .. }) {
            args.push(None);
            continue;
        }
        let value = if matches!(param.kind, ValueKind::CommandPath) {
            let all: Vec<String> = rest.by_ref().collect();
            (!all.is_empty()).then(|| all.join(" "))
        } else {
            rest.next()
        };
        args.push(match value {
            None if param.optional => None,
            None => {
                return Err(ParseError::MissingParam {
                    path: w.path,
                    param: param.name,
                    help: param.help_text(),
                });
            }
            Some(v) => {
                let checked = check_value(param, v.clone())?;
                abbreviated |=
                    matches!(param.kind, ValueKind::Choice(_)) && !checked.eq_ignore_ascii_case(&v);
                Some(checked)
            }
        });
    }
    let keyed: Vec<(usize, &'static Param)> = run
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p.kind, ValueKind::Keyed { .. }))
        .collect();
    if !keyed.is_empty() {
        let names: Vec<&'static str> = keyed.iter().map(|(_, p)| p.name).collect();
        while let Some(word) = rest.next() {
            if looks_like_password(&word) {
                return Err(ParseError::PasswordOnLine);
            }
            let Some(name) = match_word(&names, |n| n, &word).copied().filter(|n| {
                // `password-file` only from `password-f` on: a shorter word may be someone
                // typing a password, and its value must never reach an error or the audit log.
                *n != PASSWORD_FILE || word.len() >= PASSWORD_FILE_MIN_PREFIX
            }) else {
                return Err(ParseError::Extra {
                    path: w.path,
                    extra: word,
                });
            };
            abbreviated |= !name.eq_ignore_ascii_case(&word);
            let Some(&(index, param)) = keyed.iter().find(|(_, p)| p.name == name) else {
                continue;
            };
            if args[index].is_some() {
                return Err(ParseError::Repeated { param: param.name });
            }
            let ValueKind::Keyed { kind, .. } = param.kind else {
                continue;
            };
            let Some(value) = rest.next() else {
                return Err(ParseError::MissingParam {
                    path: w.path,
                    param: param.name,
                    help: param.help_text(),
                });
            };
            let inner = Param {
                kind: *kind,
                ..*param
            };
            args[index] = Some(check_value(&inner, value)?);
        }
        if let Some((_, missing)) = keyed
            .iter()
            .find(|(i, p)| !p.optional && args[*i].is_none())
        {
            return Err(ParseError::MissingParam {
                path: w.path,
                param: missing.name,
                help: missing.help_text(),
            });
        }
    }
    if let Some(extra) = rest.next() {
        return Err(ParseError::Extra {
            path: w.path,
            extra,
        });
    }
    Ok(Invocation {
        id: run.id,
        path: w.path,
        args,
        noconfirm,
        abbreviated,
        effect: run.effect,
        params: run.params,
    })
}

/// Checks the words of a [`ValueKind::Keywords`] parameter: each keyword at most once, by its
/// word or a unique prefix, followed by its value where it takes one. Returns the canonical
/// words joined by spaces (`older-than 30 dry-run`) and whether any was abbreviated.
fn check_keywords(
    path: &[&'static str],
    param: &Param,
    keywords: &'static [Keyword],
    words: &[String],
) -> Result<(String, bool), ParseError> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut abbreviated = false;
    let mut it = words.iter();
    while let Some(word) = it.next() {
        let keyword = match match_word(keywords, |k| k.word, word) {
            Some(k) if !seen.contains(&k.word) => k,
            _ => {
                return Err(ParseError::Extra {
                    path: path.to_vec(),
                    extra: word.clone(),
                });
            }
        };
        abbreviated |= !keyword.word.eq_ignore_ascii_case(word);
        seen.push(keyword.word);
        out.push(keyword.word.to_owned());
        let missing = |name: &'static str| ParseError::MissingParam {
            path: path.to_vec(),
            param: name,
            help: param.help_text(),
        };
        match keyword.value {
            KeywordValue::Flag => {}
            KeywordValue::Number(name, _) => out.push(it.next().ok_or(missing(name))?.clone()),
            KeywordValue::Choice(choices) => {
                let v = it.next().ok_or(missing(keyword.word))?;
                let c = match_choice(choices, v).ok_or(ParseError::BadChoice {
                    param: keyword.word,
                    value: v.clone(),
                    choices,
                })?;
                abbreviated |= !c.word.eq_ignore_ascii_case(v);
                out.push(c.word.to_owned());
            }
        }
    }
    Ok((out.join(" "), abbreviated))
}

/// Checks the numbers of a canonical [`ValueKind::Keywords`] argument against their ranges
/// (a value out of range is refused like any number parameter's, not a usage error).
fn check_keyword_values(keywords: &[Keyword], canonical: &str) -> Result<(), InvalidValue> {
    for k in keywords {
        if let KeywordValue::Number(_, range) = k.value
            && let Some(v) = keyword_value(Some(canonical), k.word)
        {
            range.check(k.word, v)?;
        }
    }
    Ok(())
}

/// The value after `keyword` in a canonical [`ValueKind::Keywords`] argument:
/// `keyword_value(Some("older-than 30 dry-run"), "older-than")` is `Some("30")`.
pub fn keyword_value<'a>(arg: Option<&'a str>, keyword: &str) -> Option<&'a str> {
    let mut words = arg?.split(' ');
    words.by_ref().find(|w| *w == keyword)?;
    words.next()
}

/// Whether a canonical [`ValueKind::Keywords`] argument holds the flag `keyword`.
pub fn has_keyword(arg: Option<&str>, keyword: &str) -> bool {
    arg.is_some_and(|a| a.split(' ').any(|w| w == keyword))
}

/// The keyword that names a file holding a password.
const PASSWORD_FILE: &str = "password-file";
/// The shortest abbreviation of `password-file` accepted (`password-f`).
const PASSWORD_FILE_MIN_PREFIX: usize = 10;

/// Whether a word on a command line looks like the start of a typed password (`password`,
/// `pass`, `password=...`) rather than the `password-file` keyword. The REPL keeps such lines
/// out of its history, and the parser refuses them without echoing what followed.
pub fn looks_like_password(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    lower.starts_with("pass")
        && !(lower.len() >= PASSWORD_FILE_MIN_PREFIX && PASSWORD_FILE.starts_with(&lower))
}

/// Whether a line may hold a typed password (some word [`looks_like_password`]): such a line
/// is kept out of the REPL history.
pub fn may_hold_password(line: &str) -> bool {
    line.split_whitespace()
        .any(|w| looks_like_password(w.trim_matches('"')))
}

/// The shortest prefix of `noconfirm` taken for it: CUCM takes abbreviated keywords, but a
/// lone `n` or `no` reads as an answer, not as "do not ask".
const NOCONFIRM_MIN_PREFIX: usize = 3;

/// Whether `word` is `noconfirm` or an abbreviation of it (at least `noc`).
pub fn is_noconfirm(word: &str) -> bool {
    word.len() >= NOCONFIRM_MIN_PREFIX
        && word.len() <= NOCONFIRM.len()
        && NOCONFIRM.as_bytes()[..word.len()].eq_ignore_ascii_case(word.as_bytes())
}

/// Where a line of keyword options stands (for completion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionState {
    /// A keyword may come next; these were used already.
    Keyword(Vec<&'static str>),
    /// This keyword's value comes next.
    Value(&'static OptionSpec),
    /// The extra value of a choice comes next (`string <digits>`): its name and help.
    Extra(&'static str, &'static str),
    /// The words so far are not valid options.
    Invalid,
}

/// Follows keyword options to see what comes next.
pub fn option_state(specs: &'static [OptionSpec], words: &[String]) -> OptionState {
    let mut used = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let Some(spec) = match_option(specs, &words[i]) else {
            return OptionState::Invalid;
        };
        if used.contains(&spec.word) {
            return OptionState::Invalid;
        }
        used.push(spec.word);
        let Some(v) = words.get(i + 1) else {
            return OptionState::Value(spec);
        };
        i += 2;
        if let OptionValue::Choice {
            words: choices,
            extra,
        } = spec.value
        {
            let Some(w) = match_choice(choices, v).map(|c| c.word) else {
                return OptionState::Invalid;
            };
            if let Some((x, name)) = extra
                && x == w
            {
                if words.get(i).is_none() {
                    return OptionState::Extra(name, spec.help);
                }
                i += 1;
            }
        }
    }
    OptionState::Keyword(used)
}

fn match_option(specs: &'static [OptionSpec], word: &str) -> Option<&'static OptionSpec> {
    match_word(specs, |o| o.word, word)
}

/// Parses keyword options into their canonical words (full keywords and choices), refusing
/// unknown or repeated keywords and missing values; returns whether anything was abbreviated.
fn parse_options(
    specs: &'static [OptionSpec],
    words: &[String],
    path: &[&'static str],
) -> Result<(Vec<String>, bool), ParseError> {
    let mut out = Vec::new();
    let mut used = Vec::new();
    let mut abbreviated = false;
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        let spec = match_option(specs, word).ok_or_else(|| ParseError::Extra {
            path: path.to_vec(),
            extra: word.clone(),
        })?;
        if used.contains(&spec.word) {
            return Err(ParseError::Extra {
                path: path.to_vec(),
                extra: word.clone(),
            });
        }
        used.push(spec.word);
        abbreviated |= !spec.word.eq_ignore_ascii_case(word);
        out.push(spec.word.to_owned());
        let value = words.get(i + 1).ok_or_else(|| ParseError::MissingParam {
            path: path.to_vec(),
            param: spec.word,
            help: spec.help.to_owned(),
        })?;
        i += 2;
        match spec.value {
            OptionValue::Text(_) => out.push(value.clone()),
            OptionValue::Choice {
                words: choices,
                extra,
            } => {
                let w =
                    match_choice(choices, value)
                        .map(|c| c.word)
                        .ok_or(ParseError::BadChoice {
                            param: spec.word,
                            value: value.clone(),
                            choices,
                        })?;
                abbreviated |= !w.eq_ignore_ascii_case(value);
                out.push(w.to_owned());
                if let Some((x, name)) = extra
                    && x == w
                {
                    let v = words.get(i).ok_or_else(|| ParseError::MissingParam {
                        path: path.to_vec(),
                        param: name,
                        help: spec.help.to_owned(),
                    })?;
                    out.push(v.clone());
                    i += 1;
                }
            }
        }
    }
    Ok((out, abbreviated))
}

/// The line with every authentication string replaced by `****`: what the audit log and the
/// history keep of an operation command (`... auth string 1234` → `... auth string ****`).
/// Any word after `auth string` (abbreviations included) is masked, wherever it appears in
/// the line (one-shot lines carry options such as `--db` first).
pub fn redact_secrets(line: &str) -> String {
    let Ok(words) = split_words(line) else {
        return line.to_owned();
    };
    let is = |w: &str, full: &str| {
        !w.is_empty() && w.len() <= full.len() && full[..w.len()].eq_ignore_ascii_case(w)
    };
    let mut out = words.clone();
    let mut secret = false;
    for i in 2..words.len() {
        if is(&words[i - 2], "auth") && is(&words[i - 1], "string") {
            out[i] = "****".into();
            secret = true;
        }
    }
    if secret {
        out.join(" ")
    } else {
        line.to_owned()
    }
}

fn check_value(param: &Param, value: String) -> Result<String, ParseError> {
    match param.kind {
        ValueKind::Choice(choices) => match_choice(choices, &value)
            .map(|c| c.word.to_owned())
            .ok_or(ParseError::BadChoice {
                param: param.name,
                value,
                choices,
            }),
        ValueKind::AllOrDevice(_) if value.eq_ignore_ascii_case("all") => Ok("all".into()),
        ValueKind::WordOrDevice(words, _) => Ok(words
            .iter()
            .find(|w| w.word.eq_ignore_ascii_case(&value))
            .map(|w| w.word.to_owned())
            .unwrap_or(value)),
        _ => Ok(value),
    }
}

/// Splits a command line into words: whitespace separates, double quotes group (for paths with
/// spaces), a backslash escapes the next character inside quotes.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        None => return Err("unterminated quote: close it with \"".into()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(n) => cur.push(n),
                            None => return Err("unterminated quote: close it with \"".into()),
                        },
                        Some(o) => cur.push(o),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Invocation, ParseError> {
        resolve(&split_words(line).expect("split"), true)
    }

    #[test]
    fn keyword_options_are_checked_expanded_and_secrets_masked() {
        let inv = parse("ut ca op inst SEP1 k ec-p3 au str 1234 by 2099-01-01").expect("parse");
        assert_eq!(inv.id, CommandId::OperationInstall);
        assert_eq!(
            inv.arg(1),
            Some("key ec-p384 auth string 1234 by 2099-01-01")
        );
        assert!(inv.abbreviated);
        assert!(parse("utils capf operation install SEP1 key ec-p999").is_err());
        assert!(parse("utils capf operation install SEP1 key").is_err());
        assert!(parse("utils capf operation install SEP1 auth string").is_err());
        assert!(parse("utils capf operation install SEP1 key ec-p256 key rsa-2048").is_err());
        assert!(parse("utils capf operation troubleshoot SEP1 key ec-p256").is_err());
        let inv = parse("utils capf operation delete SEP1 auth null noconfirm").expect("parse");
        assert!(inv.noconfirm);
        assert_eq!(
            redact_secrets("--db x utils capf operation install SEP1 au st 98765 key ec-p256"),
            "--db x utils capf operation install SEP1 au st **** key ec-p256"
        );
        assert_eq!(redact_secrets("utils capf csr list"), "utils capf csr list");
    }

    #[test]
    fn abbreviations_resolve_at_every_level() {
        let inv = parse("ut ca cs li").expect("parse");
        assert_eq!(inv.id, CommandId::CsrList);
        assert_eq!(inv.path, ["utils", "capf", "csr", "list"]);
        assert!(inv.abbreviated);
        let inv = parse("UTILS CAPF CSR LIST").expect("parse");
        assert!(!inv.abbreviated);
    }

    #[test]
    fn ambiguous_prefix_names_the_candidates() {
        // "s" under "utils capf" is set or stale-lsc.
        match parse("utils capf s") {
            Err(ParseError::Ambiguous { candidates, .. }) => {
                assert_eq!(candidates, ["set", "stale-lsc"])
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parameters_noconfirm_and_choices() {
        let inv = parse("utils capf stale-lsc delete all noconfirm").expect("parse");
        assert_eq!(inv.id, CommandId::StaleDelete);
        assert_eq!(inv.arg(0), Some("all"));
        assert!(inv.noconfirm);
        let inv = parse("set cli pag of").expect("parse");
        assert_eq!(inv.arg(0), Some("off"));
        let inv = parse("set cli pagination of").expect("parse");
        assert!(inv.abbreviated, "an abbreviated value is an abbreviation");
        let inv = parse("utils capf set mode on").expect("parse");
        assert_eq!(inv.arg(0), Some("online"));
        assert!(inv.abbreviated);
        assert!(
            !parse("utils capf set mode ONLINE")
                .expect("parse")
                .abbreviated
        );
        let inv = parse("utils capf stale-lsc delete all noconf").expect("parse");
        assert!(inv.noconfirm && inv.abbreviated);
        assert_eq!(inv.canonical(), "utils capf stale-lsc delete all noconfirm");
        assert!(
            !parse("utils capf stale-lsc delete all noconfirm")
                .expect("parse")
                .abbreviated
        );
        assert!(parse("utils capf stale-lsc delete all no").is_err());
        assert!(matches!(
            parse("set cli pagination maybe"),
            Err(ParseError::BadChoice { .. })
        ));
        let inv = parse("utils capf set keep_alive").expect("parse");
        assert_eq!(inv.args, vec![None]);
        let inv = parse("help ut ca cs").expect("parse");
        assert_eq!(inv.arg(0), Some("ut ca cs"));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert!(matches!(
            parse("utils capf"),
            Err(ParseError::Incomplete { .. })
        ));
        assert!(matches!(
            parse("utils bogus"),
            Err(ParseError::Unknown { .. })
        ));
        assert!(matches!(
            parse("utils capf csr list extra"),
            Err(ParseError::Extra { .. })
        ));
        assert!(matches!(
            parse("utils capf stale-lsc delete"),
            Err(ParseError::MissingParam { .. })
        ));
        assert_eq!(
            parse("utils bogus").err().map(|e| e.to_string()),
            Some(
                "Invalid command: \"bogus\" is not a command after 'utils'; type 'utils ?' for choices"
                    .into()
            )
        );
    }

    #[test]
    fn quit_is_repl_only() {
        assert!(resolve(&["quit".to_string()], true).is_ok());
        assert!(resolve(&["quit".to_string()], false).is_err());
    }

    #[test]
    fn split_words_handles_quotes() {
        assert_eq!(
            split_words(r#"utils capf cert import "/tmp/a b/c.pem""#).expect("split"),
            ["utils", "capf", "cert", "import", "/tmp/a b/c.pem"]
        );
        assert!(split_words("\"open").is_err());
    }

    #[test]
    fn keyword_value_pairs_parse_in_any_order_and_never_take_a_password() {
        let inv = parse("utils capf set online-ca user capf po 8443 host est.example.com")
            .expect("parse");
        assert_eq!(inv.id, CommandId::SetOnlineCa);
        assert_eq!(inv.arg(0), Some("est.example.com"));
        assert_eq!(inv.arg(1), Some("8443"));
        assert_eq!(inv.arg(2), None);
        assert_eq!(inv.arg(3), Some("capf"));
        assert!(inv.abbreviated);
        assert_eq!(
            inv.canonical(),
            "utils capf set online-ca host est.example.com port 8443 user capf"
        );
        assert!(matches!(
            parse("utils capf set online-ca host est"),
            Err(ParseError::MissingParam { param: "user", .. })
        ));
        assert!(matches!(
            parse("utils capf set online-ca host a host b user c"),
            Err(ParseError::Repeated { param: "host" })
        ));
        assert!(matches!(
            parse("utils capf set online-ca host est user capf port"),
            Err(ParseError::MissingParam { param: "port", .. })
        ));
        for typed in [
            "password hunter2",
            "pass hunter2",
            "PASSWORD=hunter2",
            "password-x y",
        ] {
            let e = parse(&format!(
                "utils capf set online-ca host est user capf {typed}"
            ))
            .expect_err("refused");
            assert_eq!(e, ParseError::PasswordOnLine);
            assert!(!e.to_string().contains("hunter2"));
        }
        let inv = parse("utils capf set online-ca host est user capf password-f /tmp/p")
            .expect("abbreviated password-file");
        assert_eq!(inv.arg(4), Some("/tmp/p"));
        assert!(may_hold_password(
            "utils capf set online-ca host e user u password x"
        ));
        assert!(!may_hold_password(
            "utils capf set online-ca host e user u password-file x"
        ));
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use crate::cli::complete::complete;
    use crate::cli::help::question_mark;
    use crate::cli::modifiers;
    use crate::cli::tree::DeviceSource;

    /// Random lines from an alphabet of command fragments and awkward characters: parsing,
    /// completion, `?` and modifiers answer (Ok or an error) and never panic.
    #[test]
    fn random_lines_never_panic() {
        let pieces = [
            "utils",
            "ut",
            "capf",
            "ca",
            "csr",
            "stale-lsc",
            "st",
            "s",
            "delete",
            "all",
            "noconfirm",
            "list",
            "dump",
            "set",
            "keep_alive",
            "99",
            "-1",
            "?",
            "|",
            "include",
            "(",
            "\"",
            "\\",
            " ",
            "  ",
            "\t",
            "help",
            "show",
            "lsc",
            "expiring",
            "é",
            "\u{1b}[2J",
            "\u{202e}",
            "SEP001122AABBCC",
            "count",
            "json",
            "begin",
            "mode",
            "offline",
        ];
        let none = |_: DeviceSource, _: &str| Vec::<String>::new();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut line = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = (state % 7) as usize;
            for k in 0..n {
                let idx = ((state >> (k * 5)) as usize) % pieces.len();
                line.push_str(pieces[idx]);
                if (state >> (k + 40)) & 1 == 1 {
                    line.push(' ');
                }
            }
            if let Ok(words) = split_words(&line) {
                let _ = resolve(&words, true);
                let _ = resolve(&words, false);
            }
            let c = complete(&line, true, &none);
            let _ = question_mark(&c);
            let _ = modifiers::split(&line);
        }
    }
}
