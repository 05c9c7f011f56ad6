//! capfsh: an admin shell and engine for a CAPF (Certificate Authority Proxy Function) store.
//!
//! Layers, from the inside out: [`domain`] (CAPF values and rules, no I/O), [`store`] (the
//! SQLite file shared with the engine), [`cli`] (the one command tree and its parser),
//! [`commands`] (what each command does), [`render`] (tables, JSON, CSV) and [`repl`] (the
//! interactive `admin:` shell).

pub mod cli;
pub mod commands;
pub mod domain;
pub mod engine;
pub mod pki;
pub mod render;
pub mod repl;
pub mod shell;
pub mod store;
