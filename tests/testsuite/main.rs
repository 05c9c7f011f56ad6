//! capfsh's integration tests: one binary, so the crate links once.

mod backup;
mod bad_input;
mod ca_keys;
mod clock;
mod crash;
mod engine;
mod est_server;
mod exit_codes;
mod intake_and_audit;
mod json_errors;
mod lifecycle;
mod oneshot;
mod oneshot_pty;
mod online_ca;
mod os_users;
mod packaging;
mod pager_pty;
mod pki_standards;
mod repl_pty;
mod repl_safety;
mod roles;
mod script;
mod service_log;
mod shell_completion;
mod shell_pty;
mod support;
