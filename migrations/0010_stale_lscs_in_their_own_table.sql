-- capfsh store, schema version 10: stale LSCs in a table of their own.
--
-- Up to v9 every LSC was a row of one table, and `utils capf stale-lsc delete all` deleted the
-- stale ones where they sat: scattered among all the others, each dirtied a page of that table
-- and a page of each of its five indexes (v6 took the DER out of the row, not the row out of the
-- table). Now an LSC row moves, with its certificate, to lsc_stale the moment it turns stale,
-- and back should it ever stop being stale. lsc_stale holds exactly the stale LSCs, so deleting
-- them all clears one table: SQLite frees its pages whole (no trigger, no foreign key on it, so
-- the delete is a table clear), without rewriting them and without touching a page of the live
-- LSCs. The move costs each superseding CSR a few index writes, spread over time.
--
--   lsc_live   every LSC that is not stale: issued, installed, revoked (a revoked LSC is
--              revoked, not stale), with its DER in lsc_der as since v6.
--   lsc_stale  every stale LSC (issued, never installed, a newer CSR of its device since, not
--              revoked), DER inline. No DELETE trigger and no foreign key, ever: either would
--              turn the clear back into a row-by-row delete. Its csr_id is unlinked by a trigger
--              on csr instead of ON DELETE SET NULL.
--   lsc        a view of both, with the columns the lsc table had, so every reader sees every
--              LSC as before; plain SQL still writes through it (INSTEAD OF triggers below).
--   stale_lsc  the stale list: now simply lsc_stale.
--
-- Ids stay unique across both tables: lsc_live hands them out with AUTOINCREMENT (an LSC that
-- moved away keeps its id, which must never be handed out again), and a trigger refuses an id,
-- serial or CSR that a stale LSC already holds.

DROP VIEW stale_lsc;
DROP VIEW lsc_der_any;
DROP TRIGGER csr_supersedes_lsc;
DROP TRIGGER lsc_der_of_stale_lsc;
-- Its name is taken by the new table; the other triggers and indexes on lsc go with it.
DROP INDEX lsc_stale;

CREATE TABLE lsc_live (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    device         TEXT NOT NULL
                   CHECK (length(device) BETWEEN 1 AND 15
                          AND device NOT GLOB '*[^A-Za-z0-9_.-]*'),
    serial         TEXT NOT NULL UNIQUE CHECK (length(serial) BETWEEN 1 AND 64),
    subject        TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    not_before     INTEGER NOT NULL,
    not_after      INTEGER NOT NULL CHECK (not_after > not_before),
    issued_at      INTEGER NOT NULL,
    installed_at   INTEGER,
    csr_id         INTEGER REFERENCES csr (id) ON DELETE SET NULL,
    superseded_at  INTEGER
) STRICT;

CREATE TABLE lsc_stale (
    id             INTEGER PRIMARY KEY,
    device         TEXT NOT NULL
                   CHECK (length(device) BETWEEN 1 AND 15
                          AND device NOT GLOB '*[^A-Za-z0-9_.-]*'),
    serial         TEXT NOT NULL UNIQUE CHECK (length(serial) BETWEEN 1 AND 64),
    subject        TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    not_before     INTEGER NOT NULL,
    not_after      INTEGER NOT NULL CHECK (not_after > not_before),
    issued_at      INTEGER NOT NULL,
    installed_at   INTEGER,
    csr_id         INTEGER,
    superseded_at  INTEGER,
    -- NULL only for a moment: an LSC born stale arrives before its DER (see lsc_der_of_stale_lsc).
    der            BLOB CHECK (der IS NULL OR length(der) BETWEEN 1 AND 65536)
) STRICT;

-- The rows, each where its state puts it, in id order (so each table's pages start full). A
-- link to a CSR that is gone (written with foreign keys off) becomes NULL, as ON DELETE SET
-- NULL would have made it: lsc_live checks the link, and a dangling one would stop the upgrade.
INSERT INTO lsc_live (id, device, serial, subject, issuer, not_before, not_after, issued_at,
                      installed_at, csr_id, superseded_at)
SELECT id, device, serial, subject, issuer, not_before, not_after, issued_at,
       installed_at, (SELECT c.id FROM csr c WHERE c.id = l.csr_id), superseded_at
  FROM lsc l
 WHERE NOT (installed_at IS NULL AND superseded_at IS NOT NULL)
    OR EXISTS (SELECT 1 FROM revocation r WHERE r.serial = l.serial)
 ORDER BY id;
INSERT INTO lsc_stale (id, device, serial, subject, issuer, not_before, not_after, issued_at,
                       installed_at, csr_id, superseded_at, der)
SELECT id, device, serial, subject, issuer, not_before, not_after, issued_at,
       installed_at, (SELECT c.id FROM csr c WHERE c.id = l.csr_id), superseded_at,
       coalesce((SELECT d.der FROM stale_lsc_der d WHERE d.lsc_id = l.id),
                (SELECT d.der FROM lsc_der d WHERE d.lsc_id = l.id))
  FROM lsc l
 WHERE installed_at IS NULL AND superseded_at IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = l.serial)
 ORDER BY id;
-- A live LSC's DER in lsc_der (v9 kept a revoked stale LSC's among the stale ones); a stale
-- one's is in its row now.
INSERT INTO lsc_der (lsc_id, der)
SELECT d.lsc_id, d.der FROM stale_lsc_der d
 WHERE d.lsc_id IN (SELECT id FROM lsc_live)
   AND NOT EXISTS (SELECT 1 FROM lsc_der k WHERE k.lsc_id = d.lsc_id);
DELETE FROM lsc_der WHERE lsc_id IN (SELECT id FROM lsc_stale);
DROP TABLE stale_lsc_der;
-- No id an LSC ever had is handed out again, wherever its row went.
DELETE FROM sqlite_sequence WHERE name = 'lsc_live';
INSERT INTO sqlite_sequence (name, seq) SELECT 'lsc_live', coalesce(max(id), 0) FROM lsc;
DROP TABLE lsc;

CREATE INDEX lsc_by_device ON lsc_live (device, issued_at);
CREATE INDEX lsc_by_expiry ON lsc_live (not_after);
CREATE UNIQUE INDEX lsc_one_per_csr ON lsc_live (csr_id) WHERE csr_id IS NOT NULL;
-- The stale list reads this index alone, in list order.
CREATE INDEX lsc_stale_list
    ON lsc_stale (issued_at, id, device, serial, not_after, superseded_at);
CREATE INDEX lsc_stale_by_device ON lsc_stale (device, issued_at);
CREATE INDEX lsc_stale_by_expiry ON lsc_stale (not_after);
CREATE UNIQUE INDEX lsc_stale_one_per_csr ON lsc_stale (csr_id) WHERE csr_id IS NOT NULL;

-- Every LSC, with the columns of the v9 table.
CREATE VIEW lsc AS
SELECT id, device, serial, subject, issuer, not_before, not_after, issued_at, installed_at,
       csr_id, superseded_at
  FROM lsc_live
UNION ALL
SELECT id, device, serial, subject, issuer, not_before, not_after, issued_at, installed_at,
       csr_id, superseded_at
  FROM lsc_stale;

-- The stale-LSC rule, defined once (v3, revoked ones left out since v9), is now where a row
-- sits: the triggers below keep lsc_stale holding exactly the LSCs it names.
CREATE VIEW stale_lsc AS
SELECT id, device, serial, issued_at, not_after, superseded_at FROM lsc_stale;

-- Every LSC's DER, wherever it sits.
CREATE VIEW lsc_der_any AS
SELECT lsc_id, der FROM lsc_der
UNION ALL
SELECT id, der FROM lsc_stale WHERE der IS NOT NULL;

-- Unique across both tables: id, serial, and the CSR an LSC answers (one LSC per CSR).
CREATE TRIGGER lsc_unique_across_tables BEFORE INSERT ON lsc_live
  WHEN EXISTS (SELECT 1 FROM lsc_stale WHERE id = NEW.id)
    OR EXISTS (SELECT 1 FROM lsc_stale WHERE serial = NEW.serial)
    OR EXISTS (SELECT 1 FROM lsc_stale WHERE csr_id = NEW.csr_id)
BEGIN
    SELECT RAISE(ABORT, 'UNIQUE constraint failed: a stale LSC has this id, serial or csr_id');
END;

-- Device names are upper case (v4), in both tables.
CREATE TRIGGER lsc_device_upper_case BEFORE INSERT ON lsc_live
  WHEN NEW.device <> upper(NEW.device)
BEGIN
    SELECT RAISE(ABORT, 'device names are stored in upper case');
END;
CREATE TRIGGER lsc_device_upper_case_on_update BEFORE UPDATE OF device ON lsc_live
  WHEN NEW.device <> upper(NEW.device)
BEGIN
    SELECT RAISE(ABORT, 'device names are stored in upper case');
END;
CREATE TRIGGER lsc_stale_device_upper_case_on_update BEFORE UPDATE OF device ON lsc_stale
  WHEN NEW.device <> upper(NEW.device)
BEGIN
    SELECT RAISE(ABORT, 'device names are stored in upper case');
END;

-- A new CSR supersedes the device's not-installed LSCs issued before it (v3); an older CSR
-- recorded late moves a stale LSC's mark earlier.
CREATE TRIGGER csr_supersedes_lsc AFTER INSERT ON csr
BEGIN
    UPDATE lsc_live SET superseded_at = NEW.submitted_at
     WHERE device = NEW.device
       AND installed_at IS NULL
       AND issued_at < NEW.submitted_at
       AND (superseded_at IS NULL OR superseded_at > NEW.submitted_at);
    UPDATE lsc_stale SET superseded_at = NEW.submitted_at
     WHERE device = NEW.device
       AND issued_at < NEW.submitted_at
       AND superseded_at > NEW.submitted_at;
END;

-- What ON DELETE SET NULL does for lsc_live, for the stale ones.
CREATE TRIGGER csr_deleted_unlinks_stale_lsc AFTER DELETE ON csr
BEGIN
    UPDATE lsc_stale SET csr_id = NULL WHERE csr_id = OLD.id;
END;

-- An LSC that is (or turns) stale goes to lsc_stale, its DER with it.
CREATE TRIGGER lsc_arrives_stale AFTER INSERT ON lsc_live
  WHEN NEW.installed_at IS NULL AND NEW.superseded_at IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = NEW.serial)
BEGIN
    INSERT INTO lsc_stale (id, device, serial, subject, issuer, not_before, not_after,
                           issued_at, installed_at, csr_id, superseded_at, der)
    VALUES (NEW.id, NEW.device, NEW.serial, NEW.subject, NEW.issuer, NEW.not_before,
            NEW.not_after, NEW.issued_at, NEW.installed_at, NEW.csr_id, NEW.superseded_at,
            (SELECT der FROM lsc_der WHERE lsc_id = NEW.id));
    DELETE FROM lsc_live WHERE id = NEW.id;
END;
CREATE TRIGGER lsc_turns_stale AFTER UPDATE ON lsc_live
  WHEN NEW.installed_at IS NULL AND NEW.superseded_at IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = NEW.serial)
BEGIN
    INSERT INTO lsc_stale (id, device, serial, subject, issuer, not_before, not_after,
                           issued_at, installed_at, csr_id, superseded_at, der)
    VALUES (NEW.id, NEW.device, NEW.serial, NEW.subject, NEW.issuer, NEW.not_before,
            NEW.not_after, NEW.issued_at, NEW.installed_at, NEW.csr_id, NEW.superseded_at,
            (SELECT der FROM lsc_der WHERE lsc_id = NEW.id));
    DELETE FROM lsc_live WHERE id = NEW.id;
END;

-- And back: marked installed or its mark cleared (plain SQL), or revoked.
CREATE TRIGGER lsc_stops_being_stale AFTER UPDATE ON lsc_stale
  WHEN NOT (NEW.installed_at IS NULL AND NEW.superseded_at IS NOT NULL)
    OR EXISTS (SELECT 1 FROM revocation r WHERE r.serial = NEW.serial)
BEGIN
    DELETE FROM lsc_stale WHERE id = OLD.id;
    INSERT INTO lsc_live (id, device, serial, subject, issuer, not_before, not_after,
                          issued_at, installed_at, csr_id, superseded_at)
    VALUES (NEW.id, NEW.device, NEW.serial, NEW.subject, NEW.issuer, NEW.not_before,
            NEW.not_after, NEW.issued_at, NEW.installed_at, NEW.csr_id, NEW.superseded_at);
    INSERT INTO lsc_der (lsc_id, der) SELECT NEW.id, NEW.der WHERE NEW.der IS NOT NULL;
END;

-- A revocation takes a stale LSC off the stale list (v9); withdrawn, it may put it back.
CREATE TRIGGER revocation_of_stale_lsc AFTER INSERT ON revocation
BEGIN
    UPDATE lsc_stale SET superseded_at = superseded_at WHERE serial = NEW.serial;
END;
CREATE TRIGGER revocation_withdrawn AFTER DELETE ON revocation
BEGIN
    UPDATE lsc_live SET superseded_at = superseded_at WHERE serial = OLD.serial;
END;
CREATE TRIGGER revocation_serial_changed AFTER UPDATE OF serial ON revocation
BEGIN
    UPDATE lsc_live SET superseded_at = superseded_at WHERE serial = OLD.serial;
    UPDATE lsc_stale SET superseded_at = superseded_at WHERE serial = NEW.serial;
END;

-- A DER recorded for an LSC already stale (born stale: its row moved before the DER came)
-- goes into its row.
CREATE TRIGGER lsc_der_of_stale_lsc AFTER INSERT ON lsc_der
  WHEN EXISTS (SELECT 1 FROM lsc_stale WHERE id = NEW.lsc_id)
BEGIN
    SELECT RAISE(ABORT, 'UNIQUE constraint failed: lsc_der.lsc_id')
      FROM lsc_stale WHERE id = NEW.lsc_id AND der IS NOT NULL;
    UPDATE lsc_stale SET der = NEW.der WHERE id = NEW.lsc_id;
    DELETE FROM lsc_der WHERE lsc_id = NEW.lsc_id;
END;

-- A deleted live LSC takes its DER with it (a stale one's is in its row).
CREATE TRIGGER lsc_deleted_with_der AFTER DELETE ON lsc_live
BEGIN
    DELETE FROM lsc_der WHERE lsc_id = OLD.id;
END;

-- Plain SQL on lsc, as before v10. An LSC recorded after a newer CSR of its device (bulk
-- loads, late imports) is born stale (v3).
CREATE TRIGGER lsc_insert INSTEAD OF INSERT ON lsc
BEGIN
    INSERT INTO lsc_live (id, device, serial, subject, issuer, not_before, not_after,
                          issued_at, installed_at, csr_id, superseded_at)
    VALUES (NEW.id, NEW.device, NEW.serial, NEW.subject, NEW.issuer, NEW.not_before,
            NEW.not_after, NEW.issued_at, NEW.installed_at, NEW.csr_id,
            coalesce(NEW.superseded_at,
                     CASE WHEN NEW.installed_at IS NULL THEN
                         (SELECT min(c.submitted_at) FROM csr c
                           WHERE c.device = NEW.device AND c.submitted_at > NEW.issued_at)
                     END));
END;
CREATE TRIGGER lsc_update INSTEAD OF UPDATE ON lsc
BEGIN
    UPDATE lsc_live
       SET id = NEW.id, device = NEW.device, serial = NEW.serial, subject = NEW.subject,
           issuer = NEW.issuer, not_before = NEW.not_before, not_after = NEW.not_after,
           issued_at = NEW.issued_at, installed_at = NEW.installed_at, csr_id = NEW.csr_id,
           superseded_at = NEW.superseded_at
     WHERE id = OLD.id;
    UPDATE lsc_stale
       SET id = NEW.id, device = NEW.device, serial = NEW.serial, subject = NEW.subject,
           issuer = NEW.issuer, not_before = NEW.not_before, not_after = NEW.not_after,
           issued_at = NEW.issued_at, installed_at = NEW.installed_at, csr_id = NEW.csr_id,
           superseded_at = NEW.superseded_at
     WHERE id = OLD.id;
END;
CREATE TRIGGER lsc_delete INSTEAD OF DELETE ON lsc
BEGIN
    DELETE FROM lsc_live WHERE id = OLD.id;
    DELETE FROM lsc_stale WHERE id = OLD.id;
END;
