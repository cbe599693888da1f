//! Ending a connection: answering what is pipelined, draining at server
//! shutdown, waiting for the client's close reply.

use axum::extract::ws::Message;
use tern_proto::{close, ClientFrame, ErrorCode, ServerFrame, WireError};
use tokio::time::{sleep_until, Instant};

use super::{read_error, Connection, Flow};
use crate::context::Ctx;

/// At shutdown, close once no frame has arrived for this long (and every
/// queued send is answered); frames read until then get `ShuttingDown`.
const DRAIN_QUIET: std::time::Duration = std::time::Duration::from_millis(100);

/// At shutdown, stop reading frames this long after the signal even if the
/// client keeps sending (queued sends are still answered).
const DRAIN_READ: std::time::Duration = std::time::Duration::from_secs(2);

/// After sending a close frame, how long at most to wait for the client's close reply.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// After sending a close frame, stop waiting for the reply once the client has
/// sent nothing for this long (nothing unread is left to reset the socket).
const CLOSE_QUIET: std::time::Duration = std::time::Duration::from_millis(100);

impl Connection {
    /// Before a close: answers the pipelined sends (they commit regardless).
    pub(super) async fn finish_inflight(&mut self, ctx: &mut Ctx) {
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, self.inflight.next()).await {
            if let Flow::Stop = self.reply_text(ctx, frame).await {
                return;
            }
        }
    }

    /// Server shutdown: handles no more requests, but answers every send already
    /// queued (read before the signal) with its ack, and every request read from
    /// now on with `ShuttingDown` (5001), until the socket has been quiet for
    /// [`DRAIN_QUIET`] (reading for at most [`DRAIN_READ`]); then close 1001.
    pub(super) async fn drain(&mut self, ctx: &mut Ctx) -> Flow {
        let stop_reading = Instant::now() + DRAIN_READ;
        let quiet = sleep_until(Instant::now() + DRAIN_QUIET);
        tokio::pin!(quiet);
        let mut reading = true;
        loop {
            // Biased: a frame already there is always read (and refused) before
            // the quiet timer may close the socket on it.
            let flow = tokio::select! {
                biased;
                Some(frame) = self.inflight.next(), if !self.inflight.is_empty() => {
                    self.reply_text(ctx, frame).await
                }
                msg = self.socket.recv(), if reading => {
                    quiet.as_mut().reset(Instant::now() + DRAIN_QUIET);
                    self.refuse(msg).await
                }
                _ = sleep_until(stop_reading), if reading => {
                    reading = false;
                    Flow::Continue
                }
                out = self.push_rx.recv() => self.outbound(out).await,
                _ = &mut quiet, if self.inflight.is_empty() => {
                    return Flow::Close(close::SHUTDOWN, "server shutting down")
                }
                _ = std::future::ready(()), if !reading && self.inflight.is_empty() => {
                    return Flow::Close(close::SHUTDOWN, "server shutting down")
                }
            };
            if !matches!(flow, Flow::Continue) {
                return flow;
            }
        }
    }

    /// While shutting down: answers a frame with `ShuttingDown` instead of handling it.
    pub(super) async fn refuse(&mut self, msg: Option<Result<Message, axum::Error>>) -> Flow {
        let id = match msg {
            None | Some(Ok(Message::Close(_))) => return Flow::Stop,
            Some(Err(e)) => return read_error(e),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => return Flow::Continue,
            Some(Ok(Message::Binary(_))) => None,
            Some(Ok(Message::Text(text))) => match ClientFrame::decode(text.as_str()) {
                Ok(f) => Some(f.id),
                Err(e) => e.id,
            },
        };
        let err = WireError::new(
            ErrorCode::ShuttingDown,
            "the server is shutting down and did not handle this request; reconnect and send it again",
        );
        self.send_frame(ServerFrame::Err { id, err }).await
    }

    /// After our close frame: reads (and drops) what the client still sends
    /// until its close reply, or until it has sent nothing for [`CLOSE_QUIET`],
    /// for at most [`CLOSE_WAIT`]. Dropping a socket with unread data resets
    /// it, and a reset can destroy the last answers and the close frame before
    /// the client has read them.
    pub(super) async fn await_close_reply(&mut self) {
        let deadline = Instant::now() + CLOSE_WAIT;
        let quiet = || (Instant::now() + CLOSE_QUIET).min(deadline);
        while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(quiet(), self.socket.recv()).await {
            if let Message::Close(_) = msg {
                break;
            }
        }
    }
}
