/* A function body with semicolons inside dollar quotes; the whole file is one transaction. */
CREATE FUNCTION tick_size_of(p_symbol text) RETURNS bigint
-- Resolve names with the migration's search_path, not the caller's.
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $body$
DECLARE
  result bigint;
BEGIN
  SELECT tick_size_minor INTO result FROM instruments WHERE symbol = p_symbol;
  RETURN result;
END;
$body$;

INSERT INTO migration_audit (note) VALUES ('0003 applied; with a semicolon in a string');
