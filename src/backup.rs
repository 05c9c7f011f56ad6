//! Backups of a store with its CA keys (`utils capf backup <folder>`) and their restore
//! (`capfd restore <folder> --db PATH`).
//!
//! A backup folder holds a consistent copy of the store, every CA key file the store names
//! (under the name it records, relative to the store's folder, so the restored store finds its
//! keys beside it whatever it is called), the online CA password file `<store>.est-password`
//! when there is one (restored under the restored store's name), and a manifest with each file's mode and SHA-256.
//! Nothing is ever overwritten: every file is written to a temporary name in the same folder,
//! synced, checked, and then linked to its final name, which fails if that name exists.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::ErrorKind;
use crate::store::{Actor, OpenOptions, Store, StoreError, check_copy};

/// The manifest's file name inside a backup folder.
pub const MANIFEST: &str = "capf-backup.txt";

/// The first line of a manifest: what made it, so a stray file is not taken for one.
const MANIFEST_HEADER: &str = "# capfsh backup v1";

/// The largest manifest or key file read (keys are a few KiB).
const MAX_SMALL_FILE: u64 = 64 * 1024;

/// Why a backup or restore did not happen; one line for the admin. Nothing was left behind.
/// Each variant keeps its source; the exit code follows from [`BackupError::kind`].
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The store could not be read, copied or opened (busy, read-only, corrupt, newer...).
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A file or folder of the backup or the restore could not be read or inspected.
    #[error("{}: {source}", .path.display())]
    Access {
        /// The file or folder.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// A file could not be created, written, synced or given its mode.
    #[error("cannot {action} {}: {source}", .path.display())]
    Write {
        /// `create`, `write`, `sync`, `set the mode of`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// A CA key or the online CA password beside the store could not be read.
    #[error(
        "cannot read the {what} {}: {source} (run the backup as the store's owner or root)",
        .path.display()
    )]
    Unreadable {
        /// `CA key` or `online CA password`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// The backup folder could not be created.
    #[error("cannot create {}: {source} (its parent folder must exist)", .path.display())]
    FolderNotCreated {
        /// The folder.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// The backup folder is a symbolic link.
    #[error("{} is a symbolic link: give the real folder", .0.display())]
    FolderIsLink(PathBuf),
    /// The backup folder's name is taken by a file.
    #[error("{} exists and is not a folder", .0.display())]
    NotAFolder(PathBuf),
    /// The backup folder holds files already.
    #[error(
        "{} is not empty: a backup never overwrites; give a new or empty folder",
        .0.display()
    )]
    FolderNotEmpty(PathBuf),
    /// A file that would be written exists: nothing is overwritten.
    #[error("{} exists: never overwritten", .path.display())]
    Exists {
        /// The file.
        path: PathBuf,
        /// What the OS said (`AlreadyExists`).
        #[source]
        source: io::Error,
    },
    /// The manifest cannot be read: not a backup folder.
    #[error(
        "{}: {source}: not a capfsh backup folder (made by utils capf backup)",
        .path.display()
    )]
    NoManifest {
        /// The manifest's path.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// The manifest is not UTF-8 text.
    #[error("{} is not text", .0.display())]
    ManifestNotText(PathBuf),
    /// The manifest's first line is not ours.
    #[error("{} is not a capfsh backup manifest", .0.display())]
    NotAManifest(PathBuf),
    /// A line of the manifest cannot be read.
    #[error("{} line {line}: malformed", .path.display())]
    MalformedManifest {
        /// The manifest's path.
        path: PathBuf,
        /// The line number (from 1).
        line: usize,
    },
    /// The manifest names no store or more than one.
    #[error("{} must name exactly one store", .0.display())]
    StoreCount(PathBuf),
    /// A recorded file name would leave the folder.
    #[error("refusing the file name {0:?}: a backup holds only names below its folder")]
    UnsafeName(String),
    /// A file of the backup does not match its checksum.
    #[error(
        "{} does not match its SHA-256 in the manifest: the backup is damaged; nothing was \
         restored",
        .0.display()
    )]
    Damaged(PathBuf),
    /// The folder to restore into does not exist.
    #[error("folder {} does not exist: create it first", .0.display())]
    NoTargetFolder(PathBuf),
    /// The store path to restore to is a symbolic link.
    #[error("{} is a symbolic link: restore to the real path", .0.display())]
    TargetIsLink(PathBuf),
    /// A store exists where the restore would put one, and `--force` was not given.
    #[error(
        "{} exists: restore never overwrites a store unless --force is given",
        .0.display()
    )]
    StoreExists(PathBuf),
    /// A key or password file beside the target holds something else.
    #[error(
        "{} exists with other content (another store's CA key or password?): move it away or \
         restore into another folder; nothing was restored",
        .0.display()
    )]
    ForeignFile(PathBuf),
}

impl BackupError {
    /// Which kind of failure this is: the store's own kind for store trouble (a busy store is
    /// worth retrying), a refusal for everything else.
    pub fn kind(&self) -> ErrorKind {
        match self {
            BackupError::Store(e) => e.kind(),
            _ => ErrorKind::Refused,
        }
    }

    fn access(path: &Path, source: io::Error) -> BackupError {
        BackupError::Access {
            path: path.to_path_buf(),
            source,
        }
    }

    fn write(action: &'static str, path: &Path, source: io::Error) -> BackupError {
        BackupError::Write {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    /// A failed write of `path` that must never replace it: `Exists` when the name is taken.
    fn no_overwrite(path: &Path, source: io::Error) -> BackupError {
        if source.kind() == io::ErrorKind::AlreadyExists {
            BackupError::Exists {
                path: path.to_path_buf(),
                source,
            }
        } else {
            BackupError::write("write", path, source)
        }
    }
}

/// One file of a backup, as its manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFile {
    /// `store` or `key`.
    pub kind: FileKind,
    /// Name relative to the folder (for keys: as the store records it).
    pub name: String,
    /// Permission bits of the original.
    pub mode: u32,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// What a file of a backup is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The store (one per backup).
    Store,
    /// A CA private key file.
    Key,
    /// The online CA password file (`<store>.est-password`): without it a restored store
    /// could not reach its EST CA.
    EstPassword,
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// The folder.
    pub folder: PathBuf,
    /// The files written, store first.
    pub files: Vec<BackupFile>,
    /// The store's schema version.
    pub schema_version: i64,
    /// Key files the store names but that no longer exist (retired keys someone deleted).
    pub missing_retired_keys: Vec<String>,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    /// The store written.
    pub db: PathBuf,
    /// Key files written beside it.
    pub keys_written: Vec<String>,
    /// Key files that were already there with the same content.
    pub keys_present: Vec<String>,
    /// Where the online CA password file was restored (or found with the same content).
    pub est_password: Option<PathBuf>,
    /// Whether an existing store was replaced (`--force`).
    pub replaced: bool,
}

/// Backs up the open `store` into `folder`, which must not exist yet or be empty.
pub fn backup(store: &Store, folder: &Path) -> Result<BackupReport, BackupError> {
    let created = prepare_folder(folder)?;
    let result = write_backup(store, folder);
    if result.is_err() && created {
        // Leave nothing half-made behind: the folder was ours.
        let _ = fs::remove_dir_all(folder);
    }
    result
}

fn write_backup(store: &Store, folder: &Path) -> Result<BackupReport, BackupError> {
    let db_path = store.path();
    let store_dir = parent_of(db_path);
    let store_name = db_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "capf.db".into());
    let mut files = Vec::new();

    // The store: VACUUM INTO a temporary name, synced, integrity-checked, then linked.
    let tmp = temp_name(folder, &store_name);
    store.copy_into(&tmp)?;
    let finish_store = (|| -> Result<(i64, BackupFile), BackupError> {
        let mode = mode_of(db_path).unwrap_or(0o600);
        set_mode(&tmp, mode)?;
        sync_file(&tmp)?;
        let version = check_copy(&tmp)?;
        let sha256 = sha256_file(&tmp)?;
        link_no_overwrite(&tmp, &folder.join(&store_name))?;
        Ok((
            version,
            BackupFile {
                kind: FileKind::Store,
                name: store_name.clone(),
                mode,
                sha256,
            },
        ))
    })();
    let _ = fs::remove_file(&tmp);
    let (schema_version, store_file) = finish_store?;
    files.push(store_file);

    // Every CA key, active and retired, under its recorded name.
    let keys = store.ca_key_files()?;
    let active = store.active_ca()?.and_then(|c| c.key_file);
    let mut missing_retired_keys = Vec::new();
    for name in keys {
        let rel = safe_relative(&name)?;
        let src = store_dir.join(&rel);
        let bytes = match read_small(&src) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound && active.as_deref() != Some(&name) => {
                missing_retired_keys.push(name);
                continue;
            }
            Err(source) => {
                return Err(BackupError::Unreadable {
                    what: "CA key",
                    path: src,
                    source,
                });
            }
        };
        let mode = mode_of(&src).unwrap_or(0o600);
        let dest = folder.join(&rel);
        if let Some(dir) = dest.parent() {
            create_private_dirs(dir)?;
        }
        write_new_file(&dest, &bytes, mode)?;
        files.push(BackupFile {
            kind: FileKind::Key,
            name,
            mode,
            sha256: hex(&Sha256::digest(&bytes)),
        });
    }

    // The online CA password, under the store's name so a restore can rename it with the store.
    let pw_src = crate::est::secret::password_path(db_path);
    match read_small(&pw_src) {
        Ok(bytes) => {
            let mode = mode_of(&pw_src).unwrap_or(0o600);
            let name = format!("{store_name}.est-password");
            write_new_file(&folder.join(&name), &bytes, mode)?;
            files.push(BackupFile {
                kind: FileKind::EstPassword,
                name,
                mode,
                sha256: hex(&Sha256::digest(&bytes)),
            });
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(BackupError::Unreadable {
                what: "online CA password",
                path: pw_src,
                source,
            });
        }
    }

    let manifest = render_manifest(&files, schema_version, store.clock().now());
    write_new_file(&folder.join(MANIFEST), manifest.as_bytes(), 0o600)?;
    sync_dir(folder)?;
    Ok(BackupReport {
        folder: folder.to_path_buf(),
        files,
        schema_version,
        missing_retired_keys,
    })
}

/// Restores the backup in `folder` as the store `db`, its keys beside it. An existing store is
/// refused unless `force`; an existing key file with other content is always refused (it may
/// be another store's CA key). The backup is checked whole before anything is written.
pub fn restore(
    folder: &Path,
    db: &Path,
    force: bool,
    actor: &Actor,
) -> Result<RestoreReport, BackupError> {
    let files = read_manifest(folder)?;
    for f in &files {
        let path = folder.join(safe_relative(&f.name)?);
        if sha256_file(&path)? != f.sha256 {
            return Err(BackupError::Damaged(path));
        }
    }
    let store_file = files
        .iter()
        .find(|f| f.kind == FileKind::Store)
        .ok_or_else(|| BackupError::StoreCount(folder.join(MANIFEST)))?;
    let backup_db = folder.join(&store_file.name);
    check_copy(&backup_db)?;

    let target_dir = parent_of(db);
    if !target_dir.is_dir() {
        return Err(BackupError::NoTargetFolder(target_dir));
    }
    let exists = match fs::symlink_metadata(db) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(BackupError::TargetIsLink(db.to_path_buf()));
        }
        Ok(_) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(BackupError::access(db, e)),
    };
    if exists && !force {
        return Err(BackupError::StoreExists(db.to_path_buf()));
    }

    // Keys (and the online CA password, named after the restored store) first, checked all
    // before any is written.
    let mut to_write = Vec::new();
    let mut keys_present = Vec::new();
    let mut est_password = None;
    for f in files.iter().filter(|f| f.kind != FileKind::Store) {
        let rel = safe_relative(&f.name)?;
        let dest = match f.kind {
            FileKind::EstPassword => {
                est_password = Some(crate::est::secret::password_path(db));
                crate::est::secret::password_path(db)
            }
            _ => target_dir.join(&rel),
        };
        match fs::symlink_metadata(&dest) {
            Ok(_) => {
                let same = sha256_file(&dest).is_ok_and(|s| s == f.sha256);
                if !same {
                    return Err(BackupError::ForeignFile(dest));
                }
                if f.kind == FileKind::Key {
                    keys_present.push(f.name.clone());
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => to_write.push((f, rel, dest)),
            Err(e) => return Err(BackupError::access(&dest, e)),
        }
    }
    let mut written: Vec<PathBuf> = Vec::new();
    let outcome = (|| -> Result<bool, BackupError> {
        for (f, rel, dest) in &to_write {
            if let Some(dir) = dest.parent() {
                create_private_dirs(dir)?;
            }
            let bytes = read_small(&folder.join(rel))
                .map_err(|e| BackupError::access(Path::new(&f.name), e))?;
            write_new_file(dest, &bytes, f.mode & 0o600)?;
            written.push(dest.clone());
        }
        let detail = format!("store restored from the backup in {}", folder.display());
        if exists {
            let mut store = Store::open(db, &OpenOptions::default())?;
            store.replace_from(&backup_db, actor, &detail)?;
            Ok(true)
        } else {
            let name = db
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "capf.db".into());
            let tmp = temp_name(&target_dir, &name);
            let copied = (|| -> Result<(), BackupError> {
                let mut src =
                    fs::File::open(&backup_db).map_err(|e| BackupError::access(&backup_db, e))?;
                let mut out = create_new(&tmp, store_file.mode)?;
                io::copy(&mut src, &mut out)
                    .and_then(|_| out.sync_all())
                    .map_err(|e| BackupError::write("write", &tmp, e))?;
                check_copy(&tmp)?;
                link_no_overwrite(&tmp, db)
            })();
            let _ = fs::remove_file(&tmp);
            copied?;
            written.push(db.to_path_buf());
            // Opening brings an older backup's schema up to date; the audit line says where
            // the store came from.
            let mut store = Store::open(db, &OpenOptions::default())?;
            store.log_event(actor, &detail)?;
            Ok(false)
        }
    })();
    match outcome {
        Ok(replaced) => {
            sync_dir(&target_dir)?;
            Ok(RestoreReport {
                db: db.to_path_buf(),
                keys_written: to_write
                    .iter()
                    .filter(|(f, _, _)| f.kind == FileKind::Key)
                    .map(|(f, _, _)| f.name.clone())
                    .collect(),
                keys_present,
                est_password,
                replaced,
            })
        }
        Err(e) => {
            for p in written {
                let _ = fs::remove_file(p);
            }
            Err(e)
        }
    }
}

/// Creates `folder` (0700) or accepts an existing empty one; returns whether it was created.
fn prepare_folder(folder: &Path) -> Result<bool, BackupError> {
    match fs::symlink_metadata(folder) {
        Ok(m) if m.file_type().is_symlink() => Err(BackupError::FolderIsLink(folder.to_path_buf())),
        Ok(m) if !m.is_dir() => Err(BackupError::NotAFolder(folder.to_path_buf())),
        Ok(_) => {
            let mut entries = fs::read_dir(folder).map_err(|e| BackupError::access(folder, e))?;
            if entries.next().is_some() {
                return Err(BackupError::FolderNotEmpty(folder.to_path_buf()));
            }
            Ok(false)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut b = fs::DirBuilder::new();
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            b.create(folder)
                .map_err(|source| BackupError::FolderNotCreated {
                    path: folder.to_path_buf(),
                    source,
                })?;
            Ok(true)
        }
        Err(e) => Err(BackupError::access(folder, e)),
    }
}

fn render_manifest(
    files: &[BackupFile],
    schema_version: i64,
    made: crate::domain::Timestamp,
) -> String {
    let mut s = format!(
        "{MANIFEST_HEADER}\n# made {} UTC by capfsh {}; schema {schema_version}\n\
         # kind mode sha256 name\n",
        crate::domain::format_cli(&made),
        env!("CARGO_PKG_VERSION")
    );
    for f in files {
        let kind = match f.kind {
            FileKind::Store => "store",
            FileKind::Key => "key",
            FileKind::EstPassword => "est-password",
        };
        s.push_str(&format!("{kind} {:04o} {} {}\n", f.mode, f.sha256, f.name));
    }
    s
}

/// Reads and checks a backup's manifest.
pub fn read_manifest(folder: &Path) -> Result<Vec<BackupFile>, BackupError> {
    let path = folder.join(MANIFEST);
    let bytes = read_small(&path).map_err(|source| BackupError::NoManifest {
        path: path.clone(),
        source,
    })?;
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(BackupError::ManifestNotText(path));
    };
    if text.lines().next() != Some(MANIFEST_HEADER) {
        return Err(BackupError::NotAManifest(path));
    }
    let mut files = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let bad = || BackupError::MalformedManifest {
            path: path.clone(),
            line: n + 1,
        };
        let mut parts = line.splitn(4, ' ');
        let kind = match parts.next() {
            Some("store") => FileKind::Store,
            Some("key") => FileKind::Key,
            Some("est-password") => FileKind::EstPassword,
            _ => return Err(bad()),
        };
        let mode = parts
            .next()
            .and_then(|m| u32::from_str_radix(m, 8).ok())
            .filter(|m| *m <= 0o777)
            .ok_or_else(bad)?;
        let sha256 = parts
            .next()
            .filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(bad)?
            .to_owned();
        let name = parts.next().filter(|s| !s.is_empty()).ok_or_else(bad)?;
        safe_relative(name)?;
        files.push(BackupFile {
            kind,
            name: name.to_owned(),
            mode,
            sha256,
        });
    }
    if files.iter().filter(|f| f.kind == FileKind::Store).count() != 1 {
        return Err(BackupError::StoreCount(path));
    }
    Ok(files)
}

/// A recorded name as a path below a folder: relative, no `..`, no root.
fn safe_relative(name: &str) -> Result<PathBuf, BackupError> {
    let p = Path::new(name);
    let ok = !name.is_empty()
        && p.components().all(|c| matches!(c, Component::Normal(_)))
        && !name.contains('\n');
    if ok {
        Ok(p.to_path_buf())
    } else {
        Err(BackupError::UnsafeName(name.to_owned()))
    }
}

fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn temp_name(folder: &Path, name: &str) -> PathBuf {
    folder.join(format!(".{name}.tmp-{}", std::process::id()))
}

fn read_small(path: &Path) -> io::Result<Vec<u8>> {
    let meta = fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Err(io::Error::other("a symbolic link; refusing to follow it"));
    }
    if meta.len() > MAX_SMALL_FILE {
        return Err(io::Error::other("too large"));
    }
    let mut buf = Vec::new();
    fs::File::open(path)?
        .take(MAX_SMALL_FILE + 1)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

fn sha256_file(path: &Path) -> Result<String, BackupError> {
    let mut f = fs::File::open(path).map_err(|e| BackupError::access(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(|e| BackupError::access(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn mode_of(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .map_err(|e| BackupError::write("set the mode of", path, e))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

fn create_new(path: &Path, mode: u32) -> Result<fs::File, BackupError> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(mode).custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let f = o
        .open(path)
        .map_err(|e| BackupError::write("create", path, e))?;
    // The umask may have taken bits away; the mode is the original's.
    set_mode(path, mode)?;
    Ok(f)
}

/// Writes `bytes` to `dest`, which must not exist, with exactly `mode`, through the one safe
/// file writer (a temporary name beside it, synced, then linked: never over an existing file,
/// never through a link).
fn write_new_file(dest: &Path, bytes: &[u8], mode: u32) -> Result<(), BackupError> {
    use crate::sys::{Existing, SafeFile};
    use std::os::unix::fs::PermissionsExt;
    let cannot = |e: io::Error| BackupError::no_overwrite(dest, e);
    let mut f = SafeFile::create(dest, mode, Existing::Refuse).map_err(cannot)?;
    // The umask may have taken bits away; the mode is the original's.
    f.file()
        .and_then(|file| file.set_permissions(fs::Permissions::from_mode(mode)))
        .map_err(cannot)?;
    f.write_all(bytes).map_err(cannot)?;
    f.commit().map_err(cannot)
}

/// Gives `tmp` the name `dest` without ever replacing an existing `dest` (a hard link fails
/// when the name is taken, where a rename would overwrite).
fn link_no_overwrite(tmp: &Path, dest: &Path) -> Result<(), BackupError> {
    fs::hard_link(tmp, dest).map_err(|e| BackupError::no_overwrite(dest, e))
}

fn sync_file(path: &Path) -> Result<(), BackupError> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| BackupError::write("sync", path, e))
}

fn sync_dir(dir: &Path) -> Result<(), BackupError> {
    // A directory's entries are durable once the directory itself is synced.
    match fs::File::open(dir).and_then(|f| f.sync_all()) {
        Ok(()) => Ok(()),
        Err(e) => Err(BackupError::write("sync", dir, e)),
    }
}

fn create_private_dirs(dir: &Path) -> Result<(), BackupError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| BackupError::write("create", dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_below_the_folder() {
        assert!(safe_relative("capf.db.ca-key.pem").is_ok());
        assert!(safe_relative("keys/capf.db.ca-key.pem").is_ok());
        for bad in ["", "../x", "/etc/passwd", "a/../../b", "./x"] {
            assert!(safe_relative(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn manifest_round_trips_and_refuses_damage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = vec![
            BackupFile {
                kind: FileKind::Store,
                name: "capf.db".into(),
                mode: 0o600,
                sha256: "ab".repeat(32),
            },
            BackupFile {
                kind: FileKind::Key,
                name: "capf.db.ca-key.pem".into(),
                mode: 0o600,
                sha256: "cd".repeat(32),
            },
        ];
        std::fs::write(
            dir.path().join(MANIFEST),
            render_manifest(&files, 4, chrono::Utc::now()),
        )
        .expect("write");
        assert_eq!(read_manifest(dir.path()).expect("manifest"), files);
        let evil = format!(
            "{MANIFEST_HEADER}\nstore 0600 {} ../capf.db\n",
            "ab".repeat(32)
        );
        std::fs::write(dir.path().join(MANIFEST), evil).expect("write");
        assert!(read_manifest(dir.path()).is_err());
    }

    /// Errors keep their source and their kind: a busy store stays a busy store (exit 75 in
    /// capfd), a missing manifest keeps the OS error it came from.
    #[test]
    fn errors_keep_their_source_and_kind() {
        use std::error::Error as _;
        assert_eq!(
            BackupError::from(StoreError::Busy).kind(),
            ErrorKind::StoreUnavailable
        );
        assert_eq!(
            BackupError::from(StoreError::Corrupt).kind(),
            ErrorKind::Refused
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let e = read_manifest(dir.path()).expect_err("no manifest");
        assert!(matches!(e, BackupError::NoManifest { .. }), "{e:?}");
        assert_eq!(e.kind(), ErrorKind::Refused);
        let io = e
            .source()
            .and_then(|s| s.downcast_ref::<io::Error>())
            .expect("the io::Error is the source");
        assert_eq!(io.kind(), io::ErrorKind::NotFound);
        assert!(
            e.to_string()
                .ends_with(": not a capfsh backup folder (made by utils capf backup)"),
            "{e}"
        );
    }
}
