-- 3: rich messaging (issue 17). Edits: a message keeps when it was last
-- edited and its position in its conversation's edit log; the conversation
-- keeps the newest position handed out (a message edited again moves to a
-- newer one, so a device asks `edits` since the version it last applied).
ALTER TABLE messages ADD COLUMN edited_at BIGINT;
ALTER TABLE messages ADD COLUMN edit_version BIGINT;
ALTER TABLE conversations ADD COLUMN edit_version BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX messages_edits ON messages(conv, edit_version)
    WHERE edit_version IS NOT NULL;
-- Replies: the seq of the quoted message of the same conversation.
ALTER TABLE messages ADD COLUMN reply_to BIGINT;
-- Reactions: one row per (message, emoji, member); each change moves the
-- message to the next position of its conversation's reaction log.
CREATE TABLE reactions (
    conv TEXT NOT NULL,
    seq BIGINT NOT NULL,
    emoji TEXT NOT NULL,
    user_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (conv, seq, emoji, user_id)
);
ALTER TABLE messages ADD COLUMN reaction_version BIGINT;
ALTER TABLE conversations ADD COLUMN reaction_version BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX messages_reaction_log ON messages(conv, reaction_version)
    WHERE reaction_version IS NOT NULL;
-- Pinned messages; the conversation counts changes to its pins.
CREATE TABLE pins (
    conv TEXT NOT NULL,
    seq BIGINT NOT NULL,
    by_user TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (conv, seq)
);
ALTER TABLE conversations ADD COLUMN pin_version BIGINT NOT NULL DEFAULT 0;
-- Group read-by: whether senders and managers may see who read a message.
ALTER TABLE groups ADD COLUMN read_by BOOLEAN NOT NULL DEFAULT TRUE;
