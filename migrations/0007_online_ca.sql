-- capfsh store, schema version 7: the online CA (EST, RFC 7030) that capfd forwards pending CSRs
-- to in mode 'online'. The password is never stored here: online_ca.password_file names a 0600
-- file beside the database, as capf_ca.key_file does for the CA key.

-- The EST server: exactly one row (id = 1) once configured.
CREATE TABLE online_ca (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    host             TEXT NOT NULL CHECK (length(host) BETWEEN 1 AND 253),
    port             INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    label            TEXT CHECK (label IS NULL OR length(label) BETWEEN 1 AND 64),
    username         TEXT NOT NULL CHECK (length(username) BETWEEN 1 AND 128),
    password_file    TEXT NOT NULL,
    set_at           INTEGER NOT NULL,
    set_by           TEXT NOT NULL,
    -- Bumped by every change, so capfd retries refused requests with the new credentials.
    revision         INTEGER NOT NULL DEFAULT 1,
    last_contact_at  INTEGER,
    last_result      TEXT
) STRICT;

-- CA certificates trusted to authenticate the EST server's TLS certificate (from /cacerts,
-- fingerprints confirmed by the admin). Separate from trust_anchor, which says who may issue LSCs.
CREATE TABLE est_server_ca (
    id                  INTEGER PRIMARY KEY,
    subject             TEXT NOT NULL,
    not_after           INTEGER NOT NULL,
    sha256_fingerprint  TEXT NOT NULL UNIQUE,
    der                 BLOB NOT NULL CHECK (length(der) BETWEEN 1 AND 65536),
    added_at            INTEGER NOT NULL,
    added_by            TEXT NOT NULL
) STRICT;

-- The last EST attempt for a pending CSR: why it still waits and when capfd tries again.
-- state: 'accepted' (202, the CA will answer later), 'retry' (server or network error),
-- 'refused' (401/403 or another 4xx), 'rejected' (the returned certificate failed the import
-- rules). A CSR without a row has not been sent yet.
CREATE TABLE est_attempt (
    csr_id           INTEGER PRIMARY KEY REFERENCES csr (id) ON DELETE CASCADE,
    state            TEXT NOT NULL CHECK (state IN ('accepted', 'retry', 'refused', 'rejected')),
    detail           TEXT NOT NULL,
    attempts         INTEGER NOT NULL CHECK (attempts >= 1),
    last_try_at      INTEGER NOT NULL,
    next_try_at      INTEGER NOT NULL,
    config_revision  INTEGER NOT NULL
) STRICT;
CREATE INDEX est_attempt_by_next_try ON est_attempt (next_try_at);
