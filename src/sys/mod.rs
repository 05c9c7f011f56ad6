//! What capfsh and capfd ask of the file system beyond SQLite: how every file is written
//! (never through a link, never half-written).

mod safe_file;

pub use safe_file::{Existing, SafeFile, create_private_dir, write_file};
