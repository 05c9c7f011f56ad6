//! What capfsh and capfd ask of the operating system beyond SQLite: who is acting (for the
//! audit log) and how every file is written (never through a link, never half-written).

mod safe_file;
mod user;

pub use safe_file::{Existing, SafeFile, create_private_dir, write_file};
pub use user::{OsUser, os_user};
