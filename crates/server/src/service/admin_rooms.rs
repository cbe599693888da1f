//! Chat rooms through the admin API (docs/admin.md § Chat rooms): what the
//! room's owner may do, done as the administrator ([`RoomActor::Admin`])
//! through the same code as the WebSocket commands, plus what only the
//! administrator may: create a room for any owner with its own number of
//! kept messages, ban and unban users who need not be members, and post a
//! system notice. Messages go the normal way: stored among the room's
//! recent messages and pushed to its current members (across the cluster
//! bus too).

use std::sync::Arc;

use tern_proto::{
    Content, ErrorCode, Push, RoomId, RoomInfo, RoomLeftReason, RoomMessage, UserId, WireError,
    SYSTEM_USER,
};

use super::rooms::{self, RoomActor};
use super::{check_len, invalid, ServiceResult};
use crate::state::Shared;
use crate::storage::{now_ms, Delivery};

/// Most messages a room may keep (`recent` at create).
pub const MAX_RECENT: u32 = 1_000;

/// Longest room ban, in seconds (30 days).
pub const MAX_BAN_SECS: u32 = rooms::MAX_MINUTES * 60;

/// A room with the number of messages it keeps.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AdminRoom {
    /// What everyone sees of it.
    #[serde(flatten)]
    pub info: RoomInfo,
    /// How many of its last messages it keeps and gives to those who join.
    pub recent: u32,
    /// Whether `recent` is the room's own (`false`: the server's `room_recent`).
    pub own_recent: bool,
}

async fn require_account(s: &Shared, user: &UserId) -> ServiceResult<()> {
    if user.as_str() == SYSTEM_USER {
        return Err(WireError::new(
            ErrorCode::NotFound,
            "`system` is the reserved sender of notices, not an account",
        ));
    }
    Ok(s.store.require_user(user).await?)
}

/// Creates a room for `owner` (an account: `NotFound`), who joins it.
pub async fn create(
    s: &Arc<Shared>,
    owner: &UserId,
    name: &str,
    recent: Option<u32>,
) -> ServiceResult<AdminRoom> {
    if recent.is_some_and(|n| n > MAX_RECENT) {
        return Err(invalid(format!(
            "`recent`: at most {MAX_RECENT} kept messages"
        )));
    }
    require_account(s, owner).await?;
    let info = rooms::create_keeping(s, owner, name, recent).await?;
    Ok(AdminRoom {
        info,
        recent: recent.unwrap_or(s.config.rooms.recent),
        own_recent: recent.is_some(),
    })
}

/// One room with its kept-message number (`NotFound`).
pub async fn get(s: &Shared, room: &RoomId) -> ServiceResult<AdminRoom> {
    let info = rooms::info(s, room).await?;
    let own = s.store.room_recent(room).await?.flatten();
    Ok(AdminRoom {
        info,
        recent: own.unwrap_or(s.config.rooms.recent),
        own_recent: own.is_some(),
    })
}

/// Removes member `user` and bans them for `ban_secs` (0: no ban); returns
/// the ban's end.
pub async fn kick(
    s: &Shared,
    room: &RoomId,
    user: &UserId,
    ban_secs: u32,
) -> ServiceResult<Option<i64>> {
    rooms::info(s, room).await?;
    require_account(s, user).await?;
    rooms::kick(s, RoomActor::Admin, room, user, ban_secs).await
}

/// Bans `user` from `room` for 1 to [`MAX_BAN_SECS`] seconds; a member is
/// removed and told (`room_left`, `kicked`, with the ban's end). Returns the
/// ban's end and whether they were a member.
pub async fn ban(
    s: &Shared,
    room: &RoomId,
    user: &UserId,
    secs: u32,
) -> ServiceResult<(i64, bool)> {
    if secs == 0 || secs > MAX_BAN_SECS {
        return Err(invalid(format!(
            "`seconds`: from 1 to {MAX_BAN_SECS} (30 days); DELETE lifts a ban"
        )));
    }
    require_account(s, user).await?;
    let until = now_ms() + i64::from(secs) * 1000;
    let was_member = s.store.room_ban(room, user, until).await?;
    if was_member {
        rooms::unwatch(s, user, room);
        s.sink.deliver(&[Delivery {
            user: user.clone(),
            push: Push::RoomLeft {
                room: room.clone(),
                reason: RoomLeftReason::Kicked,
                banned_until: Some(until),
            },
        }]);
    }
    Ok((until, was_member))
}

/// Lifts `user`'s ban; returns whether one was in force.
pub async fn unban(s: &Shared, room: &RoomId, user: &UserId) -> ServiceResult<bool> {
    Ok(s.store.room_unban(room, user, now_ms()).await?)
}

/// Sends `content` as member `from`, as their own `room_send` would be
/// (not muted; no files), without their send rate.
pub async fn send_as(
    s: &Shared,
    room: &RoomId,
    from: &UserId,
    content: &Content,
) -> ServiceResult<RoomMessage> {
    rooms::info(s, room).await?;
    require_account(s, from).await?;
    rooms::post(s, from, room, content, None).await
}

/// Posts a system notice (`{"type":"system"}` from `system`) into `room`.
pub async fn notice(s: &Shared, room: &RoomId, text: String) -> ServiceResult<RoomMessage> {
    if text.trim().is_empty() {
        return Err(invalid("`text` must not be empty"));
    }
    check_len("text", &text, s.config.max_text_chars)?;
    if !s.store.system_user_is_reserved().await? {
        return Err(WireError::new(
            ErrorCode::Internal,
            "user id `system` belongs to a registered account; notices are off",
        ));
    }
    let system = UserId::new(SYSTEM_USER).expect("valid id");
    let content = Content::System { text };
    let keep = s.config.rooms.recent;
    let (message, members) = s
        .store
        .room_send(room, &system, &content, now_ms(), keep)
        .await?;
    let push = Push::RoomMessage {
        message: message.clone(),
    };
    rooms::fan_out(s, room, &members, &push, None, true);
    Ok(message)
}
