//! `utils capf backup <folder>`: the store and its CA keys, copied online into a new folder.

use super::{CommandError, Cx, required};
use crate::backup::{FileKind, backup};
use crate::render::Cell;

/// Backs the store up; the audit log records who took a copy of the CA keys, and where.
pub fn run(cx: &mut Cx<'_>) -> Result<(), CommandError> {
    let folder = required(cx.args.path(0), "folder")?.to_path_buf();
    let actor = cx.actor.clone();
    let store = cx.store()?;
    let report = backup(store, &folder)
        .map_err(|e| CommandError::new(e.kind(), e.to_string()).with_source(e))?;
    let keys = report
        .files
        .iter()
        .filter(|f| f.kind == FileKind::Key)
        .count();
    let detail = format!(
        "backup of the store and {keys} CA key file(s) written to {}",
        folder.display()
    );
    // The copy exists whatever happens to this line (a store opened read-only cannot take it).
    let _ = store.log_event(&actor, &detail);
    let mut lines = vec![format!("Backup written to {}", folder.display())];
    for f in &report.files {
        lines.push(format!("  {:04o}  {}", f.mode, f.name));
    }
    for missing in &report.missing_retired_keys {
        lines.push(format!(
            "  missing: {missing} (a retired CA key no longer on disk; not in the backup)"
        ));
    }
    cx.out.outcome(
        &lines.join("\n"),
        &[
            ("folder", Cell::Text(folder.display().to_string())),
            ("files", Cell::Int(report.files.len() as i64)),
            ("ca_keys", Cell::Int(keys as i64)),
            ("schema_version", Cell::Int(report.schema_version)),
        ],
    )?;
    Ok(())
}
