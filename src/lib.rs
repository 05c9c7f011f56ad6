//! capfsh: an admin shell and engine for a CAPF (Certificate Authority Proxy Function) store.
//!
//! Layers, from the inside out: [`domain`] (CAPF values and rules, no I/O), [`pki`] (CSRs,
//! certificates, the CAPF CA), [`store`] (the SQLite file shared by shell and engine),
//! [`engine`] (what CAPF does with CSRs and certificates), [`est`] (the online CA client, RFC 7030), [`cli`] (the one command tree and its
//! parser, help and completion), [`commands`] (what each admin command does), [`render`]
//! (tables, JSON, CSV), [`shell`] (one-shot and script runs) and [`repl`] (the interactive
//! `admin:` shell). [`sys`] holds the one way every file is written (temporary file, sync,
//! rename, never through a link). The binaries `capfsh` and `capfd` are thin layers over these.

#![warn(missing_docs)]

pub mod actor;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod domain;
pub mod engine;
pub mod error;
pub mod est;
pub mod layout;
pub mod logging;
pub mod phone;
pub mod pki;
pub mod protocol;
pub mod render;
pub mod repl;
pub mod roles;
pub mod shell;
pub mod store;
pub mod sys;
