//! Chat-room settings and the administrator's bans on PostgreSQL (a port of
//! `sqlite::room_admin`): a room's own number of kept messages, and bans
//! that need no membership. Writes lock the room's row first.

use tern_proto::{RoomId, UserId};

use super::accounts::require_user;
use super::rooms::{lock, role};
use super::Tx;
use crate::storage::api::may_manage;
use crate::storage::StoreResult;

/// See [`crate::storage::api::Rooms::room_recent`].
pub(super) async fn recent(c: &Tx<'_>, room: &RoomId) -> StoreResult<Option<Option<u32>>> {
    let row = c
        .query_opt("SELECT recent FROM rooms WHERE id = $1", &[&room.as_str()])
        .await?;
    Ok(match row {
        Some(r) => Some(r.try_get::<_, Option<i64>>(0)?.map(|n| n as u32)),
        None => None,
    })
}

/// See [`crate::storage::api::Rooms::room_ban`].
pub(super) async fn ban(c: &Tx<'_>, room: &RoomId, user: &UserId, until: i64) -> StoreResult<bool> {
    lock(c, room).await?;
    require_user(c, user).await?;
    let member = role(c, room, user).await?;
    if let Some(target) = member {
        may_manage(None, target)?;
        c.execute(
            "DELETE FROM room_members WHERE room = $1 AND user_id = $2",
            &[&room.as_str(), &user.as_str()],
        )
        .await?;
    }
    c.execute(
        "INSERT INTO room_bans (room, user_id, until_ms) VALUES ($1, $2, $3)
         ON CONFLICT (room, user_id) DO UPDATE SET until_ms = excluded.until_ms",
        &[&room.as_str(), &user.as_str(), &until],
    )
    .await?;
    Ok(member.is_some())
}

/// See [`crate::storage::api::Rooms::room_unban`].
pub(super) async fn unban(c: &Tx<'_>, room: &RoomId, user: &UserId, now: i64) -> StoreResult<bool> {
    lock(c, room).await?;
    let row = c
        .query_opt(
            "DELETE FROM room_bans WHERE room = $1 AND user_id = $2 RETURNING until_ms",
            &[&room.as_str(), &user.as_str()],
        )
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<_, i64>(0)? > now,
        None => false,
    })
}
