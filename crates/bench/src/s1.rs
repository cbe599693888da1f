//! S1: relay latency of one sender/receiver pair, 64-byte text, through tern-server
//! (persisted: the push leaves after the SQLite commit) vs the round trip through the
//! raw echo server.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use futures_util::{SinkExt, StreamExt};
use tern_proto::ConversationId;
use tokio_tungstenite::tungstenite::Message;

use crate::report::{ratio, Row};
use crate::util::{ms, Samples};
use crate::ws::{classify, connect, make_users, send_frame, Kind, Tern, Ws};
use crate::Ctx;

/// Exactly 64 bytes of text.
pub(crate) const TEXT64: &str = "S1 relay benchmark: sixty-four bytes of plain text payload here.";

async fn next_kind(ws: &mut Ws, want: Kind) -> Result<Instant> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next()).await;
        match msg {
            Ok(Some(Ok(Message::Text(t)))) => {
                let k = classify(t.as_str());
                if k == want {
                    return Ok(Instant::now());
                }
                if k == Kind::Err {
                    bail!("error frame: {}", t.as_str());
                }
            }
            Ok(Some(Ok(_))) => {}
            Ok(other) => bail!("connection ended: {other:?}"),
            Err(_) => bail!("no {want:?} frame within 10 s"),
        }
    }
}

/// Sizes: (warm-up, samples, time budget).
pub(crate) fn sizes(quick: bool) -> (usize, usize, Duration) {
    if quick {
        (10, 50, Duration::from_secs(5))
    } else {
        (200, 3000, Duration::from_secs(30))
    }
}

/// The baseline: echo round trips of a frame as large as Tern's send frame.
pub(crate) async fn echo_baseline(quick: bool) -> Result<Samples> {
    let (warm, n, budget) = sizes(quick);
    let echo = crate::procs::spawn_echo()?;
    let mut ws = connect(echo.addr).await?;
    let conv = ConversationId::direct(&crate::ws::uid("s1a"), &crate::ws::uid("s1b"));
    let payload = send_frame(1, &conv, "s1-echo", TEXT64);
    let mut base = Samples::default();
    let start = Instant::now();
    for i in 0..warm + n {
        if start.elapsed() > budget {
            break;
        }
        let t0 = Instant::now();
        ws.send(Message::Text(payload.clone().into())).await?;
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(_)))) => {}
            other => bail!("echo failed: {other:?}"),
        }
        if i >= warm {
            base.push(t0.elapsed());
        }
    }
    Ok(base)
}

/// Tern: A (connected to `a_addr`) sends, B (connected to `b_addr`, the same
/// server or another node of a cluster) receives the push; A's ack is awaited
/// too before the next send. Returns (send → push, send → ack).
pub(crate) async fn relay(
    a_addr: std::net::SocketAddr,
    b_addr: std::net::SocketAddr,
    prefix: &str,
    quick: bool,
) -> Result<(Samples, Samples)> {
    let (warm, n, budget) = sizes(quick);
    let users = make_users(a_addr, prefix, 2, 2).await?;
    let mut a = Tern::authed(a_addr, &users[0].1, "s1-dev-a").await?;
    let mut b = Tern::authed(b_addr, &users[1].1, "s1-dev-b").await?;
    let conv = ConversationId::direct(&users[0].0, &users[1].0);
    let mut next = 1000u64;
    let (relay, ack) = relay_pair(&mut a.ws, &mut b.ws, &conv, warm, n, budget, || {
        next += 1;
        next
    })
    .await?;
    Ok((relay, ack))
}

/// Runs S1.
pub(crate) async fn run(ctx: &mut Ctx) -> Result<Vec<Row>> {
    assert_eq!(TEXT64.len(), 64);
    let base = echo_baseline(ctx.quick).await?;
    let (floor, floor_ack) = durable_baseline(ctx.quick).await?;
    let server = crate::procs::spawn_tern(&ctx.server, &ctx.db, None)?;
    let (relay, ack) = relay(server.addr, server.addr, "s1u", ctx.quick).await?;
    drop(server);

    let mut rows = Vec::new();
    for (label, p) in [("p50", 50.0), ("p99", 99.0)] {
        let (b, t) = (base.pct(p), relay.pct(p));
        let r = t as f64 / b.max(1) as f64;
        rows.push(Row::new(
            "S1",
            format!(
                "relay latency {label} (echo round trip vs send→push to peer; {} samples)",
                relay.len()
            ),
            ms(b),
            ms(t),
            ratio(t as f64, b as f64),
            "≤ 2.5× echo",
            Some(r <= 2.5),
        ));
    }
    for (label, p) in [("p50", 50.0), ("p99", 99.0)] {
        let (b, t) = (floor.pct(p), relay.pct(p));
        rows.push(Row::new(
            "S1",
            format!("relay latency {label} vs the durable relay (append + fdatasync, then push)"),
            ms(b),
            ms(t),
            ratio(t as f64, b as f64),
            "≤ 1.5× durable relay",
            Some(t as f64 <= 1.5 * b.max(1) as f64),
        ));
    }
    rows.push(Row::new(
        "S1",
        "durable relay's own ack latency p50 / p99 (context)",
        "—",
        format!("{} / {}", ms(floor_ack.pct(50.0)), ms(floor_ack.pct(99.0))),
        "—",
        "—",
        None,
    ));
    rows.push(Row::new(
        "S1",
        "sender's ack latency p50 / p99 (context)",
        "—",
        format!("{} / {}", ms(ack.pct(50.0)), ms(ack.pct(99.0))),
        "—",
        "—",
        None,
    ));
    Ok(rows)
}

/// The durable relay (`crate::durable`): the same frames, saved with fdatasync before
/// ack and push. Returns (send → push, send → ack).
pub(crate) async fn durable_baseline(quick: bool) -> Result<(Samples, Samples)> {
    let (warm, n, budget) = sizes(quick);
    let relay_srv = crate::procs::spawn_durable_relay(false)?;
    let (ua, ub) = (crate::ws::uid("s1ra"), crate::ws::uid("s1rb"));
    let mut ra = crate::durable::connect_as(relay_srv.addr, &ua).await?;
    let mut rb = crate::durable::connect_as(relay_srv.addr, &ub).await?;
    let conv = ConversationId::direct(&ua, &ub);
    let mut next = 0u64;
    relay_pair(&mut ra, &mut rb, &conv, warm, n, budget, || {
        next += 1;
        next
    })
    .await
}

/// One sender/receiver pair: `a` sends a 64-byte text into `conv`, `b` must receive
/// the push; `a`'s ack is awaited as well before the next send. Returns the send→push
/// and send→ack samples after `warm` unmeasured rounds (at most `n`, within `budget`).
async fn relay_pair(
    a: &mut Ws,
    b: &mut Ws,
    conv: &ConversationId,
    warm: usize,
    n: usize,
    budget: Duration,
    mut next_id: impl FnMut() -> u64,
) -> Result<(Samples, Samples)> {
    let (mut relay, mut ack) = (Samples::default(), Samples::default());
    let start = Instant::now();
    for i in 0..warm + n {
        if start.elapsed() > budget {
            break;
        }
        let frame = send_frame(next_id(), conv, &format!("s1-{i}"), TEXT64);
        let t0 = Instant::now();
        a.send(Message::Text(frame.into())).await?;
        let (pushed, acked) = tokio::join!(next_kind(b, Kind::MessagePush), next_kind(a, Kind::Ok));
        let (pushed, acked) = (pushed?, acked?);
        if i >= warm {
            relay.push(pushed - t0);
            ack.push(acked - t0);
        }
    }
    Ok((relay, ack))
}
