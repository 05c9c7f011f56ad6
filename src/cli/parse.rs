//! Turns the words of a command line into an [`Invocation`], CUCM style.
//!
//! Words match case-insensitively, and any unambiguous prefix stands for the whole word at every
//! level (`ut ca cs li` is `utils capf csr list`). The REPL, scripts and the one-shot CLI all go
//! through [`resolve`], so abbreviations and errors read the same everywhere.

use std::path::PathBuf;

use super::tree::{
    Choice, KeywordOption, KeywordValue, NOCONFIRM, Node, PASSWORD_FILE, Param, ROOT, Runnable,
    ValueKind,
};
use crate::commands::CommandError;
use crate::commands::args::{Args, OptionValue, Options, Value};
use crate::domain::InvalidValue;
use crate::store::Scope;

/// A fully parsed command, ready to dispatch.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// What to run, as the tree defines it: its handler, parameters and effect.
    pub run: &'static Runnable,
    /// The canonical words (`["utils", "capf", "csr", "list"]`).
    pub path: Vec<&'static str>,
    /// Parameter values in the order of the command's parameters; `None` where an optional one
    /// was left out, and for the keyword options (see `options`). Choices are expanded to their
    /// full word.
    pub args: Vec<Option<String>>,
    /// The keyword options given, in the order typed, keywords and choices in full.
    pub options: Vec<GivenOption>,
    /// `noconfirm` was given.
    pub noconfirm: bool,
    /// Some word was abbreviated (scripts warn about this: a later command could make the
    /// prefix ambiguous).
    pub abbreviated: bool,
}

/// A keyword option as given: its declaration and the words that followed it, in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenOption {
    /// Its declaration in the tree.
    pub spec: &'static KeywordOption,
    /// The value after the keyword (a choice in full); `None` for a flag.
    pub value: Option<String>,
    /// The one more value after a choice that takes one (`string 1234`).
    pub extra: Option<String>,
}

impl GivenOption {
    /// Its canonical words (`auth string 1234`).
    fn words(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.spec.word)
            .chain(self.value.as_deref())
            .chain(self.extra.as_deref())
    }
}

impl Invocation {
    /// The canonical command line (`utils capf csr list`) with its arguments; an
    /// authentication string shows as `****` (this line is shown in warnings and questions,
    /// and may reach the audit log in a refusal).
    pub fn canonical(&self) -> String {
        let mut words: Vec<String> = self.path.iter().map(|w| (*w).to_owned()).collect();
        words.extend(self.args.iter().flatten().cloned());
        // Options in the order they are declared, whatever the order typed.
        let declared = |g: &GivenOption| {
            self.run
                .options()
                .iter()
                .position(|s| s.word == g.spec.word)
                .unwrap_or(usize::MAX)
        };
        let mut options: Vec<&GivenOption> = self.options.iter().collect();
        options.sort_by_key(|g| declared(g));
        for g in options {
            words.extend(g.words().map(str::to_owned));
            if (g.spec.word, g.value.as_deref()) == (SECRET_AFTER.0, Some(SECRET_AFTER.1))
                && g.extra.is_some()
                && let Some(last) = words.last_mut()
            {
                *last = "****".into();
            }
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

    /// The parameters as typed values, checked against the domain (a device name's rules, a
    /// number's range). A value that fails is refused (exit 1, audited for a command that
    /// changes the store), not a usage error: the command was right, the value was not.
    pub fn values(&self) -> Result<Args, InvalidValue> {
        let params = self.run.params;
        let mut values = Vec::with_capacity(params.len());
        for (param, raw) in params.iter().zip(&self.args) {
            let Some(raw) = raw else {
                values.push(None);
                continue;
            };
            values.push(Some(match param.kind {
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
                ValueKind::CommandPath | ValueKind::Text | ValueKind::Options(_) => {
                    Value::Text(raw.clone())
                }
                ValueKind::WordOrDevice(words, _) => match match_choice(words, raw) {
                    Some(c) if c.word == raw => Value::Word(c.word),
                    _ => Value::Device(raw.parse()?),
                },
            }));
        }
        let specs = self.run.options();
        let mut given = Vec::with_capacity(self.options.len());
        for g in &self.options {
            let value = g.value.clone().unwrap_or_default();
            given.push((
                g.spec.word,
                match g.spec.value {
                    KeywordValue::Flag => OptionValue::Flag,
                    KeywordValue::Number(_, range) => {
                        OptionValue::Number(range.check(g.spec.word, &value)?)
                    }
                    KeywordValue::Choice { words, .. } => OptionValue::Word(
                        match_choice(words, &value)
                            .map(|c| c.word)
                            .ok_or_else(|| InvalidValue(format!("{value:?} is not a choice")))?,
                        g.extra.clone(),
                    ),
                    KeywordValue::Text(_) => OptionValue::Text(value),
                    KeywordValue::Path(_) => OptionValue::Path(PathBuf::from(value)),
                },
            ));
        }
        let defaults = params
            .iter()
            .map(|p| match p.kind {
                ValueKind::Number(range) => range.default,
                _ => None,
            })
            .collect();
        let options = Options::new(
            specs.iter().map(|s| s.word).collect(),
            specs
                .iter()
                .filter_map(|s| match s.value {
                    KeywordValue::Number(_, range) => Some((s.word, range.default?)),
                    _ => None,
                })
                .collect(),
            given,
        );
        Ok(Args::new(values, defaults, options))
    }
}

/// A line that is not a command is a usage error (exit code 2).
impl From<ParseError> for CommandError {
    fn from(e: ParseError) -> Self {
        CommandError::usage(e.to_string()).with_source(e)
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
#[derive(Debug, Clone)]
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
    let Some(run) = w.node.run.as_ref() else {
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
    let mut options = Vec::new();
    let mut rest = rest.into_iter();
    for param in run.params {
        if let ValueKind::Options(specs) = param.kind {
            let all: Vec<String> = rest.by_ref().collect();
            let abbrev;
            (options, abbrev) = parse_options(specs, &all, &w.path)?;
            abbreviated |= abbrev;
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
    if let Some(extra) = rest.next() {
        return Err(ParseError::Extra {
            path: w.path,
            extra,
        });
    }
    Ok(Invocation {
        run,
        path: w.path,
        args,
        options,
        noconfirm,
        abbreviated,
    })
}

/// The shortest abbreviation of `password-file` accepted (`password-f`): a shorter word may be
/// someone typing a password, and its value must never reach an error or the audit log.
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
    /// A keyword may come next; these were given already (each once).
    Keyword(Vec<&'static str>),
    /// This keyword's value comes next.
    Value(&'static KeywordOption),
    /// The one more value of a choice comes next (`string <digits>`): its name, and the option.
    Extra(&'static str, &'static KeywordOption),
    /// The words so far are not valid options.
    Invalid,
}

impl OptionState {
    /// Whether the command could end here: no keyword waits for its value, and every
    /// required option is given.
    pub fn can_end(&self, specs: &[KeywordOption]) -> bool {
        match self {
            OptionState::Keyword(used) => {
                specs.iter().all(|s| !s.required || used.contains(&s.word))
            }
            _ => false,
        }
    }
}

/// Follows keyword options to see what comes next: the one walk over them, for the parser and
/// for completion.
pub fn option_state(specs: &'static [KeywordOption], words: &[String]) -> OptionState {
    let mut given = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let step = match next_option(specs, words, &mut i, &given) {
            Ok(step) => step,
            Err(OptionError::MissingValue(spec)) => return OptionState::Value(spec),
            Err(OptionError::MissingExtra(name, spec)) => return OptionState::Extra(name, spec),
            Err(_) => return OptionState::Invalid,
        };
        given.push(step.spec.word);
    }
    OptionState::Keyword(given)
}

/// What is wrong with a line of keyword options.
enum OptionError {
    /// A word that may be the start of a typed password.
    Password,
    /// Not a keyword of the command.
    Unknown(String),
    /// A keyword given twice that may be given once.
    Repeated(&'static str),
    /// A keyword without its value.
    MissingValue(&'static KeywordOption),
    /// A choice word without the value it takes (`string` without digits).
    MissingExtra(&'static str, &'static KeywordOption),
    /// A value that is not one of the choices.
    BadChoice(&'static KeywordOption, String),
}

/// Reads one keyword option at `words[*i]` and the values after it, advancing `i`: the keyword
/// (a unique prefix, but `password-file` only from `password-f` on) and its choice in full.
fn next_option(
    specs: &'static [KeywordOption],
    words: &[String],
    i: &mut usize,
    given: &[&str],
) -> Result<GivenOption, OptionError> {
    let word = &words[*i];
    if specs.iter().any(|s| s.word == PASSWORD_FILE) && looks_like_password(word) {
        return Err(OptionError::Password);
    }
    let spec = match_word(specs, |o| o.word, word)
        .filter(|s| s.word != PASSWORD_FILE || word.len() >= PASSWORD_FILE_MIN_PREFIX)
        .ok_or_else(|| OptionError::Unknown(word.clone()))?;
    if !spec.repeats && given.contains(&spec.word) {
        return Err(OptionError::Repeated(spec.word));
    }
    *i += 1;
    let mut given = GivenOption {
        spec,
        value: None,
        extra: None,
    };
    if spec.value == KeywordValue::Flag {
        return Ok(given);
    }
    let value = words.get(*i).ok_or(OptionError::MissingValue(spec))?;
    *i += 1;
    let KeywordValue::Choice {
        words: choices,
        extra,
    } = spec.value
    else {
        given.value = Some(value.clone());
        return Ok(given);
    };
    let choice = match_choice(choices, value)
        .map(|c| c.word)
        .ok_or_else(|| OptionError::BadChoice(spec, value.clone()))?;
    given.value = Some(choice.to_owned());
    if let Some((x, name)) = extra
        && x == choice
    {
        given.extra = Some(
            words
                .get(*i)
                .ok_or(OptionError::MissingExtra(name, spec))?
                .clone(),
        );
        *i += 1;
    }
    Ok(given)
}

/// Parses keyword options into what was given, refusing unknown or repeated keywords, missing
/// values and missing required options; returns whether anything was abbreviated.
fn parse_options(
    specs: &'static [KeywordOption],
    words: &[String],
    path: &[&'static str],
) -> Result<(Vec<GivenOption>, bool), ParseError> {
    let mut out: Vec<GivenOption> = Vec::new();
    let mut abbreviated = false;
    let mut i = 0;
    let missing = |param, spec: &KeywordOption| ParseError::MissingParam {
        path: path.to_vec(),
        param,
        help: spec.help_text(),
    };
    while i < words.len() {
        let start = i;
        let used: Vec<&str> = out.iter().map(|g| g.spec.word).collect();
        let given = next_option(specs, words, &mut i, &used).map_err(|e| match e {
            OptionError::Password => ParseError::PasswordOnLine,
            OptionError::Unknown(word) => ParseError::Extra {
                path: path.to_vec(),
                extra: word,
            },
            OptionError::Repeated(param) => ParseError::Repeated { param },
            OptionError::MissingValue(spec) => missing(spec.value_name(), spec),
            OptionError::MissingExtra(name, spec) => missing(name, spec),
            OptionError::BadChoice(spec, value) => ParseError::BadChoice {
                param: spec.word,
                value,
                choices: match spec.value {
                    KeywordValue::Choice { words, .. } => words,
                    _ => &[],
                },
            },
        })?;
        abbreviated |= !given.spec.word.eq_ignore_ascii_case(&words[start]);
        if let (Some(full), Some(typed)) = (&given.value, words.get(start + 1))
            && matches!(given.spec.value, KeywordValue::Choice { .. })
        {
            abbreviated |= !full.eq_ignore_ascii_case(typed);
        }
        out.push(given);
    }
    if let Some(spec) = specs
        .iter()
        .find(|s| s.required && !out.iter().any(|g| g.spec.word == s.word))
    {
        return Err(missing(spec.word, spec));
    }
    Ok((out, abbreviated))
}

/// The two words after which a secret follows (`auth string <digits>`).
const SECRET_AFTER: (&str, &str) = ("auth", "string");

/// The line with every authentication string replaced by `****`: what the audit log and the
/// history keep of an operation command (`... auth string 1234` → `... auth string ****`).
/// Any word after `auth string` (abbreviations included) is masked, wherever it appears in
/// the line (one-shot lines carry options such as `--db` first).
pub fn redact_secrets(line: &str) -> String {
    let (auth, string) = SECRET_AFTER;
    let Ok(words) = split_words(line) else {
        return line.to_owned();
    };
    let is = |w: &str, full: &str| {
        !w.is_empty() && w.len() <= full.len() && full[..w.len()].eq_ignore_ascii_case(w)
    };
    let mut out = words.clone();
    let mut secret = false;
    for i in 2..words.len() {
        if is(&words[i - 2], auth) && is(&words[i - 1], string) {
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
        assert_eq!(inv.path, ["utils", "capf", "operation", "install"]);
        let args = inv.values().expect("values");
        let options = args.options();
        assert_eq!(options.word("key"), Some("ec-p384"));
        assert_eq!(options.word("auth"), Some("string"));
        assert_eq!(options.extra("auth"), Some("1234"));
        assert_eq!(options.text("by"), Some("2099-01-01"));
        // Canonical: keywords and choices in full, in the order declared.
        assert_eq!(
            inv.canonical(),
            "utils capf operation install SEP1 auth string **** by 2099-01-01 key ec-p384",
            "never the authentication string"
        );
        assert!(inv.abbreviated);
        assert!(matches!(
            parse("utils capf operation install SEP1 by"),
            Err(ParseError::MissingParam {
                param: "YYYY-MM-DD",
                ..
            })
        ));
        assert!(matches!(
            parse("utils capf operation install SEP1 auth string"),
            Err(ParseError::MissingParam {
                param: "digits",
                ..
            })
        ));
        assert!(matches!(
            parse("utils capf operation install SEP1 key rsa-2048 key ec-p256"),
            Err(ParseError::Repeated { param: "key" })
        ));
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
    fn flags_and_numbers_reach_the_handler_typed_with_their_defaults() {
        let inv = parse("utils capf tidy dry ol 7 noconfirm").expect("parse");
        assert!(inv.noconfirm && inv.abbreviated);
        let args = inv.values().expect("values");
        let options = args.options();
        assert!(options.has("dry-run"));
        assert!(!options.has("expired-lscs"));
        assert_eq!(options.number("older-than"), Some(7));
        assert_eq!(
            inv.canonical(),
            "utils capf tidy dry-run older-than 7 noconfirm"
        );
        let inv = parse("utils capf tidy").expect("parse");
        assert_eq!(
            inv.values().expect("values").options().number("older-than"),
            Some(30),
            "the declared default"
        );
        assert_eq!(
            parse("utils capf tidy older-than 99999")
                .expect("parse")
                .values()
                .map_err(|e| e.0),
            Err("older-than \"99999\" is not valid: enter a number between 0 and 36500".into())
        );
        assert!(matches!(
            parse("utils capf tidy older-than"),
            Err(ParseError::MissingParam { param: "days", .. })
        ));
        let inv = parse("utils capf lsc revoke SEP1 reas keyc").expect("parse");
        assert_eq!(
            inv.values().expect("values").options().word("reason"),
            Some("keyCompromise")
        );
        assert!(matches!(
            parse("utils capf lsc revoke SEP1 reason bored"),
            Err(ParseError::BadChoice {
                param: "reason",
                ..
            })
        ));
    }

    /// An option declared as repeating keeps every value, in order; one that does not is
    /// refused the second time.
    #[test]
    fn a_repeating_option_keeps_every_value() {
        static SPECS: &[KeywordOption] = &[
            KeywordOption::text("tag", "tag", "a tag").repeats(),
            KeywordOption::flag("once", "a flag"),
        ];
        let words: Vec<String> = ["tag", "a", "once", "ta", "b"]
            .iter()
            .map(|w| w.to_string())
            .collect();
        let (given, abbreviated) = parse_options(SPECS, &words, &["x"]).expect("parse");
        assert!(abbreviated);
        let values: Vec<_> = given.iter().filter_map(|g| g.value.as_deref()).collect();
        assert_eq!(values, ["a", "b"]);
        assert!(matches!(
            parse_options(SPECS, &["once".into(), "once".into()], &["x"]),
            Err(ParseError::Repeated { param: "once" })
        ));
        assert_eq!(
            option_state(SPECS, &words),
            OptionState::Keyword(vec!["tag", "once", "tag"])
        );
    }

    #[test]
    fn abbreviations_resolve_at_every_level() {
        let inv = parse("ut ca cs li").expect("parse");
        assert_eq!(inv.path, ["utils", "capf", "csr", "list"]);
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
        assert_eq!(inv.path, ["utils", "capf", "stale-lsc", "delete"]);
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
        assert_eq!(inv.path, ["utils", "capf", "set", "online-ca"]);
        let args = inv.values().expect("values");
        let options = args.options();
        assert_eq!(options.text("host"), Some("est.example.com"));
        assert_eq!(options.number("port"), Some(8443));
        assert_eq!(options.text("label"), None);
        assert_eq!(options.text("user"), Some("capf"));
        assert!(inv.abbreviated);
        let defaulted = parse("utils capf set online-ca host est user capf").expect("parse");
        assert_eq!(
            defaulted.values().expect("values").options().number("port"),
            Some(443),
            "the declared default"
        );
        assert_eq!(
            parse("utils capf set online-ca host est user capf port 0")
                .expect("parse")
                .values()
                .map_err(|e| e.0),
            Err("port \"0\" is not valid: enter a number between 1 and 65535".to_owned())
        );
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
        let inv = parse("utils capf set online-ca host est user capf password-f \"/tmp/a b\"")
            .expect("abbreviated password-file");
        assert_eq!(
            inv.values()
                .expect("values")
                .options()
                .path("password-file"),
            Some(std::path::Path::new("/tmp/a b"))
        );
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
