-- A person's sign-in methods: passkeys (WebAuthn) and authenticator apps (TOTP).
CREATE TABLE methods (
    id                  TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL,            -- passkey | totp
    name                TEXT NOT NULL,
    credential_id       TEXT UNIQUE,              -- passkey: base64url credential id; NULL for TOTP
    data                TEXT NOT NULL,            -- passkey: the credential (JSON); TOTP: the sealed secret
    last_step           BIGINT,                   -- TOTP: the last accepted time step (refuses replays)
    backed_up           BIGINT NOT NULL DEFAULT 0, -- passkey: synced/backed up (amr swk rather than hwk)
    registered_with_tap BIGINT NOT NULL DEFAULT 0, -- registered in a session that began with a pass
    created_at          BIGINT NOT NULL,
    last_used_at        BIGINT
);
CREATE INDEX methods_user ON methods (user_id);

-- Sign-in throttling, shared by every instance. Keys name what is counted (`addr:…`, `account:…`,
-- `otp:…`); a fixed window per key, and a lock for repeated failures.
CREATE TABLE signin_throttle (
    key          TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts     BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0
);
