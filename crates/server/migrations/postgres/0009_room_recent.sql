-- Admin API chat rooms (issue 19): a room may keep its own number of recent
-- messages (set when the admin API creates it); NULL follows room_recent.
ALTER TABLE rooms ADD COLUMN recent BIGINT;
