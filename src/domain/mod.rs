//! The CAPF domain: device names, settings, certificate records and the stale-LSC rule.
//!
//! Nothing here knows about terminals or SQL. Values are parsed once at the edge into these types
//! (a `KeepAlive` can only hold 5–60), so the rest of the code can trust them.

mod device;
mod online_ca;
mod operation;
mod records;
mod revocation;
mod settings;
mod stale;
mod time;

pub use device::DeviceName;
pub use online_ca::{
    DEFAULT_EST_PORT, EstHost, EstLabel, EstPassword, EstRequest, EstState, EstUser, OnlineCa,
    parse_est_port,
};
pub use operation::{
    AuthMode, AuthString, KeySpec, NewOperation, Operation, OperationKind, OperationStatus,
    auth_secret_matches, deadline_from_date,
};
pub use records::{
    CsrRecord, LscRecord, LscState, NewCsr, NewLsc, PendingCsr, PendingCsrRow, StaleLsc,
    StaleLscRow, key_label,
};
pub use revocation::{Revocation, RevocationReason};
pub use settings::{IssuerMode, KeepAlive, Settings, ValidityDays};
pub use stale::stale_since;
pub use time::{Timestamp, format_cli, format_rfc3339};

/// A value a user typed (or a file held) was refused; the message is shown as-is to the admin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);
