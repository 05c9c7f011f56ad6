//! The online CA over EST (RFC 7030): the client, the decoding of its certs-only replies, the
//! password file, and the worker `capfd run` starts in mode `online`.

pub mod client;
pub mod pkcs7;
pub mod secret;
pub mod worker;

pub use client::{EnrollReply, Timeouts};
