//! The chat-room settings (docs/configuration.md, docs/protocol.md § 5.9):
//! how many messages a room keeps for people who join, its member cap, how
//! many rooms one user may own, the send rate, and the grace period after
//! which a member with no connection left drops out. Flags and `TERN_*`
//! variables as everywhere; top-level keys in the TOML file.

use std::time::Duration;

use serde::Deserialize;

/// The resolved room settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomSettings {
    /// Messages a room keeps and gives to someone who joins (default 50).
    pub recent: u32,
    /// Most members one room may have (default 10,000).
    pub max_members: u32,
    /// Most rooms one user may own (default 10).
    pub per_owner: u32,
    /// Room messages one user may send per minute, all rooms and devices
    /// together (default 60).
    pub messages_per_minute: u32,
    /// How long a member whose every connection has gone stays in their
    /// rooms (default 60 s).
    pub grace: Duration,
}

impl Default for RoomSettings {
    fn default() -> Self {
        Self {
            recent: 50,
            max_members: 10_000,
            per_owner: 10,
            messages_per_minute: 60,
            grace: Duration::from_secs(60),
        }
    }
}

/// Room flags, flattened into `tern-server`'s command line.
#[derive(Debug, Default, clap::Args)]
pub struct RoomArgs {
    /// Messages a chat room keeps for members who join [default: 50].
    #[arg(long, env = "TERN_ROOM_RECENT")]
    pub room_recent: Option<u32>,
    /// Most members per chat room [default: 10000].
    #[arg(long, env = "TERN_ROOM_MAX_MEMBERS")]
    pub room_max_members: Option<u32>,
    /// Most chat rooms one user may own [default: 10].
    #[arg(long, env = "TERN_ROOMS_PER_OWNER")]
    pub rooms_per_owner: Option<u32>,
    /// Chat-room messages one user may send per minute [default: 60].
    #[arg(long, env = "TERN_ROOM_MESSAGES_PER_MINUTE")]
    pub room_messages_per_minute: Option<u32>,
    /// Seconds a disconnected member stays in their chat rooms [default: 60].
    #[arg(long, env = "TERN_ROOM_GRACE_SECS")]
    pub room_grace_secs: Option<u64>,
}

/// The room keys of the TOML file (top level, same names as the flags).
#[derive(Debug, Default, Deserialize)]
#[allow(missing_docs)] // each field is the flag of the same name
pub struct RoomFile {
    pub room_recent: Option<u32>,
    pub room_max_members: Option<u32>,
    pub rooms_per_owner: Option<u32>,
    pub room_messages_per_minute: Option<u32>,
    pub room_grace_secs: Option<u64>,
}

impl RoomSettings {
    /// Flags (and env) over the file over the defaults; caps must be ≥ 1.
    pub fn resolve(a: RoomArgs, f: RoomFile) -> Result<Self, String> {
        let d = Self::default();
        let s = Self {
            recent: a.room_recent.or(f.room_recent).unwrap_or(d.recent),
            max_members: a
                .room_max_members
                .or(f.room_max_members)
                .unwrap_or(d.max_members),
            per_owner: a
                .rooms_per_owner
                .or(f.rooms_per_owner)
                .unwrap_or(d.per_owner),
            messages_per_minute: a
                .room_messages_per_minute
                .or(f.room_messages_per_minute)
                .unwrap_or(d.messages_per_minute),
            grace: a
                .room_grace_secs
                .or(f.room_grace_secs)
                .map(Duration::from_secs)
                .unwrap_or(d.grace),
        };
        for (name, v) in [
            ("room_max_members", s.max_members),
            ("rooms_per_owner", s.per_owner),
            ("room_messages_per_minute", s.messages_per_minute),
        ] {
            if v == 0 {
                return Err(format!("{name} must be at least 1"));
            }
        }
        Ok(s)
    }
}
