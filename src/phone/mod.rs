//! capfd's phone-facing service: the CAPF protocol over TLS on port 3804.
//!
//! [`session`] is the protocol's state machine over a [`session::Wire`] (no sockets there);
//! [`server`] accepts TLS connections, bounds them and runs a session per connection;
//! [`service`] holds what sessions share; log lines go through [`crate::logging`]. The phone emulator
//! that drives it in tests and the bench lives in `tests/testsuite/phone_emulator.rs`.

pub mod server;
pub mod service;
pub mod session;
