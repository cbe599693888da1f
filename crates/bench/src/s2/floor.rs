//! S2's context figure: the bare SQLite insert rate of the same rows with tern's
//! unique keys (the client ids time-ordered, as tern-core's) and the server's
//! durability settings.

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::s1::TEXT64;

/// Raw SQLite insert rates with the server's durability (WAL, synchronous=FULL), as context.
pub(super) fn sqlite_context(quick: bool) -> Result<(f64, f64)> {
    let dir = tempfile::tempdir()?;
    let c = rusqlite::Connection::open(dir.path().join("raw.db"))?;
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE m (id INTEGER PRIMARY KEY AUTOINCREMENT, conv TEXT NOT NULL, seq INTEGER NOT NULL,
           sender TEXT NOT NULL, client_id TEXT NOT NULL, sent_at INTEGER NOT NULL, content TEXT NOT NULL,
           UNIQUE (conv, seq), UNIQUE (client_id, sender));",
    )?;
    let content = serde_json::json!({"type": "text", "text": TEXT64}).to_string();
    let total = if quick { 2_000 } else { 200_000 };
    let mut i = 0i64;
    let t0 = Instant::now();
    while i < total && t0.elapsed() < Duration::from_secs(10) {
        let tx = c.unchecked_transaction()?;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO m (conv, seq, sender, client_id, sent_at, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for _ in 0..256 {
                i += 1;
                st.execute(rusqlite::params![
                    format!("d:u{}:u{}", i % 50, i % 50 + 1),
                    i,
                    format!("u{}", i % 100),
                    uuid::Uuid::now_v7().simple().to_string(),
                    i,
                    content
                ])?;
            }
        }
        tx.commit()?;
    }
    let batched = i as f64 / t0.elapsed().as_secs_f64();
    let mut j = 0i64;
    let t1 = Instant::now();
    while j < 2_000 && t1.elapsed() < Duration::from_secs(3) {
        j += 1;
        i += 1;
        c.execute(
            "INSERT INTO m (conv, seq, sender, client_id, sent_at, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![
                format!("d:u{}:u{}", i % 50, i % 50 + 1),
                i,
                format!("u{}", i % 100),
                uuid::Uuid::now_v7().simple().to_string(),
                i,
                content
            ],
        )?;
    }
    let single = j as f64 / t1.elapsed().as_secs_f64();
    Ok((batched, single))
}
