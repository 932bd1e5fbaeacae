-- DPoP (RFC 9449): sender-constrained tokens. A client may be required to use DPoP; an authorization code
-- may be bound to a key (`dpop_jkt` on the authorization request); access and refresh tokens remember the
-- thumbprint (RFC 7638) of the key they are bound to.
ALTER TABLE oidc_clients ADD COLUMN dpop_bound_access_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE authorization_codes ADD COLUMN dpop_jkt TEXT;
ALTER TABLE oidc_tokens ADD COLUMN dpop_jkt TEXT;

-- The once-only store of JWT ids, generalised from client assertions (private_key_jwt) to DPoP proofs:
-- `issuer` names whose ids they are (`client:<client id>` for assertions, `dpop:<key thumbprint>` for
-- proofs); each id is accepted once per issuer, across instances, until it could no longer be presented.
CREATE TABLE used_jtis (
    issuer     TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, jti)
);
CREATE INDEX used_jtis_expiry ON used_jtis (expires_at);
INSERT INTO used_jtis (issuer, jti, expires_at)
    SELECT 'client:' || client_id, jti, expires_at FROM client_assertions;
DROP TABLE client_assertions;
