-- Sign-out that reaches applications (OpenID Connect Back-Channel and Front-Channel Logout 1.0), the
-- origins a browser application may call the token endpoints from, and resource servers that introspect.
ALTER TABLE oidc_clients ADD COLUMN backchannel_logout_uri TEXT;
ALTER TABLE oidc_clients ADD COLUMN backchannel_logout_session_required BIGINT NOT NULL DEFAULT 0;
ALTER TABLE oidc_clients ADD COLUMN frontchannel_logout_uri TEXT;
ALTER TABLE oidc_clients ADD COLUMN frontchannel_logout_session_required BIGINT NOT NULL DEFAULT 0;
ALTER TABLE oidc_clients ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT '';   -- space-separated, besides redirect URIs' origins
ALTER TABLE oidc_clients ADD COLUMN may_introspect BIGINT NOT NULL DEFAULT 0;   -- a resource server: introspects tokens for it

-- Which clients received tokens in which sign-in session (sid), so that its end can reach them. Kept until
-- the session is gone; tokens themselves are purged when they expire, sessions may outlive them.
CREATE TABLE session_clients (
    sid        TEXT NOT NULL,
    client_id  TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (sid, client_id)
);

-- Logout Tokens to deliver: written in the same transaction that ends the session, one row per client and
-- session (so several instances deliver it once), delivered at least once, retried with backoff.
CREATE TABLE logout_outbox (
    client_id       TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    sid             TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    reason          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,               -- also the lease: a sender claims a row by moving it on
    attempts        BIGINT NOT NULL DEFAULT 0,
    delivered_at    BIGINT,
    failed_at       BIGINT,                        -- given up after the last attempt
    last_error      TEXT,
    PRIMARY KEY (client_id, sid)
);
CREATE INDEX logout_outbox_due ON logout_outbox (next_attempt_at);
