//! The command tree, defined once as data.
//!
//! Every word of the `admin:` CLI, its one-line help, the parameters a command takes and how their
//! values complete live here. The REPL parser, `?`, `help`, Tab, the one-shot clap parser, the
//! shell completion scripts and the man page are all functions over this tree, so they cannot
//! disagree.

use crate::commands::{self, Handler};
use crate::domain::{
    DEFAULT_EST_PORT, InvalidValue, IssuerMode, KeepAlive, RevocationReason, ValidityDays,
};
use crate::roles::Role;
pub use crate::store::DeviceSource;

/// What a command does to the store. Every command declares it (the field has no default), so
/// a new command that changes the store cannot forget to be audited, failures included, nor
/// which role it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Never opens the store, and changes at most the session (`help`, `set cli pagination`):
    /// anyone may run it, with a role or without.
    Session,
    /// Ends the session (`quit`, `exit`); never opens the store.
    Ends,
    /// Reads the store.
    Reads,
    /// Changes the store: audited, and a refused change leaves a `failed` audit line.
    Writes,
    /// Changes the store and removes data: audited like [`Effect::Writes`], and asks
    /// `Continue (y/n)?` unless `noconfirm` or `--yes` is given.
    Destroys,
    /// Touches what decides who may issue LSCs (trust anchors, the issuer mode) or copies the
    /// CA keys: audited like [`Effect::Writes`], and only the admin role may run it.
    Administers,
    /// Replaces certificates trusted for the online CA's TLS server after showing their
    /// fingerprints (`utils capf online-ca cacerts`): admin only like [`Effect::Administers`],
    /// and asks `Continue (y/n)?` like [`Effect::Destroys`], since the admin must compare them.
    ReplacesTrust,
}

impl Effect {
    /// Whether the command changes the store (and so is audited, failures included).
    pub const fn mutates(self) -> bool {
        !matches!(self, Effect::Session | Effect::Ends | Effect::Reads)
    }

    /// The role a command with this effect needs; `None` for one that never opens the store.
    pub const fn role(self) -> Option<Role> {
        match self {
            Effect::Session | Effect::Ends => None,
            Effect::Reads => Some(Role::ReadOnly),
            Effect::Writes | Effect::Destroys => Some(Role::Operator),
            Effect::Administers | Effect::ReplacesTrust => Some(Role::Admin),
        }
    }

    /// Whether the command asks for confirmation and takes `noconfirm`.
    pub const fn confirms(self) -> bool {
        matches!(self, Effect::Destroys | Effect::ReplacesTrust)
    }
}

/// A domain type's own check of a typed number (`KeepAlive`'s), returning the number.
pub type NumberCheck = fn(&str) -> Result<i64, InvalidValue>;

/// A whole number between `min` and `max`, checked before the command runs; the help text
/// (`5-60, default 15`) is generated from it, so it cannot drift from the check.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    /// Lowest accepted value.
    pub min: i64,
    /// Highest accepted value.
    pub max: i64,
    /// The value an optional parameter takes when left out.
    pub default: Option<i64>,
    /// Unit shown after the range in help (`entries`), or empty.
    pub unit: &'static str,
    /// The domain's own check, whose message names the setting (`keep_alive 99 is out of
    /// range ...`); without one, a value outside the range is refused with a message naming
    /// the parameter.
    pub check: Option<NumberCheck>,
}

impl PartialEq for Range {
    fn eq(&self, other: &Range) -> bool {
        (self.min, self.max, self.default, self.unit)
            == (other.min, other.max, other.default, other.unit)
    }
}

impl Eq for Range {}

impl Range {
    /// `min` to `max`, no default, no unit, the generic check.
    pub const fn new(min: i64, max: i64) -> Range {
        Range {
            min,
            max,
            default: None,
            unit: "",
            check: None,
        }
    }

    /// Checks a typed value: the domain's check when there is one, else the range.
    pub fn check(&self, name: &str, raw: &str) -> Result<i64, InvalidValue> {
        if let Some(check) = self.check {
            return check(raw);
        }
        raw.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (self.min..=self.max).contains(n))
            .ok_or_else(|| {
                InvalidValue(format!(
                    "{name} {raw:?} is not valid: enter a number between {} and {}",
                    self.min, self.max
                ))
            })
    }
}

/// One word a choice parameter takes, with a few words on what it means (or none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The word.
    pub word: &'static str,
    /// What it means, for help (`CAPF signs`); empty when the word says it all.
    pub help: &'static str,
}

impl Choice {
    /// The choice of an issuer mode, from the domain's keyword and summary.
    pub const fn mode(mode: IssuerMode) -> Choice {
        Choice {
            word: mode.as_str(),
            help: mode.summary(),
        }
    }
}

/// How a parameter's value is checked, completed and handed to the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A whole number in a range (handed over as [`Value::Number`](super::parse::Value)).
    Number(Range),
    /// A device name; completes from the store's devices of this source.
    Device(DeviceSource),
    /// The keyword `all` or a device name.
    AllOrDevice(DeviceSource),
    /// One of fixed words (unique prefixes accepted).
    Choice(&'static [Choice]),
    /// A file or folder path.
    Path,
    /// A command path (for `help`).
    CommandPath,
    /// Free text checked by the command (a host name, a user name).
    Text,
    /// One of fixed words, or a device name completing from the store.
    WordOrDevice(&'static [Choice], DeviceSource),
    /// Keyword options in any order (`auth string 1234 key ec-p256`, `older-than 30 dry-run`,
    /// `host est port 8443 user capf`): takes the rest of the line, so it is the last
    /// parameter. The handler gets them typed, as [`Options`](super::parse::Options).
    Options(&'static [KeywordOption]),
}

/// One keyword option: its word, what follows it, and whether it must or may be given more
/// than once. Parser, `?`, Tab, help, the one-shot CLI, the completion scripts and the man page
/// all read this one declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeywordOption {
    /// The keyword (unique prefixes accepted).
    pub word: &'static str,
    /// What it does, for help; what follows it (a range, the words) is generated before it.
    pub help: &'static str,
    /// What follows the keyword.
    pub value: KeywordValue,
    /// Whether the command needs it.
    pub required: bool,
    /// Whether it may be given more than once (each value is kept, in order).
    pub repeats: bool,
}

/// What follows a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeywordValue {
    /// Nothing: the keyword is a flag.
    Flag,
    /// A whole number in a range, shown as `<name>`.
    Number(&'static str, Range),
    /// One of these words (unique prefixes accepted); `extra` names the word that takes one
    /// more value, and that value's name (`string <digits>`).
    Choice {
        /// The words.
        words: &'static [Choice],
        /// (word, name of the value that follows it).
        extra: Option<(&'static str, &'static str)>,
    },
    /// Free text, shown as `<name>` (a date, a host name).
    Text(&'static str),
    /// A file or folder, shown as `<name>`.
    Path(&'static str),
}

impl KeywordOption {
    const fn new(word: &'static str, value: KeywordValue, help: &'static str) -> KeywordOption {
        KeywordOption {
            word,
            help,
            value,
            required: false,
            repeats: false,
        }
    }

    /// A keyword alone (`dry-run`).
    pub const fn flag(word: &'static str, help: &'static str) -> KeywordOption {
        KeywordOption::new(word, KeywordValue::Flag, help)
    }

    /// A keyword and a number (`older-than <days>`).
    pub const fn number(
        word: &'static str,
        name: &'static str,
        range: Range,
        help: &'static str,
    ) -> KeywordOption {
        KeywordOption::new(word, KeywordValue::Number(name, range), help)
    }

    /// A keyword and one of fixed words (`reason keyCompromise`).
    pub const fn choice(
        word: &'static str,
        words: &'static [Choice],
        help: &'static str,
    ) -> KeywordOption {
        KeywordOption::new(word, KeywordValue::Choice { words, extra: None }, help)
    }

    /// A keyword and free text (`by <YYYY-MM-DD>`).
    pub const fn text(word: &'static str, name: &'static str, help: &'static str) -> KeywordOption {
        KeywordOption::new(word, KeywordValue::Text(name), help)
    }

    /// A keyword and a path (`password-file <path>`).
    pub const fn path(word: &'static str, name: &'static str, help: &'static str) -> KeywordOption {
        KeywordOption::new(word, KeywordValue::Path(name), help)
    }

    /// `word`, one of the choices, takes one more value, named `name` (`string <digits>`).
    pub const fn extra(mut self, word: &'static str, name: &'static str) -> KeywordOption {
        if let KeywordValue::Choice { words, .. } = self.value {
            self.value = KeywordValue::Choice {
                words,
                extra: Some((word, name)),
            };
        }
        self
    }

    /// The command needs this option.
    pub const fn required(mut self) -> KeywordOption {
        self.required = true;
        self
    }

    /// The option may be given more than once.
    pub const fn repeats(mut self) -> KeywordOption {
        self.repeats = true;
        self
    }

    /// The name of the value after the keyword, for syntax and for a missing value (`days`);
    /// a choice is named by its keyword.
    pub const fn value_name(&self) -> &'static str {
        match self.value {
            KeywordValue::Number(name, _) | KeywordValue::Text(name) | KeywordValue::Path(name) => {
                name
            }
            KeywordValue::Flag | KeywordValue::Choice { .. } => self.word,
        }
    }

    /// The help line, generated from what follows the keyword: `0-36500 days, default 30:
    /// ...`, `existing-lsc, generate, null or string <digits>: ...`.
    pub fn help_text(&self) -> String {
        let generated = match self.value {
            KeywordValue::Number(_, r) => range_text(&r, !self.required),
            KeywordValue::Choice { words, extra } => choice_text(words, extra),
            KeywordValue::Flag | KeywordValue::Text(_) | KeywordValue::Path(_) => String::new(),
        };
        join_help(generated, self.help)
    }

    /// How it shows in a syntax line: `[older-than <days>]`, `host <host>`,
    /// `[auth {null|string <digits>}]`, `[dry-run]`.
    pub fn syntax(&self) -> String {
        let value = match self.value {
            KeywordValue::Flag => String::new(),
            KeywordValue::Number(name, _) | KeywordValue::Text(name) | KeywordValue::Path(name) => {
                format!(" <{name}>")
            }
            KeywordValue::Choice { words, extra } => format!(
                " {{{}}}",
                words
                    .iter()
                    .map(|c| match extra {
                        Some((x, n)) if x == c.word => format!("{} <{n}>", c.word),
                        _ => c.word.to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            ),
        };
        let one = format!("{}{value}", self.word);
        match (self.required, self.repeats) {
            (true, false) => one,
            (true, true) => format!("{one} [{one}]..."),
            (false, false) => format!("[{one}]"),
            (false, true) => format!("[{one}]..."),
        }
    }
}

/// `5-60, default 15`, `1-10000 entries`: a range as help shows it.
fn range_text(r: &Range, with_default: bool) -> String {
    let mut s = format!("{}-{}", r.min, r.max);
    if !r.unit.is_empty() {
        s.push(' ');
        s.push_str(r.unit);
    }
    if let (true, Some(d)) = (with_default, r.default) {
        s.push_str(&format!(", default {d}"));
    }
    s
}

/// `capf (CAPF signs), online (external CA)` when each word says what it means, else
/// `on or off`; the word that takes one more value shows it (`string <digits>`).
fn choice_text(choices: &[Choice], extra: Option<(&str, &str)>) -> String {
    if choices.iter().all(|c| !c.help.is_empty()) {
        return choices
            .iter()
            .map(|c| format!("{} ({})", c.word, c.help))
            .collect::<Vec<_>>()
            .join(", ");
    }
    let words: Vec<String> = choices
        .iter()
        .map(|c| match extra {
            Some((x, n)) if x == c.word => format!("{} <{n}>", c.word),
            _ => c.word.to_owned(),
        })
        .collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => words.concat(),
    }
}

/// A generated help line and the declared words after it.
fn join_help(generated: String, help: &str) -> String {
    match (generated.is_empty(), help.is_empty()) {
        (true, _) => help.to_owned(),
        (false, true) => generated,
        (false, false) => format!("{generated}: {help}"),
    }
}

/// A positional parameter of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Name shown in syntax blocks (`minutes`, `device`).
    pub name: &'static str,
    /// What the value is, for `?` and the syntax block. For numbers and choices the range or
    /// the words come first, generated from the kind; this adds to them (or is empty).
    pub help: &'static str,
    /// How the value is checked and completed.
    pub kind: ValueKind,
    /// Whether the command runs without it (it may then ask, in the REPL).
    pub optional: bool,
}

impl Param {
    /// The help line of the parameter, generated from its kind: `5-60, default 15`,
    /// `capf (CAPF signs), online (external CA), offline (export/import)`, `on or off`.
    pub fn help_text(&self) -> String {
        let generated = match self.kind {
            ValueKind::Number(r) => range_text(&r, self.optional),
            ValueKind::Choice(choices) => choice_text(choices, None),
            ValueKind::Options(options) => {
                return format!(
                    "keyword options, in any order: {}",
                    options
                        .iter()
                        .map(|o| format!("{} ({}): {}", o.word, need(!o.required), o.help_text()))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
            }
            _ => String::new(),
        };
        join_help(generated, self.help)
    }
}

/// `optional` or `mandatory`, as syntax blocks say it.
pub const fn need(optional: bool) -> &'static str {
    if optional { "optional" } else { "mandatory" }
}

/// One row of a command's parameter list (the syntax block of `help` and `?`, the man page):
/// each positional parameter, then each keyword option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamRow {
    /// The parameter's name or the option's keyword.
    pub name: &'static str,
    /// Whether the command runs without it.
    pub optional: bool,
    /// Its help line.
    pub help: String,
}

/// What makes a node runnable: the handler that runs it, named where the command is defined,
/// so adding a command touches its node and its handler and nothing else. All fields are
/// required: a command states what it does to the store ([`Effect`]) where it is defined, and
/// one that does not say does not compile:
///
/// ```compile_fail,E0063
/// use capfsh::cli::tree::Runnable;
/// const FROB: Runnable = Runnable {
///     handler: capfsh::commands::csr::delete,
///     params: &[],
///     description: "Frobs every CSR.",
/// };
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Runnable {
    /// What runs the command, given its typed values.
    pub handler: Handler,
    /// Positional parameters, in order.
    pub params: &'static [Param],
    /// The longer text `help <command>` prints.
    pub description: &'static str,
    /// Whether it reads, writes, or destroys (and so asks `Continue (y/n)?`).
    pub effect: Effect,
}

impl Runnable {
    /// Destructive: asks `Continue (y/n)?` unless `noconfirm`/`--yes` is given.
    pub const fn confirms(&self) -> bool {
        self.effect.confirms()
    }

    /// The keyword options the command takes (its last parameter), or none.
    pub fn options(&self) -> &'static [KeywordOption] {
        match self.params.last().map(|p| p.kind) {
            Some(ValueKind::Options(options)) => options,
            _ => &[],
        }
    }

    /// The positional parameters (those before the keyword options).
    pub fn positionals(&self) -> &'static [Param] {
        let params: &'static [Param] = self.params;
        match params.split_last() {
            Some((last, rest)) if matches!(last.kind, ValueKind::Options(_)) => rest,
            _ => params,
        }
    }

    /// The rows of its parameter list: each positional parameter, then each keyword option
    /// (`noconfirm` is left to the caller, which words it for its medium).
    pub fn rows(&self) -> Vec<ParamRow> {
        let positional = self.positionals().iter().map(|p| ParamRow {
            name: p.name,
            optional: p.optional,
            help: p.help_text(),
        });
        let options = self.options().iter().map(|o| ParamRow {
            name: o.word,
            optional: !o.required,
            help: o.help_text(),
        });
        positional.chain(options).collect()
    }
}

/// One word of the tree. A node may both run and have children (`show capf lsc` later).
#[derive(Debug, Clone, Copy)]
pub struct Node {
    /// The word as typed.
    pub word: &'static str,
    /// One line for `?` and Tab listings.
    pub help: &'static str,
    /// Words that may follow.
    pub children: &'static [Node],
    /// Present when the words so far form a complete command.
    pub run: Option<Runnable>,
    /// Only in the REPL (`quit`, `exit`): the one-shot CLI and shell completion leave them out.
    pub repl_only: bool,
}

impl Node {
    /// A node with only children.
    const fn menu(word: &'static str, help: &'static str, children: &'static [Node]) -> Node {
        Node {
            word,
            help,
            children,
            run: None,
            repl_only: false,
        }
    }

    /// A runnable leaf.
    const fn leaf(word: &'static str, help: &'static str, run: Runnable) -> Node {
        Node {
            word,
            help,
            children: &[],
            run: Some(run),
            repl_only: false,
        }
    }

    /// Children visible in this context (the REPL sees all; one-shot hides `repl_only`).
    pub fn visible_children(&self, repl: bool) -> impl Iterator<Item = &'static Node> + use<> {
        let children: &'static [Node] = self.children;
        children.iter().filter(move |c| repl || !c.repl_only)
    }
}

/// The trailing keyword that skips a confirmation, as on CUCM.
pub const NOCONFIRM: &str = "noconfirm";

/// The keyword that names a file holding a password: a line with a word that looks like the
/// start of a password instead is refused unseen (see
/// [`looks_like_password`](super::parse::looks_like_password)).
pub const PASSWORD_FILE: &str = "password-file";

/// `utils capf set keep_alive [minutes]`: the domain's range, default and message.
const KEEP_ALIVE: Range = Range {
    min: KeepAlive::MIN as i64,
    max: KeepAlive::MAX as i64,
    default: Some(KeepAlive::DEFAULT.minutes() as i64),
    unit: "",
    check: Some(|s| s.parse::<KeepAlive>().map(|k| i64::from(k.minutes()))),
};

/// `utils capf set validity <days>`.
const VALIDITY: Range = Range {
    min: ValidityDays::MIN as i64,
    max: ValidityDays::MAX as i64,
    default: Some(ValidityDays::DEFAULT.days() as i64),
    unit: "",
    check: Some(|s| s.parse::<ValidityDays>().map(|d| i64::from(d.days()))),
};

/// `show capf lsc expiring <days>`: up to ten years ahead.
const EXPIRING_DAYS: Range = Range::new(0, 3650);

/// `show capf audit [count]`.
const AUDIT_ENTRIES: Range = Range {
    default: Some(50),
    unit: "entries",
    ..Range::new(1, 10_000)
};

/// The issuer modes, in the domain's order.
const ISSUER_MODES: &[Choice] = &[
    Choice::mode(IssuerMode::ALL[0]),
    Choice::mode(IssuerMode::ALL[1]),
    Choice::mode(IssuerMode::ALL[2]),
];

const DEVICE_PENDING: Param = Param {
    name: "device",
    help: "device name of a pending CSR, e.g. SEP001122AABBCC",
    kind: ValueKind::Device(DeviceSource::PendingCsr),
    optional: false,
};

const ALL_OR_PENDING: Param = Param {
    name: "all|device",
    help: "all pending CSRs, or one device's",
    kind: ValueKind::AllOrDevice(DeviceSource::PendingCsr),
    optional: false,
};

const ALL_OR_STALE: Param = Param {
    name: "all|device",
    help: "all stale LSCs, or one device's",
    kind: ValueKind::AllOrDevice(DeviceSource::StaleLsc),
    optional: false,
};

/// A choice word that needs no explanation.
const fn word(word: &'static str) -> Choice {
    Choice { word, help: "" }
}

/// The authentication modes an operation may be scheduled with.
pub const AUTH_CHOICES: &[Choice] = &[
    word("existing-lsc"),
    word("existing-mic"),
    word("generate"),
    word("null"),
    word("string"),
];

const OPT_AUTH: KeywordOption = KeywordOption::choice(
    "auth",
    AUTH_CHOICES,
    "default null; string takes 4-10 digits, generate makes them and prints them once",
)
.extra("string", "digits");

const OPT_BY: KeywordOption = KeywordOption::text(
    "by",
    "YYYY-MM-DD",
    "a date, YYYY-MM-DD: the operation completes by the end of this day (UTC)",
);

const OPT_KEY: KeywordOption = KeywordOption::choice(
    "key",
    &[
        word("ec-p256"),
        word("ec-p384"),
        word("ec-p521"),
        word("rsa-1024"),
        word("rsa-2048"),
        word("rsa-3072"),
        word("rsa-4096"),
    ],
    "the key the phone generates, default rsa-2048",
);

const DEVICE_ANY: Param = Param {
    name: "device",
    help: "device name, e.g. SEP001122AABBCC",
    kind: ValueKind::Device(DeviceSource::Operation),
    optional: false,
};

/// The parameter holding a command's keyword options: optional unless one of them is required.
const fn options(options: &'static [KeywordOption]) -> Param {
    let mut optional = true;
    let mut i = 0;
    while i < options.len() {
        optional &= !options[i].required;
        i += 1;
    }
    Param {
        name: "options",
        help: "",
        kind: ValueKind::Options(options),
        optional,
    }
}

const CAPF_OPERATION: &[Node] = &[
    Node::leaf(
        "cancel",
        "Cancel a device's operation (No Pending Operation)",
        Runnable {
            handler: commands::operation::cancel,
            effect: Effect::Writes,
            params: &[DEVICE_ANY],
            description: "Removes the certificate operation scheduled for a device, as setting \
                No Pending Operation in CUCM: the phone gets no action when it next connects.",
        },
    ),
    Node::leaf(
        "delete",
        "Schedule the deletion of a device's LSC",
        Runnable {
            handler: commands::operation::delete,
            effect: Effect::Destroys,
            params: &[DEVICE_ANY, options(&[OPT_AUTH, OPT_BY])],
            description: "Schedules Delete for a device: when the phone next connects to capfd \
                and proves itself (auth, default null), it is asked to delete its LSC, and the \
                store records that it holds none. Replaces the device's scheduled operation.",
        },
    ),
    Node {
        word: "install",
        help: "Schedule Install/Upgrade of a device's LSC",
        children: &[Node::leaf(
            "file",
            "Schedule Install/Upgrade for the devices of a CSV file",
            Runnable {
                handler: commands::operation::install_file,
                effect: Effect::Writes,
                params: &[
                    Param {
                        name: "csv",
                        help: "CSV file of device,auth,string,key,by lines (header allowed)",
                        kind: ValueKind::Path,
                        optional: false,
                    },
                    options(&[KeywordOption::path(
                        "output",
                        "csv",
                        "new CSV file (mode 0600) receiving each generated string",
                    )]),
                ],
                description: "Schedules Install/Upgrade for every line of a CSV file of \
                    device,auth,string,key,by (a header line is allowed; empty fields take the \
                    defaults null, rsa-2048, no deadline), all or nothing: one bad line \
                    schedules nothing and is named. A line with auth generate (or auth string \
                    and no string) gets a unique random string; the strings are written to the \
                    new file given with output (mode 0600), never shown.",
            },
        )],
        run: Some(Runnable {
            handler: commands::operation::install,
            effect: Effect::Writes,
            params: &[DEVICE_ANY, options(&[OPT_AUTH, OPT_BY, OPT_KEY])],
            description: "Schedules Install/Upgrade for a device: when the phone next connects \
                to capfd and proves itself (auth: string with the given 4-10 digits, generate \
                for a random string printed once, null by default, or its existing certificate \
                with precedence to the LSC or the MIC), it generates the key (default rsa-2048) \
                and capfd issues its LSC. After the by date the phone is refused and the status \
                says expired. Replaces the device's scheduled operation.",
        }),
        repl_only: false,
    },
    Node::leaf(
        "troubleshoot",
        "Schedule fetching the certificate a device holds",
        Runnable {
            handler: commands::operation::troubleshoot,
            effect: Effect::Writes,
            params: &[DEVICE_ANY, options(&[OPT_AUTH, OPT_BY])],
            description: "Schedules Troubleshoot for a device: when the phone next connects and \
                proves itself, it sends the certificate it holds, which the store records (see \
                show capf phone). Replaces the device's scheduled operation.",
        },
    ),
];

const CAPF_SET: &[Node] = &[
    Node::leaf(
        "keep_alive",
        "Set the CAPF-to-endpoint keep-alive timer",
        Runnable {
            handler: commands::settings::set_keep_alive,
            params: &[Param {
                name: "minutes",
                help: "",
                kind: ValueKind::Number(KEEP_ALIVE),
                optional: true,
            }],
            description: "Sets the cluster-wide keep-alive timer (in minutes) of the connection \
                between CAPF and the endpoints, so firewalls do not time it out. Without a value \
                the command asks for one. The engine picks up the new value within seconds; no \
                service restart is needed.",
            effect: Effect::Writes,
        },
    ),
    Node::leaf(
        "mode",
        "Set who issues LSCs: capf, online or offline CA",
        Runnable {
            handler: commands::settings::set_mode,
            params: &[Param {
                name: "mode",
                help: "",
                kind: ValueKind::Choice(ISSUER_MODES),
                optional: false,
            }],
            description: "Sets the Certificate Issuer to Endpoint: capf signs LSCs with the CAPF \
                CA certificate, online forwards CSRs to an external CA, offline keeps CSRs \
                pending for export and imports the signed certificates by hand.",
            effect: Effect::Administers,
        },
    ),
    Node::leaf(
        "online-ca",
        "Set the online CA (EST server) capfd sends CSRs to",
        Runnable {
            handler: commands::online_ca::set,
            params: &[options(&[
                KeywordOption::text("host", "host", "EST server host name or IP address")
                    .required(),
                KeywordOption::number(
                    "port",
                    "port",
                    Range {
                        default: Some(DEFAULT_EST_PORT as i64),
                        ..Range::new(1, 65535)
                    },
                    "",
                ),
                KeywordOption::text(
                    "label",
                    "label",
                    "EST CA label (Certificate Enrollment Profile Label), optional",
                ),
                KeywordOption::text("user", "user", "user name for HTTP Basic authentication")
                    .required(),
                KeywordOption::path(
                    PASSWORD_FILE,
                    "path",
                    "read the password from this file (scripts); else a hidden prompt",
                ),
            ])],
            description: "Sets the online CA, an EST server (RFC 7030), that capfd sends \
                pending CSRs to in mode online. The password is asked at a hidden prompt, or \
                read from password-file (its first line); it is never taken on the command \
                line, never shown or logged, and kept in a 0600 file beside the store. capfd \
                picks up the change within seconds. Trust the server's CA with utils capf \
                online-ca cacerts.",
            effect: Effect::Administers,
        },
    ),
    Node::leaf(
        "validity",
        "Set the validity of new LSCs in days",
        Runnable {
            handler: commands::settings::set_validity,
            params: &[Param {
                name: "days",
                help: "",
                kind: ValueKind::Number(VALIDITY),
                optional: false,
            }],
            description: "Sets the Duration Of Certificate Validity (in days) of LSCs issued from \
                now on; issued LSCs keep their validity.",
            effect: Effect::Writes,
        },
    ),
];

const CAPF_CSR: &[Node] = &[
    Node::leaf(
        "count",
        "Count pending CSRs",
        Runnable {
            handler: commands::csr::count,
            params: &[],
            description: "Prints how many CSRs are pending.",
            effect: Effect::Reads,
        },
    ),
    Node::leaf(
        "delete",
        "Delete pending CSRs: all, or one device's",
        Runnable {
            handler: commands::csr::delete,
            params: &[ALL_OR_PENDING],
            description: "Deletes all pending CSRs, or the pending CSR of one device, in one \
                transaction. Asks for confirmation unless noconfirm is given.",
            effect: Effect::Destroys,
        },
    ),
    Node::leaf(
        "dump",
        "Show one pending CSR decoded, with its PEM",
        Runnable {
            handler: commands::csr::dump,
            params: &[DEVICE_PENDING],
            description: "Decodes the pending CSR of a device: subject, key, requested \
                extensions, the result of checking its signature, and the PEM.",
            effect: Effect::Reads,
        },
    ),
    Node::leaf(
        "export",
        "Write pending CSRs as PEM files for an offline CA",
        Runnable {
            handler: commands::certs::csr_export,
            params: &[Param {
                name: "folder",
                help: "existing folder to write <device>.csr files into",
                kind: ValueKind::Path,
                optional: false,
            }],
            description: "Writes each pending CSR that no LSC answers yet as <device>.csr \
                (PEM) into the folder, for signing by an offline CA, and says how many were \
                written. Existing files are not overwritten.",
            effect: Effect::Reads,
        },
    ),
    Node::leaf(
        "list",
        "List pending CSRs, oldest first",
        Runnable {
            handler: commands::csr::list,
            params: &[],
            description: "Lists the pending CAPF certificate signing requests with the device, \
                when each was submitted (UTC), its key and subject, oldest first.",
            effect: Effect::Reads,
        },
    ),
];

const CAPF_STALE: &[Node] = &[
    Node::leaf(
        "delete",
        "Delete stale LSCs: all, or one device's",
        Runnable {
            handler: commands::stale_lsc::delete,
            params: &[ALL_OR_STALE],
            description: "Deletes all stale LSCs, or those of one device, in one transaction \
                (all or nothing), and reports how many were deleted. Asks for confirmation \
                unless noconfirm is given.",
            effect: Effect::Destroys,
        },
    ),
    Node::leaf(
        "list",
        "List stale LSCs",
        Runnable {
            handler: commands::stale_lsc::list,
            params: &[],
            description: "Lists stale LSCs: certificates generated in response to an endpoint's \
                CSR but never installed, because the endpoint sent a newer CSR before the old LSC \
                was installed. Shows the device, serial, when it was issued and expires, and when \
                the superseding CSR arrived.",
            effect: Effect::Reads,
        },
    ),
];

const CAPF_CERT: &[Node] = &[Node::leaf(
    "import",
    "Import LSCs signed by an external CA",
    Runnable {
        handler: commands::certs::cert_import,
        params: &[Param {
            name: "file|folder",
            help: "a PEM/DER certificate file, or a folder of them",
            kind: ValueKind::Path,
            optional: false,
        }],
        description: "Imports certificates signed by an external (offline) CA. Each must be \
            issued by a CA in the trust list, be valid now, carry Key Usage Digital Signature \
            (with Key Encipherment for an RSA key, without it for an EC key), allow TLS client \
            and server authentication, match a pending CSR by public key and name its device \
            as the Common Name; it becomes that device's LSC. All or nothing: if any \
            certificate is refused, none is imported, and each refused one is named with its \
            reason.",
        effect: Effect::Writes,
    },
)];

/// What a trusted CA is for.
const TRUST_PURPOSES: &[Choice] = &[
    Choice {
        word: "lsc",
        help: "may issue LSCs",
    },
    Choice {
        word: "mic",
        help: "manufacturer CA of phones' MICs",
    },
];

const CAPF_TRUST: &[Node] = &[Node::leaf(
    "import",
    "Trust a CA certificate to issue LSCs",
    Runnable {
        handler: commands::certs::trust_import,
        params: &[
            Param {
                name: "file",
                help: "PEM or DER file with one or more CA certificates",
                kind: ValueKind::Path,
                optional: false,
            },
            Param {
                name: "purpose",
                help: "default lsc",
                kind: ValueKind::Choice(TRUST_PURPOSES),
                optional: true,
            },
        ],
        description: "Adds CA certificates, all or nothing. Without a purpose (or with lsc) \
            they may issue LSCs in online and offline mode; with mic they are manufacturer \
            CAs, trusted only to vouch for phones' MICs and SUDI certificates (By Existing \
            Certificate), never to issue LSCs. A CA must carry Basic Constraints CA:TRUE and \
            Key Usage Certificate Sign; a Common Name containing CAPF- is reserved and refused.",
        effect: Effect::Administers,
    },
)];

const CAPF_ONLINE_CA: &[Node] = &[Node::leaf(
    "cacerts",
    "Fetch the EST server's CA certificates and trust them",
    Runnable {
        handler: commands::online_ca::cacerts,
        params: &[],
        description: "Fetches /cacerts from the online CA (RFC 7030 section 4.1), shows each \
            certificate's subject and SHA-256 fingerprint, checks that the server's TLS \
            certificate chains to them, and asks before trusting them to authenticate the \
            server (they replace the ones trusted before). Compare the fingerprints with the \
            CA's administrator before you answer y. This trust is for the TLS connection only: \
            the CA that issues LSCs must also be in the trust list (utils capf trust import).",
        effect: Effect::ReplacesTrust,
    },
)];

const UTILS_CAPF: &[Node] = &[
    Node::leaf(
        "backup",
        "Copy the store and its CA keys to a new folder",
        Runnable {
            handler: commands::backup::run,
            params: &[Param {
                name: "folder",
                help: "a new (or empty) folder; it is created, mode 0700",
                kind: ValueKind::Path,
                optional: false,
            }],
            description: "Writes a consistent copy of the store (taken online: capfd and other \
                shells keep working) and every CA key file it names, active and retired, with \
                their modes, into a new or empty folder, with a manifest of SHA-256 sums. The \
                copy passes SQLite's integrity check before it is kept; nothing is ever \
                overwritten. capfd restore <folder> --db PATH puts it back, under any name.",
            effect: Effect::Administers,
        },
    ),
    Node::menu("cert", "Certificates signed by an external CA", CAPF_CERT),
    Node::menu("csr", "Pending certificate signing requests", CAPF_CSR),
    Node::menu("lsc", "Issued LSCs: revoke, export", CAPF_LSC),
    Node::menu(
        "online-ca",
        "The online CA (EST server) of mode online",
        CAPF_ONLINE_CA,
    ),
    Node::menu(
        "operation",
        "Per-device certificate operations for phones",
        CAPF_OPERATION,
    ),
    Node::menu("set", "Change CAPF settings", CAPF_SET),
    Node::menu("stale-lsc", "LSCs issued but never installed", CAPF_STALE),
    Node::leaf(
        "tidy",
        "Delete expired LSCs and superseded CSRs past a margin",
        Runnable {
            handler: commands::lifecycle::tidy,
            params: &[options(TIDY_OPTIONS)],
            description: "Deletes LSCs whose validity ended, and CSRs superseded by a newer CSR \
                of their device, more than a safety margin ago (older-than, default 30 days), in \
                one transaction, and reports how many. Without expired-lscs or superseded-csrs \
                it does both. dry-run lists what would be deleted and changes nothing. Revoked \
                LSCs stay on the CRL. Asks for confirmation unless noconfirm is given.",
            effect: Effect::Destroys,
        },
    ),
    Node::menu("trust", "CA certificates trusted to issue LSCs", CAPF_TRUST),
];

/// The reasons `revoke` takes, from the domain's names.
const REVOKE_REASONS: &[Choice] = &[
    Choice {
        word: RevocationReason::NAMES[0],
        help: "",
    },
    Choice {
        word: RevocationReason::NAMES[1],
        help: "",
    },
    Choice {
        word: RevocationReason::NAMES[2],
        help: "",
    },
    Choice {
        word: RevocationReason::NAMES[3],
        help: "",
    },
];

const REVOKE_REASON: KeywordOption =
    KeywordOption::choice("reason", REVOKE_REASONS, "default unspecified");

const CAPF_LSC_REVOKE: &[Node] = &[Node::leaf(
    "serial",
    "Revoke the LSC with this serial",
    Runnable {
        handler: commands::lifecycle::revoke_serial,
        params: &[
            Param {
                name: "hex",
                help: "the LSC's serial number in hex, as show capf lsc lists it",
                kind: ValueKind::Text,
                optional: false,
            },
            options(&[REVOKE_REASON]),
        ],
        description: "Revokes one LSC by its serial number: it shows as revoked, cannot be \
            installed, and the next CRL (capfd crl, capfd run --crl) lists it with the reason. \
            Asks for confirmation unless noconfirm is given.",
        effect: Effect::Destroys,
    },
)];

const CAPF_LSC: &[Node] = &[
    Node::leaf(
        "export",
        "Write LSCs as PEM files with their CA chain",
        Runnable {
            handler: commands::lifecycle::export,
            params: &[
                Param {
                    name: "all|device",
                    help: "every device's current LSC, or one device's",
                    kind: ValueKind::AllOrDevice(DeviceSource::Lsc),
                    optional: false,
                },
                Param {
                    name: "folder",
                    help: "existing folder to write <device>.pem files into",
                    kind: ValueKind::Path,
                    optional: false,
                },
                Param {
                    name: "chain",
                    help: "default chain",
                    kind: ValueKind::Choice(&[
                        Choice {
                            word: "chain",
                            help: "the LSC, then its CA certificate",
                        },
                        Choice {
                            word: "nochain",
                            help: "the LSC alone",
                        },
                    ]),
                    optional: true,
                },
            ],
            description: "Writes the current LSC of a device (or of every device) as \
                <device>.pem, followed by the certificate of the CA that issued it unless \
                nochain is given. The current LSC is the newest one that is neither revoked nor \
                stale. Never overwrites: if any file exists already, nothing is written. Each \
                file is written whole (temporary file, then linked into place).",
            effect: Effect::Reads,
        },
    ),
    Node {
        word: "revoke",
        help: "Revoke a device's LSCs, or one LSC by serial",
        children: CAPF_LSC_REVOKE,
        run: Some(Runnable {
            handler: commands::lifecycle::revoke,
            params: &[
                Param {
                    name: "device",
                    help: "device name: every LSC of the device that is not revoked yet",
                    kind: ValueKind::Device(DeviceSource::Lsc),
                    optional: false,
                },
                options(&[REVOKE_REASON]),
            ],
            description: "Revokes every LSC of a device that is not revoked yet, in one \
                transaction: they show as revoked, cannot be installed, and the next CRL \
                (capfd crl, capfd run --crl) lists them with the reason. Revoked LSCs are never \
                deleted as stale, and deleting an LSC never takes it off the CRL. Asks for \
                confirmation unless noconfirm is given.",
            effect: Effect::Destroys,
        }),
        repl_only: false,
    },
];

/// `tidy older-than <days>`: up to a hundred years, default 30.
const TIDY_DAYS: Range = Range {
    min: 0,
    max: 36_500,
    default: Some(30),
    unit: "days",
    check: None,
};

const TIDY_OPTIONS: &[KeywordOption] = &[
    KeywordOption::flag("dry-run", "list what would be deleted, change nothing"),
    KeywordOption::flag(
        "expired-lscs",
        "LSCs whose validity ended (without this or superseded-csrs: both)",
    ),
    KeywordOption::number(
        "older-than",
        "days",
        TIDY_DAYS,
        "the safety margin: only what ended or was superseded more than this many days ago",
    ),
    KeywordOption::flag(
        "superseded-csrs",
        "CSRs superseded by a newer CSR of their device (without this or expired-lscs: both)",
    ),
];

const SHOW_CAPF_LSC: &[Node] = &[
    Node::leaf(
        "device",
        "LSCs of one device",
        Runnable {
            handler: commands::report::lsc_device,
            params: &[
                Param {
                    name: "device",
                    help: "device name, e.g. SEP001122AABBCC",
                    kind: ValueKind::Device(DeviceSource::Lsc),
                    optional: false,
                },
                Param {
                    name: "pem",
                    help: "print each LSC's PEM as well",
                    kind: ValueKind::Choice(&[Choice {
                        word: "pem",
                        help: "",
                    }]),
                    optional: true,
                },
            ],
            description: "Lists the LSCs of one device with their state (issued, installed, \
                stale, revoked), serial, issuer, issue and expiry dates; with pem, each \
                certificate's PEM too (JSON and CSV always carry a pem field).",
            effect: Effect::Reads,
        },
    ),
    Node::leaf(
        "expiring",
        "LSCs that expire within a number of days",
        Runnable {
            handler: commands::report::lsc_expiring,
            params: &[Param {
                name: "days",
                help: "LSCs whose validity ends before now + days",
                kind: ValueKind::Number(EXPIRING_DAYS),
                optional: false,
            }],
            description: "Lists LSCs whose validity ends within the given number of days, soonest \
                first: the Bulk Administration query \"phones where LSC expires before a date\".",
            effect: Effect::Reads,
        },
    ),
];

const SHOW_CAPF: &[Node] = &[
    Node::leaf(
        "audit",
        "Who changed the store, newest first",
        Runnable {
            handler: commands::report::audit,
            params: &[Param {
                name: "count",
                help: "",
                kind: ValueKind::Number(AUDIT_ENTRIES),
                optional: true,
            }],
            description: "Lists the audit log, newest first: when, which OS user, the command as \
                typed, whether it succeeded, and what changed or why it failed. Every command \
                that changes the store is logged, by capfsh and capfd alike.",
            effect: Effect::Reads,
        },
    ),
    Node {
        word: "cert",
        help: "The CAPF CA certificate, with its PEM",
        children: &[Node::leaf(
            "all",
            "Every CAPF CA certificate: active and retired",
            Runnable {
                handler: commands::lifecycle::show_cert_all,
                params: &[],
                description: "Lists the active CAPF CA certificate and those capfd init --force \
                    retired, newest first: state, subject, serial, validity and SHA-256 \
                    fingerprint, so LSCs signed by an old CA can be told apart.",
                effect: Effect::Reads,
            },
        )],
        run: Some(Runnable {
            handler: commands::certs::show_cert,
            params: &[],
            description: "Prints the CAPF CA certificate: subject, validity, SHA-256 \
                fingerprint and the PEM, which admins load into other systems' trust stores.",
            effect: Effect::Reads,
        }),
        repl_only: false,
    },
    Node::leaf(
        "keep_alive",
        "Show the keep-alive timer",
        Runnable {
            handler: commands::settings::show_keep_alive,
            params: &[],
            description: "Shows the current keep-alive timer, and when and by whom it was last \
                set.",
            effect: Effect::Reads,
        },
    ),
    Node {
        word: "lsc",
        help: "LSC report: all, expiring, or one device's",
        children: SHOW_CAPF_LSC,
        run: Some(Runnable {
            handler: commands::report::lsc_all,
            params: &[],
            description: "Lists every LSC with its device, serial, state (issued, installed, \
                stale, revoked), issuer (the CA's CN, marked retired for an LSC of a CAPF CA \
                that was replaced), issue and expiry dates, soonest expiry first.",
            effect: Effect::Reads,
        }),
        repl_only: false,
    },
    Node {
        word: "online-ca",
        help: "Online CA (EST) settings, trust and last result",
        children: &[Node::leaf(
            "requests",
            "Where each pending CSR stands with the online CA",
            Runnable {
                handler: commands::online_ca::requests,
                params: &[],
                description: "Lists the pending CSRs without an LSC, oldest first, with where \
                    each stands with the online CA: waiting (not sent yet), accepted (HTTP 202, \
                    the CA answers later), retry (server or network error), refused (401/403) \
                    or rejected (the certificate failed the import rules), the attempts, the \
                    next try and the reason.",
                effect: Effect::Reads,
            },
        )],
        run: Some(Runnable {
            handler: commands::online_ca::show,
            params: &[],
            description: "Shows the online CA (EST server): host, port, label, user, the CA \
                certificates trusted for its TLS server, when capfd last reached it and with \
                what result, and how many CSRs wait on it. Never the password.",
            effect: Effect::Reads,
        }),
        repl_only: false,
    },
    Node::leaf(
        "operation",
        "Scheduled certificate operations and their status",
        Runnable {
            handler: commands::operation::show,
            effect: Effect::Reads,
            params: &[Param {
                name: "filter",
                help: "pending, failed, or a device name; all operations when left out",
                kind: ValueKind::WordOrDevice(
                    &[word("failed"), word("pending")],
                    DeviceSource::Operation,
                ),
                optional: true,
            }],
            description: "Lists scheduled certificate operations: device, operation, \
                authentication mode, key, completes by, status (pending, in-progress, success, \
                failed, expired) with its reason, and the last attempt. pending shows those a \
                phone may still be served, failed those that failed or expired. \
                Authentication strings are never shown.",
        },
    ),
    Node::leaf(
        "phone",
        "One device's CAPF view",
        Runnable {
            handler: commands::operation::phone,
            effect: Effect::Reads,
            params: &[Param {
                name: "device",
                help: "device name, e.g. SEP001122AABBCC",
                kind: ValueKind::Device(DeviceSource::Operation),
                optional: false,
            }],
            description: "Shows a device's scheduled operation and its status, its LSCs \
                (issued, installed, stale) with serials, its pending request, and the \
                certificate the phone last reported (troubleshoot, delete).",
        },
    ),
    Node::leaf(
        "status",
        "CAPF mode, settings, CA and counts",
        Runnable {
            handler: commands::report::status,
            params: &[],
            description: "Shows the issuer mode, keep-alive, LSC validity, the CAPF CA \
                certificate's subject and expiry, and the counts of pending CSRs and of issued, \
                installed and stale LSCs.",
            effect: Effect::Reads,
        },
    ),
    Node::leaf(
        "trust",
        "External CAs trusted to issue LSCs",
        Runnable {
            handler: commands::report::trust,
            params: &[],
            description: "Lists the CA certificates allowed to issue LSCs in online and offline \
                mode: subject, expiry and SHA-256 fingerprint.",
            effect: Effect::Reads,
        },
    ),
];

const SET_CLI: &[Node] = &[Node::leaf(
    "pagination",
    "Turn paging of long output on or off",
    Runnable {
        handler: commands::settings::set_pagination,
        params: &[Param {
            name: "on|off",
            help: "",
            kind: ValueKind::Choice(&[
                Choice {
                    word: "on",
                    help: "",
                },
                Choice {
                    word: "off",
                    help: "",
                },
            ]),
            optional: false,
        }],
        description: "Turns paging of long output on or off for this session. In the \
            interactive shell on a terminal, output stops after each screenful with Press \
            <enter> for 1 line, <space> for one page, or <q> to quit (on by default, as on \
            CUCM). One-shot commands, scripts and pipes never page; automation sends \
            'set cli pagination off' first, which answers Automatic pagination is turned off.",
        effect: Effect::Session,
    },
)];

const ROOT_CHILDREN: &[Node] = &[
    Node::leaf(
        "exit",
        "End the session",
        Runnable {
            handler: |_| Ok(()),
            params: &[],
            description: "Ends the admin session (same as quit).",
            effect: Effect::Ends,
        },
    )
    .repl_only(),
    Node::leaf(
        "help",
        "Describe a command: help <command>",
        Runnable {
            handler: commands::help,
            params: &[Param {
                name: "command",
                help: "the command to describe, e.g. utils capf csr list",
                kind: ValueKind::CommandPath,
                optional: true,
            }],
            description: "Prints the syntax and description of a command, or how to get around \
                the CLI when no command is given.",
            effect: Effect::Session,
        },
    ),
    Node::leaf(
        "quit",
        "End the session",
        Runnable {
            handler: |_| Ok(()),
            params: &[],
            description: "Ends the admin session.",
            effect: Effect::Ends,
        },
    )
    .repl_only(),
    Node::menu(
        "set",
        "Change CLI settings",
        &[Node::menu("cli", "CLI session settings", SET_CLI)],
    ),
    Node::menu(
        "show",
        "Show settings and certificates",
        &[Node::menu(
            "capf",
            "CAPF settings and certificates",
            SHOW_CAPF,
        )],
    ),
    Node::menu(
        "utils",
        "Utilities",
        &[Node::menu(
            "capf",
            "Certificate Authority Proxy Function",
            UTILS_CAPF,
        )],
    ),
];

impl Node {
    const fn repl_only(mut self) -> Node {
        self.repl_only = true;
        self
    }
}

/// The root of the tree (its word is the program name).
pub static ROOT: Node = Node::menu("capfsh", "CAPF admin shell", ROOT_CHILDREN);

/// Every runnable path in the tree, depth first, with its node (tests and docs walk this).
pub fn all_commands() -> Vec<(Vec<&'static str>, &'static Node)> {
    nodes_where(|n| n.run.is_some())
}

/// The node at `path` (canonical words), if there is one.
pub fn node_at(path: &[&str]) -> Option<&'static Node> {
    let mut node: &'static Node = &ROOT;
    for word in path {
        node = node.children.iter().find(|c| c.word == *word)?;
    }
    Some(node)
}

/// Every menu path (nodes with children), including the root as the empty path.
pub fn all_menus() -> Vec<(Vec<&'static str>, &'static Node)> {
    nodes_where(|n| !n.children.is_empty())
}

/// Every node that `keep` accepts, depth first, with its path.
fn nodes_where(keep: fn(&Node) -> bool) -> Vec<(Vec<&'static str>, &'static Node)> {
    fn walk(
        node: &'static Node,
        keep: fn(&Node) -> bool,
        path: &mut Vec<&'static str>,
        out: &mut Vec<(Vec<&'static str>, &'static Node)>,
    ) {
        if keep(node) {
            out.push((path.clone(), node));
        }
        for child in node.children {
            path.push(child.word);
            walk(child, keep, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(&ROOT, keep, &mut Vec::new(), &mut out);
    out
}

/// The syntax line of a command, CUCM style, so a parameter never reads like a command word:
/// `[minutes]` is optional, `<device>` is a value to fill in, `{capf|online|offline}` is one of
/// the words shown: `utils capf set mode {capf|online|offline}`,
/// `utils capf csr delete {all|<device>} [noconfirm]`.
pub fn syntax_line(path: &[&str], run: &Runnable) -> String {
    let mut s = path.join(" ");
    for p in run.params {
        s.push(' ');
        s.push_str(&param_syntax(p));
    }
    if run.confirms() {
        s.push_str(&format!(" [{NOCONFIRM}]"));
    }
    s
}

/// How one parameter shows in a syntax line.
fn param_syntax(p: &Param) -> String {
    if let ValueKind::Options(options) = p.kind {
        return options
            .iter()
            .map(KeywordOption::syntax)
            .collect::<Vec<_>>()
            .join(" ");
    }
    if p.optional {
        return format!("[{}]", p.name);
    }
    match p.kind {
        ValueKind::Choice(choices) => format!(
            "{{{}}}",
            choices.iter().map(|c| c.word).collect::<Vec<_>>().join("|")
        ),
        ValueKind::AllOrDevice(_) => "{all|<device>}".to_owned(),
        ValueKind::WordOrDevice(words, _) => format!(
            "{{{}|<device>}}",
            words.iter().map(|c| c.word).collect::<Vec<_>>().join("|")
        ),
        _ => format!("<{}>", p.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The command at `words` (`"utils capf csr list"`), with its path.
    fn command(words: &str) -> (Vec<&'static str>, Runnable) {
        let words: Vec<&str> = words.split(' ').collect();
        all_commands()
            .into_iter()
            .find(|(p, _)| *p == words)
            .and_then(|(p, n)| n.run.map(|r| (p, r)))
            .expect("command")
    }

    #[test]
    fn siblings_are_sorted_and_unique() {
        for (path, node) in all_menus() {
            let words: Vec<_> = node.children.iter().map(|c| c.word).collect();
            let mut sorted = words.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(
                words, sorted,
                "children of {path:?} must be sorted and unique"
            );
        }
    }

    #[test]
    fn syntax_lines_mark_every_parameter() {
        for (words, expected) in [
            (
                "utils capf set keep_alive",
                "utils capf set keep_alive [minutes]",
            ),
            (
                "utils capf set mode",
                "utils capf set mode {capf|online|offline}",
            ),
            ("utils capf csr dump", "utils capf csr dump <device>"),
            (
                "show capf lsc device",
                "show capf lsc device <device> [pem]",
            ),
            (
                "utils capf lsc revoke",
                "utils capf lsc revoke <device> [reason {cessationOfOperation|keyCompromise|superseded|unspecified}] [noconfirm]",
            ),
            (
                "utils capf tidy",
                "utils capf tidy [dry-run] [expired-lscs] [older-than <days>] [superseded-csrs] [noconfirm]",
            ),
            (
                "utils capf stale-lsc delete",
                "utils capf stale-lsc delete {all|<device>} [noconfirm]",
            ),
            ("set cli pagination", "set cli pagination {on|off}"),
            ("utils capf csr list", "utils capf csr list"),
            (
                "utils capf operation delete",
                "utils capf operation delete <device> [auth {existing-lsc|existing-mic|generate|null|string <digits>}] [by <YYYY-MM-DD>] [noconfirm]",
            ),
            ("show capf operation", "show capf operation [filter]"),
            (
                "utils capf set online-ca",
                "utils capf set online-ca host <host> [port <port>] [label <label>] user <user> [password-file <path>]",
            ),
            (
                "utils capf online-ca cacerts",
                "utils capf online-ca cacerts [noconfirm]",
            ),
        ] {
            let (path, run) = command(words);
            assert_eq!(syntax_line(&path, &run), expected);
        }
    }

    #[test]
    fn parameter_help_is_generated_from_the_domain() {
        for (words, expected) in [
            ("utils capf set keep_alive", "5-60, default 15"),
            ("utils capf set validity", "1-1825"),
            (
                "utils capf set mode",
                "capf (CAPF signs), online (external CA), offline (export/import)",
            ),
            (
                "show capf lsc expiring",
                "0-3650: LSCs whose validity ends before now + days",
            ),
            ("show capf audit", "1-10000 entries, default 50"),
            ("set cli pagination", "on or off"),
        ] {
            assert_eq!(command(words).1.params[0].help_text(), expected, "{words}");
        }
        let words: Vec<&str> = ISSUER_MODES.iter().map(|c| c.word).collect();
        let modes: Vec<&str> = IssuerMode::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(words, modes);
    }

    #[test]
    fn exactly_the_commands_that_change_the_store_are_audited() {
        let mutating: Vec<String> = all_commands()
            .into_iter()
            .filter(|(_, n)| n.run.is_some_and(|r| r.effect.mutates()))
            .map(|(p, _)| p.join(" "))
            .collect();
        assert_eq!(
            mutating,
            [
                "utils capf backup",
                "utils capf cert import",
                "utils capf csr delete",
                "utils capf lsc revoke",
                "utils capf lsc revoke serial",
                "utils capf online-ca cacerts",
                "utils capf operation cancel",
                "utils capf operation delete",
                "utils capf operation install",
                "utils capf operation install file",
                "utils capf operation troubleshoot",
                "utils capf set keep_alive",
                "utils capf set mode",
                "utils capf set online-ca",
                "utils capf set validity",
                "utils capf stale-lsc delete",
                "utils capf tidy",
                "utils capf trust import",
            ]
        );
        for (path, node) in all_commands() {
            let run = node.run.expect("runnable");
            // Revocation cannot be taken back and tidy deletes: they ask like the deletes.
            let asks = path.last() == Some(&"delete")
                || path.contains(&"revoke")
                || path.last() == Some(&"tidy")
                || path.last() == Some(&"cacerts");
            assert_eq!(
                run.confirms(),
                asks,
                "{path:?}: the deletes, revoke, tidy and online-ca cacerts (which replaces the \
                 trusted server CAs after showing their fingerprints), and only they, ask"
            );
        }
    }

    #[test]
    fn what_each_effect_needs() {
        assert_eq!(Effect::Session.role(), None);
        assert_eq!(Effect::Ends.role(), None);
        assert_eq!(Effect::Reads.role(), Some(Role::ReadOnly));
        assert_eq!(Effect::Writes.role(), Some(Role::Operator));
        assert_eq!(Effect::Destroys.role(), Some(Role::Operator));
        assert_eq!(Effect::Administers.role(), Some(Role::Admin));
        assert_eq!(Effect::ReplacesTrust.role(), Some(Role::Admin));
        assert!(Role::Admin > Role::Operator && Role::Operator > Role::ReadOnly);
    }

    /// Only what never opens the store runs without a role: help, the session's pagination,
    /// and ending the session.
    #[test]
    fn the_commands_anyone_may_run_never_open_the_store() {
        let free: Vec<String> = all_commands()
            .into_iter()
            .filter(|(_, n)| n.run.is_some_and(|r| r.effect.role().is_none()))
            .map(|(p, _)| p.join(" "))
            .collect();
        assert_eq!(free, ["exit", "help", "quit", "set cli pagination"]);
    }

    #[test]
    fn the_trust_list_and_the_mode_need_an_admin_and_reads_need_only_read_only() {
        for (words, role) in [
            ("utils capf trust import", Role::Admin),
            ("utils capf set mode", Role::Admin),
            ("utils capf backup", Role::Admin),
            ("utils capf set keep_alive", Role::Operator),
            ("utils capf stale-lsc delete", Role::Operator),
            ("utils capf cert import", Role::Operator),
        ] {
            assert_eq!(command(words).1.effect.role(), Some(role), "{words}");
        }
        for (path, node) in all_commands() {
            let first = path.first().copied().unwrap_or_default();
            let last = path.last().copied().unwrap_or_default();
            if first == "show" || matches!(last, "list" | "dump" | "count") {
                let effect = node.run.expect("runnable").effect;
                assert_eq!(effect.role(), Some(Role::ReadOnly), "{path:?}");
            }
        }
    }

    /// Keyword options take the rest of the line: they are the last parameter, their words
    /// are distinct, and none can be taken for `noconfirm`.
    #[test]
    fn keyword_options_come_last_and_are_declared_once() {
        for (path, node) in all_commands() {
            let run = node.run.expect("runnable");
            for (i, p) in run.params.iter().enumerate() {
                if matches!(p.kind, ValueKind::Options(_)) {
                    assert_eq!(i + 1, run.params.len(), "{path:?}: options come last");
                }
            }
            let mut words: Vec<&str> = run.options().iter().map(|o| o.word).collect();
            words.sort_unstable();
            words.dedup();
            assert_eq!(words.len(), run.options().len(), "{path:?}");
            assert!(words.iter().all(|w| !w.starts_with("noc")), "{path:?}");
            assert_eq!(
                run.params.last().is_some_and(|p| p.optional),
                run.params.last().is_some_and(|p| match p.kind {
                    ValueKind::Options(o) => o.iter().all(|o| !o.required),
                    _ => p.optional,
                }),
                "{path:?}: an options parameter is optional when no option is required"
            );
        }
    }

    #[test]
    fn every_command_has_help_and_description() {
        for (path, node) in all_commands() {
            assert!(!node.help.is_empty(), "{path:?}");
            let run = node.run.expect("runnable");
            assert!(run.description.len() > 10, "{path:?}");
        }
    }
}
