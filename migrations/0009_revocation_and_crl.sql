-- capfsh store, schema version 9: revoked LSCs and the CRLs the CAPF CA issued.
--
-- Revocations are kept apart from the lsc rows: deleting an LSC (a stale delete, a tidy) must
-- never take it off the CRL, so a revocation outlives the row it revoked.

CREATE TABLE revocation (
    id          INTEGER PRIMARY KEY,
    serial      TEXT NOT NULL UNIQUE CHECK (length(serial) BETWEEN 1 AND 64),
    device      TEXT NOT NULL,
    -- Issuer DN of the revoked LSC: the CRL of a CA lists only what that CA issued.
    issuer      TEXT NOT NULL,
    not_after   INTEGER NOT NULL,
    revoked_at  INTEGER NOT NULL,
    reason      TEXT NOT NULL
                CHECK (reason IN ('unspecified', 'keyCompromise', 'superseded',
                                  'cessationOfOperation')),
    revoked_by  TEXT NOT NULL
) STRICT;
CREATE INDEX revocation_by_issuer ON revocation (issuer, id);

-- A revoked LSC is revoked, not stale: the stale list and its delete leave it alone.
DROP VIEW stale_lsc;
CREATE VIEW stale_lsc AS
SELECT id, device, serial, issued_at, not_after, superseded_at
  FROM lsc
 WHERE installed_at IS NULL AND superseded_at IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = lsc.serial);

-- Every CRL issued: its number (one increasing sequence per store, so per issuer too, as
-- RFC 5280 section 5.2.3 asks), its validity, and the highest revocation id it covers, so the
-- engine knows when a new revocation calls for a new CRL.
CREATE TABLE crl (
    id                   INTEGER PRIMARY KEY,
    number               INTEGER NOT NULL UNIQUE CHECK (number > 0),
    ca_fingerprint       TEXT NOT NULL,
    this_update          INTEGER NOT NULL,
    next_update          INTEGER NOT NULL CHECK (next_update > this_update),
    entries              INTEGER NOT NULL,
    last_revocation_id   INTEGER NOT NULL,
    der                  BLOB NOT NULL CHECK (length(der) BETWEEN 1 AND 16777216)
) STRICT;
