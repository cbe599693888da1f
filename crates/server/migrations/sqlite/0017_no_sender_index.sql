-- Issue 21: the admin export's `(sender, id)` index cost every send a leaf of its
-- own (about a third of S2's write volume; the highest rate within 10 ms at 100
-- clients 10,000 -> 15,000 msg/s without it, docs/benchmarks.md). The export now
-- reads the message table in id order instead (one pass per export).
DROP INDEX IF EXISTS messages_by_sender;
