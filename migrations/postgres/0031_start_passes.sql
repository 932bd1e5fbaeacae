-- A start date from the HR system (SCIM, tapid's extension `startDate`): the day a person starts, as sent.
ALTER TABLE user_profiles ADD COLUMN start_date TEXT;

-- The pass a start date asks for: issued, by the provisioning client that set the date, once the start
-- is within the policy's start-ahead limit (at once, or later by the sweep). `handled_at` says a pass
-- was issued or refused for this `start_date`; any instance claims a row by setting it, so one pass goes
-- out per start date whatever the number of instances.
CREATE TABLE start_passes (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    start_date   TEXT NOT NULL,
    requested_by TEXT NOT NULL,                 -- the provisioning client's id
    requested_at BIGINT NOT NULL,
    due_at       BIGINT NOT NULL,               -- not looked at before (a day early, whatever the zone)
    handled_at   BIGINT
);
CREATE INDEX start_passes_due ON start_passes (handled_at, due_at);
