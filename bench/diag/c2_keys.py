#!/usr/bin/env python3
"""C2's database cost by index set (docs/benchmarks.md, "Figures at a glance": C2).

Inserts 100,000 rows of C2's shape (50 conversations x 2,000 messages from other
users, one transaction, WAL, synchronous=NORMAL, as tern-core's store) into a
fresh table for each index set, 3 rounds, and prints the seconds:

  plain     the table alone (tern-bench's C2 baseline)
  four      tern-core's four indexes on `messages` today: the (sender, client_id)
            and (conv, seq) keys, (conv, sender, seq), and the partial index of
            rows not yet in the search index
  mine      the two that serve only my own messages made partial on a `mine`
            column (0 for every row here: messages from others), the rest as today
  mine_nod  `mine` without the pending-search index
  conv_seq  only the (conv, seq) key: the one a cache that stores each server
            message once cannot do without (the floor of a secondary-key design)
  clustered no index: the rowid made of (conversation number, seq), so the table
            itself is ordered by the key (what a store clustered on it would do)

Python's sqlite3 (Debian's SQLite), not the bundled one tern-core uses: the
ratios between the sets are what it shows. Usage: bench/diag/c2_keys.py [dir]
"""
import json
import os
import sqlite3
import sys
import tempfile
import time

INDEXES = {
    "plain": "",
    "four": """CREATE UNIQUE INDEX a ON messages (sender, client_id);
        CREATE UNIQUE INDEX b ON messages (conv, seq) WHERE seq IS NOT NULL;
        CREATE INDEX c ON messages (conv, sender, seq);
        CREATE INDEX d ON messages (search_key) WHERE search_key IS NULL;""",
    "mine": """CREATE UNIQUE INDEX a ON messages (client_id) WHERE mine = 1;
        CREATE UNIQUE INDEX b ON messages (conv, seq) WHERE seq IS NOT NULL;
        CREATE INDEX c ON messages (conv, seq) WHERE mine = 1;
        CREATE INDEX d ON messages (search_key) WHERE search_key IS NULL;""",
    "mine_nod": """CREATE UNIQUE INDEX a ON messages (client_id) WHERE mine = 1;
        CREATE UNIQUE INDEX b ON messages (conv, seq) WHERE seq IS NOT NULL;
        CREATE INDEX c ON messages (conv, seq) WHERE mine = 1;""",
    "conv_seq": "CREATE UNIQUE INDEX b ON messages (conv, seq) WHERE seq IS NOT NULL;",
    "clustered": "",
}


def rows():
    out, i = [], 0
    for s in range(50):
        for k in range(2000):
            i += 1
            text = json.dumps({"type": "text", "text": f"hello world this is message {i}"})
            # Time-ordered client ids of 32 characters, as tern-core makes them.
            cid = f"0193a5b2c3d4e5f6{s:04d}{k:012d}"
            out.append((f"d:c2r0:c2s{s}", k + 1, i, cid, f"c2s{s}", 1_700_000_000_000 + i, text))
    return out


def run(directory, kind, data):
    path = os.path.join(directory, f"{kind}.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=NORMAL")
    c.execute(
        "CREATE TABLE messages (rowid INTEGER PRIMARY KEY, conv TEXT NOT NULL, seq INTEGER,"
        " msg_id INTEGER, client_id TEXT NOT NULL, sender TEXT NOT NULL, sent_at INTEGER NOT NULL,"
        " content TEXT NOT NULL, search_key INTEGER, mine INTEGER NOT NULL DEFAULT 0)"
    )
    c.executescript(INDEXES[kind])
    t = time.perf_counter()
    c.execute("BEGIN")
    if kind == "clustered":
        c.executemany(
            "INSERT INTO messages (rowid, conv, seq, msg_id, client_id, sender, sent_at, content)"
            " VALUES ((CAST(substr(?1, 11) AS INTEGER) << 32) + ?2, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            data,
        )
    else:
        c.executemany(
            "INSERT INTO messages (conv, seq, msg_id, client_id, sender, sent_at, content)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            data,
        )
    c.execute("COMMIT")
    took = time.perf_counter() - t
    c.close()
    return took


def main():
    data = rows()
    with tempfile.TemporaryDirectory(dir=sys.argv[1] if len(sys.argv) > 1 else None) as d:
        for r in range(3):
            print(f"round {r + 1}: " + ", ".join(f"{k} {run(d, k, data):.3f} s" for k in INDEXES))


if __name__ == "__main__":
    main()
