-- capfsh store, schema version 3.
--
-- 1. The stale-LSC rule is recorded on the LSC when it becomes true (lsc.superseded_at), by
--    triggers, instead of being recomputed from the CSR rows: deleting the newer CSR
--    (`utils capf csr delete`) must not turn a superseded LSC back into an installable one, and
--    the stale list and its completion become one partial-index scan.
-- 2. At most one LSC answers a CSR: an engine that signs pending CSRs and one that enrolls
--    cannot both answer the same request.

ALTER TABLE lsc ADD COLUMN superseded_at INTEGER;

-- Existing stores: mark what the old view called stale.
UPDATE lsc
   SET superseded_at = (SELECT min(c.submitted_at) FROM csr c
                         WHERE c.device = lsc.device AND c.submitted_at > lsc.issued_at)
 WHERE installed_at IS NULL;

-- The stale-LSC rule, defined once: an LSC issued for a device but never installed, where that
-- device submitted a newer CSR after the LSC was issued. superseded_at is when the first such
-- CSR arrived; the two triggers below keep it, whichever of the CSR and the LSC is written last.
DROP VIEW stale_lsc;
CREATE VIEW stale_lsc AS
SELECT id, device, serial, issued_at, not_after, superseded_at
  FROM lsc
 WHERE installed_at IS NULL AND superseded_at IS NOT NULL;

CREATE INDEX lsc_stale ON lsc (device, issued_at)
 WHERE installed_at IS NULL AND superseded_at IS NOT NULL;

-- A new CSR supersedes the device's not-installed LSCs issued before it.
CREATE TRIGGER csr_supersedes_lsc AFTER INSERT ON csr
BEGIN
    UPDATE lsc SET superseded_at = NEW.submitted_at
     WHERE device = NEW.device
       AND installed_at IS NULL
       AND issued_at < NEW.submitted_at
       AND (superseded_at IS NULL OR superseded_at > NEW.submitted_at);
END;

-- An LSC recorded after a newer CSR of its device (bulk loads, late imports) is born stale.
CREATE TRIGGER lsc_born_superseded AFTER INSERT ON lsc
  WHEN NEW.installed_at IS NULL AND NEW.superseded_at IS NULL
BEGIN
    UPDATE lsc
       SET superseded_at = (SELECT min(c.submitted_at) FROM csr c
                             WHERE c.device = NEW.device AND c.submitted_at > NEW.issued_at)
     WHERE id = NEW.id;
END;

-- One LSC per CSR (imported or signed); replaces the plain index on csr_id. Stores written by
-- v2, where a racing engine could answer a CSR twice, keep the installed answer (else the
-- newest) linked to its CSR; the extra copies stay listed as LSCs but no longer claim the CSR.
UPDATE lsc SET csr_id = NULL
 WHERE csr_id IS NOT NULL
   AND id <> (SELECT k.id FROM lsc k WHERE k.csr_id = lsc.csr_id
               ORDER BY k.installed_at IS NULL, k.id DESC LIMIT 1);
DROP INDEX lsc_by_csr;
CREATE UNIQUE INDEX lsc_one_per_csr ON lsc (csr_id) WHERE csr_id IS NOT NULL;
