-- 5: groups. A group's conversation is `g:<id>` (a `conversations` row of
-- kind 'group'); its members are `members` rows, which gain a role and a
-- mute deadline (direct conversations keep the defaults). A dismissed group
-- keeps its row (dismissed_at set) and messages but loses its members.
CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    avatar      TEXT,
    notice      TEXT NOT NULL DEFAULT '',
    owner       TEXT NOT NULL,
    join_policy TEXT NOT NULL,
    all_muted   INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    dismissed_at INTEGER
);
ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
ALTER TABLE members ADD COLUMN muted_until INTEGER;
CREATE TABLE group_applications (
    grp        TEXT NOT NULL,
    user       TEXT NOT NULL,
    message    TEXT NOT NULL,
    state      TEXT NOT NULL,
    handled_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (grp, user)
) WITHOUT ROWID;
