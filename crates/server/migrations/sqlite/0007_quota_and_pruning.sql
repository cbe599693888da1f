-- Per-user storage quota (sum of a user's uploads) and session pruning.
CREATE INDEX files_by_uploader ON files(uploader);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);
