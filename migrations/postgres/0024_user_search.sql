-- Finding users by a fragment of their username, name or email through an index, not a scan of every
-- row: `search_key` is the three in lower case, indexed by trigrams (pg_trgm, a trusted extension that
-- a database owner may create), which serves `LIKE '%fragment%'`.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE users ADD COLUMN search_key TEXT GENERATED ALWAYS AS
    (lower(username || ' ' || coalesce(display_name, '') || ' ' || coalesce(email, ''))) STORED;
CREATE INDEX users_search ON users USING gin (search_key gin_trgm_ops);
