-- One-time reveal links: instead of a passcode read aloud, a link that shows it once to whoever
-- opens it first and confirms who they are. The link's token is stored only as its SHA-256 digest;
-- the passcode is sealed with the deployment key until it is revealed, and destroyed (NULL) as soon
-- as the link is opened, revoked, locked or expired.
CREATE TABLE reveal_links (
    id              TEXT PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    pass_id         TEXT NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    passcode_sealed TEXT,
    confirm         TEXT NOT NULL,                 -- manager_passkey | employee_number
    created_by_kind TEXT NOT NULL,
    created_by_name TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    opened_at       BIGINT,
    opened_by       TEXT,                          -- who confirmed: a username, or `employee_number`
    opened_address  TEXT,
    revoked_at      BIGINT,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_at       BIGINT
);
CREATE INDEX reveal_links_user ON reveal_links (user_id);
CREATE INDEX reveal_links_expires ON reveal_links (expires_at);
