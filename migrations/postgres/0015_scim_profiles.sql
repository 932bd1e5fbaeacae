-- What provisioning (SCIM) knows about a person beyond the directory's own fields: the HR system's
-- identifier, the name parts and the enterprise extension. One row per user who has any of it.
CREATE TABLE user_profiles (
    user_id         TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    external_id     TEXT,
    given_name      TEXT,
    family_name     TEXT,
    employee_number TEXT,
    department      TEXT,
    manager_id      TEXT,                          -- a user id; may point at someone since removed
    time_zone       TEXT,                          -- as the HR system sent it (SCIM `timezone`)
    email_type      TEXT,                          -- SCIM `emails[].type` of the one address kept
    email_primary   BIGINT,                        -- and its `primary` (0/1), when given
    updated_at      BIGINT NOT NULL
);
CREATE INDEX user_profiles_external ON user_profiles (external_id);

-- The same for groups.
CREATE TABLE group_profiles (
    group_id    TEXT PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
    external_id TEXT,
    updated_at  BIGINT NOT NULL
);
