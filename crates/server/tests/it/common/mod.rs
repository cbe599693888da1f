//! A small raw WebSocket test client and helpers to start servers.
#![allow(dead_code)]

pub(crate) mod cluster;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tempfile::TempDir;
use tern_proto::{
    ClientFrame, DeviceId, ErrorCode, Platform, Push, ReqId, Request, Response, ServerFrame,
    UserId, WireError,
};
use tern_server::{Config, ServerHandle};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

mod pg;
mod process;
// Not every test binary uses them.
#[allow(unused_imports)]
pub(crate) use pg::*;
#[allow(unused_imports)]
pub(crate) use process::*;

/// A plain-HTTP reqwest client. tern-core (a dev-dependency) turns on reqwest's
/// `rustls-no-provider`, so building a client without preconfigured TLS needs a
/// process-wide rustls provider: install ring's (a no-op when one is installed).
pub(crate) fn http_client() -> reqwest::Client {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// How long a test waits for any expected frame.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

pub(crate) const PASSWORD: &str = "correct horse";

/// The backend the suite runs on: with `TERN_TEST_DATABASE` set (a
/// `postgres://` URL of a server the tests may `CREATE DATABASE` on), every
/// test data directory gets its own PostgreSQL database
/// (`Config::for_tests`); otherwise SQLite in the data directory.
pub(crate) fn on_postgres() -> bool {
    std::env::var("TERN_TEST_DATABASE").is_ok_and(|v| !v.is_empty())
}

/// A server on 127.0.0.1:0 with its temporary data directory. With
/// `TERN_TEST_CLUSTER=1` (see [`cluster`]) it is two nodes sharing the
/// database, the data directory and a nats-server; `handle` is node 1.
pub(crate) struct TestServer {
    pub handle: ServerHandle,
    pub dir: TempDir,
    pub config: Config,
    /// The other nodes of a cluster (none on a single node).
    pub peers: Vec<ServerHandle>,
    /// The nats-server of a cluster.
    pub nats: Option<cluster::Nats>,
    /// Which node `addr()` hands out next.
    turn: std::sync::atomic::AtomicUsize,
}

/// The nodes of a cluster test server.
const NODES: usize = 2;

impl TestServer {
    pub(crate) async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub(crate) async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // On PostgreSQL when TERN_TEST_DATABASE is set (see Config::for_tests).
        let mut config = Config::for_tests(dir.path());
        tweak(&mut config);
        let nats = cluster::in_cluster().then(cluster::Nats::start);
        if let Some(n) = &nats {
            config.bus = Some(n.url());
        }
        let (handle, peers) = Self::spawn_nodes(&config, nats.is_some()).await;
        TestServer {
            handle,
            dir,
            config,
            peers,
            nats,
            turn: Default::default(),
        }
    }

    /// Node 1, and in a cluster the other nodes (same config, own node ids).
    async fn spawn_nodes(config: &Config, cluster: bool) -> (ServerHandle, Vec<ServerHandle>) {
        let node = |i: usize| {
            let mut c = config.clone();
            if cluster {
                c.node_id = Some(format!("n{i}"));
            }
            c
        };
        let handle = tern_server::spawn(node(1)).await.unwrap();
        let mut peers = Vec::new();
        if cluster {
            for i in 2..=NODES {
                peers.push(tern_server::spawn(node(i)).await.unwrap());
            }
        }
        (handle, peers)
    }

    /// Every node's address (one on a single node).
    pub(crate) fn addrs(&self) -> Vec<SocketAddr> {
        let mut all = vec![self.handle.addr()];
        all.extend(self.peers.iter().map(|p| p.addr()));
        all
    }

    /// Shuts down gracefully and starts again on the same data directory.
    pub(crate) async fn restart(self) -> Self {
        let TestServer {
            handle,
            dir,
            config,
            peers,
            nats,
            ..
        } = self;
        for p in peers {
            p.shutdown().await;
        }
        handle.shutdown().await;
        let (handle, peers) = Self::spawn_nodes(&config, nats.is_some()).await;
        TestServer {
            handle,
            dir,
            config,
            peers,
            nats,
            turn: Default::default(),
        }
    }

    /// Runs a `SELECT COUNT(*) …` on the server's database, whichever backend.
    pub(crate) async fn count(&self, sql: &str) -> i64 {
        match &self.config.database {
            tern_server::config::Database::Postgres(url) => {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                client.query_one(sql, &[]).await.unwrap().get(0)
            }
            _ => {
                let c = rusqlite::Connection::open(self.dir.path().join("tern.db")).unwrap();
                c.query_row(sql, [], |r| r.get(0)).unwrap()
            }
        }
    }

    pub(crate) async fn stop(self) {
        for p in self.peers {
            p.shutdown().await;
        }
        self.handle.shutdown().await;
    }

    /// Where to connect: node 1, or in a cluster each node in turn (so two
    /// users of a test sit on different nodes).
    pub(crate) fn addr(&self) -> SocketAddr {
        if self.peers.is_empty() {
            return self.handle.addr();
        }
        let i = self.turn.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.addrs()[i % self.addrs().len()]
    }

    /// Registers `name` (if needed) and logs in a desktop device named `<name>-dev`.
    pub(crate) async fn user(&self, name: &str) -> Client {
        self.device(name, "dev", Platform::Desktop).await
    }

    pub(crate) async fn device(&self, name: &str, device: &str, platform: Platform) -> Client {
        let mut c = Client::greeted(self.addr()).await;
        let _ = c.request(register(name)).await;
        c.login(name, device, platform).await.unwrap();
        c
    }
}

pub(crate) fn uid(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

pub(crate) fn register(name: &str) -> Request {
    Request::Register {
        user: uid(name),
        password: PASSWORD.into(),
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A raw protocol client: sends frames, matches responses by id, buffers pushes.
pub(crate) struct Client {
    ws: Ws,
    next_id: u64,
    pushes: VecDeque<Push>,
    pub token: Option<String>,
    pub user: Option<UserId>,
    /// How long [`Client::frame`] waits ([`WAIT`] unless a test changes it).
    pub wait: Duration,
}

impl Client {
    pub(crate) async fn connect(addr: SocketAddr) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
            .await
            .unwrap();
        Client::from_ws(ws)
    }

    /// A client over an already opened WebSocket.
    pub(crate) fn from_ws(ws: Ws) -> Client {
        Client {
            ws,
            next_id: 0,
            pushes: VecDeque::new(),
            token: None,
            user: None,
            wait: WAIT,
        }
    }

    /// Connected and past `hello`.
    pub(crate) async fn greeted(addr: SocketAddr) -> Client {
        let mut c = Client::connect(addr).await;
        c.request(Request::Hello {
            version: tern_proto::PROTOCOL_VERSION,
        })
        .await
        .unwrap();
        c
    }

    pub(crate) async fn login(
        &mut self,
        name: &str,
        device: &str,
        platform: Platform,
    ) -> Result<Response, WireError> {
        let res = self
            .request(Request::Login {
                user: uid(name),
                password: PASSWORD.into(),
                platform,
                device: DeviceId::new(format!("{name}-{device}")).unwrap(),
            })
            .await?;
        if let Response::Session { token, .. } = &res {
            self.token = Some(token.clone());
            self.user = Some(uid(name));
        }
        Ok(res)
    }

    pub(crate) async fn resume(&mut self, token: &str) -> Result<Response, WireError> {
        self.request(Request::Resume {
            token: token.into(),
            platform: Platform::Desktop,
            device: DeviceId::new("resumed").unwrap(),
        })
        .await
    }

    pub(crate) async fn send_raw(&mut self, msg: Message) {
        self.ws.send(msg).await.unwrap();
    }

    pub(crate) async fn send_text(&mut self, text: &str) {
        self.send_raw(Message::text(text)).await;
    }

    /// Sends `req` and waits for its response (pushes that arrive meanwhile are kept).
    pub(crate) async fn request(&mut self, req: Request) -> Result<Response, WireError> {
        self.next_id += 1;
        let id = ReqId(self.next_id);
        self.send_text(&ClientFrame { id, req }.encode()).await;
        self.response(id).await
    }

    /// Waits for the response to request `id`.
    pub(crate) async fn response(&mut self, id: ReqId) -> Result<Response, WireError> {
        loop {
            match self.frame().await {
                ServerFrame::Ok { id: got, res } if got == id => return Ok(res),
                ServerFrame::Err { id: Some(got), err } if got == id => return Err(err),
                ServerFrame::Push { push } => self.pushes.push_back(push),
                other => panic!("unexpected frame while waiting for {id:?}: {other:?}"),
            }
        }
    }

    pub(crate) async fn ok(&mut self, req: Request) -> Response {
        let name = req.name();
        self.request(req)
            .await
            .unwrap_or_else(|e| panic!("{name} failed: {e}"))
    }

    pub(crate) async fn err(&mut self, req: Request) -> WireError {
        let name = req.name();
        match self.request(req).await {
            Ok(r) => panic!("{name} should have failed, got {r:?}"),
            Err(e) => e,
        }
    }

    pub(crate) async fn err_code(&mut self, req: Request) -> ErrorCode {
        self.err(req).await.code
    }

    /// Next server frame (panics after [`WAIT`] or on close).
    pub(crate) async fn frame(&mut self) -> ServerFrame {
        loop {
            let msg = tokio::time::timeout(self.wait, self.ws.next())
                .await
                .expect("timed out waiting for a frame")
                .expect("connection ended")
                .expect("websocket error");
            match msg {
                Message::Text(t) => return ServerFrame::decode(t.as_str()).unwrap(),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected websocket message {other:?}"),
            }
        }
    }

    /// Next push (buffered first).
    pub(crate) async fn push(&mut self) -> Push {
        if let Some(p) = self.pushes.pop_front() {
            return p;
        }
        match self.frame().await {
            ServerFrame::Push { push } => push,
            other => panic!("expected a push, got {other:?}"),
        }
    }

    /// Next push satisfying `pred`, discarding others.
    pub(crate) async fn push_where(&mut self, pred: impl Fn(&Push) -> bool) -> Push {
        loop {
            let p = self.push().await;
            if pred(&p) {
                return p;
            }
        }
    }

    /// Pushes already buffered plus any arriving within `d`.
    pub(crate) async fn drain_pushes(&mut self, d: Duration) -> Vec<Push> {
        let mut out: Vec<Push> = self.pushes.drain(..).collect();
        let deadline = tokio::time::Instant::now() + d;
        while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, self.ws.next()).await {
            if let Ok(Message::Text(t)) = msg {
                match ServerFrame::decode(t.as_str()).unwrap() {
                    ServerFrame::Push { push } => out.push(push),
                    other => panic!("unexpected frame {other:?}"),
                }
            } else {
                break;
            }
        }
        out
    }

    /// Waits for the server to close the connection; returns its close frame.
    pub(crate) async fn closed(&mut self) -> Option<CloseFrame> {
        loop {
            let next = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("timed out waiting for close");
            match next {
                Some(Ok(Message::Close(f))) => return f,
                Some(Ok(Message::Text(t))) => {
                    if let Ok(ServerFrame::Push { push }) = ServerFrame::decode(t.as_str()) {
                        self.pushes.push_back(push);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    }
}

/// The direct conversation of two users.
pub(crate) fn dm(a: &str, b: &str) -> tern_proto::ConversationId {
    tern_proto::ConversationId::direct(&uid(a), &uid(b))
}

/// A text `send` request.
pub(crate) fn text_msg(conv: &tern_proto::ConversationId, client_id: &str, text: &str) -> Request {
    Request::Send {
        conv: conv.clone(),
        client_id: tern_proto::ClientMsgId::new(client_id).unwrap(),
        content: tern_proto::Content::Text { text: text.into() },
        ext: None,
        after: None,
        reply_to: None,
        mentions: None,
    }
}

impl Client {
    /// Makes this (logged-in) user and `other` friends: an application
    /// accepted by `other`.
    pub(crate) async fn befriend(&mut self, other: &mut Client) {
        let (me, them) = (self.user.clone().unwrap(), other.user.clone().unwrap());
        self.ok(Request::ApplyFriend {
            to: them,
            greeting: String::new(),
        })
        .await;
        other.ok(Request::AcceptFriend { from: me }).await;
    }

    /// Sends every request without waiting (pipelined), then collects the
    /// responses in request order.
    pub(crate) async fn pipeline(
        &mut self,
        reqs: Vec<Request>,
    ) -> Vec<Result<Response, WireError>> {
        let mut ids = Vec::with_capacity(reqs.len());
        for req in reqs {
            self.next_id += 1;
            let id = ReqId(self.next_id);
            ids.push(id);
            self.ws
                .feed(Message::text(ClientFrame { id, req }.encode()))
                .await
                .unwrap();
        }
        self.ws.flush().await.unwrap();
        let mut got = std::collections::HashMap::new();
        while got.len() < ids.len() {
            match self.frame().await {
                ServerFrame::Ok { id, res } => {
                    got.insert(id.0, Ok(res));
                }
                ServerFrame::Err { id: Some(id), err } => {
                    got.insert(id.0, Err(err));
                }
                ServerFrame::Push { push } => self.pushes.push_back(push),
                other => panic!("unexpected frame {other:?}"),
            }
        }
        ids.iter().map(|id| got.remove(&id.0).unwrap()).collect()
    }

    /// Messages pushed to this device until `n` have arrived (other pushes are kept aside).
    pub(crate) async fn messages(&mut self, n: usize) -> Vec<tern_proto::Message> {
        let mut out = Vec::new();
        let mut others = Vec::new();
        while out.len() < n {
            match self.push().await {
                Push::Message { message } => out.push(message),
                other => others.push(other),
            }
        }
        self.pushes.extend(others);
        out
    }

    /// Pulls `from..=to` in pages of `page`.
    pub(crate) async fn pull_all(
        &mut self,
        conv: &tern_proto::ConversationId,
        from: u64,
        to: u64,
        page: u32,
    ) -> (Vec<tern_proto::Message>, usize) {
        let (mut out, mut pages, mut next) = (Vec::new(), 0, from);
        while next <= to {
            let req = Request::Pull {
                conv: conv.clone(),
                from: tern_proto::Seq(next),
                to: tern_proto::Seq(to),
                limit: Some(page),
            };
            let Response::Messages { messages } = self.ok(req).await else {
                panic!("pull")
            };
            pages += 1;
            let Some(last) = messages.last() else { break };
            next = last.seq.0 + 1;
            out.extend(messages);
        }
        (out, pages)
    }
}

/// `GET /health` as JSON.
pub(crate) async fn health(addr: SocketAddr) -> serde_json::Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut text = String::new();
    tcp.read_to_string(&mut text).await.unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let body = text.split("\r\n\r\n").nth(1).unwrap();
    serde_json::from_str(body).unwrap()
}

/// Uploads `bytes` as `name` with content type `mime` through `POST /files`;
/// returns the new file's id (panics unless 201).
pub(crate) async fn upload_as(
    addr: SocketAddr,
    token: &str,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> tern_proto::FileId {
    let res = http_client()
        .post(format!("http://{addr}/files"))
        .bearer_auth(token)
        .header("content-type", mime)
        .header("x-file-name", name)
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "upload of {name}");
    let body: serde_json::Value = res.json().await.unwrap();
    serde_json::from_value(body["id"].clone()).unwrap()
}

/// The HTTP status of `GET /files/{id}` with `token`.
pub(crate) async fn download_status(addr: SocketAddr, token: &str, id: &str) -> u16 {
    http_client()
        .get(format!("http://{addr}/files/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}
