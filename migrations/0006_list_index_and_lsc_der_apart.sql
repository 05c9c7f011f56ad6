-- capfsh store, schema version 6: what the lists read and what a stale delete drags along.
--
-- 1. `utils capf csr list` reads one covering index in list order: the pending CSRs' listed
--    columns sit together in a few pages instead of spread over a table that also holds every
--    CSR's DER. It replaces the plain index on (submitted_at, id) it extends.
-- 2. LSC certificates (DER) leave the lsc table. A live LSC's DER is in lsc_der, a stale LSC's
--    in stale_lsc_der (keyed by the LSC's id, moved there by the triggers below the moment the
--    LSC turns stale). The lsc rows become narrow, so deleting the stale LSCs scattered among
--    them rewrites far fewer pages, and their DERs sit together in a table of stale ones only.
-- 3. lsc_not_installed goes: lsc_by_device (device, issued_at) answers the same queries, and
--    every index is one more page each deleted LSC dirties.

DROP INDEX csr_pending_by_time;
CREATE INDEX csr_pending_list
    ON csr (submitted_at, id, device, key_algorithm, key_bits, subject)
 WHERE state = 'pending';

CREATE TABLE lsc_der (
    lsc_id  INTEGER PRIMARY KEY,
    der     BLOB NOT NULL CHECK (length(der) BETWEEN 1 AND 65536)
) STRICT;
CREATE TABLE stale_lsc_der (
    lsc_id  INTEGER PRIMARY KEY,
    der     BLOB NOT NULL CHECK (length(der) BETWEEN 1 AND 65536)
) STRICT;

INSERT INTO lsc_der (lsc_id, der)
SELECT id, der FROM lsc WHERE NOT (installed_at IS NULL AND superseded_at IS NOT NULL);
INSERT INTO stale_lsc_der (lsc_id, der)
SELECT id, der FROM lsc WHERE installed_at IS NULL AND superseded_at IS NOT NULL;

DROP INDEX lsc_not_installed;
ALTER TABLE lsc DROP COLUMN der;
-- DROP COLUMN leaves every page as empty as the DERs made it: write the rows again so they sit
-- together (whatever columns lsc has, so later migrations may add theirs). No trigger of this
-- file exists yet, and nothing references lsc rows, so this only moves them.
CREATE TEMP TABLE lsc_rows AS SELECT * FROM lsc;
DELETE FROM lsc;
INSERT INTO lsc SELECT * FROM lsc_rows ORDER BY id;
DROP TABLE lsc_rows;

-- Every LSC's DER, wherever it sits (for readers that do not care whether it is stale).
CREATE VIEW lsc_der_any AS
SELECT lsc_id, der FROM lsc_der
UNION ALL
SELECT lsc_id, der FROM stale_lsc_der;

-- A DER recorded for an LSC that is already stale (born superseded) goes with the stale ones.
CREATE TRIGGER lsc_der_of_stale_lsc AFTER INSERT ON lsc_der
  WHEN EXISTS (SELECT 1 FROM lsc WHERE id = NEW.lsc_id
                                   AND installed_at IS NULL AND superseded_at IS NOT NULL)
BEGIN
    INSERT INTO stale_lsc_der (lsc_id, der) VALUES (NEW.lsc_id, NEW.der);
    DELETE FROM lsc_der WHERE lsc_id = NEW.lsc_id;
END;

-- An LSC turning stale (a newer CSR of its device) takes its DER to the stale ones.
CREATE TRIGGER lsc_turns_stale AFTER UPDATE OF installed_at, superseded_at ON lsc
  WHEN NEW.installed_at IS NULL AND NEW.superseded_at IS NOT NULL
   AND NOT (OLD.installed_at IS NULL AND OLD.superseded_at IS NOT NULL)
BEGIN
    INSERT INTO stale_lsc_der (lsc_id, der)
    SELECT lsc_id, der FROM lsc_der WHERE lsc_id = NEW.id;
    DELETE FROM lsc_der WHERE lsc_id = NEW.id;
END;

-- And back, should plain SQL ever mark a stale LSC installed or clear its mark.
CREATE TRIGGER lsc_stops_being_stale AFTER UPDATE OF installed_at, superseded_at ON lsc
  WHEN OLD.installed_at IS NULL AND OLD.superseded_at IS NOT NULL
   AND NOT (NEW.installed_at IS NULL AND NEW.superseded_at IS NOT NULL)
BEGIN
    INSERT INTO lsc_der (lsc_id, der)
    SELECT lsc_id, der FROM stale_lsc_der WHERE lsc_id = NEW.id;
    DELETE FROM stale_lsc_der WHERE lsc_id = NEW.id;
END;

-- A deleted LSC takes its DER with it, looking only where that DER can be.
CREATE TRIGGER lsc_deleted_with_der AFTER DELETE ON lsc
  WHEN NOT (OLD.installed_at IS NULL AND OLD.superseded_at IS NOT NULL)
BEGIN
    DELETE FROM lsc_der WHERE lsc_id = OLD.id;
END;
CREATE TRIGGER stale_lsc_deleted_with_der AFTER DELETE ON lsc
  WHEN OLD.installed_at IS NULL AND OLD.superseded_at IS NOT NULL
BEGIN
    DELETE FROM stale_lsc_der WHERE lsc_id = OLD.id;
END;
