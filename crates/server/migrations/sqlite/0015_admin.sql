-- Admin API exports (issue 19): one user's messages and files, paged by id.
CREATE INDEX IF NOT EXISTS messages_by_sender ON messages(sender, id);
CREATE INDEX IF NOT EXISTS files_by_uploader_id ON files(uploader, id);
