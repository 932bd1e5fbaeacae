-- Browser sessions. The cookie holds a random token; only its SHA-256 digest is stored.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    sid        TEXT NOT NULL UNIQUE,          -- public identifier (the `sid` claim); kept across renewals
    csrf       TEXT NOT NULL,                 -- per-session token that every form carries
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    level      TEXT,                          -- tap | 1fa | phr; NULL before sign-in
    amr        TEXT NOT NULL DEFAULT '',      -- space-separated methods used
    auth_time  BIGINT,
    tap_id     TEXT,                          -- the pass this sign-in began with, if any
    data       TEXT NOT NULL DEFAULT '{}',    -- flow state (pending ceremonies), JSON
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_tap ON sessions (tap_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
