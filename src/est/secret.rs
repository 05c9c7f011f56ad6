//! The online CA password file: beside the store, mode 0600 from its first byte, replaced by
//! a temporary file + fsync + rename in the same folder (never written through a symlink), and
//! refused when anyone but its owner could read it.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::domain::{EstPassword, InvalidValue};

/// Why a password file could not be read or written; each keeps its source.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The file could not be looked at, opened or read.
    #[error("cannot read the password file {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// The path is a folder, a device, or (for the store's own file) a symbolic link.
    #[error("the password file {} is not a regular file", .0.display())]
    NotAFile(PathBuf),
    /// The store's own file can be read by others than its owner.
    #[error(
        "refusing the password file {}: mode {mode:04o} lets others read it; run chmod 600 on it",
        .path.display()
    )]
    Exposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Larger than any password file.
    #[error("the password file {} is larger than {MAX_PASSWORD_FILE_BYTES} bytes", .0.display())]
    TooLarge(PathBuf),
    /// Another file took the name between the check and the open.
    #[error("the password file {} changed while it was read", .0.display())]
    Changed(PathBuf),
    /// Not UTF-8.
    #[error("the password file {} is not UTF-8 text", .0.display())]
    NotText(PathBuf),
    /// The text is no valid password.
    #[error("{}: {source}", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: InvalidValue,
    },
    /// The temporary file could not be created.
    #[error("cannot create {}: {source}", .path.display())]
    Create {
        /// The temporary file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// The file could not be written, synced, given its owner or renamed into place.
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
}

impl SecretError {
    /// Whether the OS refused to let us read the file: the service's file in a `capfd setup`
    /// layout, there but not ours to read.
    pub fn is_permission_denied(&self) -> bool {
        self.io_kind() == Some(io::ErrorKind::PermissionDenied)
    }

    /// The kind of the OS error behind this one, if an OS error is behind it.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            SecretError::Read { source, .. }
            | SecretError::Create { source, .. }
            | SecretError::Write { source, .. } => Some(source.kind()),
            _ => None,
        }
    }
}

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
) -> Result<(), SecretError> {
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
    let mut f = o.open(&tmp).map_err(|source| SecretError::Create {
        path: tmp.clone(),
        source,
    })?;
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
        return Err(SecretError::Write {
            path: path.to_path_buf(),
            source: e,
        });
    }
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads a password: from the store's own file (`owned`: must be a regular file, not a
/// symlink, readable by its owner only) or from an admin's `password-file` (any regular file
/// the caller can read). One trailing newline is removed.
pub fn read_password(path: &Path, owned: bool) -> Result<EstPassword, SecretError> {
    let cannot = |source| SecretError::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = if owned {
        fs::symlink_metadata(path)
    } else {
        fs::metadata(path)
    }
    .map_err(cannot)?;
    if !meta.is_file() {
        return Err(SecretError::NotAFile(path.to_path_buf()));
    }
    if owned && let Some(mode) = crate::sys::exposed_mode(&meta) {
        return Err(SecretError::Exposed {
            path: path.to_path_buf(),
            mode,
        });
    }
    if meta.len() > MAX_PASSWORD_FILE_BYTES {
        return Err(SecretError::TooLarge(path.to_path_buf()));
    }
    let mut buf = Vec::new();
    let file = fs::File::open(path).map_err(cannot)?;
    // The file opened must be the one checked (not a symlink swapped in meanwhile).
    #[cfg(unix)]
    if owned {
        use std::os::unix::fs::MetadataExt;
        let opened = file.metadata().map_err(cannot)?;
        if (opened.dev(), opened.ino()) != (meta.dev(), meta.ino()) {
            return Err(SecretError::Changed(path.to_path_buf()));
        }
    }
    file.take(MAX_PASSWORD_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(cannot)?;
    let Ok(text) = String::from_utf8(buf) else {
        return Err(SecretError::NotText(path.to_path_buf()));
    };
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text)
        .to_owned();
    EstPassword::new(text).map_err(|source| SecretError::Invalid {
        path: path.to_path_buf(),
        source,
    })
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
            assert!(
                matches!(e, SecretError::Exposed { mode: 0o640, .. }),
                "{e:?}"
            );
            assert!(e.to_string().contains("chmod 600"), "{e}");
        }
    }

    /// What `show capf online-ca` tells apart: the OS refused the read (the service's file
    /// in a `capfd setup` layout), by the io::Error's kind, not by its text.
    #[test]
    fn a_refused_read_is_told_by_its_kind() {
        let denied = SecretError::Read {
            path: PathBuf::from("/x"),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert!(denied.is_permission_denied());
        let missing = SecretError::Read {
            path: PathBuf::from("/x"),
            source: io::Error::from(io::ErrorKind::NotFound),
        };
        assert!(!missing.is_permission_denied());
        assert!(!SecretError::NotAFile(PathBuf::from("/x")).is_permission_denied());
    }
}
