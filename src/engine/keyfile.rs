//! The CA private key file: beside the database, mode 0600, refused when others can read it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::EngineError;
use crate::domain::Timestamp;

/// The largest key file read (an RSA-4096 PKCS#8 PEM is about 3.3 KiB).
const MAX_KEY_BYTES: u64 = 64 * 1024;

/// Where the CA key of the store at `db_path` lives: `<db file>.ca-key.pem` beside it, so two
/// stores in one folder keep separate keys.
pub fn key_path(db_path: &Path) -> PathBuf {
    let mut name = db_path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "capf.db".into());
    name.push(".ca-key.pem");
    db_path.with_file_name(name)
}

/// Writes the key with mode 0600 from the first byte (never briefly world-readable).
pub(super) fn write_private_key(path: &Path, pem: &str) -> Result<(), EngineError> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o
        .open(path)
        .map_err(|e| EngineError::file("create", path, e))?;
    f.write_all(pem.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| EngineError::file("write", path, e))
}

/// Moves an existing key out of the way (`.retired-<unix time>`), returning where it went.
pub(super) fn retire_existing(path: &Path, now: Timestamp) -> Result<Option<PathBuf>, EngineError> {
    if !path.exists() {
        return Ok(None);
    }
    // Never onto an existing file (two replacements in one second would lose the first key):
    // a hard link fails if the name is taken, and only then is the old name removed.
    for attempt in 0..1000u32 {
        let mut name = path.as_os_str().to_os_string();
        name.push(format!(".retired-{}", now.timestamp()));
        if attempt > 0 {
            name.push(format!("-{attempt}"));
        }
        let to = PathBuf::from(name);
        match fs::hard_link(path, &to) {
            Ok(()) => {
                fs::remove_file(path).map_err(|e| EngineError::file("retire", path, e))?;
                return Ok(Some(to));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(EngineError::file("retire", path, e)),
        }
    }
    Err(EngineError::TooManyRetiredKeys(path.to_path_buf()))
}

/// Reads the key, refusing a file that group or others may read.
pub fn read_private_key(path: &Path) -> Result<String, EngineError> {
    let meta = fs::metadata(path).map_err(|e| EngineError::file("read the CA key", path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(EngineError::KeyReadable {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    if meta.len() > MAX_KEY_BYTES {
        return Err(EngineError::KeyTooLarge(path.to_path_buf()));
    }
    fs::read_to_string(path).map_err(|e| EngineError::file("read the CA key", path, e))
}
