//! WebSocket plumbing of the load generator: connecting, a minimal Tern protocol
//! client for setup, and the cheap frame classification used on hot paths.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use tern_proto::{
    ClientFrame, ClientMsgId, Content, ConversationId, DeviceId, Platform, ReqId, Request,
    Response, ServerFrame, UserId, PROTOCOL_VERSION,
};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A client WebSocket.
pub(crate) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Password of every benchmark account.
pub(crate) const PASSWORD: &str = "bench-password";

/// Buffer sizes used on both sides of every benchmark socket: the same sizes
/// tern-server configures (4 KiB read buffer, no write buffering, 64 KiB messages),
/// so the echo baseline is not penalised by tungstenite's 128 KiB default buffer.
pub(crate) fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_message_size(Some(64 * 1024))
        .max_frame_size(Some(64 * 1024))
}

/// Opens a WebSocket to `addr` (path `/ws`), with TCP_NODELAY, within 30 s.
pub(crate) async fn connect(addr: SocketAddr) -> Result<Ws> {
    let url = format!("ws://{addr}{}", tern_proto::WS_PATH);
    let (ws, _) = tokio::time::timeout(
        Duration::from_secs(30),
        tokio_tungstenite::connect_async_with_config(url, Some(ws_config()), true),
    )
    .await
    .map_err(|_| anyhow!("connect to {addr} timed out"))?
    .with_context(|| format!("connect to {addr}"))?;
    Ok(ws)
}

/// What a server frame is, decided from its first bytes (no JSON parsing: the load
/// generator shares the CPU with the server, so it must stay cheap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `{"t":"ok",...}`
    Ok,
    /// `{"t":"err",...}`
    Err,
    /// `{"t":"push","push":{"kind":"message",...}}`
    MessagePush,
    /// Any other push.
    OtherPush,
    /// Not a Tern frame.
    Other,
}

/// Classifies a server frame by prefix (serde writes the tag first).
pub(crate) fn classify(text: &str) -> Kind {
    if text.starts_with(r#"{"t":"ok""#) {
        Kind::Ok
    } else if text.starts_with(r#"{"t":"err""#) {
        Kind::Err
    } else if text.starts_with(r#"{"t":"push","push":{"kind":"message""#) {
        Kind::MessagePush
    } else if text.starts_with(r#"{"t":"push""#) {
        Kind::OtherPush
    } else {
        Kind::Other
    }
}

/// Encodes a `send` of a text message.
pub(crate) fn send_frame(id: u64, conv: &ConversationId, client_id: &str, text: &str) -> String {
    ClientFrame {
        id: ReqId(id),
        req: Request::Send {
            conv: conv.clone(),
            client_id: ClientMsgId::new(client_id).expect("valid client id"),
            content: Content::Text { text: text.into() },
            ext: None,
            after: None,
            reply_to: None,
            mentions: None,
        },
    }
    .encode()
}

/// A user id from a string known to be valid.
pub(crate) fn uid(s: &str) -> UserId {
    UserId::new(s).expect("valid user id")
}

/// A Tern protocol connection for setup steps (request → response, pushes skipped).
pub(crate) struct Tern {
    /// The socket.
    pub ws: Ws,
    next: u64,
}

impl Tern {
    /// Connects and says hello.
    pub(crate) async fn connect(addr: SocketAddr) -> Result<Self> {
        let mut t = Tern {
            ws: connect(addr).await?,
            next: 0,
        };
        t.request(Request::Hello {
            version: PROTOCOL_VERSION,
        })
        .await?;
        Ok(t)
    }

    /// The next request id.
    pub(crate) fn next_id(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// Sends `req` and waits (≤ 30 s) for its response, skipping pushes.
    pub(crate) async fn request(&mut self, req: Request) -> Result<Response> {
        let id = self.next_id();
        let frame = ClientFrame { id: ReqId(id), req }.encode();
        self.ws.send(Message::Text(frame.into())).await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let msg = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .map_err(|_| anyhow!("no response to request {id} within 30 s"))?;
            let text = match msg {
                Some(Ok(Message::Text(t))) => t,
                Some(Ok(Message::Close(c))) => bail!("server closed: {c:?}"),
                Some(Ok(_)) => continue,
                Some(Err(e)) => bail!("websocket error: {e}"),
                None => bail!("connection closed"),
            };
            match ServerFrame::decode(text.as_str())? {
                ServerFrame::Ok { id: rid, res } if rid.0 == id => return Ok(res),
                ServerFrame::Err { id: Some(rid), err } if rid.0 == id => {
                    bail!("request {id} failed: {} {}", err.code.as_u16(), err.message)
                }
                ServerFrame::Err { id: None, err } => bail!("error frame: {}", err.message),
                _ => continue,
            }
        }
    }

    /// Registers `user` (password [`PASSWORD`]).
    pub(crate) async fn register(&mut self, user: &UserId) -> Result<()> {
        self.request(Request::Register {
            user: user.clone(),
            password: PASSWORD.into(),
        })
        .await
        .map(drop)
    }

    /// Logs in and returns the session token.
    pub(crate) async fn login(&mut self, user: &UserId, device: &str) -> Result<String> {
        match self
            .request(Request::Login {
                user: user.clone(),
                password: PASSWORD.into(),
                platform: Platform::Desktop,
                device: DeviceId::new(device).expect("valid device id"),
            })
            .await?
        {
            Response::Session { token, .. } => Ok(token),
            other => bail!("unexpected login answer {other:?}"),
        }
    }

    /// Authenticates with a token.
    pub(crate) async fn resume(&mut self, token: &str, device: &str) -> Result<()> {
        match self
            .request(Request::Resume {
                token: token.into(),
                platform: Platform::Desktop,
                device: DeviceId::new(device).expect("valid device id"),
            })
            .await?
        {
            Response::Session { .. } => Ok(()),
            other => bail!("unexpected resume answer {other:?}"),
        }
    }

    /// Connects, says hello and resumes with `token`: an idle authenticated connection.
    pub(crate) async fn authed(addr: SocketAddr, token: &str, device: &str) -> Result<Self> {
        let mut t = Self::connect(addr).await?;
        t.resume(token, device).await?;
        Ok(t)
    }
}

/// Creates `n` accounts `<prefix><i>` and returns each one's login token.
/// Runs `concurrency` setups at a time; each uses its own connection.
pub(crate) async fn make_users(
    addr: SocketAddr,
    prefix: &str,
    n: usize,
    concurrency: usize,
) -> Result<Vec<(UserId, String)>> {
    let jobs = (0..n).map(|i| {
        let user = uid(&format!("{prefix}{i}"));
        async move {
            let mut t = Tern::connect(addr).await?;
            t.register(&user).await?;
            let token = t.login(&user, &format!("dev-{user}")).await?;
            let _ = t.ws.close(None).await;
            Ok::<_, anyhow::Error>((user, token))
        }
    });
    let out: Vec<Result<(UserId, String)>> = futures_util::stream::iter(jobs)
        .buffered(concurrency.max(1))
        .collect()
        .await;
    out.into_iter().collect()
}

/// Sends `count` text messages from `from` (authenticated) into `conv`, pipelined
/// with up to `window` unanswered requests, and waits for every ack.
pub(crate) async fn fill(
    t: &mut Tern,
    conv: &ConversationId,
    tag: &str,
    count: usize,
    window: usize,
    mut text: impl FnMut(usize) -> String,
) -> Result<()> {
    let mut sent = 0usize;
    let mut acked = 0usize;
    while acked < count {
        while sent < count && sent - acked < window {
            let id = t.next_id();
            let frame = send_frame(id, conv, &format!("{tag}-{sent}"), &text(sent));
            t.ws.feed(Message::Text(frame.into())).await?;
            sent += 1;
        }
        t.ws.flush().await?;
        let msg = tokio::time::timeout(Duration::from_secs(30), t.ws.next())
            .await
            .map_err(|_| anyhow!("fill: no ack within 30 s"))?;
        match msg {
            Some(Ok(Message::Text(text))) => match classify(text.as_str()) {
                Kind::Ok => acked += 1,
                Kind::Err => bail!("fill: send refused: {}", text.as_str()),
                _ => {}
            },
            Some(Ok(Message::Close(c))) => bail!("fill: server closed {c:?}"),
            Some(Ok(_)) => {}
            Some(Err(e)) => bail!("fill: {e}"),
            None => bail!("fill: connection closed"),
        }
    }
    Ok(())
}
