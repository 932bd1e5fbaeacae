-- Whether someone checked that the person owns their email address (an administrator, or the HR system
-- through provisioning). Relying parties such as oauth2-proxy refuse unverified addresses; tapid says the
-- truth: false until marked, and false again when the address changes.
ALTER TABLE users ADD COLUMN email_verified BIGINT NOT NULL DEFAULT 0;
