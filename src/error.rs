//! What kinds of failure there are, and the one table that turns each into an exit code for
//! both binaries.
//!
//! Every layer has its own error type that keeps its source (`StoreError`, `EngineError`,
//! `CommandError`); each can say which [`ErrorKind`] it is, and the binaries ask only this table
//! for the exit code. So a new error never needs a new exit code rule, and no code anywhere
//! decides what to do by reading an error's text.

/// What kind of failure an error is: the exit code and the failure trailer follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The command line is not a valid command (unknown, ambiguous or incomplete words, a bad
    /// option or output modifier).
    Usage,
    /// The command ran and refused or failed: a bad value, an unknown device, a refused
    /// certificate, a store that is corrupt, newer or not ours, a file that cannot be read.
    Refused,
    /// The store cannot take a write now: another process holds its lock past the busy timeout,
    /// or the file or its folder is read-only. Trying again later (or fixing permissions) may
    /// succeed, so a service manager wants to tell it apart.
    StoreUnavailable,
    /// A bug or an environment failure nobody asked for (an SQLite error of no known kind, an
    /// output error other than a closed pipe).
    Internal,
    /// The reader of our output went away (`capfsh ... | head`): their choice, not a failure.
    BrokenPipe,
    /// The admin declined a question, ended input or pressed Ctrl-C at it: nothing was done,
    /// and that is not a failure of the command.
    Cancelled,
}

/// Which binary is exiting: the engine gives store trouble and internal errors codes of their
/// own (a service manager retries on one and not the other), the shell keeps CUCM's 0/1/2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// The admin shell.
    Capfsh,
    /// The engine.
    Capfd,
}

/// One row of the exit-code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitRule {
    /// The kind of failure.
    pub kind: ErrorKind,
    /// Exit code of `capfsh`.
    pub capfsh: u8,
    /// Exit code of `capfd`.
    pub capfd: u8,
    /// Whether `Executed command unsuccessfully` follows the reason (capfsh).
    pub trailer: bool,
    /// What the code means, as README's exit-code tables say it.
    pub meaning: &'static str,
}

/// `EX_TEMPFAIL` of sysexits.h: try again later.
pub const EXIT_STORE_UNAVAILABLE: u8 = 75;
/// `EX_SOFTWARE` of sysexits.h: an internal error.
pub const EXIT_INTERNAL: u8 = 70;

/// The exit-code table, one row per kind, shared by `capfsh` and `capfd` (README documents it).
pub const EXIT_RULES: [ExitRule; 6] = [
    ExitRule {
        kind: ErrorKind::Usage,
        capfsh: 2,
        capfd: 2,
        trailer: true,
        meaning: "usage error",
    },
    ExitRule {
        kind: ErrorKind::Refused,
        capfsh: 1,
        capfd: 1,
        trailer: true,
        meaning: "refused input or failed command",
    },
    ExitRule {
        kind: ErrorKind::StoreUnavailable,
        capfsh: 1,
        capfd: EXIT_STORE_UNAVAILABLE,
        trailer: true,
        meaning: "store busy, locked or read-only",
    },
    ExitRule {
        kind: ErrorKind::Internal,
        capfsh: 1,
        capfd: EXIT_INTERNAL,
        trailer: true,
        meaning: "internal error",
    },
    ExitRule {
        kind: ErrorKind::BrokenPipe,
        capfsh: 0,
        capfd: 0,
        trailer: false,
        meaning: "the reader closed the output",
    },
    ExitRule {
        kind: ErrorKind::Cancelled,
        capfsh: 0,
        capfd: 0,
        trailer: false,
        meaning: "a question declined: nothing changed",
    },
];

impl ErrorKind {
    /// This kind's row of [`EXIT_RULES`].
    pub fn rule(self) -> &'static ExitRule {
        // Every kind has exactly one row (a unit test checks it); the fallback is unreachable.
        EXIT_RULES
            .iter()
            .find(|r| r.kind == self)
            .unwrap_or(&EXIT_RULES[3])
    }

    /// The exit code `program` ends with for this kind of failure.
    pub fn exit_code(self, program: Program) -> u8 {
        let rule = self.rule();
        match program {
            Program::Capfsh => rule.capfsh,
            Program::Capfd => rule.capfd,
        }
    }

    /// Whether the reason is followed by `Executed command unsuccessfully`: not for a
    /// declined question, which is the admin's choice.
    pub fn is_failure(self) -> bool {
        self.rule().trailer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_row() {
        for kind in [
            ErrorKind::Usage,
            ErrorKind::Refused,
            ErrorKind::StoreUnavailable,
            ErrorKind::Internal,
            ErrorKind::BrokenPipe,
            ErrorKind::Cancelled,
        ] {
            assert_eq!(
                EXIT_RULES.iter().filter(|r| r.kind == kind).count(),
                1,
                "{kind:?}"
            );
            assert_eq!(kind.rule().kind, kind);
        }
    }

    #[test]
    fn capfsh_keeps_cucm_codes_and_capfd_tells_store_trouble_apart() {
        assert_eq!(ErrorKind::Usage.exit_code(Program::Capfsh), 2);
        assert_eq!(ErrorKind::Refused.exit_code(Program::Capfsh), 1);
        assert_eq!(ErrorKind::StoreUnavailable.exit_code(Program::Capfsh), 1);
        assert_eq!(ErrorKind::Cancelled.exit_code(Program::Capfsh), 0);
        assert_eq!(ErrorKind::Usage.exit_code(Program::Capfd), 2);
        assert_eq!(ErrorKind::Refused.exit_code(Program::Capfd), 1);
        assert_eq!(ErrorKind::StoreUnavailable.exit_code(Program::Capfd), 75);
        assert_eq!(ErrorKind::Internal.exit_code(Program::Capfd), 70);
        assert!(!ErrorKind::Cancelled.is_failure());
        assert!(ErrorKind::Refused.is_failure());
    }
}
