//! S3: fan-out of a group message to 1,000 online members (the sender and 999
//! receivers, each on its own authenticated connection). Baseline: `tern-bench
//! broadcast-server`, which forwards each frame as is to every other connection
//! (no parsing, no storage), with the same number of sockets.
//!
//! Two measurements on each: (1) sequential — one message at a time, the time from
//! the send until the *last* receiver has it (p50/p99); (2) burst — messages sent
//! back to back, deliveries (messages × receivers) per second until every receiver
//! has every message. A delivery is recognised by a marker in the text
//! (`s3#<k>#`), so the receivers do not parse JSON.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use futures_util::{SinkExt, StreamExt};
use tern_proto::{ConversationId, Request, Response, UserId};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::report::{ratio, Row};
use crate::util::{ms, Samples};
use crate::ws::{classify, connect, make_users, send_frame, Kind, Tern, Ws};
use crate::Ctx;

type Arrivals = mpsc::UnboundedSender<(usize, Instant)>;

pub(crate) fn text(k: usize) -> String {
    format!("s3#{k:07}# group fan-out benchmark payload, 64 bytes or so....")
}

fn marker(frame: &str) -> Option<usize> {
    let at = frame.find("s3#")? + 3;
    frame.get(at..at + 7)?.parse().ok()
}

/// Reads a receiver's socket until it closes, reporting each marked frame.
pub(crate) fn spawn_reader(mut rx: futures_util::stream::SplitStream<Ws>, out: Arrivals) {
    tokio::spawn(async move {
        while let Some(Ok(m)) = rx.next().await {
            if let Message::Text(t) = m {
                if let Some(k) = marker(t.as_str()) {
                    let _ = out.send((k, Instant::now()));
                }
            }
        }
    });
}

/// Waits until messages `ks` have each reached `need` receivers; returns the time
/// the last receiver got each one.
async fn collect(
    rx: &mut mpsc::UnboundedReceiver<(usize, Instant)>,
    ks: std::ops::Range<usize>,
    need: usize,
    limit: Duration,
) -> Result<Vec<Instant>> {
    let mut count = vec![0usize; ks.len()];
    let mut last = vec![None; ks.len()];
    let mut left = ks.len() * need;
    let deadline = tokio::time::Instant::now() + limit;
    while left > 0 {
        let (k, t) = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .map_err(|_| anyhow!("S3: {left} deliveries missing after {limit:?}"))?
            .ok_or_else(|| anyhow!("S3: receivers gone"))?;
        if !ks.contains(&k) {
            continue;
        }
        let i = k - ks.start;
        count[i] += 1;
        if count[i] <= need {
            left -= 1;
            last[i] = Some(t);
        }
    }
    Ok(last.into_iter().map(|t| t.expect("all counted")).collect())
}

/// How the sender sends message `k` (Tern: a `send` into the group, or a
/// `room_send` into a chat room; baseline: the same frame, forwarded as is).
pub(crate) struct Sender {
    pub tx: futures_util::stream::SplitSink<Ws, Message>,
    pub frame: Box<dyn Fn(u64, usize) -> String + Send>,
    pub next_id: u64,
}

impl Sender {
    /// A sender of group (or, for the baseline, any) `send` frames into `conv`.
    pub(crate) fn to_conv(
        tx: futures_util::stream::SplitSink<Ws, Message>,
        conv: ConversationId,
        next_id: u64,
    ) -> Self {
        Self {
            tx,
            frame: Box::new(move |id, k| send_frame(id, &conv, &format!("s3-{k}"), &text(k))),
            next_id,
        }
    }

    async fn feed(&mut self, k: usize) -> Result<()> {
        self.next_id += 1;
        let frame = (self.frame)(self.next_id, k);
        self.tx.feed(Message::Text(frame.into())).await?;
        Ok(())
    }
}

/// What S3 measures on one setup.
pub(crate) struct Figures {
    pub seq: Samples,
    pub burst_rate: f64,
    pub burst_secs: f64,
}

pub(crate) async fn measure(
    mut sender: Sender,
    rx: &mut mpsc::UnboundedReceiver<(usize, Instant)>,
    receivers: usize,
    seq_n: usize,
    burst_n: usize,
) -> Result<Figures> {
    let limit = Duration::from_secs(60);
    let warm = 5;
    let mut seq = Samples::default();
    for k in 0..warm + seq_n {
        let t0 = Instant::now();
        sender.feed(k).await?;
        sender.tx.flush().await?;
        let last = collect(rx, k..k + 1, receivers, limit).await?;
        if k >= warm {
            seq.push(last[0] - t0);
        }
    }
    let from = warm + seq_n;
    let t0 = Instant::now();
    for k in from..from + burst_n {
        sender.feed(k).await?;
    }
    sender.tx.flush().await?;
    let last = collect(rx, from..from + burst_n, receivers, limit).await?;
    let end = last.iter().max().copied().unwrap_or(t0);
    let secs = (end - t0).as_secs_f64();
    Ok(Figures {
        seq,
        burst_rate: (burst_n * receivers) as f64 / secs,
        burst_secs: secs,
    })
}

pub(crate) async fn baseline(members: usize, seq_n: usize, burst_n: usize) -> Result<Figures> {
    let server = crate::procs::spawn_broadcast()?;
    let (out, mut rx) = mpsc::unbounded_channel();
    for _ in 1..members {
        let (_, r) = connect(server.addr).await?.split();
        spawn_reader(r, out.clone());
    }
    let (tx, _r) = connect(server.addr).await?.split();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let conv = ConversationId::direct(&crate::ws::uid("s3a"), &crate::ws::uid("s3b"));
    let sender = Sender::to_conv(tx, conv, 0);
    let f = measure(sender, &mut rx, members - 1, seq_n, burst_n).await;
    drop(server);
    f
}

/// Creates the group (owner = `users[0]`) with up to 100 members, then invites the rest.
async fn create_group(addr: SocketAddr, users: &[(UserId, String)]) -> Result<ConversationId> {
    let mut owner = Tern::authed(addr, &users[0].1, "s3-setup").await?;
    let others: Vec<UserId> = users[1..].iter().map(|u| u.0.clone()).collect();
    let first = others[..others.len().min(100)].to_vec();
    // Invites in tens: each new member's `group_member_joined` goes to every
    // member, so an invite of 100 into a group of 900 writes 90,000 change-log
    // rows in one transaction — past PostgreSQL's 5 s attempt timeout in a
    // debug build on a busy machine.
    let chunks = others[first.len()..].chunks(10);
    let group = match owner
        .request(Request::CreateGroup {
            name: "S3 fan-out".into(),
            members: first,
            join_policy: None,
        })
        .await?
    {
        Response::Group { group } => group.group,
        other => bail!("create_group answered {other:?}"),
    };
    for chunk in chunks {
        owner
            .request(Request::InviteMembers {
                group: group.clone(),
                users: chunk.to_vec(),
            })
            .await?;
    }
    let _ = owner.ws.close(None).await;
    Ok(ConversationId::Group(group))
}

async fn tern(ctx: &Ctx, members: usize, seq_n: usize, burst_n: usize) -> Result<Figures> {
    let server = crate::procs::spawn_tern(&ctx.server, &crate::pg::Db::Sqlite, None)?;
    let f = tern_on(&[server.addr], "s3u", members, seq_n, burst_n).await;
    drop(server);
    f
}

/// S3 on running servers: the sender on `addrs[0]`, receiver `i` on
/// `addrs[i % addrs.len()]` (one server, or the nodes of a cluster).
pub(crate) async fn tern_on(
    addrs: &[SocketAddr],
    prefix: &str,
    members: usize,
    seq_n: usize,
    burst_n: usize,
) -> Result<Figures> {
    let addr = addrs[0];
    let users = make_users(addr, prefix, members, 16).await?;
    let conv = create_group(addr, &users).await?;
    let (out, mut rx) = mpsc::unbounded_channel();
    let conns: Vec<Result<Tern>> = futures_util::stream::iter(users[1..].iter().enumerate())
        .map(|(i, (_, token))| async move {
            Tern::authed(addrs[i % addrs.len()], token, &format!("s3-dev-{i}")).await
        })
        .buffered(32)
        .collect()
        .await;
    for c in conns {
        let (_, r) = c?.ws.split();
        spawn_reader(r, out.clone());
    }
    let t = Tern::authed(addr, &users[0].1, "s3-sender").await?;
    let (tx, mut acks) = t.ws.split();
    // The sender's acks (and any error) are drained so its socket never backs up.
    tokio::spawn(async move {
        while let Some(Ok(Message::Text(t))) = acks.next().await {
            if classify(t.as_str()) == Kind::Err {
                eprintln!("[tern-bench] S3: send refused: {}", t.as_str());
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sender = Sender::to_conv(tx, conv, 100);
    measure(sender, &mut rx, members - 1, seq_n, burst_n).await
}

/// Sizes: (members, sequential messages, burst messages).
pub(crate) fn sizes(quick: bool) -> (usize, usize, usize) {
    if quick {
        (20, 20, 20)
    } else {
        (1000, 200, 200)
    }
}

/// Runs S3.
pub(crate) async fn run(ctx: &mut Ctx) -> Result<Vec<Row>> {
    let (members, seq_n, burst_n) = sizes(ctx.quick);
    let receivers = members - 1;
    let b = baseline(members, seq_n, burst_n).await?;
    let t = tern(ctx, members, seq_n, burst_n).await?;
    ctx.notes.push(format!(
        "S3: group of {members} (sender + {receivers} receivers, each its own authenticated connection); sequential: {seq_n} messages one at a time (after 5 warm-up), time from the send to the last receiver's push; burst: {burst_n} messages sent back to back, {} deliveries in {:.3} s (baseline: the same frames through tern-bench broadcast-server, {:.3} s)",
        burst_n * receivers,
        t.burst_secs,
        b.burst_secs
    ));
    let p99 = t.seq.pct(99.0);
    let mut rows = Vec::new();
    for (label, p) in [("p50", 50.0), ("p99", 99.0)] {
        let (bb, tt) = (b.seq.pct(p), t.seq.pct(p));
        rows.push(Row::new(
            "S3",
            format!(
                "fan-out to {receivers} online members, one message at a time: send → last member receives, {label} ({} samples)",
                t.seq.len()
            ),
            ms(bb),
            ms(tt),
            ratio(tt as f64, bb as f64),
            "p99 < 50 ms",
            if label == "p99" { Some(p99 < 50_000) } else { None },
        ));
    }
    rows.push(Row::new(
        "S3",
        format!(
            "fan-out deliveries/s, burst of {burst_n} messages × {receivers} members (until every member has every message)"
        ),
        format!("{:.0}/s", b.burst_rate),
        format!("{:.0}/s", t.burst_rate),
        ratio(t.burst_rate, b.burst_rate),
        "≥ 150,000 deliveries/s",
        Some(t.burst_rate >= 150_000.0),
    ));
    Ok(rows)
}
