-- capfsh store, schema version 8: phones talk to capfd (the CAPF protocol on port 3804).
--
-- 1. The certificate operation the admin schedules per device (CUCM's Certificate Operation,
--    Authentication Mode, key, Operation Completes By) and how it went.
-- 2. The certificate a phone last reported (troubleshoot), or that it holds none (delete).
-- 3. A key a phone generated on CAPF's key-generate request (no PKCS#10) is a pending request
--    like a CSR: same table, kind 'key', der = its SubjectPublicKeyInfo. The stale rule, the
--    pending list and the one-LSC-per-request index stay one for both kinds.
-- 4. Trust anchors carry a purpose: 'lsc' (external CAs that may issue LSCs) or 'mic'
--    (manufacturer CAs that vouch for phones' MICs and SUDI certificates, never LSC issuers).

ALTER TABLE csr ADD COLUMN kind TEXT NOT NULL DEFAULT 'csr' CHECK (kind IN ('csr', 'key'));

-- `utils capf csr list` reads one covering index (v6): it now also says the kind.
DROP INDEX csr_pending_list;
CREATE INDEX csr_pending_list
    ON csr (submitted_at, id, device, key_algorithm, key_bits, subject, kind)
 WHERE state = 'pending';

ALTER TABLE trust_anchor ADD COLUMN purpose TEXT NOT NULL DEFAULT 'lsc'
    CHECK (purpose IN ('lsc', 'mic'));

-- One scheduled operation per device. status:
--   pending      scheduled, no session served it yet (or it waits: reason says why)
--   in-progress  a phone session is serving it now
--   success      done
--   failed       the last session failed (reason says why); the phone may try again
--   expired      the deadline passed; phones are refused
-- The authentication string is never stored: auth_secret is 'sha256$<salt hex>$<hash hex>'.
CREATE TABLE operation (
    device           TEXT PRIMARY KEY
                     CHECK (length(device) BETWEEN 1 AND 15
                            AND device NOT GLOB '*[^A-Z0-9_.-]*'),
    kind             TEXT NOT NULL CHECK (kind IN ('install', 'troubleshoot', 'delete')),
    auth_mode        TEXT NOT NULL
                     CHECK (auth_mode IN ('string', 'null', 'existing-lsc', 'existing-mic')),
    auth_secret      TEXT CHECK ((auth_mode = 'string') = (auth_secret IS NOT NULL)),
    key_type         TEXT CHECK (key_type IN ('rsa-1024', 'rsa-2048', 'rsa-3072', 'rsa-4096',
                                              'ec-p256', 'ec-p384', 'ec-p521')),
    completes_by     INTEGER,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'in-progress', 'success', 'failed', 'expired')),
    reason           TEXT,
    scheduled_at     INTEGER NOT NULL,
    scheduled_by     TEXT NOT NULL,
    last_attempt_at  INTEGER,
    last_peer        TEXT,
    CHECK ((kind = 'install') = (key_type IS NOT NULL))
) STRICT;
CREATE INDEX operation_by_status ON operation (status, device);

-- What the phone last said it holds.
CREATE TABLE phone_cert (
    device       TEXT PRIMARY KEY
                 CHECK (length(device) BETWEEN 1 AND 15
                        AND device NOT GLOB '*[^A-Z0-9_.-]*'),
    reported_at  INTEGER NOT NULL,
    cert_type    TEXT NOT NULL CHECK (cert_type IN ('lsc', 'mic', 'none')),
    serial       TEXT,
    subject      TEXT,
    issuer       TEXT,
    not_before   INTEGER,
    not_after    INTEGER,
    der          BLOB CHECK (der IS NULL OR length(der) BETWEEN 1 AND 65536),
    CHECK ((cert_type = 'none') = (der IS NULL))
) STRICT;
