-- OpenID Connect: relying parties, signing keys, authorization requests and codes, tokens.

-- Registered clients (relying parties). The secret is stored as its SHA-256 digest; NULL for public clients.
CREATE TABLE oidc_clients (
    id                        TEXT PRIMARY KEY,
    name                      TEXT,
    secret_hash               TEXT,
    redirect_uris             TEXT NOT NULL DEFAULT '',   -- space-separated, matched exactly
    post_logout_redirect_uris TEXT NOT NULL DEFAULT '',   -- space-separated, matched exactly
    grant_types               TEXT NOT NULL,              -- space-separated
    scopes                    TEXT NOT NULL DEFAULT '',   -- space-separated: what the client may ask for
    id_token_alg              TEXT NOT NULL DEFAULT 'RS256',
    roles                     TEXT NOT NULL DEFAULT '',   -- space-separated subset of {admin, helpdesk}
    created_at                BIGINT NOT NULL,
    updated_at                BIGINT NOT NULL
);

-- Signing keys. The private key (PKCS#8) is sealed with the deployment key; the public JWK is stored in clear.
CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    alg             TEXT NOT NULL,                -- RS256 | ES256 | EdDSA
    private_key     TEXT NOT NULL,                -- sealed, context `signing_key:<kid>`
    public_jwk      TEXT NOT NULL,                -- JSON
    created_at      BIGINT NOT NULL,
    retired_at      BIGINT,                       -- no longer signs; NULL while active
    published_until BIGINT                        -- stays in the JWKS until then; NULL while active
);
CREATE INDEX signing_keys_alg ON signing_keys (alg, created_at);

-- Validated authorization requests waiting for someone to sign in (/authorize/resume?request=<id>).
CREATE TABLE authorization_requests (
    id         TEXT PRIMARY KEY,
    params     TEXT NOT NULL,                     -- JSON of the validated request
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX authorization_requests_expires ON authorization_requests (expires_at);

-- Authorization codes: single use, short-lived; only the digest is stored.
CREATE TABLE authorization_codes (
    code_hash          TEXT PRIMARY KEY,
    client_id          TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri       TEXT NOT NULL,
    scope              TEXT NOT NULL,
    nonce              TEXT,
    code_challenge     TEXT,                      -- S256 only
    sid                TEXT NOT NULL,
    acr                TEXT NOT NULL,
    amr                TEXT NOT NULL,
    auth_time          BIGINT NOT NULL,
    tap_id             TEXT,
    session_expires_at BIGINT NOT NULL,
    family_id          TEXT NOT NULL,             -- the tokens issued from this code
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    used_at            BIGINT
);
CREATE INDEX authorization_codes_expires ON authorization_codes (expires_at);

-- Issued tokens: every access token (by jti, for revocation) and every refresh token (by digest).
-- A family is everything issued from one grant; reuse of a rotated refresh token revokes the family.
CREATE TABLE oidc_tokens (
    id          TEXT PRIMARY KEY,                 -- the jti of an access token; a UUID for a refresh token
    kind        TEXT NOT NULL,                    -- access | refresh
    token_hash  TEXT UNIQUE,                      -- refresh tokens only
    family_id   TEXT NOT NULL,
    client_id   TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    user_id     TEXT REFERENCES users (id) ON DELETE CASCADE,   -- NULL for client_credentials
    scope       TEXT NOT NULL,
    sid         TEXT,
    acr         TEXT,
    amr         TEXT NOT NULL DEFAULT '',
    auth_time   BIGINT,
    tap_id      TEXT,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    cap_at      BIGINT,                           -- refresh: no rotation may live past this (the pass's session)
    rotated_at  BIGINT,                           -- refresh: exchanged for a newer one
    revoked_at  BIGINT
);
CREATE INDEX oidc_tokens_family ON oidc_tokens (family_id);
CREATE INDEX oidc_tokens_user ON oidc_tokens (user_id);
CREATE INDEX oidc_tokens_tap ON oidc_tokens (tap_id);
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);
