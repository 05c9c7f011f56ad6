//! Output paths that must never be written: the store, its `-wal`/`-shm`/`-journal`, and CA
//! key files. An admin's `--out` (or export folder) naming one of them would destroy the CA or
//! every record, so it is refused before anything is written or recorded.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::EngineError;
use super::keyfile::{resolve_key_file, store_folder};
use crate::store::Store;

/// `path` with its folder's links resolved (the file itself may not exist yet).
fn real_location(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(fs::canonicalize(folder).ok()?.join(name))
}

/// Refuses `out` when it is (by name, or as a hard link of) the store's database, one of its
/// SQLite side files, or a CA key file: any file the store names as a key, and any file beside
/// the store whose name marks it as one (`<store>.ca-key...`, older names included).
pub fn refuse_store_file(store: &Store, out: &Path) -> Result<(), EngineError> {
    let db = store.path();
    let folder = store_folder(db);
    let db_name = db
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut protected: Vec<(PathBuf, &'static str)> = Vec::new();
    let real_db = fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = real_db.as_os_str().to_os_string();
        name.push(suffix);
        protected.push((PathBuf::from(name), "the store"));
    }
    for key in store.ca_key_files()? {
        protected.push((resolve_key_file(db, &key), "a CA key file"));
    }
    if let Ok(entries) = fs::read_dir(&folder) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.contains(".ca-key") && name.starts_with(&db_name) {
                protected.push((e.path(), "a CA key file"));
            }
        }
    }
    let refuse = |what: &'static str| {
        Err(EngineError::ProtectedFile {
            path: out.to_path_buf(),
            what,
        })
    };
    if let Some(real_out) = real_location(out) {
        for (p, what) in &protected {
            if *p == real_out {
                return refuse(what);
            }
        }
    }
    // A hard link (or another path) to one of them is the same file.
    if let Ok(m) = fs::metadata(out) {
        for (p, what) in &protected {
            if let Ok(pm) = fs::metadata(p)
                && pm.dev() == m.dev()
                && pm.ino() == m.ino()
            {
                return refuse(what);
            }
        }
    }
    Ok(())
}
