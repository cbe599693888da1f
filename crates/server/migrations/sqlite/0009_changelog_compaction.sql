-- Change-log compaction: versions at or below a user's floor were deleted.
ALTER TABLE users ADD COLUMN changes_floor INTEGER NOT NULL DEFAULT 0;
