-- Issue 21: the send path's duplicate check keyed (client_id, sender) instead of
-- (sender, client_id). Clients make time-ordered client ids (tern-core: UUIDv7), so
-- new keys land at the right edge of the index, in the same few leaves for every
-- sender, instead of one leaf per sender per commit (docs/benchmarks.md, "Issue 21,
-- 2026-12-05, late"). A table constraint cannot be dropped in SQLite: the table is
-- rebuilt (its rows copied as they are, ids kept), then its other indexes remade.
CREATE TABLE messages_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    conv             TEXT NOT NULL REFERENCES conversations(id),
    seq              INTEGER NOT NULL,
    sender           TEXT NOT NULL,
    client_id        TEXT NOT NULL,
    sent_at          INTEGER NOT NULL,
    content          TEXT NOT NULL,
    ext              TEXT,
    recalled_at      INTEGER,
    recall_version   INTEGER,
    edited_at        INTEGER,
    edit_version     INTEGER,
    reply_to         INTEGER,
    reaction_version INTEGER,
    mentions         TEXT,
    UNIQUE (conv, seq),
    UNIQUE (client_id, sender)
);
INSERT INTO messages_new (
    id, conv, seq, sender, client_id, sent_at, content, ext, recalled_at, recall_version,
    edited_at, edit_version, reply_to, reaction_version, mentions
)
SELECT id, conv, seq, sender, client_id, sent_at, content, ext, recalled_at, recall_version,
       edited_at, edit_version, reply_to, reaction_version, mentions
FROM messages ORDER BY id;
-- AUTOINCREMENT never reuses an id, also one whose message was deleted: the new
-- table starts from the old table's high-water mark, not from its highest row.
DELETE FROM sqlite_sequence WHERE name = 'messages_new';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'messages_new', seq FROM sqlite_sequence WHERE name = 'messages';
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE UNIQUE INDEX messages_recalls ON messages(conv, recall_version)
    WHERE recall_version IS NOT NULL;
CREATE UNIQUE INDEX messages_edits ON messages(conv, edit_version)
    WHERE edit_version IS NOT NULL;
CREATE UNIQUE INDEX messages_reaction_log ON messages(conv, reaction_version)
    WHERE reaction_version IS NOT NULL;
