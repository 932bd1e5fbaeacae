-- Temporary Access Passes: at most one per user. The passcode is stored only as an Argon2id hash.
-- A pass's state is never stored as such: it is computed from these facts and the current policy.
CREATE TABLE passes (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    code_hash          TEXT NOT NULL,                 -- Argon2id PHC string
    starts_at          BIGINT NOT NULL,
    ends_at            BIGINT NOT NULL,
    one_time           BIGINT NOT NULL,               -- 0/1
    created_by_kind    TEXT NOT NULL,                 -- user | client | cli | system
    created_by_id      TEXT,
    created_by_name    TEXT,
    created_at         BIGINT NOT NULL,
    last_used_at       BIGINT,
    used_at            BIGINT,                        -- a one-time pass: when it was consumed
    failed_attempts    BIGINT NOT NULL DEFAULT 0,
    locked_at          BIGINT,
    revoked_at         BIGINT,
    expiry_recorded_at BIGINT                         -- set once, with the `tap.expired` event
);
CREATE INDEX passes_ends ON passes (ends_at);

-- The policy: one row per deployment.
CREATE TABLE tap_policy (
    id                  BIGINT PRIMARY KEY CHECK (id = 1),
    enabled             BIGINT NOT NULL,
    all_users           BIGINT NOT NULL,              -- 1: everyone (minus exclusions); 0: include groups only
    min_lifetime        BIGINT NOT NULL,              -- minutes
    max_lifetime        BIGINT NOT NULL,
    default_lifetime    BIGINT NOT NULL,
    default_length      BIGINT NOT NULL,
    one_time_required   BIGINT NOT NULL,
    max_failed_attempts BIGINT NOT NULL,
    enrollment_window   BIGINT NOT NULL,              -- minutes
    updated_at          BIGINT NOT NULL
);
INSERT INTO tap_policy (id, enabled, all_users, min_lifetime, max_lifetime, default_lifetime, default_length,
                        one_time_required, max_failed_attempts, enrollment_window, updated_at)
VALUES (1, 1, 1, 60, 480, 60, 8, 0, 5, 10, 0);

-- Groups the policy includes or excludes. Removing a group removes it here: an include list that
-- becomes empty puts nobody in scope (never everybody).
CREATE TABLE tap_policy_groups (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    mode     TEXT NOT NULL CHECK (mode IN ('include', 'exclude')),
    PRIMARY KEY (group_id, mode)
);
