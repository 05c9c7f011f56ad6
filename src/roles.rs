//! Who may do what: CUCM's privilege levels as three roles mapped from OS groups.
//!
//! | role | CUCM | may run |
//! |---|---|---|
//! | read-only | level 0 | every `show` and `list`, `dump`, `count`, `help` (commands that only read) |
//! | operator | level 1 | also every change but the CA and trust ones (keep-alive, validity, deletes, imports) |
//! | admin | level 4 | everything: also the issuer mode, trust anchors, backups, `capfd init`/`restore` |
//!
//! What a command needs follows from its effect in the command tree (`cli::tree::Effect`):
//! reading needs read-only, writing or destroying needs operator, administering needs admin;
//! this module knows roles, not commands.
//!
//! The map from groups to roles is the store's roles file, `<store>.roles` beside it, written by
//! `capfd setup` (owned by root or the store's owner, writable by nobody else: a file others
//! could write would let them choose their own role). Without one, the install is single-user:
//! root and the store file's owner are admin, anyone else who can open it is read-only.
//!
//! Roles are what capfsh enforces; the file modes and ACLs `capfd setup` lays out are what make
//! the boundary real for readers, who cannot write the store by any means.

use std::path::{Path, PathBuf};

crate::domain::keywords! {
    /// A privilege level, named as admins read it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Role {
        /// Reads everything, changes nothing (CUCM level 0).
        ReadOnly = "read-only",
        /// Day-to-day changes, not the CA or the trust list (CUCM level 1).
        Operator = "operator",
        /// Everything (CUCM level 4).
        Admin = "admin",
    }
}

/// Why a command was refused, or why the roles could not be worked out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    /// The user's role is below what the command needs.
    #[error("{command} needs the {needed} role; {user} has the {has} role ({why})")]
    Insufficient {
        /// The command as written in full.
        command: String,
        /// The role it needs.
        needed: Role,
        /// The role the user has.
        has: Role,
        /// The OS user.
        user: String,
        /// Where the role came from (`group capf-operators`).
        why: String,
    },
    /// The user is in none of the groups of the roles file.
    #[error(
        "{user} has no role on this store: ask an admin to add you to one of the groups {groups} \
         (roles file {file})"
    )]
    NoRole {
        /// The OS user.
        user: String,
        /// The groups of the roles file.
        groups: String,
        /// The roles file.
        file: String,
    },
    /// The roles file cannot be trusted or read.
    #[error("roles file {file}: {reason}")]
    BadFile {
        /// The roles file.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The groups of each role and the service account, as `<store>.roles` records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleMap {
    /// The account capfd runs as; it owns the store and is admin.
    pub service: String,
    /// Group whose members are admins.
    pub admins: String,
    /// Group whose members are operators.
    pub operators: String,
    /// Group whose members are read-only.
    pub readers: String,
}

/// The most bytes read from a roles file.
const MAX_ROLES_FILE: u64 = 4096;

impl RoleMap {
    /// The file's text.
    pub fn render(&self, db: &Path) -> String {
        format!(
            "# capfsh roles of {}: written by capfd setup; root-owned, mode 0644.\n\
             # admin: everything; operator: all but CA and trust changes; read-only: show, list.\n\
             service = {}\nadmins = {}\noperators = {}\nreaders = {}\n",
            db.display(),
            self.service,
            self.admins,
            self.operators,
            self.readers
        )
    }

    /// Parses the file's text.
    pub fn parse(text: &str) -> Result<RoleMap, String> {
        let get = |key: &str| -> Result<String, String> {
            text.lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .filter_map(|l| l.split_once('='))
                .find(|(k, _)| k.trim() == key)
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| valid_name(v))
                .ok_or_else(|| format!("no valid `{key} = NAME` line"))
        };
        Ok(RoleMap {
            service: get("service")?,
            admins: get("admins")?,
            operators: get("operators")?,
            readers: get("readers")?,
        })
    }
}

/// A user or group name as `useradd`/`groupadd` accept them.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && !s.starts_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Where the roles of the store at `db` are kept.
pub fn roles_path(db: &Path) -> PathBuf {
    crate::store::companion_path(db, ".roles")
}

/// The role of the user running us on the store at `db`, and where it came from.
pub fn current_role(db: &Path) -> Result<(Role, String), RoleError> {
    let me = Identity::current();
    role_of(&me, db)
}

/// The acting user: effective uid, groups, name.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Effective user id.
    pub uid: u32,
    /// Effective group id and supplementary groups.
    pub groups: Vec<u32>,
    /// User name (or the uid as text).
    pub name: String,
}

impl Identity {
    /// Who this process acts as, from the kernel (never from `$USER`).
    pub fn current() -> Identity {
        // SAFETY: geteuid/getegid cannot fail; getgroups is given a buffer of the size it
        // reported, and its result is checked.
        let (uid, mut groups) = unsafe {
            let uid = libc::geteuid();
            let mut groups = vec![libc::getegid()];
            let n = libc::getgroups(0, std::ptr::null_mut());
            if n > 0 {
                let mut buf = vec![0 as libc::gid_t; n as usize];
                let got = libc::getgroups(n, buf.as_mut_ptr());
                if got > 0 {
                    buf.truncate(got as usize);
                    groups.extend(buf);
                }
            }
            (uid, groups)
        };
        groups.sort_unstable();
        groups.dedup();
        let name = user_name(uid).unwrap_or_else(|| uid.to_string());
        Identity { uid, groups, name }
    }
}

/// The role `who` has on the store at `db`.
pub fn role_of(who: &Identity, db: &Path) -> Result<(Role, String), RoleError> {
    if who.uid == 0 {
        return Ok((Role::Admin, "root".into()));
    }
    let file = roles_path(db);
    let Some(map) = read_roles_file(&file, db)? else {
        // Single-user install: the store's owner is admin (and whoever creates it).
        return match file_owner(db) {
            Some(owner) if owner != who.uid => Ok((
                Role::ReadOnly,
                "single-user store of another user; capfd setup maps groups to roles".into(),
            )),
            _ => Ok((Role::Admin, "owner of the store".into())),
        };
    };
    if user_id(&map.service) == Some(who.uid) {
        return Ok((Role::Admin, format!("service account {}", map.service)));
    }
    for (group, role) in [
        (&map.admins, Role::Admin),
        (&map.operators, Role::Operator),
        (&map.readers, Role::ReadOnly),
    ] {
        if group_id(group).is_some_and(|g| who.groups.contains(&g)) {
            return Ok((role, format!("group {group}")));
        }
    }
    Err(RoleError::NoRole {
        user: who.name.clone(),
        groups: format!("{}, {}, {}", map.admins, map.operators, map.readers),
        file: file.display().to_string(),
    })
}

/// Checks that the user running us has at least `needed` on the store at `db`. `command` is
/// the command written in full, for the message.
pub fn check_role(db: &Path, needed: Role, command: &str) -> Result<(), RoleError> {
    let me = Identity::current();
    let (has, why) = role_of(&me, db)?;
    if has >= needed {
        Ok(())
    } else {
        Err(RoleError::Insufficient {
            command: command.to_owned(),
            needed,
            has,
            user: me.name,
            why,
        })
    }
}

/// Reads the roles file, refusing one that someone other than root or the store's owner could
/// have written.
pub fn read_roles_file(file: &Path, db: &Path) -> Result<Option<RoleMap>, RoleError> {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let bad = |reason: String| RoleError::BadFile {
        file: file.display().to_string(),
        reason,
    };
    let meta = match std::fs::symlink_metadata(file) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(bad(e.to_string())),
    };
    if !meta.is_file() {
        return Err(bad(
            "not a plain file (a symbolic link?): not trusted".into()
        ));
    }
    let owner_ok = meta.uid() == 0 || Some(meta.uid()) == file_owner(db);
    if !owner_ok || meta.mode() & 0o022 != 0 {
        return Err(bad(format!(
            "owned by uid {} with mode {:04o}: only root or the store's owner may write it \
             (chown root: and chmod 644 it, or run capfd setup again)",
            meta.uid(),
            meta.mode() & 0o7777
        )));
    }
    let mut text = String::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_ROLES_FILE).read_to_string(&mut text))
        .map_err(|e| bad(e.to_string()))?;
    RoleMap::parse(&text).map(Some).map_err(bad)
}

fn file_owner(path: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| m.uid())
}

/// The uid and primary gid of a user name, through the system's user database (NSS: files,
/// LDAP, ...). An unknown name and a failed lookup are both `None`: either way no role can
/// name this user.
fn passwd_ids(name: &str) -> Option<(u32, u32)> {
    let user = nix::unistd::User::from_name(name).ok().flatten()?;
    Some((user.uid.as_raw(), user.gid.as_raw()))
}

/// The uid of a user name.
pub fn user_id(name: &str) -> Option<u32> {
    passwd_ids(name).map(|(uid, _)| uid)
}

/// The primary gid of a user name.
pub fn user_gid(name: &str) -> Option<u32> {
    passwd_ids(name).map(|(_, gid)| gid)
}

/// The name of a uid.
pub fn user_name(uid: u32) -> Option<String> {
    let user = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)).ok()??;
    Some(user.name)
}

/// The gid of a group name.
pub fn group_id(name: &str) -> Option<u32> {
    let group = nix::unistd::Group::from_name(name).ok().flatten()?;
    Some(group.gid.as_raw())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_file_round_trips_and_refuses_odd_names() {
        let map = RoleMap {
            service: "capfd".into(),
            admins: "capf-admins".into(),
            operators: "capf-ops".into(),
            readers: "capf-readers".into(),
        };
        let text = map.render(Path::new("/var/lib/capfsh/capf.db"));
        assert_eq!(RoleMap::parse(&text), Ok(map));
        assert!(RoleMap::parse("service = capfd\nadmins = a b\n").is_err());
        assert!(!valid_name("-rf"));
        assert!(!valid_name("a:b"));
    }

    #[test]
    fn root_is_admin() {
        let root = Identity {
            uid: 0,
            groups: vec![0],
            name: "root".into(),
        };
        assert_eq!(
            role_of(&root, Path::new("/nonexistent/capf.db")).map(|r| r.0),
            Ok(Role::Admin)
        );
    }
}
