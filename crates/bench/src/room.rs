//! Room: fan-out of a chat-room message to 5,000 joined members (the sender
//! and 4,999 receivers, each on its own authenticated connection that has
//! sent `join_room`). The same two measurements as S3 (sequential: send →
//! last member, p50/p99; burst: deliveries per second until every member
//! has every message), next to S3's baseline (`tern-bench
//! broadcast-server`, frames forwarded as is to as many sockets).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Result};
use futures_util::StreamExt;
use tern_proto::{ClientFrame, Content, ReqId, Request, Response, RoomId};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::report::{ratio, Row};
use crate::s3::{baseline, measure, spawn_reader, text, Figures, Sender};
use crate::util::ms;
use crate::ws::{classify, make_users, Kind, Tern};
use crate::Ctx;

fn room_send(id: u64, room: &RoomId, k: usize) -> String {
    ClientFrame {
        id: ReqId(id),
        req: Request::RoomSend {
            room: room.clone(),
            content: Content::Text { text: text(k) },
        },
    }
    .encode()
}

async fn tern_room(
    addr: SocketAddr,
    members: usize,
    seq_n: usize,
    burst_n: usize,
) -> Result<Figures> {
    let users = make_users(addr, "rmu", members, 16).await?;
    let mut owner = Tern::authed(addr, &users[0].1, "room-sender").await?;
    let room = match owner
        .request(Request::CreateRoom {
            name: "Room fan-out".into(),
        })
        .await?
    {
        Response::Room { room } => room.room,
        other => bail!("create_room answered {other:?}"),
    };
    let (out, mut rx) = mpsc::unbounded_channel();
    let conns: Vec<Result<Tern>> = futures_util::stream::iter(users[1..].iter().enumerate())
        .map(|(i, (_, token))| {
            let room = room.clone();
            async move {
                let mut t = Tern::authed(addr, token, &format!("room-dev-{i}")).await?;
                match t.request(Request::JoinRoom { room }).await? {
                    Response::RoomJoined { .. } => Ok(t),
                    other => bail!("join_room answered {other:?}"),
                }
            }
        })
        .buffered(32)
        .collect()
        .await;
    for c in conns {
        let (_, r) = c?.ws.split();
        spawn_reader(r, out.clone());
    }
    let (tx, mut acks) = owner.ws.split();
    tokio::spawn(async move {
        while let Some(Ok(Message::Text(t))) = acks.next().await {
            if classify(t.as_str()) == Kind::Err {
                eprintln!("[tern-bench] room: send refused: {}", t.as_str());
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sender = Sender {
        tx,
        frame: Box::new(move |id, k| room_send(id, &room, k)),
        next_id: 100,
    };
    measure(sender, &mut rx, members - 1, seq_n, burst_n).await
}

/// Sizes: (members, sequential messages, burst messages).
pub(crate) fn sizes(quick: bool) -> (usize, usize, usize) {
    if quick {
        (20, 20, 20)
    } else {
        (5000, 100, 100)
    }
}

/// Runs the room scenario.
pub(crate) async fn run(ctx: &mut Ctx) -> Result<Vec<Row>> {
    let (members, seq_n, burst_n) = sizes(ctx.quick);
    let receivers = members - 1;
    let b = baseline(members, seq_n, burst_n).await?;
    let server = crate::procs::spawn_tern(&ctx.server, &crate::pg::Db::Sqlite, None)?;
    let t = tern_room(server.addr, members, seq_n, burst_n).await;
    drop(server);
    let t = t?;
    ctx.notes.push(format!(
        "Room: chat room of {members} (sender + {receivers} joined receivers, each its own authenticated connection, SQLite); sequential: {seq_n} room_sends one at a time (after 5 warm-up), time from the send to the last member's push; burst: {burst_n} room_sends back to back, {} deliveries in {:.3} s (baseline: S3's broadcast-server with as many sockets, {:.3} s)",
        burst_n * receivers,
        t.burst_secs,
        b.burst_secs
    ));
    let mut rows = Vec::new();
    for (label, p) in [("p50", 50.0), ("p99", 99.0)] {
        let (bb, tt) = (b.seq.pct(p), t.seq.pct(p));
        rows.push(Row::new(
            "Room",
            format!(
                "chat-room fan-out to {receivers} joined members, one message at a time: send → last member receives, {label} ({} samples)",
                t.seq.len()
            ),
            ms(bb),
            ms(tt),
            ratio(tt as f64, bb as f64),
            "—",
            None,
        ));
    }
    rows.push(Row::new(
        "Room",
        format!("chat-room deliveries/s, burst of {burst_n} messages × {receivers} members"),
        format!("{:.0}/s", b.burst_rate),
        format!("{:.0}/s", t.burst_rate),
        ratio(t.burst_rate, b.burst_rate),
        "—",
        None,
    ));
    Ok(rows)
}
