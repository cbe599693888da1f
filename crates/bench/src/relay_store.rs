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
//! allow on this disk — or `log-merge` (the same, and once the writer has acknowledged a
//! batch and at least `TERN_BENCH_SQLITE_RELAY_MERGE_ROWS` rows (default 4096) wait in
//! the log, they are moved into the indexed `messages` table in one more transaction on
//! the same writer: what the `log` layout costs once its rows must become readable), or
//! `log-db` (the log in a database file of its own, moved into the indexed `messages` of
//! a second database by a merger thread with its own connection and write lock, every
//! `TERN_BENCH_SQLITE_RELAY_MERGE_ROWS` rows or 20 ms; the writer deletes what was moved
//! in its next batch's transaction).

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

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
        /// How the `log` layouts' rows reach `messages`, if they do.
        merge: Merge,
    },
}

/// How the log's rows are moved into the indexed `messages` table.
pub(crate) enum Merge {
    /// Never (tern's own layouts store into `messages`; `log` measures the log alone).
    None,
    /// `log-merge`: by the writer, after an acknowledged batch, once `at` rows wait.
    InWriter { at: usize, pending: usize },
    /// `log-db`: by the merger thread (`crate::relay_merge`), which publishes the last
    /// log id it moved in `done`; `deleted` is the last one this writer deleted.
    Thread { done: Arc<AtomicI64>, deleted: i64 },
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
        let merge_rows = std::env::var("TERN_BENCH_SQLITE_RELAY_MERGE_ROWS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(4096);
        Store::sqlite_layout(path, &layout, merge_rows)
    }

    fn sqlite_layout(path: &Path, layout: &str, merge_rows: usize) -> Result<Store> {
        let conn = tern_server::storage::sqlite::open_with_schema(path)?;
        let mut insert = "INSERT INTO messages (conv, seq, sender, client_id, sent_at, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
        let mut merge = Merge::None;
        match layout {
            "" | "tern" => {}
            "sender-index" => {
                conn.execute_batch("CREATE INDEX messages_by_sender ON messages(sender, id)")?
            }
            "log" | "log-merge" | "log-db" => {
                conn.execute_batch(
                    "CREATE TABLE relay_log (id INTEGER PRIMARY KEY, conv TEXT NOT NULL, seq INTEGER NOT NULL,
                       sender TEXT NOT NULL, client_id TEXT NOT NULL, sent_at INTEGER NOT NULL, content TEXT NOT NULL)",
                )?;
                insert = "INSERT INTO relay_log (conv, seq, sender, client_id, sent_at, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
                merge = match layout {
                    "log-merge" => Merge::InWriter {
                        at: merge_rows,
                        pending: 0,
                    },
                    "log-db" => Merge::Thread {
                        done: crate::relay_merge::spawn(path, merge_rows)?,
                        deleted: 0,
                    },
                    _ => Merge::None,
                };
            }
            other => anyhow::bail!(
                "TERN_BENCH_SQLITE_RELAY_LAYOUT={other}: expected tern, sender-index, log, log-merge or log-db"
            ),
        }
        Ok(Store::Sqlite {
            conn,
            known: HashSet::new(),
            insert,
            merge,
        })
    }

    /// Work after a batch was acknowledged: the `log-merge` layout moves the log into
    /// `messages` (in index order, one transaction) once enough rows wait.
    pub(crate) fn after_ack(&mut self) -> Result<()> {
        let Store::Sqlite {
            conn,
            merge: Merge::InWriter { at, pending },
            ..
        } = self
        else {
            return Ok(());
        };
        if *pending < *at {
            return Ok(());
        }
        let tx = conn.transaction()?;
        tx.execute_batch(
            "INSERT INTO messages (conv, seq, sender, client_id, sent_at, content)
               SELECT conv, seq, sender, client_id, sent_at, content FROM relay_log ORDER BY conv, seq;
             DELETE FROM relay_log;",
        )?;
        tx.commit()?;
        *pending = 0;
        Ok(())
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
                merge,
                ..
            } => {
                let tx = conn.transaction()?;
                let mut deleted_to = None;
                if let Merge::Thread { done, deleted } = merge {
                    let to = done.load(Ordering::Acquire);
                    if to > *deleted {
                        tx.prepare_cached("DELETE FROM relay_log WHERE id <= ?1")?
                            .execute([to])?;
                        deleted_to = Some(to);
                    }
                }
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
                match merge {
                    Merge::InWriter { pending, .. } => *pending += seqs.len(),
                    Merge::Thread { deleted, .. } => *deleted = deleted_to.unwrap_or(*deleted),
                    Merge::None => {}
                }
                known.extend(new_convs.into_iter().cloned());
                Ok(seqs)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

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
        let mut store = Store::sqlite_layout(&log, "log", 1).expect("open");
        store.save(&[&record("d:u1:u2", "u1", "c1")]).expect("save");
        assert_eq!(count(&log, "SELECT count(*) FROM relay_log"), 1);
        assert_eq!(count(&log, "SELECT count(*) FROM messages"), 0);
        store.after_ack().expect("no merge");
        assert_eq!(count(&log, "SELECT count(*) FROM relay_log"), 1);
        // log-merge: moved into messages once two rows wait, not before.
        let merged = dir.path().join("merged.db");
        let mut store = Store::sqlite_layout(&merged, "log-merge", 2).expect("open");
        store.save(&[&record("d:u1:u2", "u1", "c1")]).expect("save");
        store.after_ack().expect("merge");
        assert_eq!(count(&merged, "SELECT count(*) FROM relay_log"), 1);
        store
            .save(&[
                &record("d:u1:u2", "u2", "c1"),
                &record("d:u3:u4", "u3", "c1"),
            ])
            .expect("save");
        store.after_ack().expect("merge");
        assert_eq!(count(&merged, "SELECT count(*) FROM relay_log"), 0);
        assert_eq!(
            count(&merged, "SELECT count(*) FROM messages WHERE seq IN (1, 2)"),
            3
        );
        // log-db: a merger thread moves the rows into the second database; the writer
        // deletes them from the log with its next batch.
        let split = dir.path().join("split.db");
        let mut store = Store::sqlite_layout(&split, "log-db", 1).expect("open");
        store
            .save(&[
                &record("d:u1:u2", "u1", "c1"),
                &record("d:u1:u2", "u2", "c1"),
            ])
            .expect("save");
        let main = split.with_extension("main.db");
        let deadline = Instant::now() + Duration::from_secs(10);
        while count(&main, "SELECT count(*) FROM messages") < 2 {
            assert!(Instant::now() < deadline, "the merger moved nothing");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(
            count(
                &main,
                "SELECT max_seq FROM conversations WHERE id = 'd:u1:u2'"
            ),
            2
        );
        assert_eq!(count(&split, "SELECT count(*) FROM relay_log"), 2);
        let Store::Sqlite {
            merge: Merge::Thread { done, .. },
            ..
        } = &store
        else {
            panic!("log-db has a merger")
        };
        while done.load(Ordering::Acquire) < 2 {
            assert!(Instant::now() < deadline, "the merger published nothing");
            std::thread::sleep(Duration::from_millis(10));
        }
        store.save(&[]).expect("an empty batch");
        assert_eq!(count(&split, "SELECT count(*) FROM relay_log"), 0);
        let old = dir.path().join("old.db");
        Store::sqlite_layout(&old, "sender-index", 1).expect("open");
        assert_eq!(
            count(
                &old,
                "SELECT count(*) FROM sqlite_master WHERE name = 'messages_by_sender'"
            ),
            1
        );
        assert!(Store::sqlite_layout(&dir.path().join("x.db"), "btree", 1).is_err());
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
