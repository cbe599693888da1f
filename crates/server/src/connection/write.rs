//! Writing frames: one at a time, or a burst with one flush.

use std::future::Future;
use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes};
use tern_proto::ServerFrame;

use super::{Connection, Flow};
use crate::context::Ctx;
use crate::hub::Outbound;

/// Most frames written with one flush ([`Connection::write_burst`]), so that
/// reading requests is not held up by a long run of pushes.
const MAX_BURST: usize = 64;

impl Connection {
    /// Writes `first` (a push, or a pipelined send's answer when `reply`), then
    /// every frame already waiting — pushes the hub queued, answers of sends
    /// that committed — up to [`MAX_BURST`], and flushes once: one system call
    /// for a burst instead of one per frame. Under load a commit completes
    /// many sends at once, and the socket writes were most of the connection
    /// tasks' time (docs/benchmarks.md, issue 21, 2026-12-06, later).
    pub(super) async fn write_burst(
        &mut self,
        ctx: &mut Ctx,
        first: Utf8Bytes,
        reply: bool,
    ) -> Flow {
        if self.feed(first).await.is_err() {
            return Flow::Stop;
        }
        // A reply that ends the session (logout) is the burst's last frame.
        let mut close = if reply { closing(ctx) } else { None };
        let mut kick = None;
        let mut written = 1;
        while close.is_none() && written < MAX_BURST {
            let (next, is_reply) = match self.push_rx.try_recv() {
                Some(Outbound::Frame(text)) => (text, false),
                // A kick: handled after this burst is flushed.
                Some(other) => {
                    kick = Some(other);
                    break;
                }
                None => match self.inflight.ready() {
                    Some(frame) => (frame, true),
                    None => break,
                },
            };
            if self.feed(next).await.is_err() {
                return Flow::Stop;
            }
            written += 1;
            if is_reply {
                close = closing(ctx);
            }
        }
        let limit = self.write_timeout;
        if within(limit, futures_util::SinkExt::flush(&mut self.socket))
            .await
            .is_err()
        {
            return Flow::Stop;
        }
        match (close, kick) {
            (Some(flow), _) => flow,
            (None, Some(out)) => Box::pin(self.outbound(Some(out))).await,
            (None, None) => Flow::Continue,
        }
    }

    pub(super) async fn feed(&mut self, text: Utf8Bytes) -> Result<(), ()> {
        let limit = self.write_timeout;
        within(
            limit,
            futures_util::SinkExt::feed(&mut self.socket, Message::Text(text)),
        )
        .await
    }

    pub(super) async fn send_frame(&mut self, frame: ServerFrame) -> Flow {
        self.send_text(frame.encode().into()).await
    }

    pub(super) async fn send_text(&mut self, text: Utf8Bytes) -> Flow {
        // The sink's `send` (the socket and the message) rather than
        // `WebSocket::send` (128 bytes): this future is part of every idle
        // connection's loop state.
        let limit = self.write_timeout;
        let send = futures_util::SinkExt::send(&mut self.socket, Message::Text(text));
        match within(limit, send).await {
            Ok(()) => Flow::Continue,
            Err(()) => Flow::Stop,
        }
    }
}

/// Runs one write to the socket; `Err` when it failed, or when the peer took
/// nothing for `limit` (`idle_timeout_secs`): a client that stops reading
/// would otherwise hold the connection's loop — and its login, idle and
/// token deadlines — in that write for ever.
pub(super) async fn within(
    limit: Duration,
    write: impl Future<Output = Result<(), axum::Error>>,
) -> Result<(), ()> {
    // Boxed: the timer lives only while a write is under way, not in every
    // idle connection's state (tern-bench S4: ~300 B per connection inline).
    match Box::pin(tokio::time::timeout(limit, write)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) | Err(_) => Err(()),
    }
}

/// The close a reply just written asks for (`Ctx::close_after`), if any.
pub(super) fn closing(ctx: &mut Ctx) -> Option<Flow> {
    ctx.close_after
        .take()
        .map(|c| Flow::Close(c.code, c.reason))
}
