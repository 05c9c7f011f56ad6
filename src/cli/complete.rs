//! What may come next at a point of a command line: the one source for `?`, REPL Tab and the
//! shells' dynamic completion.

use super::modifiers::{MODIFIERS, pipe_positions};
use super::parse::{
    OptionState, ParseError, Step, is_noconfirm, match_child, option_state, resolve, split_words,
    walk,
};
use super::tree::{
    Choice as TreeChoice, DeviceSource, KeywordOption, KeywordValue, NOCONFIRM, Node, Param,
    Runnable, ValueKind,
};
pub use crate::store::{MORE_MARKER, more_marker};

/// How many device names a completion asks the store for: enough to choose from, few enough to
/// stay instant with a million devices.
pub const DEVICE_LIMIT: u32 = 50;

/// What kind of thing a choice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceKind {
    /// A command word; `true` when it has subcommands of its own (shown with `*`).
    Command(bool),
    /// A value that can be typed as is (a device, a mode, `all`, `noconfirm`).
    Value,
    /// A description of a value to type (`<minutes>`): shown by `?`, never inserted by Tab.
    Placeholder,
    /// `<cr>`: the command is complete here.
    Cr,
}

/// One thing that may come next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The word (or `<placeholder>`, or `<cr>`).
    pub word: String,
    /// One-line help.
    pub help: String,
    /// Its kind.
    pub kind: ChoiceKind,
}

impl Choice {
    /// Whether Tab may insert it.
    pub fn insertable(&self) -> bool {
        matches!(self.kind, ChoiceKind::Command(_) | ChoiceKind::Value)
    }
}

/// The answer for one cursor position.
#[derive(Debug, Clone)]
pub struct Completion {
    /// Byte offset in the line where the word being completed starts.
    pub start: usize,
    /// The word typed so far at the cursor.
    pub partial: String,
    /// What may come next, filtered by `partial`.
    pub choices: Vec<Choice>,
    /// When the words before the cursor are not a valid start, why (shown by `?`).
    pub error: Option<ParseError>,
    /// The command the words before the cursor name, with its path, when they reach one.
    pub command: Option<(Vec<&'static str>, Runnable)>,
}

/// Looks device names up for completion (the store, in the binaries; a list, in tests).
pub type DeviceLookup<'a> = dyn Fn(DeviceSource, &str) -> Vec<String> + 'a;

/// Completes `line` (everything before the cursor).
pub fn complete(line: &str, repl: bool, devices: &DeviceLookup<'_>) -> Completion {
    let start = line
        .rfind(char::is_whitespace)
        .map(|i| i + line[i..].chars().next().map_or(1, char::len_utf8))
        .unwrap_or(0);
    let partial = line[start..].to_owned();
    let mut out = Completion {
        start,
        partial: partial.clone(),
        choices: Vec::new(),
        error: None,
        command: None,
    };
    if let Some(&first_pipe) = pipe_positions(line).first() {
        complete_modifier(line, first_pipe, &partial, repl, &mut out);
        return out;
    }
    let words = match split_words(&line[..start]) {
        Ok(w) => w,
        Err(_) => return out,
    };
    complete_words(&words, &partial, repl, devices, &mut out);
    if partial.is_empty() && out.choices.iter().any(|c| c.kind == ChoiceKind::Cr) {
        out.choices.push(Choice {
            word: "|".into(),
            help: "Output modifiers".into(),
            kind: ChoiceKind::Value,
        });
    }
    out
}

/// Completes after a `|`: the modifier word, then its regular expression.
fn complete_modifier(
    line: &str,
    first_pipe: usize,
    partial: &str,
    repl: bool,
    out: &mut Completion,
) {
    let command = match split_words(&line[..first_pipe]) {
        Ok(w) => resolve(&w, repl),
        Err(_) => return,
    };
    if let Err(e) = command {
        out.error = Some(e);
        return;
    }
    let last_pipe = pipe_positions(line).last().copied().unwrap_or(first_pipe);
    let stage = &line[last_pipe + 1..];
    let stage_words: Vec<&str> = stage.split_whitespace().collect();
    let completing_word = stage_words.is_empty() || (stage_words.len() == 1 && !partial.is_empty());
    if completing_word {
        for (word, help) in MODIFIERS {
            if starts_with_ci(word, partial) {
                out.choices.push(Choice {
                    word: (*word).into(),
                    help: (*help).into(),
                    kind: ChoiceKind::Value,
                });
            }
        }
        return;
    }
    let takes_regex = stage_words.first().is_some_and(|w| {
        ["include", "exclude", "begin"]
            .iter()
            .any(|m| starts_with_ci(m, w))
    });
    if takes_regex && stage_words.len() == 1 {
        out.choices.push(Choice {
            word: "<regex>".into(),
            help: "regular expression matched against each output line".into(),
            kind: ChoiceKind::Placeholder,
        });
    } else if partial.is_empty() {
        out.choices.push(cr());
        out.choices.push(Choice {
            word: "|".into(),
            help: "Output modifiers".into(),
            kind: ChoiceKind::Value,
        });
    }
}

fn complete_words(
    words: &[String],
    partial: &str,
    repl: bool,
    devices: &DeviceLookup<'_>,
    out: &mut Completion,
) {
    let w = match walk(words, repl) {
        Ok(w) => w,
        Err(e) => {
            out.error = Some(e);
            return;
        }
    };
    let rest = &words[w.consumed..];
    let node = w.node;
    if rest.is_empty() {
        push_children(node, partial, repl, &mut out.choices);
    }
    let Some(run) = node.run else {
        if let Some(word) = rest.first() {
            out.error = Some(match match_child(node, word, repl) {
                Step::Ambiguous(candidates) => ParseError::Ambiguous {
                    word: word.clone(),
                    candidates,
                },
                _ => ParseError::Unknown {
                    path: w.path.clone(),
                    word: word.clone(),
                },
            });
        }
        return;
    };
    out.command = Some((w.path.clone(), run));
    if let Some(first) = run.params.first()
        && first.kind == ValueKind::CommandPath
    {
        // `help <command>`: complete the rest as a command of its own.
        let mut inner = Completion {
            start: out.start,
            partial: partial.to_owned(),
            choices: Vec::new(),
            error: None,
            command: None,
        };
        // Only command words: `help` describes commands and menus, it takes no values.
        let none = |_: DeviceSource, _: &str| Vec::new();
        complete_words(rest, partial, repl, &none, &mut inner);
        out.choices.extend(
            inner
                .choices
                .into_iter()
                .filter(|c| matches!(c.kind, ChoiceKind::Command(_))),
        );
        if inner.error.is_none() && partial.is_empty() {
            out.choices.push(cr());
        }
        out.error = inner.error;
        return;
    }
    let noconfirm_given = run.confirms() && rest.last().is_some_and(|l| is_noconfirm(l));
    let given = &rest[..rest.len() - usize::from(noconfirm_given)];
    let positionals = run.positionals();
    let required = positionals.iter().filter(|p| !p.optional).count();
    // Whether the command could end here (`noconfirm`, `<cr>`).
    let complete = if noconfirm_given {
        // After `noconfirm` only the end of the line.
        let (values, options) = given.split_at(given.len().min(positionals.len()));
        values.len() >= required && option_state(run.options(), options).can_end(run.options())
    } else if let Some(param) = positionals.get(given.len()) {
        push_values(param, partial, devices, &mut out.choices);
        given.len() >= required && run.options().iter().all(|o| !o.required)
    } else {
        push_options(
            run.options(),
            &given[positionals.len()..],
            partial,
            &mut out.choices,
        )
    };
    if !complete {
        return;
    }
    if run.confirms() && !noconfirm_given && starts_with_ci(NOCONFIRM, partial) {
        out.choices.push(Choice {
            word: NOCONFIRM.into(),
            help: "Do not ask for confirmation".into(),
            kind: ChoiceKind::Value,
        });
    }
    if partial.is_empty() {
        out.choices.push(cr());
    }
}

fn cr() -> Choice {
    Choice {
        word: "<cr>".into(),
        help: "Run the command".into(),
        kind: ChoiceKind::Cr,
    }
}

fn starts_with_ci(word: &str, partial: &str) -> bool {
    word.len() >= partial.len()
        && word.as_bytes()[..partial.len()].eq_ignore_ascii_case(partial.as_bytes())
}

fn push_children(node: &'static Node, partial: &str, repl: bool, out: &mut Vec<Choice>) {
    for child in node.visible_children(repl) {
        if starts_with_ci(child.word, partial) {
            out.push(Choice {
                word: child.word.into(),
                help: child.help.into(),
                kind: ChoiceKind::Command(!child.children.is_empty()),
            });
        }
    }
}

/// Completes keyword options after the words `given`: a keyword's value, or the keywords that
/// may come next; returns whether the command could end here (no keyword waits for its value
/// and every required one is given).
fn push_options(
    specs: &'static [KeywordOption],
    given: &[String],
    partial: &str,
    out: &mut Vec<Choice>,
) -> bool {
    let choice = |word: String, help: String, kind| Choice { word, help, kind };
    let state = option_state(specs, given);
    match &state {
        OptionState::Keyword(used) => {
            for o in specs
                .iter()
                .filter(|o| o.repeats || !used.contains(&o.word))
            {
                if starts_with_ci(o.word, partial) {
                    out.push(choice(o.word.into(), o.help_text(), ChoiceKind::Value));
                }
            }
        }
        OptionState::Value(o) => match o.value {
            KeywordValue::Choice { words, .. } => {
                for w in words.iter().filter(|w| starts_with_ci(w.word, partial)) {
                    let help = if w.help.is_empty() {
                        o.help_text()
                    } else {
                        w.help.to_owned()
                    };
                    out.push(choice(w.word.into(), help, ChoiceKind::Value));
                }
            }
            _ => out.push(choice(
                format!("<{}>", o.value_name()),
                o.help_text(),
                ChoiceKind::Placeholder,
            )),
        },
        OptionState::Extra(name, o) => out.push(choice(
            format!("<{name}>"),
            o.help_text(),
            ChoiceKind::Placeholder,
        )),
        OptionState::Invalid => {}
    }
    state.can_end(specs)
}

fn push_values(param: &Param, partial: &str, devices: &DeviceLookup<'_>, out: &mut Vec<Choice>) {
    let placeholder = Choice {
        word: format!("<{}>", param.name),
        help: param.help_text(),
        kind: ChoiceKind::Placeholder,
    };
    match param.kind {
        ValueKind::Choice(words) => {
            for w in words.iter().filter(|w| starts_with_ci(w.word, partial)) {
                // Each choice says what it does (`capf`: CAPF signs); the parameter's summary
                // only where a word has none of its own.
                let help = if w.help.is_empty() {
                    param.help_text()
                } else {
                    w.help.to_owned()
                };
                out.push(Choice {
                    word: w.word.into(),
                    help,
                    kind: ChoiceKind::Value,
                });
            }
        }
        ValueKind::Device(source)
        | ValueKind::AllOrDevice(source)
        | ValueKind::WordOrDevice(_, source) => {
            const ALL: &[TreeChoice] = &[TreeChoice {
                word: "all",
                help: "",
            }];
            let words: &[TreeChoice] = match param.kind {
                ValueKind::AllOrDevice(_) => ALL,
                ValueKind::WordOrDevice(words, _) => words,
                _ => &[],
            };
            for w in words.iter().filter(|w| starts_with_ci(w.word, partial)) {
                out.push(Choice {
                    word: w.word.into(),
                    help: param.help_text(),
                    kind: ChoiceKind::Value,
                });
            }
            out.push(Choice {
                word: "<device>".into(),
                help: "device name, e.g. SEP001122AABBCC".into(),
                kind: ChoiceKind::Placeholder,
            });
            for name in devices(source, partial) {
                if let Some(more) = name.strip_prefix(MORE_MARKER) {
                    out.push(Choice {
                        word: "...".into(),
                        help: format!("and {more} more: type more letters"),
                        kind: ChoiceKind::Placeholder,
                    });
                    continue;
                }
                out.push(Choice {
                    word: name,
                    help: "device".into(),
                    kind: ChoiceKind::Value,
                });
            }
        }
        ValueKind::Number(_) | ValueKind::Path | ValueKind::CommandPath | ValueKind::Text => {
            out.push(placeholder)
        }
        ValueKind::Options(specs) => {
            push_options(specs, &[], partial, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_devices(_: DeviceSource, _: &str) -> Vec<String> {
        Vec::new()
    }

    /// The words under `utils capf`.
    const UTILS_CAPF: [&str; 10] = [
        "backup",
        "cert",
        "csr",
        "lsc",
        "online-ca",
        "operation",
        "set",
        "stale-lsc",
        "tidy",
        "trust",
    ];

    fn words(line: &str) -> Vec<String> {
        complete(line, true, &no_devices)
            .choices
            .into_iter()
            .map(|c| c.word)
            .collect()
    }

    #[test]
    fn menus_list_their_children() {
        assert_eq!(words("utils capf "), UTILS_CAPF);
        assert_eq!(words("ut"), ["utils"]);
        assert_eq!(
            words("ut ca cs "),
            ["count", "delete", "dump", "export", "list"]
        );
        assert_eq!(words("utils capf s"), ["set", "stale-lsc"]);
    }

    #[test]
    fn keyword_value_pairs_complete_keyword_then_value() {
        let set = "utils capf set online-ca ";
        assert_eq!(
            words(set),
            ["host", "port", "label", "user", "password-file"]
        );
        assert_eq!(words(&format!("{set}host ")), ["<host>"]);
        assert_eq!(
            words(&format!("{set}host est p")),
            ["port", "password-file"]
        );
        assert_eq!(
            words(&format!("{set}user capf host est ")),
            ["port", "label", "password-file", "<cr>", "|"]
        );
        assert_eq!(words(&format!("{set}bogus ")), Vec::<String>::new());
    }

    #[test]
    fn commands_offer_params_noconfirm_and_cr() {
        assert_eq!(
            words("utils capf set keep_alive "),
            ["<minutes>", "<cr>", "|"]
        );
        assert_eq!(words("utils capf csr list "), ["<cr>", "|"]);
        assert_eq!(words("utils capf stale-lsc delete "), ["all", "<device>"]);
        assert_eq!(
            words("utils capf stale-lsc delete all "),
            ["noconfirm", "<cr>", "|"]
        );
        assert_eq!(words("set cli pagination "), ["on", "off"]);
        assert_eq!(
            words("help ut ca "),
            [&UTILS_CAPF[..], &["<cr>", "|"]].concat()
        );
        // `help` takes command words, not the described command's values.
        assert_eq!(words("help utils capf csr dump "), ["<cr>", "|"]);
        assert_eq!(words("help utils capf set mode "), ["<cr>", "|"]);
    }

    #[test]
    fn devices_come_from_the_lookup() {
        let lookup = |src: DeviceSource, prefix: &str| -> Vec<String> {
            assert_eq!(src, DeviceSource::PendingCsr);
            ["SEP0001", "SEP0002"]
                .iter()
                .filter(|d| d.starts_with(prefix))
                .map(|d| d.to_string())
                .collect()
        };
        let c = complete("utils capf csr dump SEP", true, &lookup);
        let insertable: Vec<_> = c
            .choices
            .iter()
            .filter(|c| c.insertable())
            .map(|c| c.word.clone())
            .collect();
        assert_eq!(insertable, ["SEP0001", "SEP0002"]);
        assert_eq!(c.start, "utils capf csr dump ".len());
    }

    #[test]
    fn modifiers_complete_after_a_complete_command() {
        assert_eq!(
            words("utils capf csr list | "),
            ["begin", "count", "csv", "exclude", "include", "json"]
        );
        assert_eq!(words("utils capf csr list | inc"), ["include"]);
        assert_eq!(words("utils capf csr list | include "), ["<regex>"]);
        assert_eq!(words("utils capf csr list | include SEP "), ["<cr>", "|"]);
        let c = complete("utils capf | count", true, &no_devices);
        assert!(c.error.is_some());
    }

    #[test]
    fn keyword_options_complete_in_any_order() {
        assert_eq!(
            words("utils capf operation install SEP1 "),
            ["auth", "by", "key", "<cr>", "|"]
        );
        assert_eq!(
            words("utils capf operation install SEP1 auth "),
            ["existing-lsc", "existing-mic", "generate", "null", "string"]
        );
        assert_eq!(
            words("utils capf operation install SEP1 auth string "),
            ["<digits>"]
        );
        assert_eq!(
            words("utils capf operation install SEP1 auth string 1234 "),
            ["by", "key", "<cr>", "|"]
        );
        assert_eq!(
            words("utils capf operation install SEP1 key ec"),
            ["ec-p256", "ec-p384", "ec-p521"]
        );
        assert_eq!(words("utils capf operation install "), ["file", "<device>"]);
        assert_eq!(
            words("show capf operation "),
            ["failed", "pending", "<device>", "<cr>", "|"]
        );
    }

    #[test]
    fn flags_numbers_and_choices_complete_through_the_one_option_path() {
        assert_eq!(
            words("utils capf tidy "),
            [
                "dry-run",
                "expired-lscs",
                "older-than",
                "superseded-csrs",
                "noconfirm",
                "<cr>",
                "|"
            ]
        );
        assert_eq!(words("utils capf tidy older-than "), ["<days>"]);
        assert_eq!(
            words("utils capf tidy dry-run older-than 7 "),
            ["expired-lscs", "superseded-csrs", "noconfirm", "<cr>", "|"]
        );
        assert_eq!(words("utils capf tidy dry-run noconfirm "), ["<cr>", "|"]);
        assert_eq!(
            words("utils capf lsc revoke SEP1 reason "),
            [
                "cessationOfOperation",
                "keyCompromise",
                "superseded",
                "unspecified"
            ]
        );
        assert_eq!(
            words("utils capf lsc revoke SEP1 reason superseded "),
            ["noconfirm", "<cr>", "|"]
        );
        // Help comes from the declaration: the range and default of a number are generated.
        let c = complete("utils capf tidy ol", true, &no_devices);
        assert_eq!(
            c.choices[0].help,
            "0-36500 days, default 30: the safety margin: only what ended or was superseded \
             more than this many days ago"
        );
    }

    #[test]
    fn bad_words_are_reported() {
        let c = complete("utils bogus ", true, &no_devices);
        assert!(matches!(c.error, Some(ParseError::Unknown { .. })));
        assert!(c.choices.is_empty());
    }
}
