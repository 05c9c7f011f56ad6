//! Files written whole or not at all: a temporary file in the same folder, fsync, then rename
//! (or a hard link, when an existing file must not be replaced), then fsync of the folder.
//! Never through a symlink: the temporary file is created new, and rename and link replace or
//! refuse the name itself, not what it points to.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A temporary name beside `path` that no one else uses: `.<name>.tmp-<pid>-<n>`.
fn temp_path(path: &Path, n: u32) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

/// Creates a new temporary file beside `path` (mode `mode`), writes `data`, fsyncs it.
fn write_temp(path: &Path, data: &[u8], mode: u32) -> io::Result<PathBuf> {
    for n in 0..100 {
        let tmp = temp_path(path, n);
        let mut o = fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(mode);
        }
        #[cfg(not(unix))]
        let _ = mode;
        let mut f = match o.open(&tmp) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = f.write_all(data).and_then(|()| f.sync_all());
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        return Ok(tmp);
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free temporary file name",
    ))
}

/// fsyncs the folder holding `path`, so the new name survives a crash.
fn sync_parent(path: &Path) -> io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::File::open(parent)?.sync_all()
}

/// Writes `data` to `path`, replacing it whole if it exists (a reader sees the old file or the
/// new one, never half of one).
pub fn replace(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    let tmp = write_temp(path, data, mode)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_parent(path)
}

/// Writes `data` to `path`, which must not exist: fails with `AlreadyExists` otherwise, and
/// the existing file is untouched.
pub fn create_new(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    let tmp = write_temp(path, data, mode)?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    linked?;
    sync_parent(path)
}
