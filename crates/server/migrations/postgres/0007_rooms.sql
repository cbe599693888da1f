-- Chat rooms (issue 19): open rooms anyone may list and join. Membership is
-- who has joined and not left, been kicked or dropped after the grace
-- period; the owner's own row has role 'owner' while they are in it. A room
-- keeps only its last messages (the server's room_recent) for those who join.
CREATE TABLE rooms (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seq BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX rooms_owner ON rooms(owner);
CREATE TABLE room_members (
    room TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    joined_at BIGINT NOT NULL,
    muted_until BIGINT,
    PRIMARY KEY (room, user_id)
);
CREATE INDEX room_members_user ON room_members(user_id);
CREATE TABLE room_bans (
    room TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    until_ms BIGINT NOT NULL,
    PRIMARY KEY (room, user_id)
);
CREATE TABLE room_messages (
    room TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    sender TEXT NOT NULL,
    content TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (room, seq)
);
