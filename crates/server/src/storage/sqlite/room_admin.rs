//! Chat-room management on SQLite beyond what members do to each other:
//! appointing admins, a room's own number of kept messages, and the
//! administrator's bans and unbans (which need no membership). Each runs in
//! the caller's transaction.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{ErrorCode, RoomId, RoomRole, UserId};

use super::accounts::require_user;
use super::rooms::{require, role};
use crate::storage::api::{may_manage, not_in_room, role_str, RoomActor};
use crate::storage::{StoreError, StoreResult};

/// See [`crate::storage::api::Rooms::set_room_admin`].
pub(super) fn set_admin(
    c: &Connection,
    room: &RoomId,
    by: RoomActor<'_>,
    user: &UserId,
    admin: bool,
) -> StoreResult<()> {
    let info = require(c, room)?;
    if let RoomActor::User(u) = by {
        if *u != info.owner {
            return Err(StoreError::rejected(
                ErrorCode::NotManager,
                "only the room's owner appoints admins",
            ));
        }
    }
    let target = role(c, room, user)?
        .ok_or_else(|| not_in_room(&format!("`{user}` is not in this room")))?;
    if target == RoomRole::Owner {
        return Err(StoreError::rejected(
            ErrorCode::SelfTarget,
            "the owner's role does not change",
        ));
    }
    let role = if admin {
        RoomRole::Admin
    } else {
        RoomRole::Member
    };
    c.prepare_cached("UPDATE room_members SET role = ?3 WHERE room = ?1 AND user_id = ?2")?
        .execute([room.as_str(), user.as_str(), role_str(role)])?;
    Ok(())
}

/// See [`crate::storage::api::Rooms::room_recent`].
pub(super) fn recent(c: &Connection, room: &RoomId) -> StoreResult<Option<Option<u32>>> {
    let own: Option<Option<i64>> = c
        .prepare_cached("SELECT recent FROM rooms WHERE id = ?1")?
        .query_row([room.as_str()], |r| r.get(0))
        .optional()?;
    Ok(own.map(|o| o.map(|n| n as u32)))
}

/// See [`crate::storage::api::Rooms::room_ban`].
pub(super) fn ban(c: &Connection, room: &RoomId, user: &UserId, until: i64) -> StoreResult<bool> {
    require(c, room)?;
    require_user(c, user)?;
    let member = role(c, room, user)?;
    if let Some(target) = member {
        may_manage(None, target)?;
        c.prepare_cached("DELETE FROM room_members WHERE room = ?1 AND user_id = ?2")?
            .execute([room.as_str(), user.as_str()])?;
    }
    c.prepare_cached(
        "INSERT INTO room_bans (room, user_id, until_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (room, user_id) DO UPDATE SET until_ms = excluded.until_ms",
    )?
    .execute(params![room.as_str(), user.as_str(), until])?;
    Ok(member.is_some())
}

/// See [`crate::storage::api::Rooms::room_unban`].
pub(super) fn unban(c: &Connection, room: &RoomId, user: &UserId, now: i64) -> StoreResult<bool> {
    require(c, room)?;
    let until: Option<i64> = c
        .prepare_cached(
            "DELETE FROM room_bans WHERE room = ?1 AND user_id = ?2 RETURNING until_ms",
        )?
        .query_row([room.as_str(), user.as_str()], |r| r.get(0))
        .optional()?;
    Ok(until.is_some_and(|u| u > now))
}
