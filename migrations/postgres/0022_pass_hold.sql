-- A one-time pass is held by the session that signed in with it (issue #13) instead of being spent at
-- once: no other session can use it meanwhile, it is spent when that session registers a method, and
-- it is usable again (`tap.released`) if the session ends having done neither. `held_until` is the
-- session's own end, so a hold whose session vanished lapses by itself.
ALTER TABLE passes ADD COLUMN held_by_session TEXT;
ALTER TABLE passes ADD COLUMN held_until BIGINT;
