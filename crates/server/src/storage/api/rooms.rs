//! Chat rooms (docs/protocol.md § 5.10): the room, its current members with
//! their roles and mutes, the bans of kicked members, and the last few
//! messages it keeps. Membership is a fact in the database (so every node of
//! a cluster sees it); no change-log entries are written: rooms have no
//! offline catch-up, and the services push what happens to those online.

use async_trait::async_trait;
use tern_proto::{Content, ErrorCode, RoomId, RoomInfo, RoomMember, RoomMessage, RoomRole, UserId};

use crate::storage::{StoreError, StoreResult};

/// Who acts on a room: one of its members, or the server's administrator
/// (the admin API), who may do what the owner may.
#[derive(Debug, Clone, Copy)]
pub enum RoomActor<'a> {
    /// A member, whose role in the room decides.
    User(&'a UserId),
    /// The administrator.
    Admin,
}

/// The caps a join or a create checks at commit.
#[derive(Debug, Clone, Copy)]
pub struct RoomCaps {
    /// Most members per room.
    pub max_members: u32,
    /// Most rooms per owner.
    pub per_owner: u32,
    /// Messages kept per room (and given on join).
    pub recent: u32,
    /// At create: the room's own number of kept messages (`None`: `recent`,
    /// the server's setting, whatever it is when a message is sent).
    pub room_recent: Option<u32>,
}

/// Chat-room storage.
#[async_trait]
pub trait Rooms: Send + Sync {
    /// Creates room `id` owned (and joined) by `owner`; `TooManyRooms` when
    /// they own `caps.per_owner` already.
    async fn create_room(
        &self,
        owner: &UserId,
        id: &RoomId,
        name: &str,
        now: i64,
        caps: RoomCaps,
    ) -> StoreResult<RoomInfo>;
    /// Rooms by id after `after`, at most `limit`.
    async fn list_rooms(&self, after: Option<&RoomId>, limit: u32) -> StoreResult<Vec<RoomInfo>>;
    /// One room (`None`: no such room).
    async fn room_info(&self, room: &RoomId) -> StoreResult<Option<RoomInfo>>;
    /// Adds `user` (already a member: nothing changes); `NotFound`,
    /// `RoomBanned` (a ban not yet ended), `RoomFull`. Returns the room and
    /// its kept messages, oldest first.
    async fn join_room(
        &self,
        room: &RoomId,
        user: &UserId,
        now: i64,
        caps: RoomCaps,
    ) -> StoreResult<(RoomInfo, Vec<RoomMessage>)>;
    /// Removes `user`; `NotInRoom` when they are not a member.
    async fn leave_room(&self, room: &RoomId, user: &UserId) -> StoreResult<()>;
    /// Stores a message of `from` (a member, not muted: `NotInRoom`,
    /// `Muted`; the reserved `system` account needs no membership), keeps
    /// only the last `keep` (or the room's own number), and returns it with
    /// the members to deliver it to.
    async fn room_send(
        &self,
        room: &RoomId,
        from: &UserId,
        content: &Content,
        now: i64,
        keep: u32,
    ) -> StoreResult<(RoomMessage, Vec<UserId>)>;
    /// Members by id after `after`, at most `limit`.
    async fn room_members(
        &self,
        room: &RoomId,
        after: Option<&UserId>,
        limit: u32,
    ) -> StoreResult<Vec<RoomMember>>;
    /// Every member's id (fan-out).
    async fn room_member_ids(&self, room: &RoomId) -> StoreResult<Vec<UserId>>;
    /// Asked before the moderation hook sees a `room_send`: `Ok` when `from`
    /// may send to `room` now, else the refusal `room_send` would give
    /// (`NotFound`, `NotInRoom`, `Muted`). A read: `room_send` checks again.
    async fn room_precheck(&self, room: &RoomId, from: &UserId, now: i64) -> StoreResult<()>;
    /// `user`'s role when a member.
    async fn room_role(&self, room: &RoomId, user: &UserId) -> StoreResult<Option<RoomRole>>;
    /// Removes `user` (a member: `NotInRoom`) as `by` may ([`may_manage`]);
    /// with `ban_until`, refuses their joins until then.
    async fn room_kick(
        &self,
        room: &RoomId,
        by: RoomActor<'_>,
        user: &UserId,
        ban_until: Option<i64>,
    ) -> StoreResult<()>;
    /// Mutes `user` until `until` (`None` lifts it), as `by` may.
    async fn room_mute(
        &self,
        room: &RoomId,
        by: RoomActor<'_>,
        user: &UserId,
        until: Option<i64>,
    ) -> StoreResult<()>;
    /// Makes member `user` an admin or a plain member (owner or administrator).
    async fn set_room_admin(
        &self,
        room: &RoomId,
        by: RoomActor<'_>,
        user: &UserId,
        admin: bool,
    ) -> StoreResult<()>;
    /// Deletes the room (owner or administrator); returns who was in it.
    async fn delete_room(&self, room: &RoomId, by: RoomActor<'_>) -> StoreResult<Vec<UserId>>;
    /// Removes `user` from every room (the grace period ended); returns them.
    async fn drop_from_rooms(&self, user: &UserId) -> StoreResult<Vec<RoomId>>;
    /// The rooms `user` is a member of.
    async fn rooms_of(&self, user: &UserId) -> StoreResult<Vec<RoomId>>;
    /// Everyone who is a member of some room (the start-up sweep).
    async fn room_users(&self) -> StoreResult<Vec<UserId>>;
    /// The room's own number of kept messages (`Ok(None)`: no such room;
    /// `Some(None)`: it follows the server's setting).
    async fn room_recent(&self, room: &RoomId) -> StoreResult<Option<Option<u32>>>;
    /// Bans `user` (an account: `NotFound`) from `room` until `until`,
    /// removing them when a member (the owner: `NotManager`); returns
    /// whether they were a member. The administrator's action.
    async fn room_ban(&self, room: &RoomId, user: &UserId, until: i64) -> StoreResult<bool>;
    /// Lifts `user`'s ban from `room`; returns whether one was in force.
    async fn room_unban(&self, room: &RoomId, user: &UserId, now: i64) -> StoreResult<bool>;
}

/// The role stored for a member who joins: the owner's is `owner`.
pub fn join_role(owner: &str, user: &UserId) -> RoomRole {
    if owner == user.as_str() {
        RoomRole::Owner
    } else {
        RoomRole::Member
    }
}

/// A role as stored.
pub fn role_str(role: RoomRole) -> &'static str {
    match role {
        RoomRole::Owner => "owner",
        RoomRole::Admin => "admin",
        RoomRole::Member => "member",
    }
}

/// A stored role.
pub fn parse_role(s: &str) -> StoreResult<RoomRole> {
    match s {
        "owner" => Ok(RoomRole::Owner),
        "admin" => Ok(RoomRole::Admin),
        "member" => Ok(RoomRole::Member),
        other => Err(StoreError::Corrupt(format!("room role `{other}`"))),
    }
}

/// Whether an actor of role `actor` (`None`: the administrator) may kick or
/// mute a member of role `target`: the owner and the administrator anyone
/// but the owner, an admin only plain members. `NotInRoom` when the actor is
/// a user who is not a member, `NotManager` otherwise.
pub fn may_manage(actor: Option<Option<RoomRole>>, target: RoomRole) -> StoreResult<()> {
    let ok = match actor {
        None => target != RoomRole::Owner,
        Some(None) => return Err(not_in_room("you are not in this room")),
        Some(Some(RoomRole::Owner)) => target != RoomRole::Owner,
        Some(Some(RoomRole::Admin)) => target == RoomRole::Member,
        Some(Some(RoomRole::Member)) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(StoreError::rejected(
            ErrorCode::NotManager,
            "only the room's owner, or an admin for plain members, may do this",
        ))
    }
}

/// A `NotInRoom` refusal.
pub fn not_in_room(msg: &str) -> StoreError {
    StoreError::rejected(ErrorCode::NotInRoom, msg)
}

/// A `NotFound` refusal for a room.
pub fn no_room(room: &RoomId) -> StoreError {
    StoreError::rejected(ErrorCode::NotFound, format!("no room `{room}`"))
}
