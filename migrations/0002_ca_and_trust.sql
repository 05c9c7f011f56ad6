-- capfsh store, schema version 2: the CAPF CA certificate and the trust list of external CAs.
-- Private keys are never stored here: capf_ca.key_file names the key file beside the database
-- (mode 0600).

-- CAPF CA certificates: exactly one active (retired_at IS NULL); replaced ones are kept, retired.
CREATE TABLE capf_ca (
    id                  INTEGER PRIMARY KEY,
    subject             TEXT NOT NULL,
    not_before          INTEGER NOT NULL,
    not_after           INTEGER NOT NULL CHECK (not_after > not_before),
    sha256_fingerprint  TEXT NOT NULL UNIQUE,
    key_file            TEXT NOT NULL,
    der                 BLOB NOT NULL CHECK (length(der) BETWEEN 1 AND 65536),
    created_at          INTEGER NOT NULL,
    retired_at          INTEGER
) STRICT;
CREATE UNIQUE INDEX capf_ca_one_active ON capf_ca ((1)) WHERE retired_at IS NULL;

-- External CA certificates allowed to issue LSCs in online/offline mode.
CREATE TABLE trust_anchor (
    id                  INTEGER PRIMARY KEY,
    subject             TEXT NOT NULL,
    not_after           INTEGER NOT NULL,
    sha256_fingerprint  TEXT NOT NULL UNIQUE,
    der                 BLOB NOT NULL CHECK (length(der) BETWEEN 1 AND 65536),
    added_at            INTEGER NOT NULL,
    added_by            TEXT NOT NULL
) STRICT;
