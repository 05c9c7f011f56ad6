//! The stale-LSC rule, as a plain function of an LSC's history.
//!
//! The store enforces the same rule for speed (the `stale_lsc` view and the triggers of
//! `migrations/0003_stale_mark_and_one_lsc_per_csr.sql`, which record the mark on the LSC);
//! a store test replays random histories through both and requires them to agree, so this
//! function is the rule's specification and the SQL its indexed implementation.

use super::Timestamp;

/// When an LSC became stale, or `None` if it is not.
///
/// An LSC is stale when it was issued for a device but never installed, and that device
/// submitted a newer CSR after the LSC was issued (the phone replaced the key the LSC certifies).
/// It becomes stale when the first such CSR arrives, and stays stale even if that CSR is later
/// deleted: the key it certifies is gone either way. `device_csr_times` are the submission
/// times of every CSR the device ever sent, in any order.
pub fn stale_since(
    issued_at: Timestamp,
    installed: bool,
    device_csr_times: impl IntoIterator<Item = Timestamp>,
) -> Option<Timestamp> {
    if installed {
        return None;
    }
    device_csr_times
        .into_iter()
        .filter(|t| *t > issued_at)
        .min()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;

    fn t(min: i64) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("ts")
            + Duration::minutes(min)
    }

    #[test]
    fn only_a_newer_csr_of_a_not_installed_lsc_makes_it_stale() {
        assert_eq!(stale_since(t(5), false, [t(1), t(9), t(7)]), Some(t(7)));
        assert_eq!(stale_since(t(5), true, [t(9)]), None, "installed");
        assert_eq!(stale_since(t(5), false, [t(1), t(5)]), None, "none newer");
        assert_eq!(stale_since(t(5), false, []), None);
    }
}
