-- Mail waiting for the organisation's SMTP server, drained by a background task so that a slow or
-- absent server never holds up a sign-in. Two kinds of row:
--  * a notice to a person about an audit event (a pass issued or used, a method added or removed),
--    written in the event's own transaction and rendered when it is sent (`event_seq`);
--  * a prepared message (a reveal link): subject and both parts rendered at once and sealed with the
--    deployment key, because the link is a secret until it is opened (`body_sealed`).
-- A row leaves once the server accepted it, or after its last attempt.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    event_seq       BIGINT,
    user_id         TEXT,
    recipient       TEXT,
    body_sealed     TEXT,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    lease_owner     TEXT,
    lease_until     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at);
