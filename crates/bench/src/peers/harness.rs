//! One client connection of any of the protocols, and the two load shapes run on
//! all of them alike: S1's one sender → one receiver, and S2's 100 paired senders
//! (here closed-loop: each keeps up to `WINDOW` messages unacknowledged).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use tern_proto::ConversationId;
use tokio_tungstenite::tungstenite::Message;

use super::matrix::Matrix;
use super::xmpp::Xmpp;
use super::Ev;
use crate::s1::TEXT64;
use crate::util::Samples;
use crate::ws::{classify, send_frame, Kind, Ws};

/// A Tern connection (authenticated) sending into `conv`.
pub(super) struct TernConn {
    pub ws: Ws,
    pub conv: ConversationId,
    pub tag: String,
    pub inflight: VecDeque<Instant>,
}

/// A connection of one of the protocols.
pub(super) enum Conn {
    Tern(Box<TernConn>),
    Xmpp(Box<Xmpp>),
    Matrix(Box<Matrix>),
}

/// How long one awaited event may take.
const EVENT_WAIT: Duration = Duration::from_secs(10);

impl Conn {
    /// Sends the 64-byte text with id `id` to this connection's peer.
    pub(super) async fn send(&mut self, id: u64) -> Result<()> {
        match self {
            Conn::Tern(t) => {
                let frame = send_frame(id, &t.conv, &format!("{}-{id}", t.tag), TEXT64);
                t.ws.send(Message::Text(frame.into())).await?;
                t.inflight.push_back(Instant::now());
                Ok(())
            }
            Conn::Xmpp(x) => x.send(id, TEXT64).await,
            Conn::Matrix(m) => m.send(id, TEXT64).await,
        }
    }

    /// The next ack or arrival.
    pub(super) async fn next_event(&mut self) -> Result<Ev> {
        match self {
            Conn::Tern(t) => loop {
                let text = match t.ws.next().await {
                    Some(Ok(Message::Text(s))) => s,
                    Some(Ok(_)) => continue,
                    other => bail!("Tern connection ended: {other:?}"),
                };
                match classify(text.as_str()) {
                    Kind::Ok => {
                        if let Some(t0) = t.inflight.pop_front() {
                            return Ok(Ev::Acked(vec![t0]));
                        }
                    }
                    Kind::Err => bail!("Tern error frame: {}", text.as_str()),
                    Kind::MessagePush => return Ok(Ev::Received(1)),
                    _ => {}
                }
            },
            Conn::Xmpp(x) => x.next_event().await,
            Conn::Matrix(m) => m.next_event().await,
        }
    }

    async fn until(&mut self, what: &str, want: impl Fn(&Ev) -> bool) -> Result<Instant> {
        let fut = async {
            loop {
                let ev = self.next_event().await?;
                if want(&ev) {
                    return Ok::<_, anyhow::Error>(Instant::now());
                }
            }
        };
        tokio::time::timeout(EVENT_WAIT, fut)
            .await
            .with_context(|| format!("no {what} within {EVENT_WAIT:?}"))?
    }
}

/// S1's shape: `a` sends, `b` must receive it and `a` must get its ack before the
/// next send. Returns (send → arrival, send → ack) after `warm` unmeasured rounds,
/// at most `n` samples within `budget`.
pub(super) async fn relay(
    a: &mut Conn,
    b: &mut Conn,
    warm: usize,
    n: usize,
    budget: Duration,
) -> Result<(Samples, Samples)> {
    let (mut arrive, mut ack) = (Samples::default(), Samples::default());
    let start = Instant::now();
    for i in 0..warm + n {
        if start.elapsed() > budget {
            break;
        }
        let t0 = Instant::now();
        a.send(1000 + i as u64).await?;
        let (got, acked) = tokio::join!(
            b.until("arrival", |e| matches!(e, Ev::Received(_))),
            a.until("ack", |e| matches!(e, Ev::Acked(_)))
        );
        let (got, acked) = (got?, acked?);
        if i >= warm {
            arrive.push(got - t0);
            ack.push(acked - t0);
        }
    }
    Ok((arrive, ack))
}

/// Unacknowledged messages each sender may have outstanding in [`throughput`].
pub(super) const WINDOW: usize = 4;

/// What [`throughput`] measured.
#[derive(Debug, Default)]
pub(super) struct Load {
    /// Acks received per second within the measured window.
    pub acked_per_sec: f64,
    /// Send → ack latencies of the acks received within the window.
    pub lat: Samples,
    /// Messages received by the peers (whole run).
    pub received: u64,
    /// Sends still unacknowledged when the window closed.
    pub outstanding: u64,
}

/// S2's saturation shape, closed-loop: every connection sends to its peer as fast
/// as acks come back, `WINDOW` at a time, and reads what its peer sends. The acks
/// received within `[warm, warm + window)` are counted; then the connections are
/// dropped (what is still outstanding is reported, not waited for).
pub(super) async fn throughput(conns: Vec<Conn>, warm: Duration, window: Duration) -> Result<Load> {
    let start = Instant::now();
    let (from, until) = (start + warm, start + warm + window);
    let tasks: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            tokio::spawn(async move {
                let mut st = Load::default();
                let (mut outstanding, mut next) = (0usize, (i as u64) << 32);
                loop {
                    let now = Instant::now();
                    if now >= until {
                        break;
                    }
                    while outstanding < WINDOW {
                        next += 1;
                        c.send(next).await?;
                        outstanding += 1;
                    }
                    match tokio::time::timeout(until - now, c.next_event()).await {
                        Ok(Ok(Ev::Acked(v))) => {
                            outstanding = outstanding.saturating_sub(v.len());
                            if Instant::now() >= from {
                                for t0 in v {
                                    st.lat.push(t0.elapsed());
                                }
                            }
                        }
                        Ok(Ok(Ev::Received(n))) => st.received += n as u64,
                        Ok(Err(e)) => return Err(e),
                        Err(_) => break,
                    }
                }
                st.outstanding = outstanding as u64;
                Ok::<_, anyhow::Error>(st)
            })
        })
        .collect();
    let mut all = Load::default();
    for t in tasks {
        let st = t.await.context("load task")??;
        all.lat.extend(st.lat);
        all.received += st.received;
        all.outstanding += st.outstanding;
    }
    all.acked_per_sec = all.lat.len() as f64 / window.as_secs_f64();
    Ok(all)
}
