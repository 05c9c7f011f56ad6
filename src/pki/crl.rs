//! The CRL of revoked LSCs, signed by the CAPF CA (RFC 5280 section 5: version 2, CRL number,
//! authority key identifier, reason codes, nextUpdate).

use chrono::Duration;
use rcgen::{CertificateRevocationListParams, KeyIdMethod, RevokedCertParams, SerialNumber};

use super::{CapfCa, PkiError};
use crate::domain::{Revocation, RevocationReason, Timestamp};

/// The longest nextUpdate `capfd crl --days` accepts.
pub const MAX_CRL_DAYS: u32 = 366;

fn to_time(t: Timestamp) -> Result<::time::OffsetDateTime, PkiError> {
    ::time::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .map_err(|e| PkiError::Issue(format!("time out of range: {e}")))
}

fn hex_bytes(serial: &str) -> Result<Vec<u8>, PkiError> {
    let padded = if serial.len() % 2 == 1 {
        format!("0{serial}")
    } else {
        serial.to_owned()
    };
    (0..padded.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&padded[i..i + 2], 16))
        .collect::<Result<_, _>>()
        .map_err(|_| PkiError::Issue(format!("serial {serial:?} is not hex")))
}

impl CapfCa {
    /// Signs a CRL numbered `number` listing `revoked`, valid from `now` for `days` days.
    ///
    /// Only revocations of LSCs this CA issued belong in its CRL; the caller selects them.
    /// The reason code is left out for `unspecified`, as RFC 5280 section 5.3.1 advises.
    pub fn sign_crl(
        &self,
        number: i64,
        revoked: &[Revocation],
        now: Timestamp,
        days: u32,
    ) -> Result<Vec<u8>, PkiError> {
        if !self.can_sign_crls() {
            return Err(PkiError::Rule(
                "the CAPF CA certificate lacks Key Usage CRL Sign (it was made before capfsh \
                 published CRLs): create a new CA with `capfd init --force`"
                    .into(),
            ));
        }
        if !(1..=MAX_CRL_DAYS).contains(&days) {
            return Err(PkiError::Rule(format!(
                "--days {days}: a CRL is valid for 1 to {MAX_CRL_DAYS} days"
            )));
        }
        let number = u64::try_from(number)
            .map_err(|_| PkiError::Issue(format!("CRL number {number} out of range")))?;
        let revoked_certs = revoked
            .iter()
            .map(|r| {
                Ok(RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&hex_bytes(&r.serial)?),
                    revocation_time: to_time(r.revoked_at)?,
                    reason_code: match r.reason {
                        RevocationReason::Unspecified => None,
                        RevocationReason::KeyCompromise => {
                            Some(rcgen::RevocationReason::KeyCompromise)
                        }
                        RevocationReason::Superseded => Some(rcgen::RevocationReason::Superseded),
                        RevocationReason::CessationOfOperation => {
                            Some(rcgen::RevocationReason::CessationOfOperation)
                        }
                    },
                    invalidity_date: None,
                })
            })
            .collect::<Result<Vec<_>, PkiError>>()?;
        let params = CertificateRevocationListParams {
            this_update: to_time(now)?,
            next_update: to_time(now + Duration::days(i64::from(days)))?,
            crl_number: SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::PreSpecified(self.key_id().to_vec()),
        };
        let crl = params
            .signed_by(self.issuer())
            .map_err(|e| PkiError::Issue(format!("cannot sign the CRL: {e}")))?;
        Ok(crl.der().to_vec())
    }
}
