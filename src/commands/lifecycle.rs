//! The LSC lifecycle after issuance: `utils capf lsc revoke`, `utils capf lsc export`,
//! `utils capf tidy`, and `show capf cert all` (the CA rollover made visible).

use std::path::{Path, PathBuf};

use chrono::Duration;

use super::{CommandError, Cx, FINGERPRINT_COLUMN, plural, required};
use crate::domain::{InvalidValue, LscRecord, LscState, RevocationReason, format_cli};
use crate::engine::EngineError;
use crate::pki::{ParsedCert, to_pem};
use crate::render::{Cell, Column};
use crate::store::{LscFilter, Scope, TidyScope};

/// Columns of `show capf cert all`.
pub const CA_COLUMNS: &[Column] = &[
    Column {
        field: "state",
        title: "State",
        width: 7,
    },
    Column {
        field: "not_before",
        title: "Valid From (UTC)",
        width: 19,
    },
    Column {
        field: "not_after",
        title: "Valid Until (UTC)",
        width: 19,
    },
    Column {
        field: "serial",
        title: "Serial",
        width: 32,
    },
    FINGERPRINT_COLUMN,
    Column {
        field: "subject",
        title: "Subject",
        width: 0,
    },
];

/// `show capf cert all`: the active CAPF CA and the retired ones.
pub fn show_cert_all(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let cas = cx.store()?.capf_ca_history()?;
    let out = &mut *cx.out;
    out.begin_list(CA_COLUMNS)?;
    for ca in &cas {
        let serial = ParsedCert::from_der(ca.der.clone())
            .map(|c| c.serial_hex)
            .unwrap_or_else(|_| "-".into());
        out.row(&[
            Cell::Text(
                if ca.retired_at.is_some() {
                    "retired"
                } else {
                    "active"
                }
                .into(),
            ),
            Cell::Time(ca.not_before),
            Cell::Time(ca.not_after),
            Cell::Text(serial),
            Cell::Text(ca.sha256_fingerprint.clone()),
            Cell::Text(ca.subject.clone()),
        ])?;
    }
    out.end_list(&if cas.is_empty() {
        "No CAPF CA certificates found: create one with `capfd init`".to_owned()
    } else {
        format!(
            "{} found",
            plural(
                cas.len() as u64,
                "CAPF CA certificate",
                "CAPF CA certificates"
            )
        )
    })?;
    Ok(())
}

/// A serial as typed (hex, colons allowed, as openssl prints them) in the stored form.
fn parse_serial(raw: &str) -> Result<String, InvalidValue> {
    let hex: String = raw.chars().filter(|c| *c != ':').collect();
    if hex.is_empty() || hex.len() > 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(InvalidValue(format!(
            "serial {raw:?} is not valid: enter the LSC's serial in hex (1-64 digits), as show \
             capf lsc lists it"
        )));
    }
    Ok(hex.to_ascii_lowercase())
}

/// `utils capf lsc revoke <device> [reason R]`.
pub fn revoke(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let device = required(cx.args.device(0), "device")?.clone();
    let whose = format!("device {device}");
    revoke_lscs(cx, LscFilter::Device(device), whose)
}

/// `utils capf lsc revoke serial <hex> [reason R]`.
pub fn revoke_serial(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let serial = parse_serial(required(cx.args.text(0), "hex")?)?;
    let whose = format!("serial {serial}");
    revoke_lscs(cx, LscFilter::Serial(serial), whose)
}

/// Revokes the LSCs `filter` finds that are not revoked yet, after asking.
fn revoke_lscs(cx: &mut Cx<'_>, filter: LscFilter, whose: String) -> Result<(), CommandError> {
    let reason: RevocationReason = cx
        .args
        .options()
        .word("reason")
        .map(str::parse)
        .transpose()?
        .unwrap_or_default();
    let mut found: Vec<LscRecord> = Vec::new();
    cx.store()?.each_lsc(&filter, |l| {
        found.push(l);
        Ok::<_, CommandError>(())
    })?;
    if found.is_empty() {
        return Err(CommandError::refused(format!("no LSC found for {whose}")));
    }
    let targets: Vec<&LscRecord> = found
        .iter()
        .filter(|l| l.state != LscState::Revoked)
        .collect();
    if targets.is_empty() {
        return Err(CommandError::refused(format!(
            "the LSC{} of {whose} {} already revoked",
            if found.len() == 1 { "" } else { "s" },
            if found.len() == 1 { "is" } else { "are" }
        )));
    }
    let effect = match &filter {
        LscFilter::Serial(s) => format!("revoke LSC {s} of {} ({reason})", targets[0].device),
        _ => format!(
            "revoke {} of {} ({reason})",
            plural(targets.len() as u64, "LSC", "LSCs"),
            targets[0].device
        ),
    };
    cx.confirm(&effect, "Cancelled: nothing was revoked")?;
    let actor = cx.actor.clone();
    let now = cx.act.now();
    let serials: Vec<String> = targets.iter().map(|l| l.serial.clone()).collect();
    let n = cx.store()?.revoke_lscs(&serials, reason, now, &actor)?;
    let mut text = vec![format!("Revoked {} ({reason})", plural(n, "LSC", "LSCs"))];
    for l in &targets {
        text.push(format!("  {}: LSC {}", l.device, l.serial));
    }
    text.push(
        "The next CRL lists them: `capfd crl`, or at once under `capfd run --crl FILE`".into(),
    );
    cx.out.outcome_lines(
        &text,
        &[
            ("revoked", Cell::Int(n as i64)),
            ("serials", Cell::Text(serials.join(" "))),
            ("reason", Cell::Text(reason.as_str().into())),
        ],
    )?;
    Ok(())
}

/// The certificate of the CA that issued `lsc`, from the CAPF CAs (active or retired) and the
/// trust list: the one whose signature on it verifies.
fn issuing_ca(lsc: &ParsedCert, cas: &[ParsedCert]) -> Option<String> {
    cas.iter()
        .find(|ca| lsc.verify_issued_by(ca).is_ok())
        .map(ParsedCert::pem)
}

/// `utils capf lsc export {all|<device>} <folder> [chain|nochain]`: all or nothing, never
/// overwriting, each file written whole.
pub fn export(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let scope = required(cx.args.scope(0), "all|device")?.clone();
    let folder = required(cx.args.path(1), "folder")?.to_path_buf();
    let chain = cx.args.word(2) != Some("nochain");
    if !folder.is_dir() {
        return Err(CommandError::refused(format!(
            "{} is not a folder: create it first",
            folder.display()
        )));
    }
    let store = cx.act.store()?;
    let lscs = store.current_lscs(&scope)?;
    if lscs.is_empty() {
        return match scope {
            Scope::Device(d) => Err(CommandError::refused(format!(
                "device {d} has no current LSC (revoked and stale ones are not exported)"
            ))),
            Scope::All => {
                cx.out.outcome(
                    "No LSCs to export",
                    &[
                        ("exported", Cell::Int(0)),
                        ("files", Cell::Text(String::new())),
                    ],
                )?;
                Ok(())
            }
        };
    }
    let cas: Vec<ParsedCert> = if chain {
        store
            .capf_ca_history()?
            .into_iter()
            .map(|c| c.der)
            .chain(store.trust_anchors()?.into_iter().map(|c| c.der))
            .filter_map(|der| ParsedCert::from_der(der).ok())
            .collect()
    } else {
        Vec::new()
    };
    // Everything is prepared and checked before the first file is written.
    let mut files: Vec<(PathBuf, String)> = Vec::with_capacity(lscs.len());
    for l in &lscs {
        let mut pem = to_pem("CERTIFICATE", &l.der);
        if chain {
            let cert = ParsedCert::from_der(l.der.clone()).map_err(EngineError::from)?;
            let ca = issuing_ca(&cert, &cas).ok_or_else(|| {
                CommandError::refused(format!(
                    "no CA certificate in the store issued the LSC {} of {}: export it with \
                     nochain; nothing was written",
                    l.serial, l.device
                ))
            })?;
            pem.push_str(&ca);
        }
        // Device names are [A-Z0-9_.-]{1,15} (the schema checks it): safe file names.
        files.push((folder.join(format!("{}.pem", l.device)), pem));
    }
    let existing: Vec<String> = files
        .iter()
        .filter(|(p, _)| p.symlink_metadata().is_ok())
        .map(|(p, _)| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(CommandError::refused(format!(
            "{} already exist{}, nothing was written (export never overwrites): {}",
            plural(existing.len() as u64, "file", "files"),
            if existing.len() == 1 { "s" } else { "" },
            existing.join(", ")
        )));
    }
    let mut written: Vec<&Path> = Vec::new();
    for (path, pem) in &files {
        if let Err(e) =
            crate::sys::write_file(path, pem.as_bytes(), 0o644, crate::sys::Existing::Refuse)
        {
            // All or nothing: take back what this export wrote.
            for w in &written {
                let _ = std::fs::remove_file(w);
            }
            return Err(CommandError::refused(format!(
                "cannot write {}: {e}; nothing was written",
                path.display()
            )));
        }
        written.push(path);
    }
    let mut text = vec![format!(
        "Exported {} to {}{}",
        plural(files.len() as u64, "LSC", "LSCs"),
        folder.display(),
        if chain {
            " (each with its CA certificate)"
        } else {
            ""
        }
    )];
    for l in &lscs {
        text.push(format!("  {}.pem: LSC {}", l.device, l.serial));
    }
    cx.out.outcome_lines(
        &text,
        &[
            ("exported", Cell::Int(files.len() as i64)),
            (
                "files",
                Cell::Text(
                    files
                        .iter()
                        .map(|(p, _)| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            ),
        ],
    )?;
    Ok(())
}

/// `utils capf tidy [expired-lscs] [superseded-csrs] [older-than <days>] [dry-run]`.
pub fn tidy(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let options = cx.args.options();
    let dry_run = options.has("dry-run");
    let mut expired_lscs = options.has("expired-lscs");
    let mut superseded_csrs = options.has("superseded-csrs");
    if !expired_lscs && !superseded_csrs {
        expired_lscs = true;
        superseded_csrs = true;
    }
    // The tree's range checked it and holds the default.
    let days = required(options.number("older-than"), "days")?;
    let cutoff = cx.act.now() - Duration::days(days);
    let tidy = TidyScope {
        expired_lscs,
        superseded_csrs,
        cutoff,
    };
    let plan = cx.store()?.tidy_plan(&tidy)?;
    let what = |l: u64, c: u64| {
        let mut parts = Vec::new();
        if expired_lscs {
            parts.push(plural(l, "expired LSC", "expired LSCs"));
        }
        if superseded_csrs {
            parts.push(plural(c, "superseded CSR", "superseded CSRs"));
        }
        parts.join(" and ")
    };
    let (nl, nc) = (plan.lscs.len() as u64, plan.csrs.len() as u64);
    let margin = format!("older than {days} days, before {}", format_cli(&cutoff));
    if dry_run {
        let mut text = vec![format!(
            "Dry run: would delete {} ({margin}); nothing was changed",
            what(nl, nc)
        )];
        for (device, serial, end) in &plan.lscs {
            text.push(format!(
                "  LSC {serial} of {device}, expired {}",
                format_cli(end)
            ));
        }
        for (device, at) in &plan.csrs {
            text.push(format!("  CSR of {device}, submitted {}", format_cli(at)));
        }
        cx.out.outcome_lines(
            &text,
            &[
                ("would_delete_lscs", Cell::Int(nl as i64)),
                ("would_delete_csrs", Cell::Int(nc as i64)),
                ("deleted", Cell::Int(0)),
            ],
        )?;
        return Ok(());
    }
    if nl + nc == 0 {
        cx.out.outcome(
            &format!(
                "Nothing to tidy: no {} ({margin})",
                what(0, 0).replace("0 ", "")
            ),
            &[
                ("deleted_lscs", Cell::Int(0)),
                ("deleted_csrs", Cell::Int(0)),
            ],
        )?;
        return Ok(());
    }
    cx.confirm(
        &format!("delete {} ({margin})", what(nl, nc)),
        "Cancelled: nothing was deleted",
    )?;
    let actor = cx.actor.clone();
    let (dl, dc) = cx.store()?.tidy(&tidy, &actor)?;
    cx.out.outcome(
        &format!("Deleted {}", what(dl, dc)),
        &[
            ("deleted_lscs", Cell::Int(dl as i64)),
            ("deleted_csrs", Cell::Int(dc as i64)),
        ],
    )?;
    Ok(())
}
