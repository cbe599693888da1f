//! Where the durable relay (`crate::durable`) saves a batch before acknowledging it:
//! an append-only file (the physical floor), or — `durable-relay-server --sqlite` —
//! tern-server's own SQLite schema (`tern_server::storage::sqlite::open_with_schema`:
//! the same tables, indexes and pragmas), each message one row of `messages` with the
//! next seq of its conversation, one transaction per batch. The SQLite relay does only
//! that: no access checks, no duplicate look-up, no savepoints, no read marks, no
//! change log — the least a server storing tern's rows in SQLite must do, so S2 can
//! show how much of tern-server's cost is the storage layout itself.
//!
//! Diagnostic override `TERN_BENCH_SQLITE_RELAY_LAYOUT` (docs/benchmarks.md): `tern`
//! (the default), `sender-index` (with the `(sender, id)` index tern-server kept for the
//! admin export until migration 0017), or
//! `log` (the rows appended to an index-free table in the same database, conversation
//! seqs still kept in `conversations`) — what a different layout of the hot path would
//! allow on this disk.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use rusqlite::{params, Connection};

/// One message to save: its frame as received, and the columns the SQLite relay stores.
pub(crate) struct Record {
    /// The `send` frame's text (what the file relay appends).
    pub(crate) frame: String,
    pub(crate) conv: String,
    pub(crate) sender: String,
    pub(crate) client_id: String,
    /// The message content as JSON (tern-server's `messages.content`).
    pub(crate) content: String,
}

/// A relay's store: saves a batch durably and returns each record's seq.
pub(crate) enum Store {
    File {
        out: std::io::BufWriter<std::fs::File>,
        /// One sequence for the whole log.
        seq: u64,
    },
    Sqlite {
        conn: Connection,
        /// Conversations already inserted (their row is created once, by the first message).
        known: HashSet<String>,
        /// The row's INSERT (`messages`, or the `log` layout's table).
        insert: &'static str,
    },
}

impl Store {
    /// The append-only log file `path`.
    pub(crate) fn file(path: &Path) -> Result<Store> {
        let file = std::fs::File::create(path)?;
        Ok(Store::File {
            out: std::io::BufWriter::with_capacity(1 << 20, file),
            seq: 0,
        })
    }

    /// A new database `path` with tern-server's schema and settings.
    pub(crate) fn sqlite(path: &Path) -> Result<Store> {
        let layout = std::env::var("TERN_BENCH_SQLITE_RELAY_LAYOUT").unwrap_or_default();
        Store::sqlite_layout(path, &layout)
    }

    fn sqlite_layout(path: &Path, layout: &str) -> Result<Store> {
        let conn = tern_server::storage::sqlite::open_with_schema(path)?;
        let mut insert = "INSERT INTO messages (conv, seq, sender, client_id, sent_at, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
        match layout {
            "" | "tern" => {}
            "sender-index" => {
                conn.execute_batch("CREATE INDEX messages_by_sender ON messages(sender, id)")?
            }
            "log" => {
                conn.execute_batch(
                    "CREATE TABLE relay_log (id INTEGER PRIMARY KEY, conv TEXT NOT NULL, seq INTEGER NOT NULL,
                       sender TEXT NOT NULL, client_id TEXT NOT NULL, sent_at INTEGER NOT NULL, content TEXT NOT NULL)",
                )?;
                insert = "INSERT INTO relay_log (conv, seq, sender, client_id, sent_at, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
            }
            other => anyhow::bail!(
                "TERN_BENCH_SQLITE_RELAY_LAYOUT={other}: expected tern, sender-index or log"
            ),
        }
        Ok(Store::Sqlite {
            conn,
            known: HashSet::new(),
            insert,
        })
    }

    /// Saves `batch` (one `fdatasync` / one commit) and returns the seqs, in order.
    pub(crate) fn save(&mut self, batch: &[&Record]) -> Result<Vec<u64>> {
        match self {
            Store::File { out, seq } => {
                for r in batch {
                    out.write_all(r.frame.as_bytes())?;
                    out.write_all(b"\n")?;
                }
                out.flush()?;
                out.get_ref().sync_data()?;
                Ok(batch
                    .iter()
                    .map(|_| {
                        *seq += 1;
                        *seq
                    })
                    .collect())
            }
            Store::Sqlite {
                conn,
                known,
                insert,
            } => {
                let tx = conn.transaction()?;
                let now = tern_server::storage::sqlite::now_ms();
                let mut seqs = Vec::with_capacity(batch.len());
                // Remembered only once committed (a failed batch inserted none of them).
                let mut new_convs = Vec::new();
                for r in batch {
                    if !known.contains(&r.conv) && !new_convs.contains(&&r.conv) {
                        tx.prepare_cached(
                            "INSERT OR IGNORE INTO conversations (id, kind, created_at, last_at) VALUES (?1, 'direct', ?2, ?2)",
                        )?
                        .execute(params![r.conv, now])?;
                        new_convs.push(&r.conv);
                    }
                    let seq: i64 = tx
                        .prepare_cached("UPDATE conversations SET max_seq = max_seq + 1, last_at = ?2 WHERE id = ?1 RETURNING max_seq")?
                        .query_row(params![r.conv, now], |row| row.get(0))?;
                    tx.prepare_cached(insert)?.execute(params![
                        r.conv,
                        seq,
                        r.sender,
                        r.client_id,
                        now,
                        r.content
                    ])?;
                    seqs.push(seq as u64);
                }
                tx.commit()?;
                known.extend(new_convs.into_iter().cloned());
                Ok(seqs)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(conv: &str, sender: &str, client_id: &str) -> Record {
        Record {
            frame: format!(r#"{{"client_id":"{client_id}"}}"#),
            conv: conv.into(),
            sender: sender.into(),
            client_id: client_id.into(),
            content: r#"{"type":"text","text":"hi"}"#.into(),
        }
    }

    /// The SQLite relay stores tern-server's rows: per-conversation seqs, the
    /// conversation's `max_seq`, and tern's unique `(sender, client_id)` key enforced.
    #[test]
    fn sqlite_store_keeps_tern_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("relay.db");
        let mut store = Store::sqlite(&path).expect("open");
        let (a, b, c) = (
            record("d:u1:u2", "u1", "c1"),
            record("d:u1:u2", "u2", "c1"),
            record("d:u3:u4", "u3", "c1"),
        );
        assert_eq!(store.save(&[&a, &b, &c]).expect("save"), vec![1, 2, 1]);
        let d = record("d:u1:u2", "u1", "c2");
        assert_eq!(store.save(&[&d]).expect("save"), vec![3]);
        // A resent client id is refused by tern's unique key, and the batch with it —
        // including a new conversation's row, which the next batch creates again.
        let fresh = record("d:u5:u6", "u5", "c1");
        assert!(store
            .save(&[&fresh, &record("d:u3:u4", "u3", "c1")])
            .is_err());
        assert_eq!(store.save(&[&fresh]).expect("save"), vec![1]);
        let read = Connection::open(&path).expect("reopen");
        let rows: i64 = read
            .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
            .expect("count");
        let max: i64 = read
            .query_row(
                "SELECT max_seq FROM conversations WHERE id = 'd:u1:u2'",
                [],
                |r| r.get(0),
            )
            .expect("max_seq");
        assert_eq!((rows, max), (5, 3));
        let keys: i64 = read
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND name LIKE 'sqlite_autoindex_%'",
                [],
                |r| r.get(0),
            )
            .expect("indexes");
        assert_eq!(
            keys, 2,
            "tern-server's unique keys (conv, seq) and (sender, client_id)"
        );
    }

    /// The diagnostic layouts store the same rows elsewhere; an unknown one is refused.
    #[test]
    fn sqlite_layouts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let count = |path: &Path, sql: &str| -> i64 {
            Connection::open(path)
                .expect("reopen")
                .query_row(sql, [], |r| r.get(0))
                .expect("query")
        };
        let log = dir.path().join("log.db");
        let mut store = Store::sqlite_layout(&log, "log").expect("open");
        store.save(&[&record("d:u1:u2", "u1", "c1")]).expect("save");
        assert_eq!(count(&log, "SELECT count(*) FROM relay_log"), 1);
        assert_eq!(count(&log, "SELECT count(*) FROM messages"), 0);
        let old = dir.path().join("old.db");
        Store::sqlite_layout(&old, "sender-index").expect("open");
        assert_eq!(
            count(
                &old,
                "SELECT count(*) FROM sqlite_master WHERE name = 'messages_by_sender'"
            ),
            1
        );
        assert!(Store::sqlite_layout(&dir.path().join("x.db"), "btree").is_err());
    }

    /// The file relay numbers the whole log and appends each frame as one line.
    #[test]
    fn file_store_appends_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        let mut store = Store::file(&path).expect("create");
        let (a, b) = (record("x", "u1", "c1"), record("x", "u1", "c2"));
        assert_eq!(store.save(&[&a, &b]).expect("save"), vec![1, 2]);
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 2);
    }
}
