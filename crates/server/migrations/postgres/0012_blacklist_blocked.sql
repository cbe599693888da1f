-- Who blocked a user: asked on every group send, edit and reaction (the
-- members who blocked the sender are left out), and on joins. The primary key
-- is (owner, blocked), so `WHERE blocked = $1` scanned the whole table: one
-- account blocking many users slowed every group message on the server.
CREATE INDEX blacklist_blocked ON blacklist(blocked, owner);
