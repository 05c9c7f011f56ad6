//! `utils capf csr list|count|dump|delete`.

use std::sync::atomic::Ordering;

use super::delete::{Deletion, scoped_delete};
use super::{
    CONTROL_C, CommandError, Cx, DEVICE_COLUMN, SUBMITTED_COLUMN, found, plural, required,
};
use crate::pki::{ParsedCsr, to_pem};
use crate::render::{Cell, Column, RowCell};
use crate::store::{Scope, Store};

/// Columns of `utils capf csr list` (field names are a documented contract).
pub const CSR_COLUMNS: &[Column] = &[
    DEVICE_COLUMN,
    SUBMITTED_COLUMN,
    // `RSA-2048 keygen` for a key from a phone's key-generate response (no CSR).
    Column {
        field: "key",
        title: "Key",
        width: 15,
    },
    Column {
        field: "subject",
        title: "Subject",
        width: 0,
    },
];

/// Lists pending CSRs oldest first, streaming rows borrowed from the store (no allocation per
/// row); Ctrl-C stops the listing.
pub fn list(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let interrupted = cx.talk.interrupted.clone();
    let store = cx.act.store()?;
    let out = &mut *cx.out;
    out.begin_list(CSR_COLUMNS)?;
    // The key label of the previous row, reused while the key kind repeats (it mostly does).
    let mut key = String::new();
    let mut key_of: Option<(String, u32)> = None;
    let n = store.each_pending_csr_row(|c| {
        if interrupted.load(Ordering::Relaxed) {
            return Err(CommandError::cancelled(CONTROL_C));
        }
        match &mut key_of {
            Some((alg, bits)) if *bits == c.key_bits && alg == c.key_algorithm => {}
            _ => {
                c.key_label_into(&mut key);
                key_of = Some((c.key_algorithm.to_owned(), c.key_bits));
            }
        }
        out.row_ref(&[
            RowCell::Text(c.device),
            RowCell::Micros(c.submitted_at_micros),
            RowCell::Text(&key),
            RowCell::Text(c.subject),
        ])
        .map_err(CommandError::from)
    })?;
    out.end_list(&found(n, "pending CSR", "pending CSRs"))?;
    Ok(())
}

/// Counts pending CSRs.
pub fn count(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let n = cx.store()?.pending_csr_count()?;
    cx.out.outcome(
        &format!("{} pending", plural(n, "CSR", "CSRs")),
        &[("pending_csrs", Cell::Int(n as i64))],
    )?;
    Ok(())
}

/// Shows one device's pending CSR.
pub fn dump(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let device = required(cx.args.device(0), "device")?.clone();
    let record = cx
        .store()?
        .pending_csr(&device)?
        .ok_or_else(|| CommandError::refused(format!("no pending CSR for device {device}")))?;
    let c = &record.csr;
    // Decode again from the stored DER: the dump shows what the request really says.
    let decoded = ParsedCsr::parse(&record.der);
    let (signature, sig_alg, extensions) = match &decoded {
        // A key from a phone's key-generate response: no CSR, nothing signed it.
        _ if c.from_key_generate => (
            "none: a public key from the phone's key-generate response (CAPF protocol), not a CSR"
                .to_owned(),
            "-".into(),
            "-".into(),
        ),
        Ok(p) => (
            "verified".to_owned(),
            p.signature_algorithm.clone(),
            if p.requested_extensions.is_empty() {
                "none".to_owned()
            } else {
                p.requested_extensions.join("; ")
            },
        ),
        Err(e) => (format!("FAILED: {e}"), "-".into(), "-".into()),
    };
    let mut fields = vec![
        ("device", "Device Name", Cell::Text(c.device.clone())),
        (
            "submitted_at",
            "Submitted At (UTC)",
            Cell::Time(c.submitted_at),
        ),
        ("subject", "Subject", Cell::Text(c.subject.clone())),
        ("key", "Key", Cell::Text(c.key_label())),
        (
            "public_key_sha256",
            "Public Key SHA-256",
            Cell::Text(c.public_key_sha256.clone()),
        ),
        (
            "signature_algorithm",
            "Signature Algorithm",
            Cell::Text(sig_alg),
        ),
        ("signature", "Signature", Cell::Text(signature)),
        (
            "requested_extensions",
            "Requested Extensions",
            Cell::Text(extensions),
        ),
        (
            "der_bytes",
            "Size (DER bytes)",
            Cell::Int(record.der.len() as i64),
        ),
    ];
    if let Ok(Some(w)) = decoded.as_ref().map(|p| p.weak.clone()) {
        fields.push(("warning", "Warning", Cell::Text(w)));
    }
    let label = if c.from_key_generate {
        "PUBLIC KEY"
    } else {
        "CERTIFICATE REQUEST"
    };
    fields.push(("pem", "PEM", Cell::Block(to_pem(label, &record.der))));
    cx.out.record(&fields)?;
    Ok(())
}

/// Deletes pending CSRs after confirmation, in one transaction.
pub fn delete(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let target = Deletion {
        one: "pending CSR",
        many: "pending CSRs",
        count: |store, scope| match scope {
            Scope::All => store.pending_csr_count(),
            Scope::Device(d) => Ok(u64::from(store.pending_csr(d)?.is_some())),
        },
        delete: Store::delete_pending_csrs,
    };
    scoped_delete(cx, &target)
}
