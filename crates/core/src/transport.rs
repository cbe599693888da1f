//! One WebSocket connection: frames in and out, request/response correlation by
//! request id with a timeout, and pushes handed to the session. No policy lives here.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use parking_lot::Mutex;
use tern_proto::{ClientFrame, Command, Push, ReqId, Request, Response, ServerFrame, WireError};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::error::{Error, Result};

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<Response, WireError>>>>>;

/// A live connection. Dropping every clone closes it.
pub(crate) struct Conn {
    /// Frames to the writer task.
    out: mpsc::UnboundedSender<WsMessage>,
    /// Requests waiting for their response, by request id.
    pending: Pending,
    /// The next request id.
    next_id: AtomicU64,
    /// How long a request waits for its response.
    timeout: Duration,
}

/// Turns a configured server URL into the WebSocket endpoint URL.
pub(crate) fn ws_url(server_url: &str) -> String {
    let url = server_url.trim().trim_end_matches('/');
    let url = if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if url.starts_with("ws://") || url.starts_with("wss://") {
        url.to_string()
    } else {
        format!("ws://{url}")
    };
    let after_scheme = url.split_once("://").map(|x| x.1).unwrap_or("");
    if after_scheme.contains('/') {
        url
    } else {
        format!("{url}{}", tern_proto::WS_PATH)
    }
}

impl Conn {
    /// Opens a connection (`wss://` through `tls`); pushes arrive on the returned receiver, which closes when the
    /// connection ends (for any reason).
    pub(crate) async fn connect(
        server_url: &str,
        timeout: Duration,
        tls: Arc<rustls::ClientConfig>,
    ) -> Result<(Arc<Conn>, mpsc::UnboundedReceiver<Push>)> {
        let url = ws_url(server_url);
        let connecting = tokio_tungstenite::connect_async_tls_with_config(
            &url,
            None,
            false,
            Some(tokio_tungstenite::Connector::Rustls(tls)),
        );
        let (ws, _) = tokio::time::timeout(timeout, connecting)
            .await
            .map_err(|_| Error::Offline(format!("connecting to {url} timed out").into()))?
            .map_err(|e| {
                let what = format!("cannot connect to {url}: {e}");
                crate::tls::classify(e, what)
            })?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<WsMessage>();
        let (push_tx, push_rx) = mpsc::unbounded_channel();
        let pending: Pending = Arc::default();
        tokio::spawn(async move {
            while let Some(msg) = out_rx.recv().await {
                let close = matches!(msg, WsMessage::Close(_));
                if sink.send(msg).await.is_err() || close {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let reader_pending = pending.clone();
        let pong = out.clone();
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                match msg {
                    WsMessage::Text(text) => {
                        route(&text, &reader_pending, &push_tx);
                    }
                    WsMessage::Ping(p) => {
                        let _ = pong.send(WsMessage::Pong(p));
                    }
                    WsMessage::Close(_) => break,
                    _ => {}
                }
            }
            // Fail every waiting request: the connection is gone.
            reader_pending.lock().clear();
            drop(push_tx);
            let _ = pong.send(WsMessage::Close(None));
        });
        let conn = Conn {
            out,
            pending,
            next_id: AtomicU64::new(1),
            timeout,
        };
        Ok((Arc::new(conn), push_rx))
    }

    /// Sends `cmd` and waits for its answer (or the timeout, or the connection's
    /// end). A refusal is [`Error::Server`] with the server's code and message; an
    /// answer of another kind than the command's is [`Error::Protocol`].
    pub(crate) async fn call<C: Command>(&self, cmd: C) -> Result<C::Output> {
        self.start(cmd).await
    }

    /// Queues `cmd` on the socket **now** (so commands started one after another go
    /// out in that order, e.g. pipelined sends) and returns the wait for its answer.
    pub(crate) fn start<C: Command>(
        &self,
        cmd: C,
    ) -> impl std::future::Future<Output = Result<C::Output>> + Send + 'static {
        let res = self.start_raw(cmd.into_request());
        async move {
            let res = res.await?;
            C::from_response(res).map_err(|e| Error::Protocol(e.to_string().into()))
        }
    }

    fn start_raw(
        &self,
        req: Request,
    ) -> impl std::future::Future<Output = Result<Response>> + Send + 'static {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().insert(id, tx);
        let frame = ClientFrame { id: ReqId(id), req }.encode();
        let sent = self.out.send(WsMessage::Text(frame.into())).is_ok();
        let (pending, timeout) = (self.pending.clone(), self.timeout);
        async move {
            if !sent {
                pending.lock().remove(&id);
                return Err(Error::Offline("connection closed".into()));
            }
            match tokio::time::timeout(timeout, rx).await {
                Ok(Ok(Ok(res))) => Ok(res),
                Ok(Ok(Err(e))) => Err(Error::Server(e)),
                Ok(Err(_)) => Err(Error::Offline("connection lost".into())),
                Err(_) => {
                    pending.lock().remove(&id);
                    Err(Error::Timeout)
                }
            }
        }
    }

    /// Asks the connection to close.
    pub(crate) fn close(&self) {
        let _ = self.out.send(WsMessage::Close(None));
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.close();
    }
}

fn route(text: &str, pending: &Pending, pushes: &mpsc::UnboundedSender<Push>) {
    match ServerFrame::decode(text) {
        Ok(ServerFrame::Ok { id, res }) => {
            if let Some(tx) = pending.lock().remove(&id.0) {
                let _ = tx.send(Ok(res));
            }
        }
        Ok(ServerFrame::Err { id: Some(id), err }) => {
            if let Some(tx) = pending.lock().remove(&id.0) {
                let _ = tx.send(Err(err));
            }
        }
        Ok(ServerFrame::Err { id: None, err }) => {
            tracing::warn!(%err, "server reported an error for an unreadable frame");
        }
        Ok(ServerFrame::Push { push }) => {
            let _ = pushes.send(push);
        }
        Err(e) => tracing::warn!(error = %e, "undecodable server frame"),
    }
}

#[cfg(test)]
mod tests {
    use super::ws_url;

    #[test]
    fn urls_get_scheme_and_path() {
        assert_eq!(ws_url("ws://127.0.0.1:7"), "ws://127.0.0.1:7/ws");
        assert_eq!(ws_url("http://h:7/"), "ws://h:7/ws");
        assert_eq!(ws_url("https://h"), "wss://h/ws");
        assert_eq!(ws_url("h:7"), "ws://h:7/ws");
        assert_eq!(ws_url("ws://h:7/custom"), "ws://h:7/custom");
    }
}
