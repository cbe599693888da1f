//! S4: memory per idle authenticated connection at 1,000 and 10,000 connections, as
//! the RSS growth of the server process (the real tern-server binary, a child of
//! this tool) divided by the number of connections, vs the same for the echo server.
//!
//! Accounts and tokens are created first on a server that is then restarted, so
//! the argon2 work of registration does not inflate the measured process; the
//! measured connections authenticate with `resume` (token).

use std::time::Duration;

use anyhow::{Context, Result};
use futures_util::StreamExt;

use crate::procs::Child;
use crate::report::{ratio, Row};
use crate::ws::{connect, make_users, Tern, Ws};
use crate::Ctx;

/// Settle time before reading memory (env `TERN_BENCH_S4_SETTLE` seconds, default 12:
/// longer than tokio's 10 s keep-alive of idle blocking-pool threads, so threads
/// spawned while connections were being set up are gone in both processes).
fn settle() -> Duration {
    let secs = std::env::var("TERN_BENCH_S4_SETTLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    Duration::from_secs(secs)
}

async fn open_echo(addr: std::net::SocketAddr, n: usize) -> Result<Vec<Ws>> {
    let jobs = (0..n).map(|_| connect(addr));
    let v: Vec<Result<Ws>> = futures_util::stream::iter(jobs)
        .buffer_unordered(100)
        .collect()
        .await;
    v.into_iter().collect()
}

async fn open_tern(
    addr: std::net::SocketAddr,
    tokens: &[(tern_proto::UserId, String)],
) -> Result<Vec<Tern>> {
    let jobs = tokens
        .iter()
        .enumerate()
        .map(|(i, (_, tok))| async move { Tern::authed(addr, tok, &format!("s4-{i}")).await });
    let v: Vec<Result<Tern>> = futures_util::stream::iter(jobs)
        .buffer_unordered(100)
        .collect()
        .await;
    v.into_iter().collect()
}

/// Per-connection bytes at each step: (connections, rss before, rss after, bytes/conn, note).
type Steps = Vec<(usize, u64, u64, f64, String)>;

async fn measure_echo(counts: &[usize]) -> Result<Steps> {
    let echo = crate::procs::spawn_echo()?;
    // One connection first, as for tern-server.
    let mut held = open_echo(echo.addr, 1).await?;
    tokio::time::sleep(settle()).await;
    let base = echo.rss_kib();
    let base_note = echo.mem_note();
    let mut out = Vec::new();
    for &n in counts {
        let more = open_echo(echo.addr, n - held.len())
            .await
            .context("echo connections")?;
        held.extend(more);
        tokio::time::sleep(settle()).await;
        let rss = echo.rss_kib();
        let added = n - 1;
        out.push((
            n,
            base,
            rss,
            (rss.saturating_sub(base)) as f64 * 1024.0 / added.max(1) as f64,
            format!("{base_note} → {}", echo.mem_note()),
        ));
    }
    drop(held);
    drop(echo);
    Ok(out)
}

async fn measure_tern(ctx: &Ctx, counts: &[usize]) -> Result<Steps> {
    let max = *counts.iter().max().unwrap_or(&0);
    // Phase 1: accounts and tokens.
    let mut setup: Child = crate::procs::spawn_tern(&ctx.server, &crate::pg::Db::Sqlite, None)?;
    let users = make_users(setup.addr, "s4u", max, 32).await?;
    setup.stop();
    let dir = setup.take_dir();
    drop(setup);
    // Phase 2: a fresh process on the same data; measure.
    let server = crate::procs::spawn_tern(&ctx.server, &crate::pg::Db::Sqlite, dir)?;
    // One connection first, so one-off lazy allocations (read pool, caches) are in the base.
    let warm = open_tern(server.addr, &users[..1]).await?;
    tokio::time::sleep(settle()).await;
    let base = server.rss_kib();
    let base_note = server.mem_note();
    let mut held = warm;
    let mut out = Vec::new();
    for &n in counts {
        let from = held.len();
        held.extend(
            open_tern(server.addr, &users[from..n])
                .await
                .context("tern connections")?,
        );
        tokio::time::sleep(settle()).await;
        let rss = server.rss_kib();
        let added = n - 1;
        out.push((
            n,
            base,
            rss,
            (rss.saturating_sub(base)) as f64 * 1024.0 / added.max(1) as f64,
            format!("{base_note} → {}", server.mem_note()),
        ));
    }
    drop(held);
    drop(server);
    Ok(out)
}

/// Runs S4.
pub(crate) async fn run(ctx: &mut Ctx) -> Result<Vec<Row>> {
    let want: Vec<usize> = if ctx.quick {
        vec![20, 50]
    } else {
        vec![1_000, 10_000]
    };
    // Each process needs one descriptor per connection plus a few; the tool holds the
    // client side of every connection.
    let (soft, hard) = crate::util::raise_nofile();
    let cap = soft.saturating_sub(200) as usize;
    let counts: Vec<usize> = want.iter().map(|&n| n.min(cap)).collect();
    if counts != want {
        ctx.notes.push(format!(
            "S4: the open-file limit (soft {soft}, hard {hard}) caps connections at {cap}; measured {counts:?} instead of {want:?}"
        ));
    }
    let echo = measure_echo(&counts).await?;
    let tern = measure_tern(ctx, &counts).await?;
    let mut rows = Vec::new();
    for (e, t) in echo.iter().zip(&tern) {
        let r = t.3 / e.3.max(1.0);
        rows.push(Row::new(
            "S4",
            format!("memory per idle authenticated connection, {} connections (RSS growth ÷ connections)", t.0),
            format!("{:.0} B", e.3),
            format!("{:.0} B", t.3),
            ratio(t.3, e.3),
            "≤ 1.3× echo",
            Some(r <= 1.3),
        ));
        ctx.notes.push(format!(
            "S4 {} connections (after {} s idle): echo RSS {}; tern-server RSS {}",
            t.0,
            settle().as_secs(),
            e.4,
            t.4
        ));
    }
    Ok(rows)
}
