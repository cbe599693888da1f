//! The online registry: user → live connections, each with a bounded push
//! queue. Pushes never block: a connection whose queue is full is judged too
//! slow, dropped from the registry and told to close.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use axum::extract::ws::Utf8Bytes;
use tern_proto::{KickReason, Platform, Push, ServerFrame, UserId};

use crate::push_queue::{PushSender, TrySendError};

/// Identifies one WebSocket connection for the life of the process.
pub use crate::storage::ConnId;

/// What the hub sends a connection.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// An encoded push frame to write.
    Frame(Utf8Bytes),
    /// The session was ended: write the `kicked` push and close.
    Kick(KickReason),
}

/// A connection's entry in the registry.
#[derive(Debug, Clone)]
pub struct ConnEntry {
    /// Which connection.
    pub conn: ConnId,
    /// The session it authenticated as (kicks target sessions).
    pub session: std::sync::Arc<str>,
    /// Device class.
    pub platform: Platform,
    /// Its bounded push queue (killed when the connection must close at once:
    /// queue overflow).
    pub tx: PushSender<Outbound>,
    /// When it authenticated, ms since the epoch (admin session list).
    pub since: i64,
}

/// Shared registry of online connections.
#[derive(Debug, Default)]
pub struct Hub {
    /// Online users and their connections.
    users: Mutex<HashMap<UserId, Vec<ConnEntry>>>,
    /// Source of connection ids.
    next: AtomicU64,
    /// Pushes queued to connections, and connections dropped as too slow
    /// (`/metrics`).
    counters: HubCounters,
}

/// The hub's `/metrics` counters (unregistered ones by default).
#[derive(Debug, Clone)]
pub struct HubCounters {
    /// Frames queued to a connection.
    pub sent: prometheus::IntCounter,
    /// Frames not queued because the connection's queue was full.
    pub dropped: prometheus::IntCounter,
    /// Message pushes queued to a connection.
    pub messages: prometheus::IntCounter,
}

impl Default for HubCounters {
    fn default() -> Self {
        let counter = || prometheus::IntCounter::new("unregistered", "-").expect("counter");
        Self {
            sent: counter(),
            dropped: counter(),
            messages: counter(),
        }
    }
}

impl Hub {
    /// A hub counting into `counters`.
    pub fn with_counters(counters: HubCounters) -> Self {
        Self {
            counters,
            ..Self::default()
        }
    }

    /// A fresh connection id.
    pub fn next_conn_id(&self) -> ConnId {
        self.next.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Adds an authenticated connection; true when the user just came online.
    pub fn register(&self, user: &UserId, entry: ConnEntry) -> bool {
        let mut users = self.users.lock();
        // Most users have one connection: no room for four (Vec's first growth).
        let list = users
            .entry(user.clone())
            .or_insert_with(|| Vec::with_capacity(1));
        list.push(entry);
        list.len() == 1
    }

    /// Removes a connection; true when the user has no connection left (it may
    /// already have been dropped as too slow).
    pub fn unregister(&self, user: &UserId, conn: ConnId) -> bool {
        let mut users = self.users.lock();
        let Some(list) = users.get_mut(user) else {
            return true;
        };
        list.retain(|e| e.conn != conn);
        if list.is_empty() {
            users.remove(user);
            return true;
        }
        false
    }

    /// Whether `user` has any live connection.
    pub fn is_online(&self, user: &UserId) -> bool {
        self.users.lock().contains_key(user)
    }

    /// Number of authenticated connections.
    pub fn online_connections(&self) -> usize {
        self.users.lock().values().map(Vec::len).sum()
    }

    /// Every online connection with its user, for the admin session list.
    pub fn snapshot(&self) -> Vec<(UserId, ConnEntry)> {
        let users = self.users.lock();
        let mut out: Vec<(UserId, ConnEntry)> = users
            .iter()
            .flat_map(|(u, list)| list.iter().map(move |e| (u.clone(), e.clone())))
            .collect();
        out.sort_by(|a, b| (&a.0, a.1.conn).cmp(&(&b.0, b.1.conn)));
        out
    }

    /// Pushes `push` to every connection of `user` except `except`.
    pub fn push(&self, user: &UserId, push: &Push, except: Option<ConnId>) {
        // Most recipients of a big group's change-log entries are offline:
        // do not encode frames nobody will read (they replay via sync_changes).
        if !self.is_online(user) {
            return;
        }
        self.push_frame(user, encode_push(push), except);
    }

    /// Like [`Hub::push`] with the frame already encoded.
    pub fn push_frame(&self, user: &UserId, frame: Utf8Bytes, except: Option<ConnId>) {
        self.send_to(user, Outbound::Frame(frame), |e| Some(e.conn) != except);
    }

    /// Pushes `push` to every connection of every user in `users` except
    /// `except` (fan-out to a conversation's members, e.g. a 1000-member
    /// group): the frame is encoded once and shared (`Utf8Bytes` clones are
    /// reference counts), and the registry is locked once for the whole list.
    pub fn push_all(&self, users: &[UserId], push: &Push, except: Option<ConnId>) {
        let frame = Utf8Bytes::from(ServerFrame::Push { push: push.clone() }.encode());
        let n = self.push_all_frame(users, frame, except);
        self.counters.messages.inc_by(n);
    }

    /// Like [`Hub::push_all`] with a frame already encoded (by this node or
    /// by the node that published it on the bus); returns how many
    /// connections it was queued to.
    pub fn push_all_frame(
        &self,
        users: &[UserId],
        frame: Utf8Bytes,
        except: Option<ConnId>,
    ) -> u64 {
        let out = Outbound::Frame(frame);
        let mut online = self.users.lock();
        let mut n = 0;
        for user in users {
            n += self.send_locked(&mut online, user, &out, |e| Some(e.conn) != except);
        }
        n
    }

    /// Counts `n` message pushes queued (by a caller of [`Hub::push_all_frame`]).
    pub fn count_messages(&self, n: u64) {
        self.counters.messages.inc_by(n);
    }

    /// Kicks every connection of `user` authenticated as one of `sessions`.
    pub fn kick_sessions(&self, user: &UserId, sessions: &[String], reason: KickReason) {
        self.send_to(user, Outbound::Kick(reason), |e| {
            sessions.iter().any(|s| **s == *e.session)
        });
    }

    /// Kicks every connection of `user`, whatever session it authenticated as
    /// (force-offline, password reset, account deletion): a connection that
    /// resumed a session just before it was revoked is ended too.
    pub fn kick_user(&self, user: &UserId, reason: KickReason) {
        self.send_to(user, Outbound::Kick(reason), |_| true);
    }

    /// Kicks every connection of `user` except those of session `keep` (a
    /// password change or "sign out other devices" on that session).
    pub fn kick_user_except(&self, user: &UserId, keep: &str, reason: KickReason) {
        self.send_to(user, Outbound::Kick(reason), |e| &*e.session != keep);
    }

    fn send_to(&self, user: &UserId, out: Outbound, pick: impl Fn(&ConnEntry) -> bool) {
        let mut users = self.users.lock();
        self.send_locked(&mut users, user, &out, pick);
    }

    /// Queues `out` to the picked connections of `user`; returns how many.
    fn send_locked(
        &self,
        users: &mut HashMap<UserId, Vec<ConnEntry>>,
        user: &UserId,
        out: &Outbound,
        pick: impl Fn(&ConnEntry) -> bool,
    ) -> u64 {
        let Some(list) = users.get_mut(user) else {
            return 0;
        };
        let mut sent = 0;
        list.retain(|e| {
            if !pick(e) {
                return true;
            }
            match e.tx.try_send(out.clone()) {
                Ok(()) => {
                    sent += 1;
                    true
                }
                Err(TrySendError::Full) => {
                    tracing::warn!(conn = e.conn, %user, "push queue full; dropping slow connection");
                    self.counters.dropped.inc();
                    e.tx.kill();
                    false
                }
                Err(TrySendError::Closed) => false,
            }
        });
        if list.is_empty() {
            users.remove(user);
        }
        self.counters.sent.inc_by(sent);
        sent
    }
}

/// This process's hub is the sink of committed effects (see [`crate::storage::Sink`]).
impl crate::storage::Sink for Hub {
    fn deliver(&self, deliveries: &[crate::storage::Delivery]) {
        // One change often reaches every member with the same push (an edit,
        // a reaction, a pin in a group of 2,000): encoded once per run of
        // equal pushes, the frame shared, instead of once per member.
        let mut last: Option<(&Push, Utf8Bytes)> = None;
        for d in deliveries {
            if !self.is_online(&d.user) {
                continue;
            }
            let frame = match &last {
                Some((push, frame)) if **push == d.push => frame.clone(),
                _ => {
                    let frame = encode_push(&d.push);
                    last = Some((&d.push, frame.clone()));
                    frame
                }
            };
            self.push_frame(&d.user, frame, None);
        }
    }

    fn message(&self, members: &[UserId], push: &Push, except: Option<ConnId>) {
        self.push_all(members, push, except);
    }

    fn kick_sessions(&self, user: &UserId, sessions: &[String], reason: KickReason) {
        Hub::kick_sessions(self, user, sessions, reason);
    }

    fn kick_user(&self, user: &UserId, keep: Option<&str>, reason: KickReason) {
        match keep {
            Some(keep) => self.kick_user_except(user, keep, reason),
            None => Hub::kick_user(self, user, reason),
        }
    }
}

/// The frame of a push.
fn encode_push(push: &Push) -> Utf8Bytes {
    Utf8Bytes::from(ServerFrame::Push { push: push.clone() }.encode())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(conn: ConnId, cap: usize) -> (ConnEntry, crate::push_queue::PushReceiver<Outbound>) {
        let (tx, rx) = crate::push_queue::channel(cap);
        let e = ConnEntry {
            conn,
            session: format!("s{conn}").into(),
            platform: Platform::Desktop,
            tx,
            since: 0,
        };
        (e, rx)
    }

    /// A connection that does not drain its queue is dropped from the registry and told
    /// to close; the other device of the same user keeps getting every push.
    #[tokio::test]
    async fn a_full_queue_drops_that_connection_only() {
        let hub = Hub::default();
        let u = UserId::new("u").unwrap();
        let (slow, mut slow_rx) = entry(1, 2);
        let (fast, mut fast_rx) = entry(2, 100);
        hub.register(&u, slow);
        hub.register(&u, fast);
        for i in 0..3 {
            hub.push_frame(&u, Utf8Bytes::from(i.to_string()), None);
        }
        // The third push overflowed the slow queue: it was told to close, and dropped.
        let ended = tokio::time::timeout(std::time::Duration::from_secs(5), slow_rx.recv())
            .await
            .expect("the slow connection was told to close");
        assert!(ended.is_none() && slow_rx.killed());
        assert_eq!(
            hub.snapshot()
                .iter()
                .map(|(_, e)| e.conn)
                .collect::<Vec<_>>(),
            vec![2]
        );
        for i in 0..3 {
            match fast_rx.recv().await {
                Some(Outbound::Frame(f)) => assert_eq!(f.as_str(), i.to_string()),
                other => panic!("{other:?}"),
            }
        }
    }

    /// An edit in a big group goes to every member with the same push: one
    /// frame is encoded and shared (the same bytes in every queue), not one
    /// per member; a different push gets its own.
    #[tokio::test]
    async fn equal_pushes_in_one_delivery_share_one_encoded_frame() {
        use crate::storage::{Delivery, Sink};
        let hub = Hub::default();
        let mut queues = Vec::new();
        let mut deliveries = Vec::new();
        let edit = Push::Typing {
            conv: tern_proto::ConversationId::Group(tern_proto::GroupId::new("g").unwrap()),
            user: UserId::new("z").unwrap(),
        };
        for i in 0..3u64 {
            let u = UserId::new(format!("u{i}")).unwrap();
            let (e, rx) = entry(i, 10);
            hub.register(&u, e);
            queues.push(rx);
            deliveries.push(Delivery {
                user: u,
                push: edit.clone(),
            });
        }
        let other = Push::Typing {
            conv: tern_proto::ConversationId::Group(tern_proto::GroupId::new("h").unwrap()),
            user: UserId::new("z").unwrap(),
        };
        deliveries[2].push = other;
        hub.deliver(&deliveries);
        let mut frames = Vec::new();
        for rx in &mut queues {
            match rx.recv().await {
                Some(Outbound::Frame(f)) => frames.push(f),
                other => panic!("{other:?}"),
            }
        }
        let ptr = |f: &Utf8Bytes| f.as_str().as_ptr();
        assert_eq!(ptr(&frames[0]), ptr(&frames[1]), "one encoding shared");
        assert_ne!(ptr(&frames[1]), ptr(&frames[2]));
        assert_ne!(frames[1].as_str(), frames[2].as_str());
    }
}
