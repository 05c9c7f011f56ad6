//! The online CA password file: beside the store, mode 0600 from its first byte, replaced by
//! a temporary file + fsync + rename in the same folder (never written through a symlink), and
//! refused when anyone but its owner could read it.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::domain::EstPassword;

/// The largest password file read (the password itself is at most 1 KiB).
const MAX_PASSWORD_FILE_BYTES: u64 = 4096;

/// The owner to give the password file of the store at `db_path`: the store file's owner and
/// group when we run as root and the store belongs to another account (the service's, after
/// `capfd setup`); otherwise the writer keeps it.
#[cfg(unix)]
pub fn owner_for(db_path: &Path) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    let meta = fs::metadata(db_path).ok()?;
    (euid == 0 && meta.uid() != 0).then(|| (meta.uid(), meta.gid()))
}

/// Not on this platform: the writer keeps the file.
#[cfg(not(unix))]
pub fn owner_for(_db_path: &Path) -> Option<(u32, u32)> {
    None
}

/// Where the online CA password of the store at `db_path` lives: `<db file>.est-password`.
pub fn password_path(db_path: &Path) -> PathBuf {
    crate::store::companion_path(db_path, ".est-password")
}

/// Writes the password: a new 0600 file (created exclusively, so a symlink planted at the
/// temporary name is never followed), synced, then renamed over `path` (rename replaces a
/// symlink at `path` itself, never its target), then the folder is synced. With `owner`
/// (root writing beside a store another account owns, the service's in a `capfd setup`
/// layout), the new file is given to that owner before it takes the name, so the service
/// that sends the password can read it and nobody else can.
pub fn write_password(
    path: &Path,
    password: &EstPassword,
    owner: Option<(u32, u32)>,
) -> Result<(), String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp_name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    // A leftover from a crash under our own pid is ours to replace.
    if fs::symlink_metadata(&tmp).is_ok_and(|m| m.is_file()) {
        let _ = fs::remove_file(&tmp);
    }
    let mut f = o
        .open(&tmp)
        .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    let written = f
        .write_all(password.expose().as_bytes())
        .and_then(|_| f.write_all(b"\n"))
        .and_then(|_| f.sync_all())
        .and_then(|_| match owner {
            #[cfg(unix)]
            Some((uid, gid)) => std::os::unix::fs::fchown(&f, Some(uid), Some(gid)),
            _ => Ok(()),
        });
    drop(f);
    if let Err(e) = written.and_then(|_| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads a password: from the store's own file (`owned`: must be a regular file, not a
/// symlink, readable by its owner only) or from an admin's `password-file` (any regular file
/// the caller can read). One trailing newline is removed.
pub fn read_password(path: &Path, owned: bool) -> Result<EstPassword, String> {
    let meta = if owned {
        fs::symlink_metadata(path)
    } else {
        fs::metadata(path)
    }
    .map_err(|e| format!("cannot read the password file {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!(
            "the password file {} is not a regular file",
            path.display()
        ));
    }
    #[cfg(unix)]
    if owned {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(format!(
                "refusing the password file {}: mode {mode:04o} lets others read it; run chmod 600 on it",
                path.display()
            ));
        }
    }
    if meta.len() > MAX_PASSWORD_FILE_BYTES {
        return Err(format!(
            "the password file {} is larger than {MAX_PASSWORD_FILE_BYTES} bytes",
            path.display()
        ));
    }
    let mut buf = Vec::new();
    let file = fs::File::open(path)
        .map_err(|e| format!("cannot read the password file {}: {e}", path.display()))?;
    // The file opened must be the one checked (not a symlink swapped in meanwhile).
    #[cfg(unix)]
    if owned {
        use std::os::unix::fs::MetadataExt;
        let opened = file
            .metadata()
            .map_err(|e| format!("cannot read the password file {}: {e}", path.display()))?;
        if (opened.dev(), opened.ino()) != (meta.dev(), meta.ino()) {
            return Err(format!(
                "the password file {} changed while it was read",
                path.display()
            ));
        }
    }
    file.take(MAX_PASSWORD_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read the password file {}: {e}", path.display()))?;
    let text = String::from_utf8(buf)
        .map_err(|_| format!("the password file {} is not UTF-8 text", path.display()))?;
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text)
        .to_owned();
    EstPassword::new(text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_file_is_private_replaced_and_never_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = password_path(&dir.path().join("capf.db"));
        assert!(path.ends_with("capf.db.est-password"));
        let p1 = EstPassword::new("first".into()).expect("p");
        write_password(&path, &p1, None).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert_eq!(read_password(&path, true).expect("read"), p1);
        // A symlink at the password's name is replaced, its target left alone.
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep me").expect("victim");
        fs::remove_file(&path).expect("rm");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, &path).expect("symlink");
        assert!(read_password(&path, true).is_err(), "a symlink is refused");
        let p2 = EstPassword::new("second".into()).expect("p");
        write_password(&path, &p2, None).expect("write");
        assert_eq!(fs::read_to_string(&victim).expect("victim"), "keep me");
        assert_eq!(read_password(&path, true).expect("read"), p2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
            let e = read_password(&path, true).expect_err("group-readable");
            assert!(e.contains("chmod 600"), "{e}");
        }
    }
}
