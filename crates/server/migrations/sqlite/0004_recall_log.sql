-- 4: per-conversation recall log, so devices offline during a recall learn
-- it on resync: a conversation's recall version counts its recalls; each
-- recalled message keeps the version its recall got.
ALTER TABLE conversations ADD COLUMN recall_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN recall_version INTEGER;
UPDATE messages SET recall_version = (
    SELECT COUNT(*) FROM messages o WHERE o.conv = messages.conv AND o.recalled_at IS NOT NULL
      AND (o.recalled_at < messages.recalled_at
           OR (o.recalled_at = messages.recalled_at AND o.seq <= messages.seq)))
  WHERE recalled_at IS NOT NULL;
UPDATE conversations SET recall_version = (
    SELECT COUNT(*) FROM messages m WHERE m.conv = conversations.id AND m.recalled_at IS NOT NULL);
CREATE UNIQUE INDEX messages_recalls ON messages(conv, recall_version)
    WHERE recall_version IS NOT NULL;
