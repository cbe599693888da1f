-- A room mute outlives leaving: leaving and joining again (or being dropped after
-- the grace period) made a fresh member row without the mute, so a muted member
-- unmuted themselves in one round trip. The mute is kept here until it ends; a
-- member who joins gets it back. Existing mutes are carried over.
CREATE TABLE room_mutes (
    room TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    until_ms BIGINT NOT NULL,
    PRIMARY KEY (room, user_id)
);
INSERT INTO room_mutes (room, user_id, until_ms)
    SELECT room, user_id, muted_until FROM room_members WHERE muted_until IS NOT NULL;
