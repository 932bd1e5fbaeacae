-- An application's logo beside its display name (`name`, the OpenID `client_name`) on the sign-in pages:
-- an absolute https URL (http only on loopback), checked when it is registered.
ALTER TABLE oidc_clients ADD COLUMN logo_uri TEXT;
