//! Who is acting: the OS user written to the audit log by capfsh and capfd alike.

/// The OS user running us, as the audit log names it: the real uid's passwd name (never an
/// environment variable, which the caller sets), `root (sudo: alice)` under sudo.
pub fn os_user() -> String {
    current().audit_name()
}

/// The acting OS user: the real uid's passwd name. Environment variables are the caller's to
/// set (`USER=someone capfsh ...`), so they never name the actor; `SUDO_USER` is kept as a
/// detail next to it (root acting for an admin who used sudo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsUser {
    /// The passwd name of the real uid, or `uid <n>` when it has no passwd entry.
    pub name: String,
    /// `$SUDO_USER` when the real uid is root and sudo set it: who asked, not who acted.
    pub sudo_user: Option<String>,
}

impl OsUser {
    /// The audit log's `os_user`: the acting user, with the sudo caller as a detail
    /// (`root (sudo: alice)`).
    pub fn audit_name(&self) -> String {
        match &self.sudo_user {
            Some(s) => format!("{} (sudo: {s})", self.name),
            None => self.name.clone(),
        }
    }
}

/// The OS user of this process, from `getuid()` and its passwd entry (the one place that
/// decides who an audit line names).
pub fn current() -> OsUser {
    use nix::unistd::{Uid, User};
    let uid = Uid::current();
    let name = match User::from_uid(uid) {
        Ok(Some(u)) => u.name,
        _ => format!("uid {uid}"),
    };
    let sudo_user = if uid.is_root() {
        std::env::var("SUDO_USER")
            .ok()
            .filter(|u| !u.is_empty() && u.len() <= 64 && !u.chars().any(char::is_control))
    } else {
        None
    };
    OsUser { name, sudo_user }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_the_real_uids_not_the_environments() {
        let me = current();
        let uid = nix::unistd::Uid::current();
        let expected = nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map(|u| u.name)
            .unwrap_or_else(|| format!("uid {uid}"));
        assert_eq!(me.name, expected);
        assert!(!me.name.is_empty());
    }
}
