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

/// tern-server's storage alone, no network: `clients` users in pairs, each
/// keeping up to `depth` sends queued, through the SQLite backend's
/// `Messages::send` (the writer thread's group commit, every check of a send,
/// the after-commit push into a hub with nobody online) — the most messages/s
/// tern-server's writer can store, what S2's saturation is bounded by.
/// Returns (messages/s, messages stored).
pub(super) async fn storage_floor(quick: bool, clients: usize) -> Result<(f64, u64)> {
    use std::sync::Arc;
    use tern_proto::{ClientMsgId, Content, ConversationId, UserId};
    use tern_server::storage::api::{Accounts, Messages, NewMessage};
    use tern_server::storage::sqlite::{SqliteStorage, Store};

    let dir = tempfile::tempdir()?;
    // tern-server's default `max_batch` (diagnostic override: TERN_BENCH_FLOOR_BATCH).
    let batch = std::env::var("TERN_BENCH_FLOOR_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let (store, writer) = Store::open(dir.path(), batch, 4)?;
    let storage = Arc::new(SqliteStorage::new(
        store,
        Arc::new(tern_server::hub::Hub::default()),
    ));
    let users: Vec<UserId> = (0..clients.max(2) & !1)
        .map(|i| UserId::new(format!("floor{i}")))
        .collect::<Result<_, _>>()?;
    for u in &users {
        storage.create_user(u, "x", None, 0).await?;
    }
    let total: u64 = if quick { 2_000 } else { 400_000 };
    let limit = Duration::from_secs(if quick { 2 } else { 10 });
    let per = total / users.len() as u64;
    let depth = 64;
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for (i, me) in users.iter().enumerate() {
        let (storage, me, peer) = (storage.clone(), me.clone(), users[i ^ 1].clone());
        tasks.push(tokio::spawn(async move {
            let conv = ConversationId::direct(&me, &peer);
            let mut queued = std::collections::VecDeque::new();
            let mut stored = 0u64;
            for _ in 0..per {
                if t0.elapsed() > limit {
                    break;
                }
                let msg = NewMessage {
                    sender: me.clone(),
                    conv: conv.clone(),
                    client_id: ClientMsgId::new(uuid::Uuid::now_v7().simple().to_string())?,
                    content: Content::Text {
                        text: TEXT64.into(),
                    },
                    ext: None,
                    reply_to: None,
                    mentions: None,
                    require_friendship: false,
                    after: None,
                };
                queued.push_back(storage.send(msg, 0, None).await?);
                if queued.len() >= depth {
                    if let Some(p) = queued.pop_front() {
                        p.await?;
                        stored += 1;
                    }
                }
            }
            for p in queued {
                p.await?;
                stored += 1;
            }
            anyhow::Ok(stored)
        }));
    }
    let mut stored = 0;
    for t in tasks {
        stored += t.await??;
    }
    let rate = stored as f64 / t0.elapsed().as_secs_f64();
    drop(storage);
    let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    Ok((rate, stored))
}
