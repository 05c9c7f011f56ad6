//! Certificate commands: `show capf cert`, `utils capf csr export`, `utils capf cert import`,
//! `utils capf trust import`.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{CommandError, Cx, plural, required};
use crate::engine::{Engine, EngineError, Refusal};
use crate::pki::cert::MAX_CERT_INPUT_BYTES;
use crate::pki::{ParsedCert, to_pem};
use crate::render::Cell;

/// Most files `cert import` reads from one folder.
const MAX_IMPORT_FILES: usize = 10_000;

/// `show capf cert`.
pub fn show_cert(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let ca = cx.store()?.active_ca()?.ok_or_else(|| {
        CommandError::refused("no CAPF CA certificate yet: create it with `capfd init`")
    })?;
    let parsed = ParsedCert::from_der(ca.der.clone()).map_err(EngineError::from)?;
    cx.out.record(&[
        ("subject", "Subject", Cell::Text(parsed.subject.clone())),
        (
            "not_before",
            "Valid from (UTC)",
            Cell::Time(parsed.not_before),
        ),
        (
            "not_after",
            "Valid until (UTC)",
            Cell::Time(parsed.not_after),
        ),
        ("serial", "Serial", Cell::Text(parsed.serial_hex.clone())),
        (
            "sha256_fingerprint",
            "SHA-256 fingerprint",
            Cell::Text(ca.sha256_fingerprint.clone()),
        ),
        ("pem", "PEM", Cell::Block(to_pem("CERTIFICATE", &ca.der))),
    ])?;
    Ok(())
}

/// `utils capf csr export <folder>`: one `<device>.csr` per pending CSR; never overwrites.
pub fn csr_export(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let folder = required(cx.args.path(0), "folder")?.to_path_buf();
    if !folder.is_dir() {
        return Err(CommandError::refused(format!(
            "{} is not a folder: create it first",
            folder.display()
        )));
    }
    let mut written = 0u64;
    let mut skipped = Vec::new();
    cx.store()?.each_unanswered_csr_der(|rec| {
        // Device names are [A-Za-z0-9_.-]{1,15} (checked by the schema), so they are safe file
        // names; `..` alone cannot pass the check as a whole name with the suffix.
        let path = folder.join(format!("{}.csr", rec.csr.device));
        // Never over an existing file, never through a link, never half-written.
        match crate::sys::write_file(
            &path,
            to_pem("CERTIFICATE REQUEST", &rec.der).as_bytes(),
            0o644,
            crate::sys::Existing::Refuse,
        ) {
            Ok(()) => written += 1,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => skipped.push(rec.csr.device),
            Err(e) => return Err(cannot("write", &path, e)),
        }
        Ok(())
    })?;
    // One element per output line: the folder name is the admin's and may hold anything.
    let mut text = vec![format!(
        "Exported {} to {}",
        plural(written, "CSR", "CSRs"),
        folder.display()
    )];
    if !skipped.is_empty() {
        text.push(format!(
            "Skipped {} whose file already exists: {}",
            skipped.len(),
            skipped.join(", ")
        ));
    }
    cx.out.outcome_lines(
        &text,
        &[
            ("exported", Cell::Int(written as i64)),
            ("skipped", Cell::Int(skipped.len() as i64)),
        ],
    )?;
    Ok(())
}

/// A file that could not be read or written, as a refusal naming it.
fn cannot(action: &str, path: &Path, e: std::io::Error) -> CommandError {
    CommandError::refused(format!("cannot {action} {}: {e}", path.display())).with_source(e)
}

/// One file read for import: its name, and its certificates or why it could not be read.
type CertFile = (String, Result<Vec<ParsedCert>, Refusal>);

/// Reads certificate files: `path` itself, or every regular file in it when it is a folder.
fn read_cert_files(path: &Path) -> Result<Vec<CertFile>, CommandError> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut v: Vec<PathBuf> = fs::read_dir(path)
            .map_err(|e| cannot("read", path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .take(MAX_IMPORT_FILES + 1)
            .collect();
        if v.len() > MAX_IMPORT_FILES {
            return Err(CommandError::refused(format!(
                "{} holds more than {MAX_IMPORT_FILES} files: import in smaller folders",
                path.display()
            )));
        }
        v.sort();
        v
    } else if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        return Err(CommandError::refused(format!(
            "{} does not exist",
            path.display()
        )));
    };
    Ok(files
        .into_iter()
        .map(|f| {
            let name = f.display().to_string();
            let mut buf = Vec::new();
            let parsed = fs::File::open(&f)
                .and_then(|h| {
                    h.take(MAX_CERT_INPUT_BYTES as u64 + 1)
                        .read_to_end(&mut buf)
                })
                .map_err(Refusal::Unreadable)
                .and_then(|_| ParsedCert::parse_many(&buf).map_err(Refusal::from));
            (name, parsed)
        })
        .collect())
}

/// `utils capf cert import <file|folder>`.
pub fn cert_import(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let files = read_cert_files(required(cx.args.path(0), "file|folder")?)?;
    let mut certs = Vec::new();
    let mut unreadable: Vec<(String, Refusal)> = Vec::new();
    for (name, parsed) in files {
        match parsed {
            Ok(c) => certs.extend(c.into_iter().map(|c| (name.clone(), c))),
            Err(reason) => unreadable.push((name, reason)),
        }
    }
    let now = cx.act.now();
    let store = cx.act.store()?;
    let mut report =
        Engine::new(store, cx.actor.clone()).import_certs(&certs, now, unreadable.is_empty())?;
    unreadable.append(&mut report.refused);
    let refused = unreadable;
    let imported = if report.committed {
        report.accepted.len()
    } else {
        0
    };
    // One element per output line: file names, subjects and refusal reasons come from outside
    // and are escaped whole, so a newline in them cannot forge a line of the summary.
    let mut text = vec![format!(
        "Imported {}",
        plural(imported as u64, "certificate", "certificates")
    )];
    if report.committed {
        for (device, serial) in &report.accepted {
            text.push(format!("  {device}: LSC {serial}"));
        }
    }
    if !refused.is_empty() {
        text.push(format!(
            "Refused {} (nothing was imported; {} passed the checks):",
            refused.len(),
            report.accepted.len()
        ));
        for (what, why) in &refused {
            text.push(format!("  {what}: {why}"));
        }
    }
    let reasons = refused
        .iter()
        .map(|(what, why)| format!("{what}: {why}"))
        .collect::<Vec<_>>()
        .join("\n");
    cx.out.outcome_lines(
        &text,
        &[
            ("imported", Cell::Int(imported as i64)),
            ("refused", Cell::Int(refused.len() as i64)),
            ("refusals", Cell::Text(reasons)),
        ],
    )?;
    if refused.is_empty() {
        Ok(())
    } else {
        Err(CommandError::refused(format!(
            "{} refused, so none was imported: fix or remove {} and run the import again",
            plural(refused.len() as u64, "certificate was", "certificates were"),
            if refused.len() == 1 { "it" } else { "them" }
        )))
    }
}

/// `utils capf trust import <file>`: all or nothing.
pub fn trust_import(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let path = required(cx.args.path(0), "file")?.to_path_buf();
    let path = path.as_path();
    if !path.is_file() {
        return Err(CommandError::refused(format!(
            "{} is not a file",
            path.display()
        )));
    }
    let mut buf = Vec::new();
    fs::File::open(path)
        .and_then(|h| {
            h.take(MAX_CERT_INPUT_BYTES as u64 + 1)
                .read_to_end(&mut buf)
        })
        .map_err(|e| cannot("read", path, e))?;
    let certs = ParsedCert::parse_many(&buf).map_err(EngineError::from)?;
    let now = cx.act.now();
    let store = cx.act.store()?;
    let purpose = cx.args.word(1).unwrap_or("lsc");
    let added = Engine::new(store, cx.actor.clone()).trust_for(&certs, purpose, now)?;
    // One element per output line: a CA subject is untrusted and escaped whole.
    let what = if purpose == "mic" {
        " as manufacturer (MIC) CAs"
    } else {
        ""
    };
    let mut text = vec![format!(
        "Trusted {}{what} ({} new)",
        plural(certs.len() as u64, "CA certificate", "CA certificates"),
        added
    )];
    for c in &certs {
        text.push(format!("  {}  {}", c.fingerprint, c.subject));
    }
    cx.out
        .outcome_lines(&text, &[("added", Cell::Int(added as i64))])?;
    Ok(())
}
