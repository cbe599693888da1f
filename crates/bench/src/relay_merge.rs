//! The SQLite relay's `log-db` layout (`crate::relay_store`): a merger thread moves the
//! rows the writer appended to the log database into the indexed `messages` of a second
//! database (tern-server's schema), with its own connection and write lock.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

/// Starts the merger of the log database `log` (its `relay_log` table must exist) into
/// `<log>.main.db`, a round every `rows` rows or 20 ms; returns the last log id moved.
pub(crate) fn spawn(log: &Path, rows: usize) -> Result<Arc<AtomicI64>> {
    let main = log.with_extension("main.db");
    // The merged database: tern's schema, created before the first round.
    drop(tern_server::storage::sqlite::open_with_schema(&main)?);
    let done = Arc::new(AtomicI64::new(0));
    let (log, to) = (log.to_path_buf(), done.clone());
    std::thread::Builder::new()
        .name("relay-merger".into())
        .spawn(move || {
            if let Err(e) = merger(&main, &log, rows as i64, &to) {
                eprintln!("durable relay: the merger stopped: {e:#}");
            }
        })?;
    Ok(done)
}

/// `log-db`'s merger: moves the log's new rows into `main`'s `messages` (and the
/// conversations' `max_seq`), in index order, one transaction per round, and publishes
/// the last id moved in `done`. Runs until the process ends.
fn merger(main: &Path, log: &Path, rows: i64, done: &AtomicI64) -> Result<()> {
    let mut conn = tern_server::storage::sqlite::open_with_schema(main)?;
    conn.execute("ATTACH ?1 AS log", [log.to_string_lossy()])?;
    let (mut last, mut since) = (0i64, Instant::now());
    loop {
        std::thread::sleep(Duration::from_millis(2));
        let top: i64 =
            conn.query_row("SELECT coalesce(max(id), 0) FROM log.relay_log", [], |r| {
                r.get(0)
            })?;
        if top <= last || (top - last < rows && since.elapsed() < Duration::from_millis(20)) {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO main.conversations (id, kind, max_seq, created_at, last_at)
               SELECT conv, 'direct', max(seq), min(sent_at), max(sent_at) FROM log.relay_log
                WHERE id > ?1 AND id <= ?2 GROUP BY conv
             ON CONFLICT (id) DO UPDATE SET max_seq = excluded.max_seq, last_at = excluded.last_at",
            [last, top],
        )?;
        tx.execute(
            "INSERT INTO main.messages (conv, seq, sender, client_id, sent_at, content)
               SELECT conv, seq, sender, client_id, sent_at, content FROM log.relay_log
                WHERE id > ?1 AND id <= ?2 ORDER BY conv, seq",
            [last, top],
        )?;
        tx.commit()?;
        last = top;
        since = Instant::now();
        done.store(last, Ordering::Release);
    }
}
