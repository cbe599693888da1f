//! One WebSocket connection: a `select!` loop over the socket, the push queue
//! (which the hub kills when the connection is too slow), one timer for the
//! idle, login and token-expiry deadlines, and server shutdown. Requests are handled in
//! order; each gets exactly one response frame — also at shutdown, where the
//! connection answers what it read before the signal, refuses what it reads
//! after with `ShuttingDown`, and only then closes (see [`Connection::drain`]).
//!
//! Close codes: 1000 logout/normal, 1001 server shutting down, 1009 frame too
//! large, 4000 idle timeout, 4001 kicked (also: another connection of the
//! session logged out, or the token expired), 4002 too slow to read pushes,
//! 4003 protocol version mismatch.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use tern_proto::{
    close, ClientFrame, ErrorCode, KickReason, Push, ReqId, Request, ServerFrame, WireError,
};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{sleep_until, Instant};

use crate::conn_parts::{Deadlines, Due, Pipeline};
use crate::context::{Ctx, Phase};
use crate::handlers::{self, HandlerResult};
use crate::hub::Outbound;
use crate::rate_limit::TokenBucket;
use crate::state::{Shared, STOPPING_SHARDS};

mod shutdown;
mod write;

/// Serves one upgraded socket until it closes.
///
/// Not an `async fn`: the state is built here and moved into the returned
/// future, which then holds only `ctx` and the connection. An `async fn` would
/// keep its arguments (the 368-byte socket among them) beside the locals built
/// from them, in every connection's task for its whole life (tern-bench S4).
pub fn run(
    socket: WebSocket,
    shared: Arc<Shared>,
    permit: OwnedSemaphorePermit,
    peer: std::net::SocketAddr,
) -> impl Future<Output = ()> + Send {
    let (push_tx, push_rx) = crate::push_queue::channel(shared.config.push_queue);
    let bucket = TokenBucket::new(shared.config.rate_per_sec, shared.config.rate_burst);
    let drain = shared.drain.clone();
    let mut ctx = Ctx {
        conn: shared.hub.next_conn_id(),
        shared,
        phase: Phase::New,
        push_tx,
        close_after: None,
        peer,
    };
    let mut conn = Connection {
        socket,
        push_rx,
        bucket,
        inflight: Pipeline::default(),
        write_timeout: ctx.shared.config.idle_timeout,
    };
    async move {
        let _permit = permit;
        let _drain = drain;
        ctx.shared.connections.fetch_add(1, Ordering::Relaxed);
        // Request paths are boxed where awaited: else every idle task carries ~3 KB for them.
        Box::pin(conn.serve(&mut ctx)).await;
        Box::pin(handlers::session::leave(&mut ctx)).await;
        ctx.shared.connections.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The socket side of a connection.
struct Connection {
    /// The WebSocket.
    socket: WebSocket,
    /// Pushes queued for this connection by the hub (killed when it is too slow).
    push_rx: crate::push_queue::PushReceiver<Outbound>,
    /// Request rate limit.
    bucket: TokenBucket,
    /// Pipelined sends whose writes are queued, acked in request order.
    inflight: Pipeline,
    /// Longest one write may wait for the peer to read (`idle_timeout`).
    write_timeout: std::time::Duration,
}

/// Most pipelined sends per connection; past this the connection stops reading.
const MAX_INFLIGHT: usize = 128;

/// What to do after handling one event.
enum Flow {
    Continue,
    Close(u16, &'static str),
    Stop,
}

impl Connection {
    async fn serve(&mut self, ctx: &mut Ctx) {
        // Pings keep `idle` away but not the login deadline: a socket must log in in time.
        let mut deadlines = Deadlines {
            idle: Instant::now() + ctx.shared.config.idle_timeout,
            auth: Some(Instant::now() + ctx.shared.config.security.auth_timeout),
            expiry: None,
        };
        // One timer for all three deadlines, re-armed when the earliest moves.
        let timer = sleep_until(deadlines.next());
        tokio::pin!(timer);
        // What the deadlines were last armed from (login state, token expiry).
        let mut armed = Armed::default();
        loop {
            armed.update(ctx, &mut deadlines, timer.as_mut());
            let flow = tokio::select! {
                _ = stopped(&ctx.shared, ctx.conn) => Box::pin(self.drain(ctx)).await,
                _ = &mut timer => match deadlines.due(Instant::now()) {
                    Some(Due::Auth) => Flow::Close(close::AUTH_TIMEOUT, "not logged in in time"),
                    Some(Due::Expiry) => Box::pin(self.token_expired()).await,
                    Some(Due::Idle) => Flow::Close(close::IDLE, "idle timeout"),
                    None => Flow::Continue,
                },
                // The hot path (a push to write) awaits only the write; the rare
                // rest is boxed, else its state would widen every idle connection's.
                out = self.push_rx.recv() => match out {
                    Some(Outbound::Frame(text)) => self.write_burst(ctx, text, false).await,
                    other => Box::pin(self.outbound(other)).await,
                },
                Some(frame) = self.inflight.next(), if !self.inflight.is_empty() => {
                    self.write_burst(ctx, frame, true).await
                }
                msg = self.socket.recv(), if self.inflight.len() < MAX_INFLIGHT => {
                    deadlines.idle = Instant::now() + ctx.shared.config.idle_timeout;
                    Box::pin(self.inbound(ctx, msg)).await
                }
            };
            match flow {
                Flow::Continue => {}
                Flow::Stop => return,
                Flow::Close(code, reason) => {
                    Box::pin(self.finish_inflight(ctx)).await;
                    let frame = CloseFrame {
                        code,
                        reason: Utf8Bytes::from_static(reason),
                    };
                    let limit = self.write_timeout;
                    let send = self.socket.send(Message::Close(Some(frame)));
                    if write::within(limit, send).await.is_ok() {
                        self.await_close_reply().await;
                    }
                    return;
                }
            }
        }
    }

    async fn outbound(&mut self, out: Option<Outbound>) -> Flow {
        match out {
            Some(Outbound::Frame(text)) => self.send_text(text).await,
            Some(Outbound::Kick(reason)) => {
                let frame = ServerFrame::Push {
                    push: Push::Kicked { reason },
                }
                .encode();
                let _ = self.send_text(frame.into()).await;
                Flow::Close(close::KICKED, "kicked")
            }
            // A hub that found the queue full killed it: close at once.
            None if self.push_rx.killed() => {
                Flow::Close(close::TOO_SLOW, "too slow reading pushes")
            }
            None => Flow::Stop,
        }
    }

    /// The session's token expired while connected: `kicked` (`token_expired`), close 4001.
    async fn token_expired(&mut self) -> Flow {
        let frame = ServerFrame::Push {
            push: Push::Kicked {
                reason: KickReason::TokenExpired,
            },
        }
        .encode();
        let _ = self.send_text(frame.into()).await;
        Flow::Close(close::KICKED, "token expired")
    }

    async fn inbound(&mut self, ctx: &mut Ctx, msg: Option<Result<Message, axum::Error>>) -> Flow {
        let text = match msg {
            None | Some(Ok(Message::Close(_))) => return Flow::Stop,
            Some(Err(e)) => return read_error(e),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => return Flow::Continue,
            Some(Ok(Message::Binary(_))) => {
                // Counted like any request: binary frames must not flood for free.
                let err = if self.bucket.take() {
                    WireError::new(
                        ErrorCode::BadFrame,
                        "binary frames are not supported; send JSON text frames",
                    )
                } else {
                    WireError::new(ErrorCode::RateLimited, "too many requests; slow down")
                };
                return self.send_frame(ServerFrame::Err { id: None, err }).await;
            }
            Some(Ok(Message::Text(text))) => text,
        };
        let allowed = self.bucket.take();
        let frame = match ClientFrame::decode(text.as_str()) {
            Ok(f) => f,
            Err(e) => {
                return self
                    .send_frame(ServerFrame::Err {
                        id: e.id,
                        err: e.err,
                    })
                    .await
            }
        };
        if !allowed {
            let err = WireError::new(ErrorCode::RateLimited, "too many requests; slow down");
            return self
                .send_frame(ServerFrame::Err {
                    id: Some(frame.id),
                    err,
                })
                .await;
        }
        if let Request::Ping = frame.req {
            // Idle clients ping: the memory of a finished burst of sends goes back.
            self.inflight.release_if_empty();
        }
        let id = frame.id;
        let res = match frame.req {
            Request::Send {
                conv,
                client_id,
                content,
                ext,
                after,
                reply_to,
                mentions,
            } if ctx.auth().is_ok() => {
                let msg = handlers::messages::NewSend {
                    conv,
                    client_id,
                    content,
                    ext,
                    reply_to,
                    mentions,
                };
                match Box::pin(handlers::messages::begin(ctx, msg, after)).await {
                    Ok(pending) => {
                        self.inflight
                            .push_back(Box::pin(async move { reply_frame(id, pending.await) }));
                        return Flow::Continue;
                    }
                    Err(e) => Err(e),
                }
            }
            // Boxed: the dispatch future is large and would otherwise be inlined
            // into every connection's task, idle or not (tern-bench S4).
            req => Box::pin(handlers::dispatch(ctx, req)).await,
        };
        self.reply(ctx, id, res).await
    }

    /// Sends the one response to request `id`, then any close a handler asked for.
    async fn reply(&mut self, ctx: &mut Ctx, id: ReqId, res: HandlerResult) -> Flow {
        self.reply_text(ctx, reply_frame(id, res)).await
    }

    /// Sends an encoded response, then any close a handler asked for.
    async fn reply_text(&mut self, ctx: &mut Ctx, frame: Utf8Bytes) -> Flow {
        match self.send_text(frame).await {
            Flow::Continue => match ctx.close_after.take() {
                Some(c) => Flow::Close(c.code, c.reason),
                None => Flow::Continue,
            },
            other => other,
        }
    }
}

/// Completes when the server starts shutting down. `Shared::shutdown` flips
/// before `Shared::stopping` is notified, and this registers as a waiter
/// before it reads the flag: no shutdown is missed. Made in every turn of the
/// loop, so connections spread over the shards (each turn takes its lock).
async fn stopped(shared: &Shared, conn: crate::hub::ConnId) {
    let shard = &shared.stopping[(conn % STOPPING_SHARDS as u64) as usize];
    let notified = shard.notified();
    tokio::pin!(notified);
    notified.as_mut().enable();
    if *shared.shutdown.borrow() {
        return;
    }
    notified.await;
}

/// The response frame to request `id`.
fn reply_frame(id: ReqId, res: HandlerResult) -> Utf8Bytes {
    let frame = match res {
        Ok(res) => ServerFrame::Ok { id, res },
        Err(err) => ServerFrame::Err { id: Some(id), err },
    };
    frame.encode().into()
}

/// What a connection's deadlines were last armed from; kept out of the loop's
/// `async` state, which every idle connection carries.
#[derive(Default)]
struct Armed {
    /// Logged in at the last look.
    authed: bool,
    /// The session's token expiry (ms since the epoch) at the last look.
    expires_at: Option<i64>,
}

impl Armed {
    /// Re-arms the login deadline and the token expiry when the login state
    /// changed, then the timer when the earliest deadline moved.
    fn update(
        &mut self,
        ctx: &Ctx,
        deadlines: &mut Deadlines,
        mut timer: std::pin::Pin<&mut tokio::time::Sleep>,
    ) {
        let authed = matches!(ctx.phase, Phase::Authed(_));
        if self.authed && !authed {
            // Logged out: the connection may stay, but must log in again in time.
            deadlines.auth = Some(Instant::now() + ctx.shared.config.security.auth_timeout);
        } else if authed {
            deadlines.auth = None;
        }
        self.authed = authed;
        let expires_at = match &ctx.phase {
            Phase::Authed(a) => Some(a.expires_at),
            _ => None,
        };
        if expires_at != self.expires_at {
            self.expires_at = expires_at;
            deadlines.expiry = expires_at.map(|at| {
                // Capped (ten years) so a far-future expiry cannot overflow `Instant`.
                let left = at
                    .saturating_sub(crate::storage::now_ms())
                    .clamp(0, 10 * 365 * 24 * 3600 * 1000) as u64;
                Instant::now() + std::time::Duration::from_millis(left)
            });
        }
        let next = deadlines.next();
        if timer.deadline() != next || timer.is_elapsed() {
            timer.as_mut().reset(next);
        }
    }
}

/// A read error: an oversize frame gets a 1009 close, anything else just ends.
fn read_error(e: axum::Error) -> Flow {
    let msg = e.to_string();
    tracing::debug!(error = %msg, "websocket read error");
    // tungstenite's capacity errors: "Message too long: N > M", "Space limit exceeded".
    if msg.contains("too long") || msg.contains("Space limit") {
        Flow::Close(close::TOO_LARGE, "frame too large")
    } else {
        Flow::Stop
    }
}
