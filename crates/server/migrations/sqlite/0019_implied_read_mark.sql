-- Issue 21: sending implies having read up to one's own message, and that read
-- mark was written to `members` with every send: a B-tree page of its own in each
-- commit (a sixth of a one-message commit's pages; S1, docs/benchmarks.md, "Issue
-- 21, 2026-12-06, late morning"). The conversation row, written by every send anyway,
-- now also names its last message's sender and seq (its "tail"). That sender's
-- read mark is MAX(members.read_seq, tail_seq); it is written to `members` only
-- when someone else sends next (or by an explicit read mark). Existing rows have
-- no tail: their marks are all in `members` already.
ALTER TABLE conversations ADD COLUMN tail_sender TEXT;
ALTER TABLE conversations ADD COLUMN tail_seq INTEGER NOT NULL DEFAULT 0;
