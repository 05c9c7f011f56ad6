//! `show capf status`, `show capf lsc [...]`, `show capf trust`: read-only reports.

use chrono::Duration;

use super::{
    CommandError, Cx, DEVICE_COLUMN, EXPIRES_COLUMN, FINGERPRINT_COLUMN, ISSUED_COLUMN,
    SERIAL_COLUMN, plural, required, row_sink,
};
use crate::domain::{LscRecord, format_cli};
use crate::render::{Cell, Column};
use crate::store::LscFilter;

/// Columns of `show capf lsc` (field names are a documented contract).
pub const LSC_COLUMNS: &[Column] = &[
    DEVICE_COLUMN,
    SERIAL_COLUMN,
    Column {
        field: "state",
        title: "State",
        width: 9,
    },
    Column {
        field: "issuer",
        title: "Issuer",
        // `CAPF-0a1b2c3d (retired)`; an external CA's longer CN pushes the row out.
        width: 23,
    },
    ISSUED_COLUMN,
    Column {
        field: "expires_at",
        title: "Expires (UTC)",
        width: 0,
    },
];

/// Columns of `show capf lsc device <name>` with the certificates: the PEM follows each row
/// in a table, and is the `pem` field in JSON and CSV.
pub const LSC_PEM_COLUMNS: &[Column] = &[
    LSC_COLUMNS[0],
    LSC_COLUMNS[1],
    LSC_COLUMNS[2],
    LSC_COLUMNS[3],
    LSC_COLUMNS[4],
    EXPIRES_COLUMN,
    Column {
        field: "pem",
        title: "PEM",
        width: 0,
    },
];

fn lsc_row(l: &LscRecord) -> [Cell; 6] {
    [
        Cell::Text(l.device.clone()),
        Cell::Text(l.serial.clone()),
        Cell::Text(l.state.as_str().into()),
        Cell::Text(l.issuer_label.clone()),
        Cell::Time(l.issued_at),
        Cell::Time(l.not_after),
    ]
}

fn lsc_pem_row(l: &LscRecord) -> [Cell; 7] {
    let [a, b, c, d, e, f] = lsc_row(l);
    [
        a,
        b,
        c,
        d,
        e,
        f,
        Cell::Block(crate::pki::to_pem("CERTIFICATE", &l.der)),
    ]
}

/// `show capf status`.
pub fn status(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let now = cx.act.now();
    let store = cx.act.store()?;
    let settings = store.settings()?;
    let ca = store.active_ca()?;
    let pending = store.pending_csr_count()?;
    let lscs = store.lsc_counts()?;
    let mut fields = vec![
        (
            "issuer_mode",
            "Certificate issuer",
            Cell::Text(settings.issuer_mode.as_str().into()),
        ),
        (
            "keep_alive",
            "Keep-alive (minutes)",
            Cell::Int(settings.keep_alive.minutes().into()),
        ),
        (
            "validity_days",
            "LSC validity (days)",
            Cell::Int(settings.validity.days().into()),
        ),
        (
            "ca_subject",
            "CAPF CA",
            // No CA yet: null for scripts (`-` in the table), like its expiry.
            ca.as_ref()
                .map_or(Cell::Null, |c| Cell::Text(c.subject.clone())),
        ),
        (
            "ca_expires_at",
            "CAPF CA expires (UTC)",
            ca.as_ref().map_or(Cell::Null, |c| Cell::Time(c.not_after)),
        ),
        (
            "ca_days_left",
            "CAPF CA days left",
            ca.as_ref().map_or(Cell::Null, |c| {
                Cell::Int((c.not_after - now).num_days().max(0))
            }),
        ),
        ("pending_csrs", "Pending CSRs", Cell::Int(pending as i64)),
        (
            "issued_lscs",
            "LSCs issued, awaiting install",
            Cell::Int(lscs.issued as i64),
        ),
        (
            "installed_lscs",
            "LSCs installed",
            Cell::Int(lscs.installed as i64),
        ),
        ("stale_lscs", "Stale LSCs", Cell::Int(lscs.stale as i64)),
        (
            "revoked_lscs",
            "Revoked LSCs",
            Cell::Int(lscs.revoked as i64),
        ),
        (
            "retired_ca_lscs",
            "LSCs of retired CAs",
            Cell::Int(lscs.by_retired_ca as i64),
        ),
    ];
    // LSCs are cut at the CA's end: say so while the admin can still act.
    if let Some(c) = &ca {
        let left = (c.not_after - now).num_days();
        let validity = i64::from(settings.validity.days());
        if left < validity {
            fields.push((
                "warning",
                "Warning",
                Cell::Text(format!(
                    "the CAPF CA has {} days left, fewer than the LSC validity ({validity} days): \
                     new LSCs end with the CA on {}; renew it with `capfd init --force`",
                    left.max(0),
                    format_cli(&c.not_after)
                )),
            ));
        }
    }
    cx.out.record(&fields)?;
    Ok(())
}

/// `show capf lsc`.
pub fn lsc_all(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    lsc(cx, LscReport::All)
}

/// `show capf lsc expiring <days>`.
pub fn lsc_expiring(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    lsc(cx, LscReport::Expiring)
}

/// `show capf lsc device <name>`.
pub fn lsc_device(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    lsc(cx, LscReport::Device)
}

/// The LSC report, filtered as `filter_kind` says.
fn lsc(cx: &mut Cx<'_>, filter_kind: LscReport) -> Result<(), CommandError> {
    let (filter, empty, found) = match filter_kind {
        LscReport::All => (LscFilter::All, "No LSCs found".to_owned(), String::new()),
        LscReport::Expiring => {
            let days = required(cx.args.number(0), "days")?;
            let before = cx.act.now() + Duration::days(days);
            (
                LscFilter::ExpiringBefore(before),
                format!("No LSCs expire before {}", format_cli(&before)),
                format!(" before {}", format_cli(&before)),
            )
        }
        LscReport::Device => {
            let device = required(cx.args.device(0), "device")?.clone();
            (
                LscFilter::Device(device.clone()),
                format!("No LSCs found for {device}"),
                format!(" found for {device}"),
            )
        }
    };
    // One device's LSCs carry their certificates: always in JSON and CSV, in a table when
    // `pem` is asked for.
    let with_pem = filter_kind == LscReport::Device
        && (cx.args.word(1) == Some("pem") || cx.talk.format != crate::render::Format::Table);
    let store = cx.act.store()?;
    let n = if with_pem {
        cx.out.begin_list(LSC_PEM_COLUMNS)?;
        store.each_lsc(&filter, row_sink(cx.talk, cx.out, lsc_pem_row))?
    } else {
        cx.out.begin_list(LSC_COLUMNS)?;
        store.each_lsc(&filter, row_sink(cx.talk, cx.out, lsc_row))?
    };
    cx.out.end_list(&if n == 0 {
        empty
    } else if found.is_empty() {
        format!("{} found", plural(n, "LSC", "LSCs"))
    } else if filter_kind == LscReport::Expiring {
        // "1 LSC expires before ...", "2 LSCs expire before ...".
        let verb = if n == 1 { "expires" } else { "expire" };
        format!("{} {verb}{found}", plural(n, "LSC", "LSCs"))
    } else {
        format!("{}{found}", plural(n, "LSC", "LSCs"))
    })?;
    Ok(())
}

/// Which LSC report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LscReport {
    /// Every LSC.
    All,
    /// Those expiring within N days.
    Expiring,
    /// One device's.
    Device,
}

/// Columns of `show capf trust`.
pub const TRUST_COLUMNS: &[Column] = &[
    EXPIRES_COLUMN,
    FINGERPRINT_COLUMN,
    Column {
        field: "purpose",
        title: "Purpose",
        width: 7,
    },
    Column {
        field: "subject",
        title: "Subject",
        width: 0,
    },
];

/// `show capf trust`.
pub fn trust(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let anchors = cx.store()?.trust_anchors_with_purpose()?;
    cx.out.begin_list(TRUST_COLUMNS)?;
    for (a, purpose) in &anchors {
        cx.out.row(&[
            Cell::Time(a.not_after),
            Cell::Text(a.sha256_fingerprint.clone()),
            Cell::Text(purpose.clone()),
            Cell::Text(a.subject.clone()),
        ])?;
    }
    cx.out.end_list(&if anchors.is_empty() {
        "No trusted CA certificates found".to_owned()
    } else {
        format!(
            "{} found",
            plural(
                anchors.len() as u64,
                "trusted CA certificate",
                "trusted CA certificates"
            )
        )
    })?;
    Ok(())
}

/// Columns of `show capf audit`.
pub const AUDIT_COLUMNS: &[Column] = &[
    Column {
        field: "at",
        title: "At (UTC)",
        width: 19,
    },
    Column {
        field: "os_user",
        title: "User",
        width: 12,
    },
    Column {
        field: "outcome",
        title: "Outcome",
        width: 7,
    },
    Column {
        field: "detail",
        title: "Detail",
        width: 32,
    },
    Column {
        field: "command",
        title: "Command",
        width: 0,
    },
];

/// `show capf audit [count]`.
pub fn audit(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let count = cx
        .args
        .number_or_default(0)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| CommandError::internal("show capf audit: no count"))?;
    let entries = cx.store()?.recent_audit(count)?;
    cx.out.begin_list(AUDIT_COLUMNS)?;
    for e in &entries {
        cx.out.row(&[
            Cell::Time(e.at),
            Cell::Text(e.os_user.clone()),
            Cell::Text(e.outcome.clone()),
            e.detail.clone().map_or(Cell::Null, Cell::Text),
            Cell::Text(e.command.clone()),
        ])?;
    }
    cx.out.end_list(&if entries.is_empty() {
        "No audit entries found".to_owned()
    } else {
        format!(
            "{} shown, newest first",
            plural(entries.len() as u64, "entry", "entries")
        )
    })?;
    Ok(())
}
