//! The cluster bus: how the committed effects of one node (pushes, kicks)
//! reach the connections of the same users on the other nodes. Only a server
//! started with `--bus` has one; a single node never builds it and delivers
//! through its [`Hub`] alone.
//!
//! Subjects (see docs/architecture.md § Cluster):
//! - `tern.u.<hex user>`: everything addressed to one user (change-log pushes,
//!   presence, typing, direct messages, kicks). A node subscribes to it while
//!   the user has a connection on it, so NATS' interest routing carries each
//!   publication only to the nodes where the user is.
//! - `tern.c.<hex conv>`: a group message, published **once** with its member
//!   list, and a group change-log entry sent to all its members (one publish
//!   with each member's version). A node subscribes to it while a member of the
//!   group is connected to it ([`interest`]), so only those nodes receive one
//!   copy each and push it to their members. A 1,000-member group costs the
//!   sender one publish, not 1,000, and nodes without a member nothing.
//! - `tern.r.<hex room>`: a chat-room message, published once with its
//!   members; a node subscribes while a member of the room is connected to
//!   it ([`rooms`]).
//!
//! Every envelope carries its origin node: a node ignores its own, since it
//! has already delivered locally (no bus round trip for local users).

pub mod interest;
pub mod nats;
pub mod order;
pub mod rooms;
mod sink;

pub use order::Sequencer;
pub use sink::ClusterSink;

use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use serde::{Deserialize, Serialize};
use tern_proto::{Change, ConversationId, GroupId, KickReason, RoomId, UserId, VersionedChange};

use crate::hub::Hub;

/// What one bus message carries: who sent it, when, and the effect.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// The node that published it (ignored by that node).
    pub origin: String,
    /// When it was published, ms since the epoch (bus lag metric).
    pub sent_ms: i64,
    /// The effect to apply on the receiving node.
    pub what: What,
}

/// An effect to apply to the receiving node's connections.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
#[allow(missing_docs)] // each variant's doc names its fields
pub enum What {
    /// An encoded push frame (encoded once by the origin) for every connection
    /// of these users on the receiving node.
    Push {
        users: Vec<UserId>,
        frame: String,
        /// A stored message (counted as `messages_out`), not another push.
        #[serde(default)]
        message: bool,
        /// A stored message's conversation and seq: delivered through the
        /// [`Sequencer`], in seq order with the node's other pushes of it.
        #[serde(default)]
        order: Option<(ConversationId, u64)>,
    },
    /// One change-log entry for several users, each with their version
    /// (published once on a group's subject; applied through
    /// [`Bus::local_change`], not [`What::apply`]).
    Changes {
        to: Vec<(UserId, u64)>,
        change: Change,
    },
    /// Close `user`'s connections on these sessions.
    KickSessions {
        user: UserId,
        sessions: Vec<String>,
        reason: KickReason,
    },
    /// Close every connection of `user` except those on session `keep`.
    KickUser {
        user: UserId,
        keep: Option<String>,
        reason: KickReason,
    },
    /// `user` joined (`joined`) or left chat room `room` on another node: a
    /// node where they are connected subscribes to (or drops) its subject
    /// (applied through [`Bus::watch_room`] / [`Bus::unwatch_room`]).
    Room {
        user: UserId,
        room: RoomId,
        joined: bool,
    },
}

impl What {
    /// Applies the effect to this node's connections.
    pub fn apply(self, hub: &Hub, sequencer: &Sequencer) {
        match self {
            What::Push {
                users,
                frame,
                order: Some((conv, seq)),
                ..
            } => sequencer.push(order::Ordered {
                conv,
                seq,
                users,
                frame: Utf8Bytes::from(frame),
                except: None,
            }),
            What::Push {
                users,
                frame,
                message,
                order: None,
            } => {
                let n = hub.push_all_frame(&users, Utf8Bytes::from(frame), None);
                if message {
                    hub.count_messages(n);
                }
            }
            What::KickSessions {
                user,
                sessions,
                reason,
            } => hub.kick_sessions(&user, &sessions, reason),
            What::KickUser { user, keep, reason } => match keep {
                Some(keep) => hub.kick_user_except(&user, &keep, reason),
                None => hub.kick_user(&user, reason),
            },
            What::Changes { .. } => {
                tracing::error!("change-log envelopes go through Bus::local_change")
            }
            What::Room { .. } => tracing::error!("room envelopes go through Bus::watch_room"),
        }
    }
}

/// The subject of everything addressed to `user`.
pub fn user_subject(user: &UserId) -> String {
    format!("tern.u.{}", hex::encode(user.as_str()))
}

/// The subject of a group conversation's messages.
pub fn conv_subject(conv: &ConversationId) -> String {
    format!("tern.c.{}", hex::encode(conv.to_string()))
}

/// The bus as seen by `/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BusState {
    /// Connected to the bus server.
    Connected,
    /// Not connected (never yet, or lost): reconnecting on its own.
    Disconnected,
}

/// A bus: publish and subscribe by subject. The one implementation is
/// [`nats::NatsBus`]; the trait keeps NATS out of everything above it.
#[async_trait::async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Queues `env` for `subject`. Never blocks: when the outgoing queue is
    /// full (bus down for long), the envelope is dropped and counted; clients
    /// catch up from the database (docs/architecture.md § Cluster).
    fn publish(&self, subject: String, env: &Envelope);
    /// Receives `user`'s subject from now on (their first connection here);
    /// returns once the bus server has the subscription, or after a short
    /// timeout when the bus is down.
    async fn watch(&self, user: &UserId);
    /// Receives the subjects of `user`'s `groups` (read at their change-log
    /// version `floor`, after [`Bus::watch`]) while they are connected here;
    /// returns once the bus server has them (or after the short timeout).
    async fn watch_groups(&self, user: &UserId, groups: Vec<GroupId>, floor: u64);
    /// Stops receiving `user`'s subject and the subjects of groups with no
    /// other member connected here, unless they are connected here again.
    fn unwatch(&self, user: &UserId);
    /// Receives `room`'s subject while `user` (a member of it) is connected
    /// here; returns once the bus server has it (or after the short timeout).
    async fn watch_room(&self, user: &UserId, room: &RoomId);
    /// `user` is no longer in `room`: stops its subject unless another
    /// member here needs it.
    fn unwatch_room(&self, user: &UserId, room: &RoomId);
    /// Pushes a change-log entry to `user`'s connections here (if any),
    /// following their group memberships: a group they joined is subscribed
    /// before the entry is pushed, one they left is dropped when no other
    /// member here is in it.
    fn local_change(&self, user: &UserId, vc: VersionedChange);
    /// Connected or not.
    fn state(&self) -> BusState;
}

/// A shared bus.
pub type SharedBus = Arc<dyn Bus>;
