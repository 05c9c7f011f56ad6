//! `utils capf csr list|count|dump|delete`.

use super::delete::{Deletion, scoped_delete};
use super::{CommandError, Cx, found, plural, required, row_sink};
use crate::domain::PendingCsr;
use crate::pki::{ParsedCsr, to_pem};
use crate::render::{Cell, Column};
use crate::store::{Scope, Store};

/// Columns of `utils capf csr list` (field names are a documented contract).
pub const CSR_COLUMNS: &[Column] = &[
    Column {
        field: "device",
        title: "Device Name",
        width: 15,
    },
    Column {
        field: "submitted_at",
        title: "Submitted At (UTC)",
        width: 19,
    },
    Column {
        field: "key",
        title: "Key",
        width: 8,
    },
    Column {
        field: "subject",
        title: "Subject",
        width: 0,
    },
];

fn csr_row(c: &PendingCsr) -> [Cell; 4] {
    [
        Cell::Text(c.device.clone()),
        Cell::Time(c.submitted_at),
        Cell::Text(c.key_label()),
        Cell::Text(c.subject.clone()),
    ]
}

/// Lists pending CSRs oldest first, streaming; Ctrl-C stops the listing.
pub fn list(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let store = cx.act.store()?;
    cx.out.begin_list(CSR_COLUMNS)?;
    let n = store.each_pending_csr(row_sink(cx.talk, cx.out, csr_row))?;
    cx.out.end_list(&found(n, "pending CSR", "pending CSRs"))?;
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
    fields.push((
        "pem",
        "PEM",
        Cell::Block(to_pem("CERTIFICATE REQUEST", &record.der)),
    ));
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
