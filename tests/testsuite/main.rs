//! capfsh's integration tests: one binary, so the crate links once.

mod backup;
mod bad_input;
mod clock;
mod engine;
mod exit_codes;
mod lifecycle;
mod oneshot;
mod oneshot_pty;
mod packaging;
mod pager_pty;
mod pki_standards;
mod repl_pty;
mod roles;
mod script;
mod service_log;
mod shell_completion;
mod shell_pty;
mod support;
