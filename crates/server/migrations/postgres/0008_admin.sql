-- Admin API exports (issue 19): one user's messages, paged by id.
CREATE INDEX IF NOT EXISTS messages_by_sender ON messages(sender, id);
