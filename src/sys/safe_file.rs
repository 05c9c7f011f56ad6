//! The one way capfsh and capfd write a file: a new temporary file in the same folder
//! (created exclusively, never through a link), written, synced, then renamed (or linked) over
//! the final name. A crash leaves the old file or the new one, never a mix; a symbolic link
//! planted at the final name is refused rather than followed; a file is never truncated before
//! its replacement is complete.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What to do when the final name already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Replace a regular file (never a link, folder or device).
    Replace,
    /// Refuse (`AlreadyExists`), as `O_EXCL` would: the name is taken atomically at commit.
    Refuse,
}

/// A file being written: data goes to a temporary file beside `dest`; [`SafeFile::commit`]
/// makes it appear under `dest` at once. Dropped uncommitted, it leaves nothing behind.
#[derive(Debug)]
pub struct SafeFile {
    dest: PathBuf,
    tmp: PathBuf,
    file: Option<File>,
    existing: Existing,
}

/// The folder `path` sits in (`.` for a bare name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses a final name that is a symbolic link, or exists as anything but a regular file.
fn check_dest(dest: &Path, existing: Existing) -> io::Result<()> {
    match fs::symlink_metadata(dest) {
        Ok(m) if m.file_type().is_symlink() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a symbolic link (refusing to write through it)",
        )),
        Ok(m) if !m.is_file() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it exists and is not a regular file",
        )),
        Ok(_) if existing == Existing::Refuse => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "it already exists",
        )),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

impl SafeFile {
    /// Starts writing `dest` with permission bits `mode` (less the umask). Fails at once when
    /// `dest` is a link or not a regular file, when it exists and `existing` is `Refuse`, or
    /// when its folder cannot take a new file, so callers learn of a bad path before they
    /// change anything else.
    pub fn create(dest: &Path, mode: u32, existing: Existing) -> io::Result<SafeFile> {
        check_dest(dest, existing)?;
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
        let folder = folder_of(dest);
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut last_err = None;
        for _ in 0..64 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let mut tmp_name = OsString::from(".");
            tmp_name.push(name);
            // `.<name>.tmp-<pid>-<unique>.tmp`: recognisable as temporary by either end.
            tmp_name.push(format!(".tmp-{}-{nanos:x}{n}.tmp", std::process::id()));
            let tmp = folder.join(tmp_name);
            let mut o = fs::OpenOptions::new();
            o.write(true)
                .create_new(true)
                .mode(mode)
                .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC);
            match o.open(&tmp) {
                Ok(file) => {
                    return Ok(SafeFile {
                        dest: dest.to_path_buf(),
                        tmp,
                        file: Some(file),
                        existing,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_err = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_err.unwrap_or_else(|| io::Error::other("no free temporary name")))
    }

    /// Where the file will appear.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// The temporary file, for what must be set before it appears under its name (an exact
    /// mode whatever the umask, an owner): through the open file, never by path.
    pub fn file(&self) -> io::Result<&File> {
        self.file
            .as_ref()
            .ok_or_else(|| io::Error::other("already committed"))
    }

    /// Syncs the data, then makes it appear under the final name (replacing a regular file,
    /// or taking a free name atomically), then syncs the folder so the name survives a crash.
    pub fn commit(mut self) -> io::Result<()> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("already committed"))?;
        file.sync_all()?;
        drop(file);
        match self.existing {
            Existing::Replace => {
                // A link planted since `create` is replaced by rename itself, never followed;
                // a folder planted there makes rename fail.
                check_dest(&self.dest, Existing::Replace)?;
                fs::rename(&self.tmp, &self.dest)?;
            }
            Existing::Refuse => {
                // link(2) fails when the name exists, whatever it is (a link too).
                fs::hard_link(&self.tmp, &self.dest)?;
                let _ = fs::remove_file(&self.tmp);
            }
        }
        if let Ok(dir) = File::open(folder_of(&self.dest)) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl Write for SafeFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.file.as_mut() {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for SafeFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `dest` in one step through a [`SafeFile`].
pub fn write_file(dest: &Path, bytes: &[u8], mode: u32, existing: Existing) -> io::Result<()> {
    let mut f = SafeFile::create(dest, mode, existing)?;
    f.write_all(bytes)?;
    f.commit()
}

/// Creates `dir` and its missing parents with mode 0700, whatever the umask (a state folder
/// others can write would let them plant links in it).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true).mode(0o700);
    b.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A fresh folder holding the file `name` with `content`, and that file's path.
    fn seeded(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(name);
        fs::write(&path, content).expect("seed");
        (dir, path)
    }

    #[test]
    fn replaces_a_file_only_when_complete_and_leaves_no_temporary() {
        let (dir, dest) = seeded("out.pem", "old");
        let mut f = SafeFile::create(&dest, 0o644, Existing::Replace).expect("create");
        f.write_all(b"new").expect("write");
        assert_eq!(fs::read_to_string(&dest).expect("read"), "old");
        f.commit().expect("commit");
        assert_eq!(fs::read_to_string(&dest).expect("read"), "new");
        assert_eq!(fs::read_dir(dir.path()).expect("ls").count(), 1);
    }

    #[test]
    fn an_uncommitted_file_leaves_the_old_one_and_nothing_else() {
        let (dir, dest) = seeded("out.pem", "old");
        {
            let mut f = SafeFile::create(&dest, 0o644, Existing::Replace).expect("create");
            f.write_all(b"half").expect("write");
        }
        assert_eq!(fs::read_to_string(&dest).expect("read"), "old");
        assert_eq!(fs::read_dir(dir.path()).expect("ls").count(), 1);
    }

    #[test]
    fn a_symbolic_link_at_the_final_name_is_refused_and_its_target_untouched() {
        let (dir, victim) = seeded("victim", "precious");
        let dest = dir.path().join("history");
        std::os::unix::fs::symlink(&victim, &dest).expect("link");
        let err = write_file(&dest, b"x", 0o600, Existing::Replace).expect_err("refused");
        assert!(err.to_string().contains("symbolic link"), "{err}");
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).expect("link");
        assert!(write_file(&dangling, b"x", 0o600, Existing::Refuse).is_err());
        assert!(!dir.path().join("nowhere").exists());
        assert_eq!(fs::read_to_string(&victim).expect("read"), "precious");
    }

    #[test]
    fn a_link_planted_after_create_is_replaced_not_followed() {
        let (dir, victim) = seeded("victim", "precious");
        let dest = dir.path().join("out");
        let mut f = SafeFile::create(&dest, 0o600, Existing::Replace).expect("create");
        f.write_all(b"mine").expect("write");
        std::os::unix::fs::symlink(&victim, &dest).expect("link");
        assert!(f.commit().is_err());
        assert_eq!(fs::read_to_string(&victim).expect("read"), "precious");
    }

    #[test]
    fn refuse_never_overwrites_and_mode_is_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("a.csr");
        write_file(&dest, b"one", 0o600, Existing::Refuse).expect("first");
        let mode = fs::metadata(&dest).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let err = write_file(&dest, b"two", 0o600, Existing::Refuse).expect_err("second");
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read_to_string(&dest).expect("read"), "one");
        assert_eq!(fs::read_dir(dir.path()).expect("ls").count(), 1);
    }
}
