//! A minimal Matrix client over the client-server HTTP API (reqwest, plain HTTP on
//! 127.0.0.1): open registration (`m.login.dummy`), a direct room per pair
//! (`createRoom` + `join`), `PUT …/send/m.room.message/{txn}` (its 200 answer,
//! sent once the event is persisted, is the ack) and a `/sync` long-poll on the
//! receiving side.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use serde_json::{json, Value};

use super::Ev;

/// Long-poll timeout of `/sync`.
const SYNC_TIMEOUT_MS: u64 = 30_000;
/// Client timeout of any request.
const REQ_TIMEOUT: Duration = Duration::from_secs(60);

/// A logged-in Matrix user.
#[derive(Debug, Clone)]
pub(super) struct Account {
    /// `@name:localhost`.
    pub user_id: String,
    /// Its access token.
    pub token: String,
}

/// An HTTP client for one homeserver.
#[derive(Clone)]
pub(super) struct Api {
    http: reqwest::Client,
    base: String,
}

type Sync = BoxFuture<'static, Result<(String, usize)>>;

/// One client: sends into `room`, syncs for messages from others.
pub(super) struct Matrix {
    api: Api,
    me: Account,
    room: String,
    txn: u64,
    since: String,
    filter: String,
    inflight: FuturesUnordered<BoxFuture<'static, Result<Instant>>>,
    sync: Option<Sync>,
}

impl Api {
    /// A client for the homeserver at `addr` (a connection pool big enough for
    /// every idle long-poll).
    pub(super) fn new(addr: std::net::SocketAddr) -> Result<Self> {
        // reqwest is built with rustls and no provider (tern-core's choice); plain
        // HTTP needs none, but the builder insists on one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(REQ_TIMEOUT)
            .pool_max_idle_per_host(usize::MAX)
            .tcp_nodelay(true)
            .build()?;
        Ok(Api {
            http,
            base: format!("http://{addr}/_matrix/client/v3"),
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<Value> {
        let mut rq = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            rq = rq.bearer_auth(t);
        }
        if let Some(b) = body {
            rq = rq
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&b)?);
        }
        let resp = rq.send().await.with_context(|| format!("Matrix {path}"))?;
        let status = resp.status();
        let bytes = resp.bytes().await?;
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("Matrix {path}: HTTP {status}: {v}");
        }
        Ok(v)
    }

    /// Registers `name` (open registration, no verification) and returns its token.
    pub(super) async fn register(&self, name: &str, pass: &str) -> Result<Account> {
        let body = json!({"username": name, "password": pass, "auth": {"type": "m.login.dummy"}});
        let v = self
            .call(reqwest::Method::POST, "/register", None, Some(body))
            .await?;
        account(&v)
    }

    /// A direct room created by `a` with `b` invited and joined.
    pub(super) async fn direct_room(&self, a: &Account, b: &Account) -> Result<String> {
        let body =
            json!({"preset": "trusted_private_chat", "is_direct": true, "invite": [b.user_id]});
        let v = self
            .call(
                reqwest::Method::POST,
                "/createRoom",
                Some(&a.token),
                Some(body),
            )
            .await?;
        let room = v["room_id"]
            .as_str()
            .context("createRoom: no room_id")?
            .to_string();
        self.call(
            reqwest::Method::POST,
            &format!("/join/{room}"),
            Some(&b.token),
            Some(json!({})),
        )
        .await?;
        Ok(room)
    }

    /// Uploads a small sync filter (timeline only) for `me`.
    async fn filter(&self, me: &Account) -> Result<String> {
        let body = json!({"room": {"timeline": {"limit": 100}, "state": {"lazy_load_members": true}},
                          "presence": {"types": []}, "account_data": {"types": []}});
        let v = self
            .call(
                reqwest::Method::POST,
                &format!("/user/{}/filter", me.user_id),
                Some(&me.token),
                Some(body),
            )
            .await?;
        Ok(v["filter_id"].as_str().context("no filter_id")?.to_string())
    }

    /// One `/sync`: returns `next_batch` and how many messages from others it holds.
    async fn sync(
        self,
        token: String,
        me: String,
        filter: String,
        since: String,
        timeout: u64,
    ) -> Result<(String, usize)> {
        let mut path = format!("/sync?filter={filter}&timeout={timeout}");
        if !since.is_empty() {
            path.push_str(&format!("&since={since}"));
        }
        let v = self
            .call(reqwest::Method::GET, &path, Some(&token), None)
            .await?;
        parse_sync(&v, &me)
    }
}

fn account(v: &Value) -> Result<Account> {
    Ok(Account {
        user_id: v["user_id"].as_str().context("no user_id")?.to_string(),
        token: v["access_token"]
            .as_str()
            .context("no access_token")?
            .to_string(),
    })
}

/// `next_batch` of a sync answer and the number of `m.room.message` events in it
/// that were not sent by `me`.
pub(super) fn parse_sync(v: &Value, me: &str) -> Result<(String, usize)> {
    let next = v["next_batch"]
        .as_str()
        .context("sync: no next_batch")?
        .to_string();
    let mut n = 0;
    if let Some(rooms) = v["rooms"]["join"].as_object() {
        for room in rooms.values() {
            if let Some(events) = room["timeline"]["events"].as_array() {
                n += events
                    .iter()
                    .filter(|e| e["type"] == "m.room.message" && e["sender"] != me)
                    .count();
            }
        }
    }
    Ok((next, n))
}

impl Matrix {
    /// A client for `me` in `room`, after an initial sync (so that only newer
    /// messages count).
    pub(super) async fn open(api: &Api, me: Account, room: String) -> Result<Self> {
        let filter = api.filter(&me).await?;
        let (since, _) = api
            .clone()
            .sync(
                me.token.clone(),
                me.user_id.clone(),
                filter.clone(),
                String::new(),
                0,
            )
            .await?;
        let mut m = Matrix {
            api: api.clone(),
            me,
            room,
            txn: 0,
            since,
            filter,
            inflight: FuturesUnordered::new(),
            sync: None,
        };
        m.sync = Some(m.next_sync());
        Ok(m)
    }

    fn next_sync(&self) -> Sync {
        Box::pin(self.api.clone().sync(
            self.me.token.clone(),
            self.me.user_id.clone(),
            self.filter.clone(),
            self.since.clone(),
            SYNC_TIMEOUT_MS,
        ))
    }

    /// Starts sending a text message (the ack is the answer to the PUT).
    pub(super) async fn send(&mut self, id: u64, text: &str) -> Result<()> {
        self.txn += 1;
        let path = format!(
            "/rooms/{}/send/m.room.message/b{id}t{}",
            self.room, self.txn
        );
        let (api, token) = (self.api.clone(), self.me.token.clone());
        let body = json!({"msgtype": "m.text", "body": text});
        let t0 = Instant::now();
        self.inflight.push(Box::pin(async move {
            let v = api
                .call(reqwest::Method::PUT, &path, Some(&token), Some(body))
                .await?;
            v["event_id"].as_str().context("send: no event_id")?;
            Ok(t0)
        }));
        Ok(())
    }

    /// The next ack or batch of received messages.
    pub(super) async fn next_event(&mut self) -> Result<Ev> {
        loop {
            let sync = self.sync.as_mut().expect("sync running");
            tokio::select! {
                Some(done) = self.inflight.next(), if !self.inflight.is_empty() => {
                    return Ok(Ev::Acked(vec![done?]));
                }
                r = sync => {
                    let (next, n) = r?;
                    self.since = next;
                    self.sync = Some(self.next_sync());
                    if n > 0 {
                        return Ok(Ev::Received(n));
                    }
                }
            }
        }
    }
}

/// Keeps `me` connected the way an idle client is: one `/sync` long-poll after
/// another, until the task is aborted.
pub(super) async fn idle_poll(api: Api, me: Account) -> Result<()> {
    let filter = api.filter(&me).await?;
    let mut since = String::new();
    for _ in 0..10_000 {
        let t = if since.is_empty() { 0 } else { SYNC_TIMEOUT_MS };
        let (next, _) = api
            .clone()
            .sync(
                me.token.clone(),
                me.user_id.clone(),
                filter.clone(),
                since.clone(),
                t,
            )
            .await?;
        since = next;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_counts_messages_from_others() {
        let v = json!({"next_batch": "s72_4", "rooms": {"join": {
            "!r:localhost": {"timeline": {"events": [
                {"type": "m.room.message", "sender": "@b:localhost", "content": {"body": "hi"}},
                {"type": "m.room.message", "sender": "@a:localhost", "content": {"body": "mine"}},
                {"type": "m.room.member", "sender": "@b:localhost"}]}},
            "!s:localhost": {"timeline": {"events": [
                {"type": "m.room.message", "sender": "@c:localhost"}]}}}}});
        assert_eq!(parse_sync(&v, "@a:localhost").unwrap(), ("s72_4".into(), 2));
        let empty = json!({"next_batch": "s73"});
        assert_eq!(
            parse_sync(&empty, "@a:localhost").unwrap(),
            ("s73".into(), 0)
        );
        assert!(parse_sync(&json!({}), "@a:localhost").is_err());
    }

    #[test]
    fn account_from_register_answer() {
        let v = json!({"user_id": "@u1:localhost", "access_token": "syt_x", "device_id": "D"});
        let a = account(&v).unwrap();
        assert_eq!(
            (a.user_id.as_str(), a.token.as_str()),
            ("@u1:localhost", "syt_x")
        );
        assert!(account(&json!({"errcode": "M_FORBIDDEN"})).is_err());
    }
}
