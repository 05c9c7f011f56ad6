//! `utils capf operation install|troubleshoot|delete|cancel`, `... install file <csv>`,
//! `show capf operation`, `show capf phone`: what CUCM's phone page and Bulk Administration
//! schedule per device, and what became of it.

use std::collections::HashSet;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use super::args::Options;
use super::{CommandError, Cx, found, plural, required, row_sink};
use crate::domain::{
    AuthMode, AuthString, DeviceName, KeySpec, NewOperation, Operation, OperationKind, Timestamp,
    deadline_from_date,
};
use crate::render::{Cell, Column};
use crate::store::{LscFilter, OperationFilter};

/// Largest bulk file read (a few hundred thousand phones at ~60 bytes a line).
const MAX_BULK_BYTES: u64 = 16 * 1024 * 1024;
/// Most lines of one bulk file.
const MAX_BULK_LINES: usize = 100_000;
/// Length of a generated authentication string (CUCM allows 4-10 digits).
const GENERATED_DIGITS: usize = 8;

/// What `auth` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AuthChoice {
    Mode(AuthMode),
    String(AuthString),
    Generate,
}

/// The options of one scheduling command or bulk line.
struct Request {
    auth: AuthChoice,
    key: Option<KeySpec>,
    by: Option<Timestamp>,
}

fn random_digits(n: usize) -> Result<String, CommandError> {
    let mut out = String::with_capacity(n);
    while out.len() < n {
        let mut b = [0u8; 16];
        aws_lc_rs::rand::fill(&mut b)
            .map_err(|_| CommandError::refused("the system random generator failed"))?;
        // 250 is the largest multiple of 10 below 256: reject above it so digits stay uniform.
        out.extend(
            b.iter()
                .filter(|x| **x < 250)
                .map(|x| char::from(b'0' + x % 10))
                .take(n - out.len()),
        );
    }
    Ok(out)
}

fn salt() -> Result<[u8; 16], CommandError> {
    let mut s = [0u8; 16];
    aws_lc_rs::rand::fill(&mut s)
        .map_err(|_| CommandError::refused("the system random generator failed"))?;
    Ok(s)
}

fn parse_auth(word: &str, value: Option<&str>) -> Result<AuthChoice, CommandError> {
    Ok(match word {
        "generate" => AuthChoice::Generate,
        "string" => AuthChoice::String(
            value
                .ok_or_else(|| {
                    CommandError::refused("auth string needs the string: 4 to 10 digits")
                })?
                .parse()?,
        ),
        other => AuthChoice::Mode(other.parse()?),
    })
}

fn parse_deadline(date: &str, now: Timestamp) -> Result<Timestamp, CommandError> {
    let by = deadline_from_date(date)?;
    if by < now {
        return Err(CommandError::refused(format!(
            "the date {date} has passed: give today or a later day"
        )));
    }
    Ok(by)
}

/// The request the keyword options make (`auth string 1234 key ec-p256 by 2026-12-31`);
/// troubleshoot and delete declare no `key`, so they never have one.
fn request(
    options: &Options,
    kind: OperationKind,
    now: Timestamp,
) -> Result<Request, CommandError> {
    Ok(Request {
        auth: match options.word("auth") {
            Some(word) => parse_auth(word, options.extra("auth"))?,
            None => AuthChoice::Mode(AuthMode::Null),
        },
        key: match kind {
            OperationKind::Install => options.word("key").map(str::parse).transpose()?,
            _ => None,
        },
        by: options
            .text("by")
            .map(|date| parse_deadline(date, now))
            .transpose()?,
    })
}

/// Turns a request into the operation to store; returns the generated string, if any.
fn operation(
    device: DeviceName,
    kind: OperationKind,
    req: Request,
    now: Timestamp,
) -> Result<(NewOperation, Option<AuthString>), CommandError> {
    let (auth_mode, string) = match req.auth {
        AuthChoice::Mode(AuthMode::String) => {
            return Err(CommandError::refused(
                "auth string needs the string: 4 to 10 digits",
            ));
        }
        AuthChoice::Mode(m) => (m, None),
        AuthChoice::String(s) => (AuthMode::String, Some((s, false))),
        AuthChoice::Generate => (
            AuthMode::String,
            Some((
                random_digits(GENERATED_DIGITS)?.parse::<AuthString>()?,
                true,
            )),
        ),
    };
    let auth_secret = match &string {
        Some((s, _)) => Some(s.secret(&salt()?)),
        None => None,
    };
    let key = match kind {
        OperationKind::Install => Some(req.key.unwrap_or(KeySpec::Rsa(2048))),
        _ => None,
    };
    Ok((
        NewOperation {
            device,
            kind,
            auth_mode,
            auth_secret,
            key,
            completes_by: req.by,
            scheduled_at: now,
        },
        string.and_then(|(s, generated)| generated.then_some(s)),
    ))
}

fn describe(op: &NewOperation) -> String {
    let mut s = format!("auth {}", op.auth_mode);
    if let Some(k) = op.key {
        s.push_str(&format!(", key {k}"));
    }
    match &op.completes_by {
        Some(by) => s.push_str(&format!(", completes by {}", by.format("%Y-%m-%d"))),
        None => s.push_str(", no deadline"),
    }
    s
}

/// `utils capf operation install <device> [options]`.
pub fn install(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    schedule(cx, OperationKind::Install)
}

/// `utils capf operation troubleshoot <device> [options]`.
pub fn troubleshoot(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    schedule(cx, OperationKind::Troubleshoot)
}

/// `utils capf operation delete <device> [options] [noconfirm]`: the phone will delete its
/// LSC, so it asks first.
pub fn delete(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    schedule(cx, OperationKind::Delete)
}

/// Schedules `kind` for the device, replacing its operation; prints a generated string once.
fn schedule(cx: &mut Cx<'_>, kind: OperationKind) -> Result<(), CommandError> {
    let device = required(cx.args.device(0), "device")?.clone();
    let now = cx.act.now();
    let req = request(cx.args.options(), kind, now)?;
    let (op, generated) = operation(device.clone(), kind, req, now)?;
    if kind == OperationKind::Delete {
        cx.confirm(
            &format!("have {device} delete its LSC when it next connects"),
            "Cancelled: nothing was scheduled",
        )?;
    }
    let actor = cx.actor.clone();
    let store = cx.store()?;
    let replaced = store.operation(&device)?;
    store.schedule_operation(&op, &actor)?;
    let mut lines = vec![format!("Scheduled {kind} for {device} ({})", describe(&op))];
    if let Some(old) = &replaced {
        lines.push(format!(
            "It replaces the {} operation scheduled on {} ({})",
            old.kind,
            crate::domain::format_cli(&old.scheduled_at),
            old.status
        ));
    }
    let mut fields = vec![
        ("device", Cell::Text(device.to_string())),
        ("operation", Cell::Text(kind.as_str().into())),
        ("auth", Cell::Text(op.auth_mode.as_str().into())),
        (
            "key",
            op.key.map(|k| Cell::Text(k.name())).unwrap_or(Cell::Null),
        ),
        ("completes_by", Cell::MaybeTime(op.completes_by)),
    ];
    if let Some(s) = &generated {
        lines.push(format!(
            "Authentication string for {device}: {} (shown once: give it to the phone's user now)",
            s.expose()
        ));
        fields.push(("auth_string", Cell::Text(s.expose().to_owned())));
    }
    cx.out.outcome_lines(&lines, &fields)?;
    Ok(())
}

/// `utils capf operation cancel <device>`.
pub fn cancel(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let device = required(cx.args.device(0), "device")?.clone();
    let actor = cx.actor.clone();
    let store = cx.store()?;
    let Some(op) = store.operation(&device)? else {
        return Err(CommandError::refused(format!(
            "no operation is scheduled for {device}"
        )));
    };
    store.cancel_operation(&device, &actor)?;
    cx.out.outcome(
        &format!(
            "Cancelled the {} operation of {device} ({}): No Pending Operation",
            op.kind, op.status
        ),
        &[
            ("device", Cell::Text(device.to_string())),
            ("cancelled", Cell::Text(op.kind.as_str().into())),
        ],
    )?;
    Ok(())
}

/// `utils capf operation install file <csv> [output <csv>]`: all or nothing.
pub fn install_file(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let path = required(cx.args.path(0), "csv")?.to_path_buf();
    let output = cx.args.options().path("output").map(Path::to_path_buf);
    let mut text = String::new();
    fs::File::open(&path)
        .and_then(|f| f.take(MAX_BULK_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| CommandError::refused(format!("cannot read {}: {e}", path.display())))?;
    if text.len() as u64 > MAX_BULK_BYTES {
        return Err(CommandError::refused(format!(
            "{} is larger than 16 MiB: split it",
            path.display()
        )));
    }
    let now = cx.act.now();
    let mut ops = Vec::new();
    let mut generated: Vec<(String, AuthString)> = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut used_strings = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if n == 0 && line.to_ascii_lowercase().starts_with("device") {
            continue;
        }
        if ops.len() + errors.len() >= MAX_BULK_LINES {
            return Err(CommandError::refused(format!(
                "{} has more than {MAX_BULK_LINES} lines: split it",
                path.display()
            )));
        }
        let parsed = (|| -> Result<(NewOperation, Option<AuthString>), CommandError> {
            let f: Vec<&str> = line.split(',').map(str::trim).collect();
            if f.len() > 5 {
                return Err(CommandError::refused(format!(
                    "{} fields, expected device,auth,string,key,by",
                    f.len()
                )));
            }
            let field = |i: usize| f.get(i).copied().filter(|v| !v.is_empty());
            let device: DeviceName = field(0)
                .ok_or_else(|| CommandError::refused("no device name"))?
                .parse()?;
            if !seen.insert(device.clone()) {
                return Err(CommandError::refused(format!("{device} appears twice")));
            }
            let auth_word = field(1).map(str::to_ascii_lowercase);
            let auth = match (auth_word.as_deref(), field(2)) {
                (None, None) => AuthChoice::Mode(AuthMode::Null),
                (None | Some("string"), Some(s)) => AuthChoice::String(s.parse()?),
                (Some("string" | "generate"), None) => AuthChoice::Generate,
                (Some(a), None) => parse_auth(a, None)?,
                (Some(a), Some(_)) => {
                    return Err(CommandError::refused(format!(
                        "a string is given but auth is {a}"
                    )));
                }
            };
            let req = Request {
                auth,
                key: field(3).map(str::parse).transpose()?,
                by: field(4).map(|d| parse_deadline(d, now)).transpose()?,
            };
            operation(device, OperationKind::Install, req, now)
        })();
        match parsed {
            Ok((op, gen_string)) => {
                if let Some(mut s) = gen_string {
                    // Unique per device within the file, as Bulk Administration promises.
                    while !used_strings.insert(s.expose().to_owned()) {
                        s = random_digits(GENERATED_DIGITS)?.parse()?;
                    }
                    generated.push((op.device.to_string(), s.clone()));
                    let op = NewOperation {
                        auth_secret: Some(s.secret(&salt()?)),
                        ..op
                    };
                    ops.push(op);
                } else {
                    ops.push(op);
                }
            }
            Err(e) => errors.push(format!("line {line_no}: {e}")),
        }
    }
    if !errors.is_empty() {
        return Err(CommandError::refused(format!(
            "nothing scheduled: {} of {}: {}",
            plural(errors.len() as u64, "line is wrong", "lines are wrong"),
            path.display(),
            errors.join("; ")
        )));
    }
    if ops.is_empty() {
        return Err(CommandError::refused(format!(
            "{} has no device lines",
            path.display()
        )));
    }
    let written = match (&output, generated.is_empty()) {
        (None, false) => {
            return Err(CommandError::refused(format!(
                "{} generated strings need a file to go to: add output <new csv file>",
                generated.len()
            )));
        }
        (Some(o), false) => {
            let mut body = String::from("device,auth_string\n");
            for (d, s) in &generated {
                body.push_str(&format!("{d},{}\n", s.expose()));
            }
            write_private_new(o, body.as_bytes())?;
            Some(o.clone())
        }
        _ => None,
    };
    let actor = cx.actor.clone();
    if let Err(e) = cx.store()?.schedule_operations(&ops, &actor) {
        // The strings file must not outlive a schedule that did not happen.
        if let Some(o) = &written {
            let _ = fs::remove_file(o);
        }
        return Err(e.into());
    }
    let mut lines = vec![format!(
        "Scheduled install for {}",
        plural(ops.len() as u64, "device", "devices")
    )];
    if let Some(o) = &written {
        lines.push(format!(
            "{} written to {} (mode 0600)",
            plural(
                generated.len() as u64,
                "generated authentication string",
                "generated authentication strings"
            ),
            o.display()
        ));
    }
    cx.out.outcome_lines(
        &lines,
        &[
            ("scheduled", Cell::Int(ops.len() as i64)),
            ("generated", Cell::Int(generated.len() as i64)),
        ],
    )?;
    Ok(())
}

/// Writes a new file, mode 0600, through the shared safe writer (a temporary file in the same
/// folder, fsync, then a hard link to the final name, which fails rather than overwrite or
/// follow a symlink).
fn write_private_new(path: &Path, body: &[u8]) -> Result<(), CommandError> {
    use crate::sys::{Existing, SafeFile};
    let fail =
        |e: std::io::Error| CommandError::refused(format!("cannot write {}: {e}", path.display()));
    if fs::symlink_metadata(path).is_ok() {
        return Err(CommandError::refused(format!(
            "{} exists: give a new file name (strings are never written over a file)",
            path.display()
        )));
    }
    let mut f = SafeFile::create(path, 0o600, Existing::Refuse).map_err(fail)?;
    f.write_all(body).map_err(fail)?;
    f.commit().map_err(fail)
}

/// Columns of `show capf operation` (field names are a documented contract).
pub const OPERATION_COLUMNS: &[Column] = &[
    Column {
        field: "device",
        title: "Device Name",
        width: 15,
    },
    Column {
        field: "operation",
        title: "Operation",
        width: 12,
    },
    Column {
        field: "auth",
        title: "Auth",
        width: 12,
    },
    Column {
        field: "key",
        title: "Key",
        width: 8,
    },
    Column {
        field: "completes_by",
        title: "Completes By (UTC)",
        width: 19,
    },
    Column {
        field: "status",
        title: "Status",
        width: 11,
    },
    Column {
        field: "last_attempt_at",
        title: "Last Attempt (UTC)",
        width: 19,
    },
    Column {
        field: "reason",
        title: "Reason",
        width: 0,
    },
];

fn operation_row(o: &Operation) -> [Cell; 8] {
    [
        Cell::Text(o.device.clone()),
        Cell::Text(o.kind.as_str().into()),
        Cell::Text(o.auth_mode.as_str().into()),
        o.key.map(|k| Cell::Text(k.name())).unwrap_or(Cell::Null),
        Cell::MaybeTime(o.completes_by),
        Cell::Text(o.status.as_str().into()),
        Cell::MaybeTime(o.last_attempt_at),
        o.reason.clone().map(Cell::Text).unwrap_or(Cell::Null),
    ]
}

/// `show capf operation [<device>|pending|failed]`.
pub fn show(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let filter = match (cx.args.word(0), cx.args.device(0)) {
        (Some("pending"), _) => OperationFilter::Pending,
        (Some("failed"), _) => OperationFilter::Failed,
        (_, Some(d)) => OperationFilter::Device(d.clone()),
        _ => OperationFilter::All,
    };
    let store = cx.act.store()?;
    cx.out.begin_list(OPERATION_COLUMNS)?;
    let n = store.each_operation(&filter, row_sink(cx.talk, cx.out, operation_row))?;
    let (one, many) = match filter {
        OperationFilter::Pending => ("pending operation", "pending operations"),
        OperationFilter::Failed => ("failed operation", "failed operations"),
        _ => ("operation", "operations"),
    };
    cx.out.end_list(&found(n, one, many))?;
    Ok(())
}

/// `show capf phone <device>`.
pub fn phone(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let device = required(cx.args.device(0), "device")?.clone();
    let store = cx.act.store()?;
    if !store.device_known(&device)? && store.phone_cert(&device)?.is_none() {
        return Err(CommandError::refused(format!(
            "unknown device {device}: no operation, request or LSC"
        )));
    }
    let op = store.operation(&device)?;
    let mut lscs: [Vec<String>; 3] = Default::default();
    store.each_lsc(&LscFilter::Device(device.clone()), |l| {
        let i = match l.state {
            crate::domain::LscState::Issued => 0,
            crate::domain::LscState::Installed => 1,
            crate::domain::LscState::Stale => 2,
            // A revoked LSC is neither waiting nor in use: not listed here (show capf lsc
            // device <name> shows it as revoked).
            crate::domain::LscState::Revoked => return Ok(()),
        };
        lscs[i].push(l.serial);
        Ok::<_, CommandError>(())
    })?;
    let pending = store.pending_csr(&device)?;
    let reported = store.phone_cert(&device)?;
    let text = |v: Option<String>| v.map(Cell::Text).unwrap_or(Cell::Null);
    let list = |v: &Vec<String>| {
        if v.is_empty() {
            Cell::Null
        } else {
            Cell::Text(v.join(", "))
        }
    };
    let reported_text = reported.as_ref().map(|r| match &r.cert {
        Some(c) => format!(
            "{} {} issued by {}, valid until {}",
            r.cert_type.to_ascii_uppercase(),
            c.serial,
            c.issuer,
            crate::domain::format_cli(&c.not_after)
        ),
        None => "none: the phone holds no LSC".to_owned(),
    });
    cx.out.record(&[
        ("device", "Device", Cell::Text(device.to_string())),
        (
            "operation",
            "Operation",
            Cell::Text(
                op.as_ref()
                    .map(|o| o.kind.as_str())
                    .unwrap_or("none (No Pending Operation)")
                    .to_owned(),
            ),
        ),
        (
            "auth",
            "Authentication",
            text(op.as_ref().map(|o| o.auth_mode.as_str().to_owned())),
        ),
        (
            "key",
            "Key",
            text(op.as_ref().and_then(|o| o.key).map(|k| k.name())),
        ),
        (
            "completes_by",
            "Completes by (UTC)",
            Cell::MaybeTime(op.as_ref().and_then(|o| o.completes_by)),
        ),
        (
            "status",
            "Status",
            text(op.as_ref().map(|o| o.status.as_str().to_owned())),
        ),
        (
            "reason",
            "Reason",
            text(op.as_ref().and_then(|o| o.reason.clone())),
        ),
        (
            "last_attempt_at",
            "Last attempt (UTC)",
            Cell::MaybeTime(op.as_ref().and_then(|o| o.last_attempt_at)),
        ),
        (
            "last_peer",
            "Last peer",
            text(op.as_ref().and_then(|o| o.last_peer.clone())),
        ),
        (
            "pending_request",
            "Pending request",
            text(pending.map(|p| {
                format!(
                    "{} submitted {}",
                    p.csr.key_label(),
                    crate::domain::format_cli(&p.csr.submitted_at)
                )
            })),
        ),
        ("lsc_issued", "LSCs issued", list(&lscs[0])),
        ("lsc_installed", "LSCs installed", list(&lscs[1])),
        ("lsc_stale", "LSCs stale", list(&lscs[2])),
        ("reported_cert", "Phone reported", text(reported_text)),
        (
            "reported_at",
            "Reported at (UTC)",
            Cell::MaybeTime(reported.map(|r| r.reported_at)),
        ),
    ])?;
    Ok(())
}
