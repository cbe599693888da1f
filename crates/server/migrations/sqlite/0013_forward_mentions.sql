-- 13: @mentions (issue 17): whom a group message mentions, as the JSON of
-- tern_proto::Mentions ({"users": [...], "all": true}); NULL when nobody.
-- Forwards need no table: they are ordinary messages (a merged one holds its
-- items in its content) and their files are granted through file_refs.
ALTER TABLE messages ADD COLUMN mentions TEXT;
