-- History hidden from new group members: the group's setting, each
-- member's first visible seq (existing members keep seeing everything), and
-- the newest seq referencing each file (a file is readable by a member who
-- can see at least one message referencing it).
ALTER TABLE groups ADD COLUMN history_visible INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN visible_from INTEGER NOT NULL DEFAULT 0;
ALTER TABLE file_refs ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
UPDATE file_refs SET last_seq = COALESCE((SELECT MAX(m.seq) FROM messages m
  WHERE m.conv = file_refs.conv AND json_extract(m.content, '$.file.id') = file_refs.file), 0);
