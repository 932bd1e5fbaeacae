-- The algorithm a client's access tokens are signed with (RS256, ES256 or EdDSA). Resource servers and
-- busy service clients choose ES256: far cheaper to sign than RS256. Existing clients keep RS256.
ALTER TABLE oidc_clients ADD COLUMN access_token_alg TEXT NOT NULL DEFAULT 'RS256';
