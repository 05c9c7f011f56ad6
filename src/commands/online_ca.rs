//! The online CA (EST): `utils capf set online-ca`, `utils capf online-ca cacerts`,
//! `show capf online-ca [requests]`.

use std::path::Path;
use std::time::Duration;

use super::{
    Answer, CONTROL_C, CommandError, Cx, Prompter, SUBMITTED_COLUMN, found, plural, required,
    row_sink,
};
use crate::domain::{EstHost, EstLabel, EstPassword, EstRequest, EstUser, format_cli};
use crate::est::client::{self, Timeouts};
use crate::est::secret;
use crate::pki::ParsedCert;
use crate::render::{Cell, Column, escape_controls};
use crate::store::{NewOnlineCa, NewTrustAnchor};

/// How long `cacerts` waits for the server.
const CACERTS_TIMEOUT: Duration = Duration::from_secs(30);

/// Most CA certificates taken from one `/cacerts` reply.
const MAX_SERVER_CAS: usize = 16;

/// `utils capf set online-ca host <host> [port <port>] [label <label>] user <user>
/// [password-file <path>]`.
pub fn set(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let options = cx.args.options();
    let host: EstHost = required(options.text("host"), "host")?.parse()?;
    // The tree's range (1-65535, default 443) checked it.
    let port = u16::try_from(required(options.number("port"), "port")?)
        .map_err(|_| CommandError::internal("port outside 1-65535 after the check"))?;
    let label: Option<EstLabel> = options.text("label").map(str::parse).transpose()?;
    let user: EstUser = required(options.text("user"), "user")?.parse()?;
    let password_file = options.path("password-file").map(Path::to_path_buf);
    // Refuse a store we cannot write before asking for anything.
    if cx.store()?.is_read_only() {
        return Err(crate::store::StoreError::ReadOnly.into());
    }
    let password = match password_file {
        Some(file) => secret::read_password(&file, false).map_err(refused)?,
        None if !cx.talk.interactive => {
            return Err(CommandError::refused(
                "no password-file given and no terminal to ask the password on: add \
                 password-file <path> (a file holding the password on its first line)",
            ));
        }
        None => ask_password(cx.prompter)?,
    };
    let actor = cx.actor.clone();
    let store = cx.store()?;
    let db_path = store.path().to_path_buf();
    let path = secret::password_path(&db_path);
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let previous = secret::read_password(&path, true).ok();
    let owner = secret::owner_for(&db_path);
    secret::write_password(&path, &password, owner).map_err(refused)?;
    let record = NewOnlineCa {
        host,
        port,
        label,
        user,
        password_file: file_name,
    };
    if let Err(e) = store.set_online_ca(&record, &actor) {
        // Leave things as they were: the old settings with the old password.
        match previous {
            Some(old) => {
                let _ = secret::write_password(&path, &old, owner);
            }
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
        return Err(e.into());
    }
    cx.out.outcome_lines(
        &[
            format!(
                "Online CA set: {}:{} label {} user {}",
                record.host,
                record.port,
                record.label.as_ref().map_or("-", EstLabel::as_str),
                record.user
            ),
            format!("Password stored in {} (mode 0600)", path.display()),
        ],
        &[
            ("host", record.host.as_str().into()),
            ("port", Cell::Int(record.port.into())),
            (
                "label",
                record
                    .label
                    .as_ref()
                    .map_or(Cell::Null, |l| l.as_str().into()),
            ),
            ("user", record.user.as_str().into()),
            ("password_file", path.display().to_string().into()),
        ],
    )?;
    Ok(())
}

/// Asks for the password twice at a hidden prompt; three mismatches, Ctrl-C or end of input
/// cancel.
fn ask_password(prompter: &mut dyn Prompter) -> Result<EstPassword, CommandError> {
    let cancelled = |a: &Answer| match a {
        Answer::Interrupted => Some(CommandError::cancelled(CONTROL_C)),
        Answer::Eof => Some(CommandError::cancelled("Cancelled: online CA not changed")),
        Answer::Line(_) => None,
    };
    for _ in 0..3 {
        let first = prompter.ask_secret("Enter the online CA password:");
        if let Some(e) = cancelled(&first) {
            return Err(e);
        }
        let Answer::Line(first) = first else { continue };
        let password = match EstPassword::new(first) {
            Ok(p) => p,
            Err(e) => {
                prompter.note(&e.0);
                continue;
            }
        };
        let again = prompter.ask_secret("Re-enter the password:");
        if let Some(e) = cancelled(&again) {
            return Err(e);
        }
        if again == Answer::Line(password.expose().to_owned()) {
            return Ok(password);
        }
        prompter.note("The passwords do not match.");
    }
    Err(CommandError::refused(
        "the password was not entered the same twice: online CA not changed",
    ))
}

/// `utils capf online-ca cacerts [noconfirm]`: fetch, show, check, ask, trust.
pub fn cacerts(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let ca = cx.store()?.online_ca()?.ok_or_else(|| {
        CommandError::refused(
            "no online CA is set: use utils capf set online-ca host <host> user <user> first",
        )
    })?;
    let timeouts = Timeouts::with_exchange(CACERTS_TIMEOUT);
    let ders = client::fetch_cacerts(&ca, timeouts).map_err(CommandError::refused)?;
    if ders.len() > MAX_SERVER_CAS {
        return Err(CommandError::refused(format!(
            "{} returned {} certificates from /cacerts; at most {MAX_SERVER_CAS} are taken: nothing trusted",
            ca.address(),
            ders.len()
        )));
    }
    let certs = ders
        .iter()
        .map(|d| ParsedCert::from_der(d.clone()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            CommandError::refused(format!(
                "{} returned a certificate that cannot be read: {e}; nothing trusted",
                ca.address()
            ))
        })?;
    let mut listing = Vec::new();
    for c in &certs {
        listing.push(format!("  Subject:     {}", escape_controls(&c.subject)));
        listing.push(format!("  SHA-256:     {}", c.fingerprint));
        listing.push(format!("  Valid until: {}", format_cli(&c.not_after)));
    }
    client::check_server_trust(&ca, &ders, timeouts).map_err(|e| {
        CommandError::refused(format!(
            "the TLS certificate of {} does not chain to the {} it returned from /cacerts \
             ({e}): trusting them would not let capfd connect, so nothing was trusted",
            ca.address(),
            plural(certs.len() as u64, "certificate", "certificates")
        ))
    })?;
    let effect = format!(
        "trust {} to authenticate the online CA {}, replacing those trusted before:\n{}\n\
         Compare the SHA-256 fingerprints with the CA's administrator",
        plural(certs.len() as u64, "certificate", "certificates"),
        ca.address(),
        listing.join("\n")
    );
    cx.confirm(&effect, "Cancelled: nothing was trusted")?;
    let anchors: Vec<NewTrustAnchor> = certs
        .iter()
        .map(|c| NewTrustAnchor {
            subject: c.subject.clone(),
            not_after: c.not_after,
            sha256_fingerprint: c.fingerprint.clone(),
            der: c.der.clone(),
        })
        .collect();
    let actor = cx.actor.clone();
    let replaced = cx.store()?.replace_est_server_cas(&anchors, &actor)?;
    // One element per line: subjects come from the network and are escaped whole.
    let mut text = vec![format!(
        "Trusted {} for the online CA {} (replacing {replaced})",
        plural(certs.len() as u64, "CA certificate", "CA certificates"),
        ca.address()
    )];
    for c in &certs {
        text.push(format!("  {}  {}", c.fingerprint, c.subject));
    }
    let fingerprints = certs
        .iter()
        .map(|c| c.fingerprint.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    cx.out.outcome_lines(
        &text,
        &[
            ("trusted", Cell::Int(certs.len() as i64)),
            ("replaced", Cell::Int(replaced as i64)),
            ("sha256_fingerprints", fingerprints.into()),
        ],
    )?;
    Ok(())
}

/// `show capf online-ca`.
pub fn show(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let store = cx.store()?;
    let mode = store.settings()?.issuer_mode;
    let ca = store.online_ca()?;
    let server_cas = store.est_server_cas()?;
    let waiting = store.unanswered_csr_count()?;
    let dir = store
        .path()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let trusted = if server_cas.is_empty() {
        Cell::Null
    } else {
        Cell::Text(
            server_cas
                .iter()
                .map(|c| format!("{} (SHA-256 {})", c.subject, c.sha256_fingerprint))
                .collect::<Vec<_>>()
                .join("; "),
        )
    };
    let text_or_null = |v: Option<String>| v.map_or(Cell::Null, Cell::Text);
    let password = ca.as_ref().map(|c| {
        let path = dir.join(&c.password_file);
        match secret::read_password(&path, true) {
            Ok(_) => format!("set ({}, mode 0600)", path.display()),
            // The service's file in a `capfd setup` layout: there, but not ours to read.
            Err(e) if e.is_permission_denied() => {
                format!("set ({}, readable by its owner only)", path.display())
            }
            Err(e) => format!("unusable: {e}"),
        }
    });
    cx.out.record(&[
        ("issuer_mode", "Issuer mode", mode.as_str().into()),
        (
            "host",
            "Host",
            text_or_null(ca.as_ref().map(|c| c.host.to_string())),
        ),
        (
            "port",
            "Port",
            ca.as_ref().map_or(Cell::Null, |c| Cell::Int(c.port.into())),
        ),
        (
            "label",
            "Label",
            text_or_null(
                ca.as_ref()
                    .and_then(|c| c.label.as_ref().map(|l| l.to_string())),
            ),
        ),
        (
            "user",
            "User",
            text_or_null(ca.as_ref().map(|c| c.user.to_string())),
        ),
        ("password", "Password", text_or_null(password)),
        ("trusted_server_ca", "Trusted server CA", trusted),
        (
            "set_at",
            "Last set at (UTC)",
            Cell::MaybeTime(ca.as_ref().map(|c| c.set_at)),
        ),
        (
            "set_by",
            "Last set by",
            text_or_null(ca.as_ref().map(|c| c.set_by.clone())),
        ),
        (
            "last_contact_at",
            "Last contact (UTC)",
            Cell::MaybeTime(ca.as_ref().and_then(|c| c.last_contact_at)),
        ),
        (
            "last_result",
            "Last result",
            text_or_null(ca.as_ref().and_then(|c| c.last_result.clone())),
        ),
        (
            "waiting_csrs",
            "CSRs waiting on it",
            Cell::Int(waiting as i64),
        ),
    ])?;
    Ok(())
}

/// Columns of `show capf online-ca requests` (field names are a documented contract).
pub const REQUEST_COLUMNS: &[Column] = &[
    Column {
        field: "device",
        title: "Device Name",
        width: 15,
    },
    SUBMITTED_COLUMN,
    Column {
        field: "state",
        title: "State",
        width: 8,
    },
    Column {
        field: "attempts",
        title: "Tries",
        width: 5,
    },
    Column {
        field: "next_try_at",
        title: "Next Try (UTC)",
        width: 19,
    },
    Column {
        field: "detail",
        title: "Reason",
        width: 0,
    },
];

fn request_row(r: &EstRequest) -> [Cell; 6] {
    [
        Cell::Text(r.device.clone()),
        Cell::Time(r.submitted_at),
        r.state.as_str().into(),
        Cell::Int(r.attempts),
        Cell::MaybeTime(r.next_try_at),
        if r.detail.is_empty() {
            Cell::Null
        } else {
            Cell::Text(r.detail.clone())
        },
    ]
}

/// `show capf online-ca requests`: streamed, oldest first; Ctrl-C stops the listing.
pub fn requests(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let store = cx.act.store()?;
    cx.out.begin_list(REQUEST_COLUMNS)?;
    let n = store.each_est_request(row_sink(cx.talk, cx.out, request_row))?;
    cx.out.end_list(&found(
        n,
        "CSR waiting on the online CA",
        "CSRs waiting on the online CA",
    ))?;
    Ok(())
}

/// A password file that could not be read or written: refused, its error kept as the source.
fn refused(e: secret::SecretError) -> CommandError {
    CommandError::refused(e.to_string()).with_source(e)
}
