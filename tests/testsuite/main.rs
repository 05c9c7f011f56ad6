//! capfsh's integration tests: one binary, so the crate links once.

mod bad_input;
mod engine;
mod oneshot;
mod oneshot_pty;
mod phone_emulator;
mod phones;
mod repl_pty;
mod script;
mod shell_completion;
mod shell_pty;
mod support;
