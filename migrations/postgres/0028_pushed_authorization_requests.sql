-- Pushed authorization requests (RFC 9126): a confidential client POSTs its authorization request to /par
-- and gets a request_uri of one use and a short life, which it then sends to /authorize instead of the
-- parameters. A client may be required to push every request.
ALTER TABLE oidc_clients ADD COLUMN require_pushed_authorization_requests BIGINT NOT NULL DEFAULT 0;

CREATE TABLE pushed_requests (
    uri_hash   TEXT PRIMARY KEY,                  -- SHA-256 of the request_uri's random part
    client_id  TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    params     TEXT NOT NULL,                     -- JSON of the validated request
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT                             -- sent to /authorize (once, across instances)
);
CREATE INDEX pushed_requests_expires ON pushed_requests (expires_at);
