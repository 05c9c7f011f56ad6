-- capfsh store, schema version 4: device names are upper case, as CUCM stores them.
--
-- capfsh and capfd upper-case every name they are given; stores written before that (or by an
-- engine writing plain SQL) may hold `csfjohn` beside `CSFJOHN`, which then never supersede each
-- other. Fold them together here, and refuse lower case from now on.

-- Of two pending CSRs whose names differ only in case, the newer stays pending.
UPDATE csr SET state = 'superseded'
 WHERE state = 'pending'
   AND EXISTS (SELECT 1 FROM csr n
                WHERE n.state = 'pending' AND n.id <> csr.id
                  AND upper(n.device) = upper(csr.device)
                  AND (n.submitted_at > csr.submitted_at
                       OR (n.submitted_at = csr.submitted_at AND n.id > csr.id)));

UPDATE csr SET device = upper(device) WHERE device <> upper(device);
UPDATE lsc SET device = upper(device) WHERE device <> upper(device);

-- LSCs that a same-device CSR under the other spelling superseded become stale now.
UPDATE lsc
   SET superseded_at = (SELECT min(c.submitted_at) FROM csr c
                         WHERE c.device = lsc.device AND c.submitted_at > lsc.issued_at)
 WHERE installed_at IS NULL AND superseded_at IS NULL;

CREATE TRIGGER csr_device_upper_case BEFORE INSERT ON csr
  WHEN NEW.device <> upper(NEW.device)
BEGIN
    SELECT RAISE(ABORT, 'device names are stored in upper case');
END;
CREATE TRIGGER csr_device_upper_case_on_update BEFORE UPDATE OF device ON csr
  WHEN NEW.device <> upper(NEW.device)
BEGIN
    SELECT RAISE(ABORT, 'device names are stored in upper case');
END;
CREATE TRIGGER lsc_device_upper_case BEFORE INSERT ON lsc
  WHEN NEW.device <> upper(NEW.device)
BEGIN
    SELECT RAISE(ABORT, 'device names are stored in upper case');
END;
CREATE TRIGGER lsc_device_upper_case_on_update BEFORE UPDATE OF device ON lsc
  WHEN NEW.device <> upper(NEW.device)
BEGIN
    SELECT RAISE(ABORT, 'device names are stored in upper case');
END;
