//! The multi-user layout of a store that `capfd setup` creates or checks, so the roles capfsh
//! enforces are backed by the file system: a reader cannot write the store by any means.
//!
//! ```text
//! <folder>/               service:admins  2770 (setgid)  ACL g:operators:r-x g:readers:r-x
//!                                         default ACL: new files rw for admins and operators,
//!                                         r for readers, nothing for others (masked by mode)
//! <store>                 service:admins  0660  ACL g:operators:rw- g:readers:r--
//! <store>-wal, -shm       the same as the store; kept (persistent WAL) so nobody needs to
//!                         create them, which the folder would not allow
//! <store>.roles           root:root       0644  the groups of each role
//! CA key files            service:admins  0600  (only the service account and root read them)
//! <store>.est-password    service:admins  0600  the online CA password, likewise
//! ```
//!
//! Operators and readers cannot create, rename or delete anything in the folder; admins can.
//! The store file's group is the admins group, and the ACL adds the operators (read and write)
//! and the readers (read only).

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::ErrorKind;
use crate::roles::{RoleMap, group_id, roles_path, user_gid, user_id};
use crate::store::{OpenOptions, Store, StoreError};

/// Why the layout could not be made or checked; each variant keeps its source, and all are
/// refusals for the exit-code table ([`LayoutError::kind`]) but a store that cannot be opened,
/// which keeps the store's own kind.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// `capfd setup` without `--check` must change owners: only root can.
    #[error("capfd setup changes owners and ACLs: run it as root (or add --check to only look)")]
    NotRoot,
    /// A role's group is not in the group database.
    #[error(
        "group {0} does not exist: create it first (groupadd {0}) and add its members \
         (usermod -aG {0} USER)"
    )]
    NoGroup(String),
    /// The service account is not in the user database.
    #[error(
        "user {0} does not exist: create the service account first (useradd --system {0}; \
         the Debian package creates capfd)"
    )]
    NoServiceUser(String),
    /// A `--service`/`--admins`/... value that cannot be a user or group name.
    #[error("--{option} {value}: not a valid user or group name")]
    InvalidName {
        /// The option, without its dashes.
        option: String,
        /// The value given, control characters escaped.
        value: String,
    },
    /// The store's folder is a file or a symbolic link.
    #[error("{} is not a folder (a symbolic link?): give the store's real folder", .0.display())]
    NotAFolder(PathBuf),
    /// A file of the layout is a symbolic link.
    #[error("{} is a symbolic link: refusing to follow it", .0.display())]
    SymbolicLink(PathBuf),
    /// The store could not be created or migrated.
    #[error("{}: {source}", .path.display())]
    Store {
        /// The store.
        path: PathBuf,
        /// Why.
        #[source]
        source: StoreError,
    },
    /// A file operation on the layout failed.
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        /// `create`, `inspect`, `chown`, `chmod`, `read the ACL of`...
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// The file system has no POSIX ACLs.
    #[error(
        "the file system of {} does not support POSIX ACLs (mount it with acl): the roles \
         layout needs them",
        .0.display()
    )]
    AclUnsupported(PathBuf),
    /// A path or attribute name holds a NUL byte: it cannot be given to the OS.
    #[error("{0} holds a NUL byte")]
    Nul(String, #[source] std::ffi::NulError),
    /// `capfd setup --check` found differences.
    #[error("{0} difference(s) from the layout: run capfd setup without --check to fix them")]
    Differences(usize),
}

impl LayoutError {
    /// Which kind of failure this is (the exit code follows from it).
    pub fn kind(&self) -> ErrorKind {
        match self {
            LayoutError::Store { source, .. } => source.kind(),
            _ => ErrorKind::Refused,
        }
    }
}

/// One thing `capfd setup` found: what, and whether it was (or, with `--check`, would be)
/// changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file or folder.
    pub path: PathBuf,
    /// What was wrong, or `ok`.
    pub what: String,
    /// Whether it was fixed (false in check mode, or when nothing was wrong).
    pub fixed: bool,
    /// Whether it was wrong.
    pub problem: bool,
}

/// The ids the layout is made of.
struct Ids {
    service_uid: u32,
    service_gid: u32,
    admins: u32,
    operators: u32,
    readers: u32,
}

fn resolve(map: &RoleMap) -> Result<Ids, LayoutError> {
    let group = |g: &str| group_id(g).ok_or_else(|| LayoutError::NoGroup(g.to_owned()));
    let service_uid =
        user_id(&map.service).ok_or_else(|| LayoutError::NoServiceUser(map.service.clone()))?;
    Ok(Ids {
        service_uid,
        service_gid: user_gid(&map.service).unwrap_or(0),
        admins: group(&map.admins)?,
        operators: group(&map.operators)?,
        readers: group(&map.readers)?,
    })
}

/// Creates (or with `check_only`, checks) the layout of the store at `db` for `map`. Returns
/// every finding; with `check_only`, nothing is changed.
pub fn setup(db: &Path, map: &RoleMap, check_only: bool) -> Result<Vec<Finding>, LayoutError> {
    // SAFETY: geteuid cannot fail.
    if !check_only && unsafe { libc::geteuid() } != 0 {
        return Err(LayoutError::NotRoot);
    }
    let ids = resolve(map)?;
    let folder = match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut found = Vec::new();
    let mut note = |path: &Path, what: String, problem: bool| {
        found.push(Finding {
            path: path.to_path_buf(),
            what,
            fixed: problem && !check_only,
            problem,
        });
    };

    // The folder.
    match fs::symlink_metadata(&folder) {
        Ok(m) if m.file_type().is_symlink() || !m.is_dir() => {
            return Err(LayoutError::NotAFolder(folder));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            note(&folder, "missing: created".into(), true);
            if !check_only {
                fs::create_dir_all(&folder).map_err(|e| io_err("create", &folder, e))?;
            }
        }
        Err(e) => return Err(io_err("inspect", &folder, e)),
    }
    let folder_acl = Acl {
        user: 7,
        group: 7,
        named_groups: vec![(ids.operators, 5), (ids.readers, 5)],
        mask: 7,
        other: 0,
    };
    let file_acl = Acl {
        user: 6,
        group: 6,
        named_groups: vec![(ids.operators, 6), (ids.readers, 4)],
        mask: 6,
        other: 0,
    };
    if folder.exists() {
        let problems = owner_mode_acl(
            &folder,
            (ids.service_uid, ids.admins),
            0o2770,
            Some(&folder_acl),
            Some(&file_acl),
            check_only,
        )?;
        report(&mut note, &folder, problems);
    }

    // The store (created and migrated here when missing), its -wal and -shm.
    if !db.exists() {
        note(db, "missing: created".into(), true);
        if !check_only {
            Store::open(db, &OpenOptions::default()).map_err(|source| LayoutError::Store {
                path: db.to_path_buf(),
                source,
            })?;
        }
    }
    let mut side = Vec::new();
    for suffix in ["-wal", "-shm"] {
        let mut name = db.as_os_str().to_os_string();
        name.push(suffix);
        side.push(PathBuf::from(name));
    }
    for p in &side {
        if !p.exists() && (db.exists() || !check_only) {
            note(
                p,
                "missing: created empty (readers and operators may not create files)".into(),
                true,
            );
            if !check_only {
                fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(p)
                    .map_err(|e| io_err("create", p, e))?;
            }
        }
    }
    for p in std::iter::once(db.to_path_buf()).chain(side) {
        if p.exists() {
            let problems = owner_mode_acl(
                &p,
                (ids.service_uid, ids.admins),
                0o660,
                Some(&file_acl),
                None,
                check_only,
            )?;
            report(&mut note, &p, problems);
        }
    }

    // The roles file.
    let roles = roles_path(db);
    let wanted = map.render(db);
    let current = fs::read_to_string(&roles).ok();
    if current.as_deref() != Some(wanted.as_str()) {
        let what = if current.is_none() {
            "missing: written"
        } else {
            "names other groups: rewritten"
        };
        note(&roles, what.into(), true);
        if !check_only {
            write_roles_file(&roles, &wanted)?;
        }
    }
    if roles.exists() {
        let problems = owner_mode_acl(&roles, (0, 0), 0o644, None, None, check_only)?;
        report(&mut note, &roles, problems);
    }

    // CA key files, then the online CA password: the service account's alone (capfd run
    // signs with the keys and sends the password; capfsh only ever replaces the password).
    let mut secrets = Vec::new();
    if db.exists()
        && let Ok(store) = Store::open(db, &OpenOptions::default())
    {
        secrets.extend(store.ca_key_files().unwrap_or_default());
        if let Ok(Some(ca)) = store.online_ca() {
            secrets.push(ca.password_file);
        }
    }
    for name in secrets {
        let p = folder.join(&name);
        if p.is_file() {
            let problems = owner_mode_acl(
                &p,
                (ids.service_uid, ids.admins),
                0o600,
                None,
                None,
                check_only,
            )?;
            report(&mut note, &p, problems);
        }
    }
    let _ = ids.service_gid;
    Ok(found)
}

fn report(note: &mut impl FnMut(&Path, String, bool), path: &Path, problems: Vec<String>) {
    if problems.is_empty() {
        note(path, "ok".into(), false);
    }
    for p in problems {
        note(path, p, true);
    }
}

fn io_err(action: &'static str, path: &Path, source: io::Error) -> LayoutError {
    LayoutError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Compares owner, group, mode and ACLs of `path` with what is wanted, fixing them unless
/// `check_only`; returns what differed.
fn owner_mode_acl(
    path: &Path,
    (uid, gid): (u32, u32),
    mode: u32,
    acl: Option<&Acl>,
    default_acl: Option<&Acl>,
    check_only: bool,
) -> Result<Vec<String>, LayoutError> {
    let mut problems = Vec::new();
    let meta = fs::symlink_metadata(path).map_err(|e| io_err("inspect", path, e))?;
    if meta.file_type().is_symlink() {
        return Err(LayoutError::SymbolicLink(path.to_path_buf()));
    }
    if (meta.uid(), meta.gid()) != (uid, gid) {
        problems.push(format!(
            "owner {}:{}, wanted {uid}:{gid}",
            meta.uid(),
            meta.gid()
        ));
        if !check_only {
            std::os::unix::fs::chown(path, Some(uid), Some(gid))
                .map_err(|e| io_err("chown", path, e))?;
        }
    }
    // chown clears setgid on some systems: read the mode again.
    let current_mode = fs::symlink_metadata(path)
        .map_err(|e| io_err("inspect", path, e))?
        .mode()
        & 0o7777;
    let current_acl = Acl::read(path, ACCESS)?;
    let wanted_mode = match acl {
        // With an ACL, the group bits show the mask.
        Some(a) => (mode & !0o070) | (a.mask << 3),
        None => mode,
    };
    if current_mode != wanted_mode {
        problems.push(format!("mode {current_mode:04o}, wanted {wanted_mode:04o}"));
        if !check_only {
            fs::set_permissions(path, fs::Permissions::from_mode(mode))
                .map_err(|e| io_err("chmod", path, e))?;
        }
    }
    match acl {
        Some(a) if current_acl.as_ref() != Some(a) => {
            problems.push("ACL differs (operators and readers)".into());
            if !check_only {
                a.write(path, ACCESS)?;
            }
        }
        // Entries masked to nothing (a key created 0600 under the folder's default ACL) grant
        // nothing; only effective ones count.
        None if current_acl
            .as_ref()
            .is_some_and(|a| a.named_groups.iter().any(|(_, p)| p & a.mask != 0)) =>
        {
            problems.push("has an ACL granting other groups".into());
            if !check_only {
                remove_acl(path)?;
                fs::set_permissions(path, fs::Permissions::from_mode(mode))
                    .map_err(|e| io_err("chmod", path, e))?;
            }
        }
        _ => {}
    }
    if let Some(d) = default_acl
        && Acl::read(path, DEFAULT)?.as_ref() != Some(d)
    {
        problems.push("default ACL (for new files) differs".into());
        if !check_only {
            d.write(path, DEFAULT)?;
        }
    }
    Ok(problems)
}

fn write_roles_file(path: &Path, text: &str) -> Result<(), LayoutError> {
    use crate::sys::{Existing, SafeFile};
    use std::io::Write;
    // The one safe file writer: a temporary file beside it, made root's and 0644 before it
    // appears, synced, renamed over the old one, never through a link.
    let result = (|| -> io::Result<()> {
        let mut f = SafeFile::create(path, 0o644, Existing::Replace)?;
        f.file()?
            .set_permissions(fs::Permissions::from_mode(0o644))?;
        std::os::unix::fs::fchown(f.file()?, Some(0), Some(0))?;
        f.write_all(text.as_bytes())?;
        f.commit()
    })();
    result.map_err(|e| io_err("write", path, e))
}

const ACCESS: &str = "system.posix_acl_access";
const DEFAULT: &str = "system.posix_acl_default";

/// A POSIX ACL with named group entries only (what the layout uses).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Acl {
    user: u32,
    group: u32,
    named_groups: Vec<(u32, u32)>,
    mask: u32,
    other: u32,
}

// The kernel's xattr form of a POSIX ACL (linux/posix_acl_xattr.h): a version word, then
// entries of (tag u16, perm u16, id u32), little-endian, sorted by tag and id.
const ACL_VERSION: u32 = 2;
const TAG_USER_OBJ: u16 = 0x01;
const TAG_USER: u16 = 0x02;
const TAG_GROUP_OBJ: u16 = 0x04;
const TAG_GROUP: u16 = 0x08;
const TAG_MASK: u16 = 0x10;
const TAG_OTHER: u16 = 0x20;
const NO_ID: u32 = u32::MAX;

impl Acl {
    fn encode(&self) -> Vec<u8> {
        let mut groups = self.named_groups.clone();
        groups.sort_unstable();
        let mut entries = vec![
            (TAG_USER_OBJ, self.user, NO_ID),
            (TAG_GROUP_OBJ, self.group, NO_ID),
        ];
        entries.extend(groups.iter().map(|(id, perm)| (TAG_GROUP, *perm, *id)));
        entries.push((TAG_MASK, self.mask, NO_ID));
        entries.push((TAG_OTHER, self.other, NO_ID));
        let mut out = ACL_VERSION.to_le_bytes().to_vec();
        for (tag, perm, id) in entries {
            out.extend(tag.to_le_bytes());
            out.extend((perm as u16).to_le_bytes());
            out.extend(id.to_le_bytes());
        }
        out
    }

    fn decode(bytes: &[u8]) -> Option<Acl> {
        let (version, rest) = bytes.split_first_chunk::<4>()?;
        if u32::from_le_bytes(*version) != ACL_VERSION || rest.len() % 8 != 0 {
            return None;
        }
        let mut acl = Acl {
            user: 0,
            group: 0,
            named_groups: Vec::new(),
            mask: 0,
            other: 0,
        };
        let mut has_mask = false;
        for e in rest.chunks_exact(8) {
            let tag = u16::from_le_bytes([e[0], e[1]]);
            let perm = u32::from(u16::from_le_bytes([e[2], e[3]]));
            let id = u32::from_le_bytes([e[4], e[5], e[6], e[7]]);
            match tag {
                TAG_USER_OBJ => acl.user = perm,
                TAG_GROUP_OBJ => acl.group = perm,
                TAG_GROUP => acl.named_groups.push((id, perm)),
                // A named user is not part of the layout: never equal to a wanted ACL.
                TAG_USER => acl.named_groups.push((NO_ID, perm)),
                TAG_MASK => {
                    acl.mask = perm;
                    has_mask = true;
                }
                TAG_OTHER => acl.other = perm,
                _ => return None,
            }
        }
        if !has_mask {
            acl.mask = acl.group;
        }
        acl.named_groups.sort_unstable();
        Some(acl)
    }

    fn read(path: &Path, name: &str) -> Result<Option<Acl>, LayoutError> {
        let p = cpath(path)?;
        let n = std::ffi::CString::new(name).map_err(|e| LayoutError::Nul(name.to_owned(), e))?;
        let mut buf = vec![0u8; 4096];
        // SAFETY: valid NUL-terminated strings and a buffer of the length given.
        let got =
            unsafe { libc::lgetxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        if got < 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::ENODATA) => Ok(None),
                Some(libc::EOPNOTSUPP) => Err(acl_unsupported(path)),
                _ => Err(io_err("read the ACL of", path, e)),
            };
        }
        buf.truncate(got as usize);
        Ok(Acl::decode(&buf))
    }

    fn write(&self, path: &Path, name: &str) -> Result<(), LayoutError> {
        let p = cpath(path)?;
        let n = std::ffi::CString::new(name).map_err(|e| LayoutError::Nul(name.to_owned(), e))?;
        let bytes = self.encode();
        // SAFETY: valid NUL-terminated strings and a buffer of the length given.
        let rc = unsafe {
            libc::lsetxattr(
                p.as_ptr(),
                n.as_ptr(),
                bytes.as_ptr().cast(),
                bytes.len(),
                0,
            )
        };
        if rc != 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EOPNOTSUPP) {
                return Err(acl_unsupported(path));
            }
            return Err(io_err("set the ACL of", path, e));
        }
        Ok(())
    }
}

fn remove_acl(path: &Path) -> Result<(), LayoutError> {
    let p = cpath(path)?;
    let n = std::ffi::CString::new(ACCESS).map_err(|e| LayoutError::Nul(ACCESS.to_owned(), e))?;
    // SAFETY: valid NUL-terminated strings.
    let rc = unsafe { libc::lremovexattr(p.as_ptr(), n.as_ptr()) };
    if rc != 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::ENODATA) {
            return Err(io_err("remove the ACL of", path, e));
        }
    }
    Ok(())
}

fn acl_unsupported(path: &Path) -> LayoutError {
    LayoutError::AclUnsupported(path.to_path_buf())
}

fn cpath(path: &Path) -> Result<std::ffi::CString, LayoutError> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|e| LayoutError::Nul(path.display().to_string(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Errors keep their source; a store that cannot be opened keeps the store's kind.
    #[test]
    fn errors_keep_their_source_and_kind() {
        use std::error::Error as _;
        let e = io_err(
            "chmod",
            Path::new("/x"),
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert_eq!(e.kind(), ErrorKind::Refused);
        assert!(e.to_string().starts_with("cannot chmod /x: "), "{e}");
        let io = e
            .source()
            .and_then(|s| s.downcast_ref::<io::Error>())
            .expect("source");
        assert_eq!(io.kind(), io::ErrorKind::PermissionDenied);
        let busy = LayoutError::Store {
            path: PathBuf::from("/x/capf.db"),
            source: StoreError::Busy,
        };
        assert_eq!(busy.kind(), ErrorKind::StoreUnavailable);
        assert!(busy.source().is_some());
    }

    #[test]
    fn acl_round_trips_through_the_kernel_form() {
        let acl = Acl {
            user: 6,
            group: 6,
            named_groups: vec![(1002, 4), (1001, 6)],
            mask: 6,
            other: 0,
        };
        let mut sorted = acl.clone();
        sorted.named_groups.sort_unstable();
        assert_eq!(Acl::decode(&acl.encode()), Some(sorted));
        assert_eq!(Acl::decode(&[1, 2, 3]), None);
    }
}
