//! `tern-bench peers`: Tern next to established IM servers set up on this machine —
//! ejabberd and Prosody (XMPP, from Debian) and Matrix Synapse (from PyPI) — with
//! one client harness per protocol and the same load shapes for all:
//!
//! - relay latency p50/p99, one sender → one receiver, 64-byte text (as S1);
//! - persisted messages/s acknowledged with 100 senders in 50 pairs (as S2's
//!   saturation, closed-loop with [`harness::WINDOW`] outstanding per sender);
//! - memory per idle authenticated connection at N connections (as S4: RSS growth
//!   of the server's process tree ÷ connections).
//!
//! "Acknowledged" is Tern's `ok` (after the SQLite commit), XMPP's XEP-0198
//! `<a h='n'/>` covering the message (ejabberd and Prosody store it in the MAM
//! archive while handling it, before the count moves), Matrix's 200 answer to the
//! `PUT …/send` (after the event is persisted). See docs/benchmarks.md "Peers".

mod ejabberd;
mod harness;
mod matrix;
mod prosody;
mod server;
mod synapse;
mod target;
mod xml;
mod xmpp;

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures_util::StreamExt;

use crate::report::{ratio, Row};
use crate::util::{ms, Samples};
use crate::Ctx;
use target::{Target, Which};

/// What a client connection saw (each protocol's client returns these).
#[derive(Debug)]
pub(crate) enum Ev {
    /// The server acknowledged these sends (their send instants).
    Acked(Vec<Instant>),
    /// This many messages from the peer arrived.
    Received(usize),
}

/// One server's figures.
struct Figures {
    relay: Samples,
    ack: Samples,
    load: harness::Load,
    per_conn: f64,
    idle_n: usize,
    note: String,
}

/// Sizes: (senders, warm-up, measured window, idle connections, settle).
fn sizes(quick: bool) -> (usize, Duration, Duration, usize, Duration) {
    if quick {
        (
            10,
            Duration::from_secs(1),
            Duration::from_secs(2),
            20,
            Duration::from_secs(1),
        )
    } else {
        (
            100,
            Duration::from_secs(5),
            Duration::from_secs(15),
            idle_n(),
            Duration::from_secs(10),
        )
    }
}

/// N idle connections: `TERN_BENCH_PEERS_IDLE` (at most 10,000), default 1,000.
fn idle_n() -> usize {
    std::env::var("TERN_BENCH_PEERS_IDLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000usize)
        .clamp(1, 10_000)
}

/// The version of an installed Debian package, or "?".
fn deb_version(pkg: &str) -> String {
    std::process::Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", pkg])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_else(|| "?".into())
}

async fn measure(which: Which, ctx: &Ctx) -> Result<Figures> {
    let (senders, warm, window, idle_n, settle) = sizes(ctx.quick);
    let (s1_warm, s1_n, s1_budget) = crate::s1::sizes(ctx.quick);
    // Latency and throughput on one server instance.
    let t = Target::start(which, ctx)?;
    let accs = t.accounts("pa", senders.max(2)).await.context("accounts")?;
    let (mut a, mut b) = t.pair(&accs[0], &accs[1], "s1").await.context("S1 pair")?;
    let (relay, ack) = harness::relay(&mut a, &mut b, s1_warm, s1_n, s1_budget)
        .await
        .context("relay")?;
    drop((a, b));
    let pairs = (0..senders / 2).map(|i| {
        let t = &t;
        let (x, y) = (&accs[2 * i], &accs[2 * i + 1]);
        async move { t.pair(x, y, &format!("s2p{i}")).await }
    });
    let pairs: Vec<Result<_>> = futures_util::stream::iter(pairs)
        .buffered(16)
        .collect()
        .await;
    let mut conns = Vec::new();
    for p in pairs {
        let (x, y) = p.context("S2 pair")?;
        conns.push(x);
        conns.push(y);
    }
    let load = harness::throughput(conns, warm, window)
        .await
        .context("throughput")?;
    drop(t);
    // Idle connections on a fresh instance.
    let t = Target::start(which, ctx)?;
    let accs = t
        .accounts("pi", idle_n + 1)
        .await
        .context("idle accounts")?;
    let mut held = vec![t.idle(&accs[0], 0).await?];
    tokio::time::sleep(settle).await;
    let (base, base_note) = (t.rss_kib(), t.mem_note());
    let jobs = (1..=idle_n).map(|i| {
        let (t, acc) = (&t, &accs[i]);
        async move { t.idle(acc, i).await }
    });
    let more: Vec<Result<target::Held>> = futures_util::stream::iter(jobs)
        .buffered(64)
        .collect()
        .await;
    for h in more {
        held.push(h.context("idle connection")?);
    }
    tokio::time::sleep(settle).await;
    let rss = t.rss_kib();
    let dead = held
        .iter()
        .filter(|h| matches!(h, target::Held::Matrix(j) if j.is_finished()))
        .count();
    let note = format!(
        "{}: {} idle connections, RSS {base_note} → {} ({} s settle{})",
        which.name(),
        idle_n,
        t.mem_note(),
        settle.as_secs(),
        if dead > 0 {
            format!("; {dead} long-poll tasks ended with an error")
        } else {
            String::new()
        }
    );
    drop(held);
    drop(t);
    Ok(Figures {
        relay,
        ack,
        load,
        per_conn: rss.saturating_sub(base) as f64 * 1024.0 / idle_n as f64,
        idle_n,
        note,
    })
}

/// Runs the peers scenario.
pub(crate) async fn run(ctx: &mut Ctx) -> Result<Vec<Row>> {
    let tern = measure(Which::Tern, ctx).await.context("Tern")?;
    ctx.notes.push(describe(Which::Tern, &tern));
    let mut rows = Vec::new();
    for which in [Which::Ejabberd, Which::Prosody, Which::Synapse] {
        let version = match which {
            Which::Ejabberd => ejabberd::version(),
            Which::Prosody => prosody::version(),
            _ => synapse::version(),
        };
        let label = format!("Peers: {} {version}", which.name());
        eprintln!("[tern-bench] peers: {label} ...");
        match measure(which, ctx).await {
            Ok(f) => {
                ctx.notes.push(describe(which, &f));
                rows.extend(compare(&label, &f, &tern));
            }
            Err(e) => rows.push(Row::new(
                &label,
                "scenario failed",
                "—",
                format!("error: {e:#}"),
                "—",
                "—",
                None,
            )),
        }
    }
    Ok(rows)
}

fn describe(which: Which, f: &Figures) -> String {
    format!(
        "Peers {}: relay p50/p99 {} / {} ({} samples), sender's ack p50/p99 {} / {}; \
         100-sender load: {:.0} msg/s acknowledged, ack p50/p99 {} / {}, {} received, {} outstanding at the end; {}",
        which.name(),
        ms(f.relay.pct(50.0)),
        ms(f.relay.pct(99.0)),
        f.relay.len(),
        ms(f.ack.pct(50.0)),
        ms(f.ack.pct(99.0)),
        f.load.acked_per_sec,
        ms(f.load.lat.pct(50.0)),
        ms(f.load.lat.pct(99.0)),
        f.load.received,
        f.load.outstanding,
        f.note
    )
}

/// The rows of one peer: the peer is the baseline, the ratio is Tern ÷ peer, and
/// "met" means Tern is ahead.
fn compare(label: &str, p: &Figures, t: &Figures) -> Vec<Row> {
    let mut rows = Vec::new();
    for (name, pc) in [("p50", 50.0), ("p99", 99.0)] {
        let (b, x) = (p.relay.pct(pc), t.relay.pct(pc));
        rows.push(Row::new(
            label,
            format!("relay latency {name}, 1 sender → 1 receiver (send → arrival)"),
            ms(b),
            ms(x),
            ratio(x as f64, b as f64),
            "Tern ≤ peer",
            Some(x <= b),
        ));
    }
    let (b, x) = (p.load.acked_per_sec, t.load.acked_per_sec);
    rows.push(Row::new(
        label,
        "persisted messages/s acknowledged, 100 senders (closed loop, 4 outstanding each)",
        format!("{b:.1}/s"),
        format!("{x:.1}/s"),
        ratio(x, b),
        "Tern ≥ peer",
        Some(x >= b),
    ));
    rows.push(Row::new(
        label,
        format!(
            "memory per idle authenticated connection, {} connections (RSS growth ÷ connections)",
            p.idle_n
        ),
        format!("{:.0} B", p.per_conn),
        format!("{:.0} B", t.per_conn),
        ratio(t.per_conn, p.per_conn),
        "Tern ≤ peer",
        Some(t.per_conn <= p.per_conn),
    ));
    rows
}
