//! C2 (history sync of 100,000 messages into tern-core's store) and C5 (full-text
//! search over 1,000,000 messages), both through tern-core's public API: the messages
//! are sent to a real tern-server over the protocol, then a fresh `tern_core::Client`
//! logs in and syncs them into its own SQLite store, as the app does.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use tern_core::{Client, ClientConfig, Event};
use tern_proto::{ConversationId, UserId};
use tokio::sync::broadcast::error::RecvError;

use crate::corpus;
use crate::report::{ratio, Row};
use crate::util::{ms, Samples};
use crate::ws::{make_users, Tern, PASSWORD};
use crate::Ctx;

/// Sends `per` messages from each of `senders` users to `reader`, all senders at once.
async fn fill_server(
    addr: SocketAddr,
    prefix: &str,
    senders: usize,
    per: usize,
) -> Result<(UserId, f64)> {
    let reader = make_users(addr, &format!("{prefix}r"), 1, 1)
        .await?
        .remove(0)
        .0;
    let users = make_users(addr, &format!("{prefix}s"), senders, 16).await?;
    let t0 = Instant::now();
    let tasks: Vec<_> = users
        .into_iter()
        .enumerate()
        .map(|(i, (me, token))| {
            let reader = reader.clone();
            tokio::spawn(async move {
                let mut t = Tern::authed(addr, &token, &format!("fill-{i}")).await?;
                let conv = ConversationId::direct(&me, &reader);
                crate::ws::fill(&mut t, &conv, &format!("f{i}"), per, 64, |k| {
                    corpus::text(i as u64, k as u64)
                })
                .await
            })
        })
        .collect();
    for t in tasks {
        t.await.map_err(|e| anyhow!("fill task: {e}"))??;
    }
    let rate = (senders * per) as f64 / t0.elapsed().as_secs_f64();
    eprintln!(
        "[tern-bench] {prefix}: {} messages stored on the server in {:.1} s",
        senders * per,
        t0.elapsed().as_secs_f64()
    );
    Ok((reader, rate))
}

/// Logs a fresh tern-core client in as `user` and waits for its first sync to finish.
/// Returns the client, the time from `login` to `SyncFinished`, and the messages synced.
async fn login_and_sync(
    addr: SocketAddr,
    dir: &Path,
    user: &UserId,
    limit: Duration,
) -> Result<(Client, Duration, u64)> {
    let mut cfg = ClientConfig::new(dir, format!("ws://{addr}"));
    cfg.connection.initial_sync_window = 10_000_000;
    cfg.connection.request_timeout_ms = 60_000;
    let client = Client::new(cfg)?;
    let mut events = client.subscribe();
    let t0 = Instant::now();
    client
        .login(user, PASSWORD)
        .await
        .context("tern-core login")?;
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Err(_) => bail!("sync did not finish within {limit:?}"),
            Ok(Ok(Event::SyncFinished { messages, .. })) => {
                return Ok((client, t0.elapsed(), messages))
            }
            Ok(Ok(_)) | Ok(Err(RecvError::Lagged(_))) => {}
            Ok(Err(RecvError::Closed)) => bail!("client event stream closed"),
        }
    }
}

/// What the bare rusqlite baseline adds to the plain table.
#[derive(Clone, Copy, PartialEq)]
enum Bare {
    /// The table alone (C2's baseline).
    Plain,
    /// Plus the FTS5 trigram index of every row.
    Fts,
    /// Plus the indexes tern-core's `messages` table has (store/schema.rs): the
    /// `(sender, client_id)` and `(conv, seq)` uniques, `(conv, sender, seq)`, and
    /// the partial index of rows not yet in the search index.
    StoreIndexes,
}

/// The rows the store would hold, for the bare rusqlite baseline.
fn bare_insert(dir: &Path, senders: usize, per: usize, kind: Bare) -> Result<Duration> {
    let with_fts = kind == Bare::Fts;
    let name = match kind {
        Bare::Plain => "bare.db",
        Bare::Fts => "bare-fts.db",
        Bare::StoreIndexes => "bare-indexed.db",
    };
    let c = rusqlite::Connection::open(dir.join(name))?;
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
         CREATE TABLE messages (rowid INTEGER PRIMARY KEY, conv TEXT NOT NULL, seq INTEGER, msg_id INTEGER,
           client_id TEXT NOT NULL, sender TEXT NOT NULL, sent_at INTEGER NOT NULL, content TEXT NOT NULL);
         CREATE VIRTUAL TABLE message_fts USING fts5 (body, tokenize = 'trigram');",
    )?;
    if kind == Bare::StoreIndexes {
        c.execute_batch(
            "ALTER TABLE messages ADD COLUMN search_key INTEGER;
             CREATE UNIQUE INDEX m_sender_client ON messages (sender, client_id);
             CREATE UNIQUE INDEX m_conv_seq ON messages (conv, seq) WHERE seq IS NOT NULL;
             CREATE INDEX m_own ON messages (conv, sender, seq);
             CREATE INDEX m_unindexed ON messages (search_key) WHERE search_key IS NULL;",
        )?;
    }
    let t0 = Instant::now();
    let tx = c.unchecked_transaction()?;
    {
        let mut ins = tx.prepare(
            "INSERT INTO messages (conv, seq, msg_id, client_id, sender, sent_at, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut fts = tx.prepare("INSERT INTO message_fts (rowid, body) VALUES (?1, ?2)")?;
        let mut id = 0i64;
        for s in 0..senders {
            let sender = format!("c2s{s}");
            let conv = format!("d:c2r0:{sender}");
            for k in 0..per {
                id += 1;
                let text = corpus::text(s as u64, k as u64);
                let content = serde_json::json!({"type": "text", "text": text}).to_string();
                ins.execute(rusqlite::params![
                    conv,
                    k as i64 + 1,
                    id,
                    format!("f{s}-{k}"),
                    sender,
                    1_700_000_000_000i64 + id,
                    content
                ])?;
                if with_fts {
                    fts.execute(rusqlite::params![tx.last_insert_rowid(), text])?;
                }
            }
        }
    }
    tx.commit()?;
    Ok(t0.elapsed())
}

/// Runs C2.
pub(crate) async fn c2(ctx: &mut Ctx) -> Result<Vec<Row>> {
    let (senders, per) = if ctx.quick { (4, 50) } else { (50, 2_000) };
    let total = senders * per;
    let dir = tempfile::tempdir()?;
    let bare = bare_insert(dir.path(), senders, per, Bare::Plain)?;
    let bare_fts = bare_insert(dir.path(), senders, per, Bare::Fts)?;
    let bare_indexed = bare_insert(dir.path(), senders, per, Bare::StoreIndexes)?;
    let server = crate::procs::spawn_tern(&ctx.server, &ctx.db, None)?;
    let (reader, fill_rate) = fill_server(server.addr, "c2", senders, per).await?;
    let (client, took, got) = login_and_sync(
        server.addr,
        &dir.path().join("client"),
        &reader,
        Duration::from_secs(900),
    )
    .await?;
    // Search indexing is deferred past the sync; the first search finishes it.
    let t = Instant::now();
    client.search(corpus::EN_RARE, 0, 20).await?;
    let index_secs = t.elapsed().as_secs_f64();
    client.close().await;
    drop(server);
    if got != total as u64 {
        ctx.notes.push(format!(
            "C2: the sync reported {got} new messages, expected {total}"
        ));
    }
    ctx.notes.push(format!(
        "C2: {total} messages in {senders} conversations were sent to the server at {fill_rate:.0} msg/s (pipelined, 64 in flight per sender), then a fresh tern-core Client logged in; time = login() → Event::SyncFinished"
    ));
    let secs = took.as_secs_f64();
    Ok(vec![
        Row::new(
            "C2",
            format!("history sync of {total} messages into tern-core's store ({got} synced)"),
            format!(
                "{:.2} s (bare rusqlite insert, 1 transaction)",
                bare.as_secs_f64()
            ),
            format!("{secs:.2} s ({:.0} msg/s)", got as f64 / secs),
            ratio(secs, bare.as_secs_f64()),
            "< 2 s",
            Some(secs < 2.0),
        ),
        Row::new(
            "C2",
            "context: then the first search, which completes the deferred search index (not part of the sync)",
            "—",
            format!("{index_secs:.2} s (sync + index {:.2} s)", secs + index_secs),
            "—",
            "—",
            None,
        ),
        Row::new(
            "C2",
            "context: bare rusqlite insert with tern-core's four indexes on the messages table, 1 transaction",
            format!("{:.2} s", bare_indexed.as_secs_f64()),
            "—",
            ratio(secs, bare_indexed.as_secs_f64()),
            "—",
            None,
        ),
        Row::new(
            "C2",
            "context: bare rusqlite insert + FTS5 trigram index of the same rows, 1 transaction",
            format!("{:.2} s", bare_fts.as_secs_f64()),
            "—",
            ratio(secs, bare_fts.as_secs_f64()),
            "—",
            None,
        ),
    ])
}

/// Runs C5.
pub(crate) async fn c5(ctx: &mut Ctx) -> Result<Vec<Row>> {
    let (senders, per) = if ctx.quick { (4, 200) } else { (100, 10_000) };
    let total = senders * per;
    let dir = tempfile::tempdir()?;
    let server = crate::procs::spawn_tern(&ctx.server, &crate::pg::Db::Sqlite, None)?;
    let (reader, fill_rate) = fill_server(server.addr, "c5", senders, per).await?;
    let (client, took, got) = login_and_sync(
        server.addr,
        &dir.path().join("client"),
        &reader,
        Duration::from_secs(1800),
    )
    .await?;
    let t = Instant::now();
    client.search(corpus::EN_RARE, 0, 20).await?;
    let index_secs = t.elapsed().as_secs_f64();
    ctx.notes.push(format!(
        "C5: {total} messages sent to the server at {fill_rate:.0} msg/s; a fresh tern-core Client synced {got} of them in {:.1} s ({:.0} msg/s); the first search then completed the deferred search index in {index_secs:.1} s",
        took.as_secs_f64(),
        got as f64 / took.as_secs_f64()
    ));
    let queries = [
        ("English, rare", corpus::EN_RARE),
        ("English, common", corpus::EN_COMMON),
        ("Chinese 2 chars, rare", corpus::ZH_RARE2),
        ("Chinese 2 chars, common", corpus::ZH_COMMON2),
        ("Chinese 3 chars, rare", corpus::ZH_RARE3),
        ("Chinese 3 chars, common", corpus::ZH_COMMON3),
    ];
    let (max_iter, budget) = if ctx.quick {
        (5, Duration::from_secs(2))
    } else {
        (200, Duration::from_secs(10))
    };
    let mut rows = Vec::new();
    for (label, q) in queries {
        for _ in 0..3 {
            client.search(q, 0, 20).await?;
        }
        let mut lat = Samples::default();
        let mut hits = 0;
        let t0 = Instant::now();
        while lat.len() < max_iter && (t0.elapsed() < budget || lat.len() < 5) {
            let t = Instant::now();
            let page = client.search(q, 0, 20).await?;
            lat.push(t.elapsed());
            hits = page.messages.len();
        }
        let p99 = lat.pct(99.0);
        rows.push(Row::new(
            "C5",
            format!(
                "search \"{q}\" ({label}), first page of 20 ({hits} returned), {} runs: p50 / p99",
                lat.len()
            ),
            "—",
            format!("{} / {}", ms(lat.pct(50.0)), ms(p99)),
            "—",
            "p99 < 20 ms",
            Some(p99 < 20_000),
        ));
    }
    client.close().await;
    drop(server);
    Ok(rows)
}
