//! What capfsh and capfd ask of the file system beyond SQLite: how every file is written
//! (never through a link, never half-written).

mod safe_file;
mod tty;

pub use safe_file::{Existing, SafeFile, create_private_dir, write_file};
pub use tty::read_secret;

/// The permission bits of a secret file (a CA key, the online CA password) when its group or
/// others may use it at all, which refuses it; `None` when only its owner may.
pub fn exposed_mode(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}
