//! S2: persisted messages per second at 100 and 1,000 connected clients: the highest
//! offered rate whose ack latency p99 stays under 10 ms.
//!
//! Open loop: every client sends on its own fixed schedule (rate ÷ clients), never
//! waiting for acks, so a slow server shows up as latency, not as a lower send rate
//! (no coordinated omission). Latency = send → ack (`ok` frame), the ack being sent
//! after the SQLite commit. Clients are paired into one-to-one conversations, so
//! every message is also pushed to the peer, who reads it.
//!
//! The same sweep runs first against the durable relay (`crate::durable`: append +
//! fdatasync with group commit, then ack and push), the floor for a persisting
//! server on this disk; the rows put tern-server next to it and next to the bare
//! batched SQLite insert (`floor`).

mod floor;
mod load;
mod sweep;

use anyhow::Result;
use futures_util::StreamExt;
use tern_proto::{ConversationId, UserId};

use crate::report::{ratio, Row};
use crate::ws::{make_users, Tern};
use crate::Ctx;
use load::Client;
use sweep::{sweep, Sweep};

/// Connects the relay's clients `range`, client `i` paired with `i ^ 1`.
async fn connect_relay_clients(
    addr: std::net::SocketAddr,
    users: &[UserId],
    range: std::ops::Range<usize>,
) -> Result<Vec<Client>> {
    let jobs = range.map(|i| {
        let (me, peer) = (users[i].clone(), users[i ^ 1].clone());
        async move {
            let ws = crate::durable::connect_as(addr, &me).await?;
            Ok::<_, anyhow::Error>(Client {
                ws,
                conv: ConversationId::direct(&me, &peer),
                next_id: 100,
            })
        }
    });
    let v: Vec<Result<Client>> = futures_util::stream::iter(jobs)
        .buffered(64)
        .collect()
        .await;
    v.into_iter().collect()
}

/// Connects tern-server's clients `range` (logged in), client `i` paired with `i ^ 1`.
async fn connect_clients(
    addr: std::net::SocketAddr,
    users: &[(UserId, String)],
    range: std::ops::Range<usize>,
) -> Result<Vec<Client>> {
    let jobs = range.map(|i| {
        let (me, token) = users[i].clone();
        let peer = users[i ^ 1].0.clone();
        async move {
            let t = Tern::authed(addr, &token, &format!("s2-{i}")).await?;
            Ok::<_, anyhow::Error>(Client {
                ws: t.ws,
                conv: ConversationId::direct(&me, &peer),
                next_id: 100,
            })
        }
    });
    let v: Vec<Result<Client>> = futures_util::stream::iter(jobs)
        .buffered(64)
        .collect()
        .await;
    v.into_iter().collect()
}

/// Sweeps a durable relay (`sqlite`: the one storing tern's rows) at each client count.
async fn relay_sweeps(
    sqlite: bool,
    counts: &[usize],
    rates: &[f64],
    (warm, window): (f64, f64),
    notes: &mut Vec<String>,
) -> Result<Vec<Sweep>> {
    let relay = crate::procs::spawn_durable_relay(sqlite)?;
    let name = if sqlite {
        "SQLite relay"
    } else {
        "durable relay"
    };
    let max = counts.iter().copied().max().unwrap_or(0);
    let users: Vec<_> = (0..max)
        .map(|i| crate::ws::uid(&format!("s2r{i}")))
        .collect();
    let mut clients: Vec<Client> = Vec::new();
    let mut sweeps = Vec::new();
    for &n in counts {
        let have = clients.len();
        clients.extend(connect_relay_clients(relay.addr, &users, have..n).await?);
        let label = format!("S2 {name} {n} clients");
        let (back, sw) = sweep(clients, rates, warm, window, &label).await;
        clients = back;
        notes.extend(sw.lines.iter().cloned());
        sweeps.push(sw);
    }
    drop(clients);
    drop(relay);
    Ok(sweeps)
}

/// Runs S2.
pub(crate) async fn run(ctx: &mut Ctx) -> Result<Vec<Row>> {
    let (counts, rates, warm, window): (Vec<usize>, Vec<f64>, f64, f64) = if ctx.quick {
        (vec![4, 10], vec![100.0, 400.0], 0.2, 0.5)
    } else {
        (
            vec![100, 1000],
            vec![
                2_000.0, 5_000.0, 10_000.0, 20_000.0, 30_000.0, 40_000.0, 50_000.0, 60_000.0,
                75_000.0, 100_000.0,
            ],
            0.5,
            3.0,
        )
    };
    // Diagnostic overrides: TERN_BENCH_S2_CLIENTS="1000", TERN_BENCH_S2_RATES="2000,5000",
    // TERN_BENCH_S2_WINDOW="20" (seconds measured per step).
    let list = |var: &str| -> Option<Vec<f64>> {
        let v = std::env::var(var).ok()?;
        v.split(',').map(|x| x.trim().parse().ok()).collect()
    };
    let counts: Vec<usize> = list("TERN_BENCH_S2_CLIENTS")
        .map(|v| v.into_iter().map(|x| (x as usize).max(2) & !1).collect())
        .unwrap_or(counts);
    let rates = list("TERN_BENCH_S2_RATES").unwrap_or(rates);
    let window = list("TERN_BENCH_S2_WINDOW")
        .and_then(|v| v.first().copied())
        .unwrap_or(window)
        .clamp(0.1, 120.0);
    let mut rows = Vec::new();
    let (batched, single) = floor::sqlite_context(ctx.quick)?;
    // The tool's own build of tern-server's storage: not the before binary's.
    let storage = if ctx.before {
        None
    } else {
        Some(floor::storage_floor(ctx.quick, 100).await?)
    };
    let max = *counts.iter().max().unwrap_or(&0);

    // The durable relay first (the floor), then the SQLite relay (tern's rows, nothing
    // else), then tern-server: the same sweep for each.
    let floors = relay_sweeps(false, &counts, &rates, (warm, window), &mut ctx.notes).await?;
    let sqlite = relay_sweeps(true, &counts, &rates, (warm, window), &mut ctx.notes).await?;

    let server = crate::procs::spawn_tern(&ctx.server, &ctx.db, None)?;
    let users = make_users(server.addr, "s2u", max, 32).await?;
    let mut clients: Vec<Client> = Vec::new();
    for ((&n, floor), lite) in counts.iter().zip(&floors).zip(&sqlite) {
        let have = clients.len();
        clients.extend(connect_clients(server.addr, &users, have..n).await?);
        let (back, sw) = sweep(clients, &rates, warm, window, &format!("S2 {n} clients")).await;
        clients = back;
        ctx.notes.extend(sw.lines.iter().cloned());
        rows.extend(sw.rows(n, floor, batched));
        rows.extend(sw.sqlite_rows(n, lite));
    }
    drop(clients);
    drop(server);
    rows.push(Row::new(
        "S2",
        "context: raw SQLite insert rate, WAL + synchronous=FULL (as the server), 256 rows per commit / 1 row per commit",
        format!("{batched:.0} rows/s / {single:.0} rows/s"),
        "—",
        "—",
        "—",
        None,
    ));
    if let Some((rate, n)) = storage {
        rows.push(Row::new(
            "S2",
            format!("context: tern-server's SQLite storage alone, no network (the code tern-bench was built with): 100 senders in pairs, 64 sends queued each, {n} messages, vs the bare batched insert"),
            format!("{batched:.0} rows/s"),
            format!("{rate:.0} msg/s"),
            ratio(rate, batched),
            "—",
            None,
        ));
    }
    Ok(rows)
}
