//! The command tree, defined once as data.
//!
//! Every word of the `admin:` CLI, its one-line help, the parameters a command takes and how their
//! values complete live here. The REPL parser, `?`, `help`, Tab, the one-shot clap parser, the
//! shell completion scripts and the man page are all functions over this tree, so they cannot
//! disagree.

pub use crate::store::DeviceSource;

/// What a complete command does; dispatch matches on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandId {
    /// `utils capf set keep_alive [minutes]`
    SetKeepAlive,
    /// `utils capf set mode <capf|online|offline>`
    SetMode,
    /// `utils capf set validity <days>`
    SetValidity,
    /// `utils capf csr list`
    CsrList,
    /// `utils capf csr count`
    CsrCount,
    /// `utils capf csr dump <device>`
    CsrDump,
    /// `utils capf csr delete all|<device>`
    CsrDelete,
    /// `utils capf stale-lsc list`
    StaleList,
    /// `utils capf stale-lsc delete all|<device>`
    StaleDelete,
    /// `show capf keep_alive`
    ShowKeepAlive,
    /// `show capf status`
    ShowStatus,
    /// `show capf audit [count]`
    ShowAudit,
    /// `show capf cert`
    ShowCert,
    /// `utils capf csr export <folder>`
    CsrExport,
    /// `utils capf cert import <file|folder>`
    CertImport,
    /// `utils capf trust import <file>`
    TrustImport,
    /// `show capf trust`
    ShowTrust,
    /// `show capf lsc`
    ShowLsc,
    /// `show capf lsc expiring <days>`
    ShowLscExpiring,
    /// `show capf lsc device <device>`
    ShowLscDevice,
    /// `set cli pagination on|off`
    SetPagination,
    /// `show capf cert all`
    ShowCertAll,
    /// `utils capf lsc revoke <device> [reason ...]`
    LscRevoke,
    /// `utils capf lsc revoke serial <hex> [reason ...]`
    LscRevokeSerial,
    /// `utils capf lsc export {all|<device>} <folder> [chain|nochain]`
    LscExport,
    /// `utils capf tidy [expired-lscs] [superseded-csrs] [older-than <days>] [dry-run]`
    Tidy,
    /// `help [command]`
    Help,
    /// `quit`
    Quit,
    /// `exit`
    Exit,
}

/// How a parameter's value is checked and completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A whole number (the command checks the range through the domain type).
    Number,
    /// A device name; completes from the store's devices of this source.
    Device(DeviceSource),
    /// The keyword `all` or a device name.
    AllOrDevice(DeviceSource),
    /// One of fixed words (unique prefixes accepted).
    Choice(&'static [&'static str]),
    /// A file or folder path.
    Path,
    /// A command path (for `help`).
    CommandPath,
    /// Optional keywords in any order, some followed by a value (`reason keyCompromise`,
    /// `older-than 30`, `dry-run`): takes every remaining word, so it comes last.
    Keywords(&'static [Keyword]),
}

/// A keyword of a [`ValueKind::Keywords`] parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    /// The word (unique prefixes accepted).
    pub word: &'static str,
    /// What must follow it, if anything.
    pub value: KeywordValue,
}

/// What follows a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeywordValue {
    /// Nothing: the keyword is a flag.
    Flag,
    /// A whole number, shown as `<name>`.
    Number(&'static str),
    /// One of these words.
    Choice(&'static [&'static str]),
}

/// A positional parameter of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Name shown in syntax blocks (`minutes`, `device`).
    pub name: &'static str,
    /// One line for `?` and the syntax block (`5-60, default 15`).
    pub help: &'static str,
    /// How the value is checked and completed.
    pub kind: ValueKind,
    /// Whether the command runs without it (it may then ask, in the REPL).
    pub optional: bool,
}

/// What makes a node runnable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runnable {
    /// Dispatch key.
    pub id: CommandId,
    /// Positional parameters, in order.
    pub params: &'static [Param],
    /// The longer text `help <command>` prints.
    pub description: &'static str,
    /// Destructive: asks `Continue (y/n)?` unless `noconfirm`/`--yes` is given.
    pub confirm: bool,
}

/// One word of the tree. A node may both run and have children (`show capf lsc` later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

const CAPF_SET: &[Node] = &[
    Node::leaf(
        "keep_alive",
        "Set the CAPF-to-endpoint keep-alive timer",
        Runnable {
            id: CommandId::SetKeepAlive,
            params: &[Param {
                name: "minutes",
                help: "5-60, default 15",
                kind: ValueKind::Number,
                optional: true,
            }],
            description: "Sets the cluster-wide keep-alive timer (in minutes) of the connection \
                between CAPF and the endpoints, so firewalls do not time it out. Without a value \
                the command asks for one. The engine picks up the new value within seconds; no \
                service restart is needed.",
            confirm: false,
        },
    ),
    Node::leaf(
        "mode",
        "Set who issues LSCs: capf, online or offline CA",
        Runnable {
            id: CommandId::SetMode,
            params: &[Param {
                name: "mode",
                help: "capf (CAPF signs), online (external CA), offline (export/import)",
                kind: ValueKind::Choice(&["capf", "online", "offline"]),
                optional: false,
            }],
            description: "Sets the Certificate Issuer to Endpoint: capf signs LSCs with the CAPF \
                CA certificate, online forwards CSRs to an external CA, offline keeps CSRs \
                pending for export and imports the signed certificates by hand.",
            confirm: false,
        },
    ),
    Node::leaf(
        "validity",
        "Set the validity of new LSCs in days",
        Runnable {
            id: CommandId::SetValidity,
            params: &[Param {
                name: "days",
                help: "1-1825",
                kind: ValueKind::Number,
                optional: false,
            }],
            description: "Sets the Duration Of Certificate Validity (in days) of LSCs issued from \
                now on; issued LSCs keep their validity.",
            confirm: false,
        },
    ),
];

const CAPF_CSR: &[Node] = &[
    Node::leaf(
        "count",
        "Count pending CSRs",
        Runnable {
            id: CommandId::CsrCount,
            params: &[],
            description: "Prints how many CSRs are pending.",
            confirm: false,
        },
    ),
    Node::leaf(
        "delete",
        "Delete pending CSRs: all, or one device's",
        Runnable {
            id: CommandId::CsrDelete,
            params: &[ALL_OR_PENDING],
            description: "Deletes all pending CSRs, or the pending CSR of one device, in one \
                transaction. Asks for confirmation unless noconfirm is given.",
            confirm: true,
        },
    ),
    Node::leaf(
        "dump",
        "Show one pending CSR decoded, with its PEM",
        Runnable {
            id: CommandId::CsrDump,
            params: &[DEVICE_PENDING],
            description: "Decodes the pending CSR of a device: subject, key, requested \
                extensions, the result of checking its signature, and the PEM.",
            confirm: false,
        },
    ),
    Node::leaf(
        "export",
        "Write pending CSRs as PEM files for an offline CA",
        Runnable {
            id: CommandId::CsrExport,
            params: &[Param {
                name: "folder",
                help: "existing folder to write <device>.csr files into",
                kind: ValueKind::Path,
                optional: false,
            }],
            description: "Writes each pending CSR that no LSC answers yet as <device>.csr \
                (PEM) into the folder, for signing by an offline CA, and says how many were \
                written. Existing files are not overwritten.",
            confirm: false,
        },
    ),
    Node::leaf(
        "list",
        "List pending CSRs, oldest first",
        Runnable {
            id: CommandId::CsrList,
            params: &[],
            description: "Lists the pending CAPF certificate signing requests with the device, \
                when each was submitted (UTC), its key and subject, oldest first.",
            confirm: false,
        },
    ),
];

const CAPF_STALE: &[Node] = &[
    Node::leaf(
        "delete",
        "Delete stale LSCs: all, or one device's",
        Runnable {
            id: CommandId::StaleDelete,
            params: &[ALL_OR_STALE],
            description: "Deletes all stale LSCs, or those of one device, in one transaction \
                (all or nothing), and reports how many were deleted. Asks for confirmation \
                unless noconfirm is given.",
            confirm: true,
        },
    ),
    Node::leaf(
        "list",
        "List stale LSCs",
        Runnable {
            id: CommandId::StaleList,
            params: &[],
            description: "Lists stale LSCs: certificates generated in response to an endpoint's \
                CSR but never installed, because the endpoint sent a newer CSR before the old LSC \
                was installed. Shows the device, serial, when it was issued and expires, and when \
                the superseding CSR arrived.",
            confirm: false,
        },
    ),
];

const CAPF_CERT: &[Node] = &[Node::leaf(
    "import",
    "Import LSCs signed by an external CA",
    Runnable {
        id: CommandId::CertImport,
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
        confirm: false,
    },
)];

const CAPF_TRUST: &[Node] = &[Node::leaf(
    "import",
    "Trust a CA certificate to issue LSCs",
    Runnable {
        id: CommandId::TrustImport,
        params: &[Param {
            name: "file",
            help: "PEM or DER file with one or more CA certificates",
            kind: ValueKind::Path,
            optional: false,
        }],
        description: "Adds CA certificates allowed to issue LSCs in online and offline mode, \
            all or nothing. A CA must carry Basic Constraints CA:TRUE and Key Usage \
            Certificate Sign; a Common Name containing CAPF- is reserved and refused.",
        confirm: false,
    },
)];

const REVOKE_KEYWORDS: &[Keyword] = &[Keyword {
    word: "reason",
    value: KeywordValue::Choice(crate::domain::RevocationReason::NAMES),
}];

const REVOKE_REASON: Param = Param {
    name: "reason",
    help: "reason {cessationOfOperation|keyCompromise|superseded|unspecified}, default unspecified",
    kind: ValueKind::Keywords(REVOKE_KEYWORDS),
    optional: true,
};

const CAPF_LSC_REVOKE: &[Node] = &[Node::leaf(
    "serial",
    "Revoke the LSC with this serial",
    Runnable {
        id: CommandId::LscRevokeSerial,
        params: &[
            Param {
                name: "hex",
                help: "the LSC's serial number in hex, as show capf lsc lists it",
                kind: ValueKind::Number,
                optional: false,
            },
            REVOKE_REASON,
        ],
        description: "Revokes one LSC by its serial number: it shows as revoked, cannot be \
            installed, and the next CRL (capfd crl, capfd run --crl) lists it with the reason. \
            Asks for confirmation unless noconfirm is given.",
        confirm: true,
    },
)];

const CAPF_LSC: &[Node] = &[
    Node::leaf(
        "export",
        "Write LSCs as PEM files with their CA chain",
        Runnable {
            id: CommandId::LscExport,
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
                    help: "chain (default: the LSC, then its CA certificate) or nochain",
                    kind: ValueKind::Choice(&["chain", "nochain"]),
                    optional: true,
                },
            ],
            description: "Writes the current LSC of a device (or of every device) as \
                <device>.pem, followed by the certificate of the CA that issued it unless \
                nochain is given. The current LSC is the newest one that is neither revoked nor \
                stale. Never overwrites: if any file exists already, nothing is written. Each \
                file is written whole (temporary file, then renamed).",
            confirm: false,
        },
    ),
    Node {
        word: "revoke",
        help: "Revoke a device's LSCs, or one LSC by serial",
        children: CAPF_LSC_REVOKE,
        run: Some(Runnable {
            id: CommandId::LscRevoke,
            params: &[
                Param {
                    name: "device",
                    help: "device name: every LSC of the device that is not revoked yet",
                    kind: ValueKind::Device(DeviceSource::Lsc),
                    optional: false,
                },
                REVOKE_REASON,
            ],
            description: "Revokes every LSC of a device that is not revoked yet, in one \
                transaction: they show as revoked, cannot be installed, and the next CRL \
                (capfd crl, capfd run --crl) lists them with the reason. Revoked LSCs are never \
                deleted as stale, and deleting an LSC never takes it off the CRL. Asks for \
                confirmation unless noconfirm is given.",
            confirm: true,
        }),
        repl_only: false,
    },
];

const TIDY_KEYWORDS: &[Keyword] = &[
    Keyword {
        word: "dry-run",
        value: KeywordValue::Flag,
    },
    Keyword {
        word: "expired-lscs",
        value: KeywordValue::Flag,
    },
    Keyword {
        word: "older-than",
        value: KeywordValue::Number("days"),
    },
    Keyword {
        word: "superseded-csrs",
        value: KeywordValue::Flag,
    },
];

const UTILS_CAPF: &[Node] = &[
    Node::menu("cert", "Certificates signed by an external CA", CAPF_CERT),
    Node::menu("csr", "Pending certificate signing requests", CAPF_CSR),
    Node::menu("lsc", "Issued LSCs: revoke, export", CAPF_LSC),
    Node::menu("set", "Change CAPF settings", CAPF_SET),
    Node::menu("stale-lsc", "LSCs issued but never installed", CAPF_STALE),
    Node::leaf(
        "tidy",
        "Delete expired LSCs and superseded CSRs past a margin",
        Runnable {
            id: CommandId::Tidy,
            params: &[Param {
                name: "what",
                help: "expired-lscs, superseded-csrs (default both), older-than <days> \
                    (default 30), dry-run",
                kind: ValueKind::Keywords(TIDY_KEYWORDS),
                optional: true,
            }],
            description: "Deletes LSCs whose validity ended, and CSRs superseded by a newer CSR \
                of their device, more than a safety margin ago (older-than, default 30 days), in \
                one transaction, and reports how many. Without expired-lscs or superseded-csrs \
                it does both. dry-run lists what would be deleted and changes nothing. Revoked \
                LSCs stay on the CRL. Asks for confirmation unless noconfirm is given.",
            confirm: true,
        },
    ),
    Node::menu("trust", "CA certificates trusted to issue LSCs", CAPF_TRUST),
];

const SHOW_CAPF_LSC: &[Node] = &[
    Node::leaf(
        "device",
        "LSCs of one device",
        Runnable {
            id: CommandId::ShowLscDevice,
            params: &[
                Param {
                    name: "device",
                    help: "device name, e.g. SEP001122AABBCC",
                    kind: ValueKind::Device(DeviceSource::Lsc),
                    optional: false,
                },
                Param {
                    name: "pem",
                    help: "pem: print each LSC's PEM as well",
                    kind: ValueKind::Choice(&["pem"]),
                    optional: true,
                },
            ],
            description: "Lists the LSCs of one device with their state (issued, installed, \
                stale, revoked), serial, issuer, issue and expiry dates; with pem, each \
                certificate's PEM too (JSON always carries a pem field).",
            confirm: false,
        },
    ),
    Node::leaf(
        "expiring",
        "LSCs that expire within a number of days",
        Runnable {
            id: CommandId::ShowLscExpiring,
            params: &[Param {
                name: "days",
                help: "0-3650: LSCs whose validity ends before now + days",
                kind: ValueKind::Number,
                optional: false,
            }],
            description: "Lists LSCs whose validity ends within the given number of days, soonest \
                first: the Bulk Administration query \"phones where LSC expires before a date\".",
            confirm: false,
        },
    ),
];

const SHOW_CAPF: &[Node] = &[
    Node::leaf(
        "audit",
        "Who changed the store, newest first",
        Runnable {
            id: CommandId::ShowAudit,
            params: &[Param {
                name: "count",
                help: "1-10000 entries, default 50",
                kind: ValueKind::Number,
                optional: true,
            }],
            description: "Lists the audit log, newest first: when, which OS user, the command as \
                typed, whether it succeeded, and what changed or why it failed. Every command \
                that changes the store is logged, by capfsh and capfd alike.",
            confirm: false,
        },
    ),
    Node {
        word: "cert",
        help: "The CAPF CA certificate, with its PEM",
        children: &[Node::leaf(
            "all",
            "Every CAPF CA certificate: active and retired",
            Runnable {
                id: CommandId::ShowCertAll,
                params: &[],
                description: "Lists the active CAPF CA certificate and those capfd init --force \
                    retired, newest first: state, subject, serial, validity and SHA-256 \
                    fingerprint, so LSCs signed by an old CA can be told apart.",
                confirm: false,
            },
        )],
        run: Some(Runnable {
            id: CommandId::ShowCert,
            params: &[],
            description: "Prints the CAPF CA certificate: subject, validity, SHA-256 \
                fingerprint and the PEM, which admins load into other systems' trust stores.",
            confirm: false,
        }),
        repl_only: false,
    },
    Node::leaf(
        "keep_alive",
        "Show the keep-alive timer",
        Runnable {
            id: CommandId::ShowKeepAlive,
            params: &[],
            description: "Shows the current keep-alive timer, and when and by whom it was last \
                set.",
            confirm: false,
        },
    ),
    Node {
        word: "lsc",
        help: "LSC report: all, expiring, or one device's",
        children: SHOW_CAPF_LSC,
        run: Some(Runnable {
            id: CommandId::ShowLsc,
            params: &[],
            description: "Lists every LSC with its device, serial, state (issued, installed, \
                stale, revoked), issuer (the CA's CN, marked retired for an LSC of a CAPF CA \
                that was replaced), issue and expiry dates, soonest expiry first.",
            confirm: false,
        }),
        repl_only: false,
    },
    Node::leaf(
        "status",
        "CAPF mode, settings, CA and counts",
        Runnable {
            id: CommandId::ShowStatus,
            params: &[],
            description: "Shows the issuer mode, keep-alive, LSC validity, the CAPF CA \
                certificate's subject and expiry, and the counts of pending CSRs and of issued, \
                installed and stale LSCs.",
            confirm: false,
        },
    ),
    Node::leaf(
        "trust",
        "External CAs trusted to issue LSCs",
        Runnable {
            id: CommandId::ShowTrust,
            params: &[],
            description: "Lists the CA certificates allowed to issue LSCs in online and offline \
                mode: subject, expiry and SHA-256 fingerprint.",
            confirm: false,
        },
    ),
];

const SET_CLI: &[Node] = &[Node::leaf(
    "pagination",
    "Turn paging of long output on or off",
    Runnable {
        id: CommandId::SetPagination,
        params: &[Param {
            name: "on|off",
            help: "on or off",
            kind: ValueKind::Choice(&["on", "off"]),
            optional: false,
        }],
        description: "Accepted for compatibility with CUCM automation, which sends \
            'set cli pagination off' first. capfsh never pages, so output is always complete.",
        confirm: false,
    },
)];

const ROOT_CHILDREN: &[Node] = &[
    Node::leaf(
        "exit",
        "End the session",
        Runnable {
            id: CommandId::Exit,
            params: &[],
            description: "Ends the admin session (same as quit).",
            confirm: false,
        },
    )
    .repl_only(),
    Node::leaf(
        "help",
        "Describe a command: help <command>",
        Runnable {
            id: CommandId::Help,
            params: &[Param {
                name: "command",
                help: "the command to describe, e.g. utils capf csr list",
                kind: ValueKind::CommandPath,
                optional: true,
            }],
            description: "Prints the syntax and description of a command, or how to get around \
                the CLI when no command is given.",
            confirm: false,
        },
    ),
    Node::leaf(
        "quit",
        "End the session",
        Runnable {
            id: CommandId::Quit,
            params: &[],
            description: "Ends the admin session.",
            confirm: false,
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
    fn walk(
        node: &'static Node,
        path: &mut Vec<&'static str>,
        out: &mut Vec<(Vec<&'static str>, &'static Node)>,
    ) {
        if node.run.is_some() {
            out.push((path.clone(), node));
        }
        for child in node.children {
            path.push(child.word);
            walk(child, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(&ROOT, &mut Vec::new(), &mut out);
    out
}

/// Every menu path (nodes with children), including the root as the empty path.
pub fn all_menus() -> Vec<(Vec<&'static str>, &'static Node)> {
    fn walk(
        node: &'static Node,
        path: &mut Vec<&'static str>,
        out: &mut Vec<(Vec<&'static str>, &'static Node)>,
    ) {
        if !node.children.is_empty() {
            out.push((path.clone(), node));
        }
        for child in node.children {
            path.push(child.word);
            walk(child, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(&ROOT, &mut Vec::new(), &mut out);
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
    if run.confirm {
        s.push_str(&format!(" [{NOCONFIRM}]"));
    }
    s
}

/// How one parameter shows in a syntax line.
fn param_syntax(p: &Param) -> String {
    if let ValueKind::Keywords(keywords) = p.kind {
        return keywords
            .iter()
            .map(|k| match k.value {
                KeywordValue::Flag => format!("[{}]", k.word),
                KeywordValue::Number(name) => format!("[{} <{name}>]", k.word),
                KeywordValue::Choice(words) => format!("[{} {{{}}}]", k.word, words.join("|")),
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    if p.optional {
        return format!("[{}]", p.name);
    }
    match p.kind {
        ValueKind::Choice(words) => format!("{{{}}}", words.join("|")),
        ValueKind::AllOrDevice(_) => "{all|<device>}".to_owned(),
        _ => format!("<{}>", p.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let line = |words: &[&str]| {
            let (path, node) = all_commands()
                .into_iter()
                .find(|(p, _)| p == words)
                .expect("command");
            syntax_line(&path, &node.run.expect("runnable"))
        };
        assert_eq!(
            line(&["utils", "capf", "set", "keep_alive"]),
            "utils capf set keep_alive [minutes]"
        );
        assert_eq!(
            line(&["utils", "capf", "set", "mode"]),
            "utils capf set mode {capf|online|offline}"
        );
        assert_eq!(
            line(&["utils", "capf", "csr", "dump"]),
            "utils capf csr dump <device>"
        );
        assert_eq!(
            line(&["show", "capf", "lsc", "device"]),
            "show capf lsc device <device> [pem]"
        );
        assert_eq!(
            line(&["utils", "capf", "lsc", "revoke"]),
            "utils capf lsc revoke <device> [reason {cessationOfOperation|keyCompromise|superseded|unspecified}] [noconfirm]"
        );
        assert_eq!(
            line(&["utils", "capf", "tidy"]),
            "utils capf tidy [dry-run] [expired-lscs] [older-than <days>] [superseded-csrs] [noconfirm]"
        );
        assert_eq!(
            line(&["utils", "capf", "stale-lsc", "delete"]),
            "utils capf stale-lsc delete {all|<device>} [noconfirm]"
        );
        assert_eq!(
            line(&["set", "cli", "pagination"]),
            "set cli pagination {on|off}"
        );
        assert_eq!(
            line(&["utils", "capf", "csr", "list"]),
            "utils capf csr list"
        );
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
