-- The device authorization grant (RFC 8628): a command-line tool, kiosk or TV asks for a device code and
-- a short user code; a person types the user code at /device, signed in, and approves or denies; the device
-- polls /token with its device code. Both codes are secrets: only their SHA-256 digests are stored.
CREATE TABLE device_codes (
    id                 TEXT PRIMARY KEY,              -- public handle of the pending approval (the pages' forms)
    device_code_hash   TEXT NOT NULL UNIQUE,
    user_code_hash     TEXT NOT NULL UNIQUE,          -- of the user code as normalised (upper case, no dash)
    client_id          TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    scope              TEXT NOT NULL,                 -- already narrowed to what the client may have
    level              TEXT NOT NULL,                 -- the least acr the approving session must have
    status             TEXT NOT NULL,                 -- pending | approved | denied
    user_id            TEXT REFERENCES users (id) ON DELETE CASCADE,   -- who approved or denied
    sid                TEXT,                          -- the approving session
    acr                TEXT,
    amr                TEXT NOT NULL DEFAULT '',
    auth_time          BIGINT,
    tap_id             TEXT,
    session_expires_at BIGINT,
    family_id          TEXT NOT NULL,                 -- the tokens issued for it
    poll_interval      BIGINT NOT NULL,               -- seconds; raised by 5 on each slow_down
    last_polled_at     BIGINT,
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    decided_at         BIGINT,
    used_at            BIGINT                         -- redeemed (once, across instances)
);
CREATE INDEX device_codes_expires ON device_codes (expires_at);
