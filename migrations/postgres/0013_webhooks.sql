-- Webhook endpoints for the security team's event stream. The signing secret is sealed with the
-- deployment key (tapid must sign with it, so a digest would not do); it is shown once at creation.
CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    high_only       BIGINT NOT NULL DEFAULT 0,      -- 0/1: only events of high severity
    secret_sealed   TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    -- Which instance delivers to this endpoint, until when (one at a time, so order holds).
    lease_owner     TEXT,
    lease_until     BIGINT NOT NULL DEFAULT 0,
    -- What the console shows.
    last_attempt_at BIGINT,
    last_success_at BIGINT,
    last_status     TEXT,
    last_error      TEXT,
    failures        BIGINT NOT NULL DEFAULT 0,      -- consecutive failed attempts
    delivered       BIGINT NOT NULL DEFAULT 0       -- messages delivered
);

-- The event types an endpoint wants: an action (`tap.locked`), a family (`tap.*`) or everything (`*`).
CREATE TABLE webhook_subscriptions (
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type  TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, event_type)
);
CREATE INDEX webhook_subscriptions_type ON webhook_subscriptions (event_type);

-- The outbox: one row per event and endpoint, written in the transaction that records the event, removed
-- once the endpoint has acknowledged it. Delivered oldest first per endpoint.
CREATE TABLE webhook_outbox (
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_seq       BIGINT NOT NULL REFERENCES audit_events (seq),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    PRIMARY KEY (endpoint_id, event_seq)
);
