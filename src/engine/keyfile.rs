//! CA private key files: beside the database, mode 0600, one file per CA under a name of its
//! own that the store records with the certificate. A key file is written once, before the
//! transaction that names it commits, and never renamed, rewritten or removed while a record
//! names it, so a reader that takes the name from the store always finds the matching key.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::EngineError;

/// The largest key file read (an RSA-4096 PKCS#8 PEM is about 3.3 KiB).
const MAX_KEY_BYTES: u64 = 64 * 1024;

/// What comes between the store's file name and the CA's id in a key file name.
const KEY_INFIX: &str = ".ca-key-";

/// How many hex digits of the certificate's fingerprint name its key.
const KEY_ID_DIGITS: usize = 16;

/// The folder the store's key files live in: the store's own folder, links resolved, so a
/// store opened through a symbolic link still finds the keys beside the real file.
pub fn store_folder(db_path: &Path) -> PathBuf {
    let real = fs::canonicalize(db_path).unwrap_or_else(|_| db_path.to_path_buf());
    match real.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The store's file name, which prefixes its key files (two stores in one folder keep
/// separate keys).
fn store_name(db_path: &Path) -> String {
    db_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "capf.db".into())
}

/// The file name for the key of a new CA: `<store>.ca-key-<16 hex of its fingerprint>.pem`,
/// unique per certificate (the fingerprint covers its random serial).
pub fn key_file_name(db_path: &Path, fingerprint: &str) -> String {
    let id: String = fingerprint
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(KEY_ID_DIGITS)
        .collect::<String>()
        .to_ascii_lowercase();
    format!("{}{KEY_INFIX}{id}.pem", store_name(db_path))
}

/// Where the key the store names `key_file` is: that file name in the store's folder. Only the
/// name counts (a path from an older store is reduced to its name), so a copied or restored
/// store looks for its keys beside itself.
pub fn resolve_key_file(db_path: &Path, key_file: &str) -> PathBuf {
    let name = Path::new(key_file)
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(key_file));
    store_folder(db_path).join(name)
}

/// Whether `name` is a key file this store's `capfd init` writes (the only files orphan
/// clean-up may remove; older `.ca-key.pem`/`.retired-*` names are never touched).
fn is_generated_key_name(db_path: &Path, name: &str) -> bool {
    let prefix = format!("{}{KEY_INFIX}", store_name(db_path));
    name.strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(".pem"))
        .is_some_and(|id| id.len() == KEY_ID_DIGITS && id.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Writes a new key with mode 0600 from the first byte, under a name nothing else holds
/// (`O_EXCL`, never through a link), and syncs file and folder before the caller commits.
pub(super) fn write_new_key(path: &Path, pem: &str) -> Result<(), EngineError> {
    let mut o = fs::OpenOptions::new();
    o.write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC);
    let mut f = o
        .open(path)
        .map_err(|e| EngineError::file("create", path, e))?;
    f.write_all(pem.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| EngineError::file("write", path, e))?;
    if let Some(dir) = path.parent()
        && let Ok(d) = fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Removes key files this store's `init` wrote that no record names: left by a crash between
/// writing a key and committing its certificate. Call only while holding the store's write
/// lock (no replacement is then between the two). Returns what was removed.
pub(super) fn remove_orphans(db_path: &Path, named: &[String]) -> Vec<PathBuf> {
    let folder = store_folder(db_path);
    let Ok(entries) = fs::read_dir(&folder) else {
        return Vec::new();
    };
    let named: Vec<&str> = named
        .iter()
        .filter_map(|n| Path::new(n).file_name().and_then(|n| n.to_str()))
        .collect();
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_generated_key_name(db_path, name)
            && !named.contains(&name)
            && entry.file_type().is_ok_and(|t| t.is_file())
            && fs::remove_file(entry.path()).is_ok()
        {
            removed.push(entry.path());
        }
    }
    removed
}

/// Reads the key, refusing a file that group or others may read (checked on the open file).
pub fn read_private_key(path: &Path) -> Result<String, EngineError> {
    let f = fs::File::open(path).map_err(|e| EngineError::file("read the CA key", path, e))?;
    let meta = f
        .metadata()
        .map_err(|e| EngineError::file("read the CA key", path, e))?;
    if let Some(mode) = crate::sys::exposed_mode(&meta) {
        return Err(EngineError::KeyReadable {
            path: path.to_path_buf(),
            mode,
        });
    }
    if meta.len() > MAX_KEY_BYTES {
        return Err(EngineError::KeyTooLarge(path.to_path_buf()));
    }
    let mut pem = String::new();
    f.take(MAX_KEY_BYTES)
        .read_to_string(&mut pem)
        .map_err(|e| EngineError::file("read the CA key", path, e))?;
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_are_plain_names_tied_to_the_certificate() {
        let db = Path::new("/var/lib/capf/capf.db");
        let name = key_file_name(db, "AB:CD:EF:01:23:45:67:89:AA:BB");
        assert_eq!(name, "capf.db.ca-key-abcdef0123456789.pem");
        assert!(is_generated_key_name(db, &name));
        assert!(!is_generated_key_name(db, "capf.db.ca-key.pem"));
        assert!(!is_generated_key_name(
            db,
            "capf.db.ca-key.pem.retired-1700000000"
        ));
        assert!(!is_generated_key_name(
            db,
            "other.db.ca-key-abcdef0123456789.pem"
        ));
    }

    #[test]
    fn a_recorded_path_counts_only_by_its_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("restored.db");
        fs::write(&db, b"").expect("db");
        let folder = fs::canonicalize(dir.path()).expect("canon");
        assert_eq!(
            resolve_key_file(&db, "/old/place/capf.db.ca-key.pem"),
            folder.join("capf.db.ca-key.pem")
        );
        assert_eq!(
            resolve_key_file(&db, "capf.db.ca-key-0011223344556677.pem"),
            folder.join("capf.db.ca-key-0011223344556677.pem")
        );
    }
}
