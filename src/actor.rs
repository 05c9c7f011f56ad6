//! Who is acting: the OS user written to the audit log by capfsh and capfd alike.

/// The OS user running us, for the audit log: `$USER`/`$LOGNAME`, else the name of our uid.
pub fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(user_of_this_process)
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(unix)]
fn user_of_this_process() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id = f.nth(1)?;
        (id.parse::<u32>().ok()? == uid).then(|| name.to_owned())
    })
}

#[cfg(not(unix))]
fn user_of_this_process() -> Option<String> {
    None
}
