-- Issue 21: the duplicate check keyed (client_id, sender), as SQLite's migration
-- 0018: clients make time-ordered client ids (tern-core: UUIDv7), so new keys land
-- at the right edge of the index instead of in one leaf per sender.
ALTER TABLE messages ADD CONSTRAINT messages_client_id_sender_key UNIQUE (client_id, sender);
ALTER TABLE messages DROP CONSTRAINT messages_sender_client_id_key;
