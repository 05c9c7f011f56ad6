-- capfsh store, schema version 1.
-- This schema is the contract between capfsh (the admin shell) and capfd (the CAPF engine).
-- Timestamps are INTEGER microseconds since the Unix epoch, UTC.

-- Cluster-wide CAPF settings: exactly one row (id = 1).
CREATE TABLE settings (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    keep_alive_minutes  INTEGER NOT NULL DEFAULT 15
                        CHECK (keep_alive_minutes BETWEEN 5 AND 60),
    keep_alive_set_at   INTEGER,
    keep_alive_set_by   TEXT,
    issuer_mode         TEXT NOT NULL DEFAULT 'capf'
                        CHECK (issuer_mode IN ('capf', 'online', 'offline')),
    validity_days       INTEGER NOT NULL DEFAULT 1825
                        CHECK (validity_days BETWEEN 1 AND 1825),
    -- Bumped by every change, so the engine can tell a new value from an old one cheaply.
    revision            INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO settings (id) VALUES (1);

-- Certificate signing requests received from endpoints.
-- state: 'pending' until the LSC answering it is installed ('done'), or until the same device
-- sends a newer CSR ('superseded'). At most one pending CSR per device.
CREATE TABLE csr (
    id                 INTEGER PRIMARY KEY,
    device             TEXT NOT NULL
                       CHECK (length(device) BETWEEN 1 AND 15
                              AND device NOT GLOB '*[^A-Za-z0-9_.-]*'),
    submitted_at       INTEGER NOT NULL,
    subject            TEXT NOT NULL,
    key_algorithm      TEXT NOT NULL CHECK (key_algorithm IN ('RSA', 'EC')),
    key_bits           INTEGER NOT NULL CHECK (key_bits BETWEEN 256 AND 8192),
    public_key_sha256  TEXT NOT NULL CHECK (length(public_key_sha256) = 64),
    der                BLOB NOT NULL CHECK (length(der) BETWEEN 1 AND 65536),
    state              TEXT NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending', 'superseded', 'done'))
) STRICT;
CREATE UNIQUE INDEX csr_one_pending_per_device ON csr (device) WHERE state = 'pending';
CREATE INDEX csr_pending_by_time ON csr (submitted_at, id) WHERE state = 'pending';
CREATE INDEX csr_by_device_time ON csr (device, submitted_at);
CREATE INDEX csr_by_public_key ON csr (public_key_sha256) WHERE state = 'pending';

-- Locally Significant Certificates issued by CAPF or imported from an external CA.
CREATE TABLE lsc (
    id            INTEGER PRIMARY KEY,
    device        TEXT NOT NULL
                  CHECK (length(device) BETWEEN 1 AND 15
                         AND device NOT GLOB '*[^A-Za-z0-9_.-]*'),
    serial        TEXT NOT NULL UNIQUE CHECK (length(serial) BETWEEN 1 AND 64),
    subject       TEXT NOT NULL,
    issuer        TEXT NOT NULL,
    not_before    INTEGER NOT NULL,
    not_after     INTEGER NOT NULL CHECK (not_after > not_before),
    issued_at     INTEGER NOT NULL,
    installed_at  INTEGER,
    csr_id        INTEGER REFERENCES csr (id) ON DELETE SET NULL,
    der           BLOB NOT NULL CHECK (length(der) BETWEEN 1 AND 65536)
) STRICT;
CREATE INDEX lsc_not_installed ON lsc (device, issued_at) WHERE installed_at IS NULL;
CREATE INDEX lsc_by_device ON lsc (device, issued_at);
CREATE INDEX lsc_by_expiry ON lsc (not_after);
CREATE INDEX lsc_by_csr ON lsc (csr_id);

-- The stale-LSC rule, defined once: an LSC issued for a device but never installed, where that
-- device submitted a newer CSR after the LSC was issued. superseded_at is when the first such
-- CSR arrived.
CREATE VIEW stale_lsc AS
SELECT l.id, l.device, l.serial, l.issued_at, l.not_after,
       (SELECT min(c.submitted_at) FROM csr c
         WHERE c.device = l.device AND c.submitted_at > l.issued_at) AS superseded_at
  FROM lsc l
 WHERE l.installed_at IS NULL
   AND EXISTS (SELECT 1 FROM csr c
                WHERE c.device = l.device AND c.submitted_at > l.issued_at);

-- Who changed the store, when, with which command, and how it ended.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    os_user  TEXT NOT NULL,
    command  TEXT NOT NULL,
    outcome  TEXT NOT NULL CHECK (outcome IN ('ok', 'failed')),
    detail   TEXT
) STRICT;
CREATE INDEX audit_by_time ON audit_log (at);
