-- private_key_jwt client authentication (RFC 7523, OpenID Connect Core §9): a client registers its public
-- keys, inline as a JWK Set or by the URL it publishes them at, and proves itself with a signed assertion
-- instead of a shared secret. Such a client has neither a secret nor is it public.
ALTER TABLE oidc_clients ADD COLUMN jwks TEXT;       -- a JWK Set (JSON) of public keys
ALTER TABLE oidc_clients ADD COLUMN jwks_uri TEXT;   -- or where to fetch it

-- Each assertion's `jti` is accepted once per client, across instances: kept until the assertion expires.
CREATE TABLE client_assertions (
    client_id  TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    jti        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX client_assertions_expiry ON client_assertions (expires_at);
