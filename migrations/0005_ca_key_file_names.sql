-- capfsh store, schema version 5: a CA's key file is recorded as a plain file name, resolved
-- against the store's own folder, so a store copied or restored under another name or folder
-- still finds its keys beside it. Older records that hold a path keep only its last part.
UPDATE capf_ca
   SET key_file = substr(key_file, length(rtrim(key_file, replace(key_file, '/', ''))) + 1)
 WHERE instr(key_file, '/') > 0;

CREATE TRIGGER capf_ca_key_file_is_a_name_insert
BEFORE INSERT ON capf_ca
WHEN NEW.key_file = '' OR NEW.key_file IN ('.', '..') OR instr(NEW.key_file, '/') > 0
BEGIN
    SELECT RAISE(ABORT, 'capf_ca.key_file must be a plain file name beside the store');
END;

CREATE TRIGGER capf_ca_key_file_is_a_name_update
BEFORE UPDATE OF key_file ON capf_ca
WHEN NEW.key_file = '' OR NEW.key_file IN ('.', '..') OR instr(NEW.key_file, '/') > 0
BEGIN
    SELECT RAISE(ABORT, 'capf_ca.key_file must be a plain file name beside the store');
END;
