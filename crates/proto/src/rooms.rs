//! Chat rooms: large open rooms anyone may list, join and leave
//! (docs/protocol.md § 5.10). Unlike a group, a room has no unread counts and
//! no offline catch-up: its members are those joined right now (a member
//! whose every connection has gone drops out after the server's grace
//! period), a message reaches only them, and someone who joins gets the last
//! few messages the server keeps.

use serde::{Deserialize, Serialize};

use crate::ids::{RoomId, UserId};
use crate::model::{Content, Millis};

/// Longest room name, in characters.
pub const MAX_ROOM_NAME: usize = 64;

/// A room as anyone sees it (`list_rooms`, `create_room`, `join_room`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RoomInfo {
    /// The room's id (server-chosen).
    pub room: RoomId,
    /// Display name (1 to 64 characters).
    pub name: String,
    /// Who created it (may kick, mute and appoint admins; alone may delete it).
    pub owner: UserId,
    /// How many members are in it now.
    pub member_count: u32,
    /// When it was created.
    pub created_at: Millis,
}

/// A member's role in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RoomRole {
    /// The room's creator.
    Owner,
    /// Appointed by the owner: may kick and mute plain members.
    Admin,
    /// Anyone else who joined.
    Member,
}

/// One member of a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RoomMember {
    /// Who.
    pub user: UserId,
    /// Their role.
    pub role: RoomRole,
    /// When they joined.
    pub joined_at: Millis,
    /// Muted until this time (absent: not muted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted_until: Option<Millis>,
}

/// A message sent into a room. Seqs count up per room; the server keeps only
/// the last `room_recent` of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[allow(missing_docs)] // fields named by what they hold
pub struct RoomMessage {
    pub room: RoomId,
    /// Its number in the room (1, 2, …).
    pub seq: u64,
    /// The sender.
    pub from: UserId,
    /// What it says.
    pub content: Content,
    /// When the server stored it.
    pub sent_at: Millis,
}
