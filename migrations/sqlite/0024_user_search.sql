-- Finding users by a fragment of their username, name or email through an index, not a scan of every
-- row: `search_key` is the three in lower case, and `users_search` indexes it by trigrams (FTS5), so a
-- fragment of three or more characters is looked up. The console's list checks each candidate against
-- `search_key` itself, so the index only narrows. Triggers keep the index in step with every change.
ALTER TABLE users ADD COLUMN search_key TEXT GENERATED ALWAYS AS
    (lower(username || ' ' || coalesce(display_name, '') || ' ' || coalesce(email, ''))) VIRTUAL;

CREATE VIRTUAL TABLE users_search USING fts5(user_id UNINDEXED, search_key, tokenize = 'trigram');
INSERT INTO users_search (user_id, search_key) SELECT id, search_key FROM users;

CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search (user_id, search_key) VALUES (new.id, new.search_key);
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF username, display_name, email ON users BEGIN
    DELETE FROM users_search WHERE user_id = old.id;
    INSERT INTO users_search (user_id, search_key) VALUES (new.id, new.search_key);
END;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_search WHERE user_id = old.id;
END;
