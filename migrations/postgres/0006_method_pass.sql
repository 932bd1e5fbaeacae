-- The pass a method was registered under: the `tap_id` of the session that registered it (issue #6).
-- Methods registered before this column existed keep NULL, even when `registered_with_tap` is 1.
ALTER TABLE methods ADD COLUMN tap_id TEXT;
