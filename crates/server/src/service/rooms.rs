//! Chat rooms (docs/protocol.md § 5.10): the use cases the WebSocket handlers
//! and the admin API call. Membership lives in the database (both backends);
//! a message is stored (only the last `room_recent` are kept) and pushed to
//! the room's current members: straight into this node's hub, and in a
//! cluster once on the room's bus subject ([`crate::bus::rooms`]), which the
//! nodes with a member connected receive. No change-log entries: a room has
//! no unread counts and no offline catch-up.
//!
//! Every function takes a [`RoomActor`]: a user (whose role in the room
//! decides) or the server's administrator (the admin API), who may do what
//! the owner may.

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use tern_proto::{
    Content, ErrorCode, Push, RoomId, RoomInfo, RoomLeftReason, RoomMember, RoomMessage,
    ServerFrame, UserId, WireError,
};

mod grace;

use super::{check_len, invalid, ServiceResult};
use crate::bus::rooms::room_subject;
use crate::bus::{Envelope, What};
use crate::hub::ConnId;
use crate::state::Shared;
pub use crate::storage::api::RoomActor;
use crate::storage::api::RoomCaps;
use crate::storage::{now_ms, Delivery};
pub(super) use grace::unwatch;
use grace::watch;
pub use grace::{connected, disconnected, sweep_after_start};

/// Longest mute or ban, in minutes (30 days).
pub const MAX_MINUTES: u32 = 43_200;

fn caps(s: &Shared) -> RoomCaps {
    RoomCaps {
        max_members: s.config.rooms.max_members,
        per_owner: s.config.rooms.per_owner,
        recent: s.config.rooms.recent,
        room_recent: None,
    }
}

/// A fresh random room id (16 hex digits after `r`).
fn new_room_id() -> RoomId {
    RoomId::new(format!("r{}", hex::encode(rand::random::<[u8; 8]>())))
        .expect("hex is a valid room id")
}

/// Checks a room name: 1 to 64 characters after trimming.
fn check_name(name: &str) -> ServiceResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("a room needs a name"));
    }
    check_len("name", name, tern_proto::rooms::MAX_ROOM_NAME)?;
    Ok(name.to_string())
}

/// Checks a room message: what `send` allows, without files (a room keeps
/// only its last messages, and its files would outlive them).
pub fn check_content(s: &Shared, content: &Content) -> ServiceResult<()> {
    if matches!(
        content,
        Content::Image { .. }
            | Content::File { .. }
            | Content::Audio { .. }
            | Content::Video { .. }
    ) {
        return Err(invalid(
            "a room message is text, a location or custom content; files go to groups",
        ));
    }
    super::messages::validate(s.config.max_text_chars, content, None)
}

fn check_minutes(minutes: u32) -> ServiceResult<Option<i64>> {
    if minutes > MAX_MINUTES {
        return Err(invalid(format!("at most {MAX_MINUTES} minutes (30 days)")));
    }
    Ok((minutes > 0).then(|| now_ms() + i64::from(minutes) * 60_000))
}

/// Creates a room owned by `owner`, who joins it.
pub async fn create(s: &Arc<Shared>, owner: &UserId, name: &str) -> ServiceResult<RoomInfo> {
    create_keeping(s, owner, name, None).await
}

/// Like [`create`], the room keeping its own number of messages (`None`:
/// the server's `room_recent`).
pub async fn create_keeping(
    s: &Arc<Shared>,
    owner: &UserId,
    name: &str,
    recent: Option<u32>,
) -> ServiceResult<RoomInfo> {
    let name = check_name(name)?;
    let room = new_room_id();
    let caps = RoomCaps {
        room_recent: recent,
        ..caps(s)
    };
    let info = s
        .store
        .create_room(owner, &room, &name, now_ms(), caps)
        .await?;
    watch(s, owner, &room).await;
    Ok(info)
}

/// A page of rooms by id; the second value is the next page's `after`.
pub async fn list(
    s: &Shared,
    after: Option<&RoomId>,
    limit: Option<u32>,
) -> ServiceResult<(Vec<RoomInfo>, Option<RoomId>)> {
    let limit = super::page(s, limit, 100);
    let rooms = s.store.list_rooms(after, limit.saturating_add(1)).await?;
    Ok(super::paged(rooms, limit, |r| r.room.clone()))
}

/// One room (`NotFound`).
pub async fn info(s: &Shared, room: &RoomId) -> ServiceResult<RoomInfo> {
    s.store
        .room_info(room)
        .await?
        .ok_or_else(|| WireError::new(ErrorCode::NotFound, format!("no room `{room}`")))
}

/// `user` joins `room`; returns it with its kept messages, oldest first.
pub async fn join(
    s: &Arc<Shared>,
    user: &UserId,
    room: &RoomId,
) -> ServiceResult<(RoomInfo, Vec<RoomMessage>)> {
    let joined = s.store.join_room(room, user, now_ms(), caps(s)).await?;
    watch(s, user, room).await;
    Ok(joined)
}

/// `user` leaves `room` (`NotInRoom` when not in it).
pub async fn leave(s: &Shared, user: &UserId, room: &RoomId) -> ServiceResult<()> {
    s.store.leave_room(room, user).await?;
    unwatch(s, user, room);
    Ok(())
}

/// `from` sends into `room`, within their `room_messages_per_minute`; the
/// connection `except` (the sender's) gets the ack instead of the push.
pub async fn send(
    s: &Shared,
    from: &UserId,
    room: &RoomId,
    content: &Content,
    except: Option<ConnId>,
) -> ServiceResult<RoomMessage> {
    check_content(s, content)?;
    if !s.rooms.rate.take(from, s.config.rooms.messages_per_minute) {
        return Err(WireError::new(
            ErrorCode::RoomRateLimited,
            format!(
                "at most {} room messages per minute",
                s.config.rooms.messages_per_minute
            ),
        ));
    }
    let content = moderate(s, from, room, content).await?;
    post(s, from, room, &content, except).await
}

/// The `message.send` before-hook (docs/webhooks.md) decides a member's room
/// message as it decides any other send: allow, reject (the sender gets
/// `Rejected` with the hook's reason) or rewrite the text. Its `data` names
/// the `room` instead of a `conv`. Admin sends (`post`) skip it, as the admin
/// API's sends to conversations do. A message `room_send` would refuse (no
/// such room, not in it, muted) is refused without asking.
async fn moderate<'a>(
    s: &Shared,
    from: &UserId,
    room: &RoomId,
    content: &'a Content,
) -> ServiceResult<Cow<'a, Content>> {
    if !s.webhooks.wants("message.send") {
        return Ok(Cow::Borrowed(content));
    }
    s.store.room_precheck(room, from, now_ms()).await?;
    let text = match content {
        Content::Text { text } => Some(text.as_str()),
        _ => None,
    };
    let data = serde_json::json!({ "sender": from, "room": room, "content": content });
    match s.webhooks.before("message.send", data, text).await? {
        Some(new) => {
            let rewritten = Content::Text { text: new };
            check_content(s, &rewritten)?;
            Ok(Cow::Owned(rewritten))
        }
        None => Ok(Cow::Borrowed(content)),
    }
}

/// Stores and fans out a message of member `from` without the rate limit
/// (the admin API sending as a member).
pub async fn post(
    s: &Shared,
    from: &UserId,
    room: &RoomId,
    content: &Content,
    except: Option<ConnId>,
) -> ServiceResult<RoomMessage> {
    check_content(s, content)?;
    let keep = s.config.rooms.recent;
    let (message, members) = s
        .store
        .room_send(room, from, content, now_ms(), keep)
        .await?;
    let push = Push::RoomMessage {
        message: message.clone(),
    };
    fan_out(s, room, &members, &push, except, true);
    Ok(message)
}

/// Pushes `push` to the connected ones of `members`: here through the hub,
/// elsewhere through one publish on the room's bus subject.
pub(super) fn fan_out(
    s: &Shared,
    room: &RoomId,
    members: &[UserId],
    push: &Push,
    except: Option<ConnId>,
    message: bool,
) {
    let frame = ServerFrame::Push { push: push.clone() }.encode();
    let n = s
        .hub
        .push_all_frame(members, Utf8Bytes::from(frame.clone()), except);
    if message {
        s.hub.count_messages(n);
    }
    if let Some(cluster) = &s.cluster {
        let env = Envelope {
            origin: s.node_id.clone(),
            sent_ms: now_ms(),
            what: What::Push {
                users: members.to_vec(),
                frame,
                message,
                order: None,
            },
        };
        cluster.bus.publish(room_subject(room), &env);
    }
}

/// A page of `room`'s members (a user must be in it: `NotInRoom`); returns
/// them and the `after` of the next page.
pub async fn members(
    s: &Shared,
    by: RoomActor<'_>,
    room: &RoomId,
    after: Option<&UserId>,
    limit: Option<u32>,
) -> ServiceResult<(Vec<RoomMember>, Option<UserId>)> {
    if let RoomActor::User(u) = by {
        info(s, room).await?;
        if s.store.room_role(room, u).await?.is_none() {
            return Err(WireError::new(
                ErrorCode::NotInRoom,
                "you are not in this room",
            ));
        }
    }
    let limit = super::page(s, limit, 100);
    let members = s
        .store
        .room_members(room, after, limit.saturating_add(1))
        .await?;
    Ok(super::paged(members, limit, |m| m.user.clone()))
}

/// Removes `user` from `room` and bans them for `ban_secs` (0: no ban);
/// they get `room_left` (`kicked`) on every device. Returns the ban's end
/// (the same instant the push carries and the ban is stored with).
pub async fn kick(
    s: &Shared,
    by: RoomActor<'_>,
    room: &RoomId,
    user: &UserId,
    ban_secs: u32,
) -> ServiceResult<Option<i64>> {
    if ban_secs > MAX_MINUTES * 60 {
        return Err(invalid(format!(
            "a ban lasts at most {} seconds (30 days)",
            MAX_MINUTES * 60
        )));
    }
    let until = (ban_secs > 0).then(|| now_ms() + i64::from(ban_secs) * 1000);
    s.store.room_kick(room, by, user, until).await?;
    unwatch(s, user, room);
    let push = Push::RoomLeft {
        room: room.clone(),
        reason: RoomLeftReason::Kicked,
        banned_until: until,
    };
    s.sink.deliver(&[Delivery {
        user: user.clone(),
        push,
    }]);
    Ok(until)
}

/// Mutes `user` in `room` for `minutes` (0 lifts it).
pub async fn mute(
    s: &Shared,
    by: RoomActor<'_>,
    room: &RoomId,
    user: &UserId,
    minutes: u32,
) -> ServiceResult<()> {
    let until = check_minutes(minutes)?;
    Ok(s.store.room_mute(room, by, user, until).await?)
}

/// Makes member `user` an admin of `room` or a plain member (owner only).
pub async fn set_admin(
    s: &Shared,
    by: RoomActor<'_>,
    room: &RoomId,
    user: &UserId,
    admin: bool,
) -> ServiceResult<()> {
    Ok(s.store.set_room_admin(room, by, user, admin).await?)
}

/// Deletes `room` (owner only); its members get `room_left` (`deleted`).
pub async fn delete(s: &Shared, by: RoomActor<'_>, room: &RoomId) -> ServiceResult<()> {
    let members = s.store.delete_room(room, by).await?;
    let push = Push::RoomLeft {
        room: room.clone(),
        reason: RoomLeftReason::Deleted,
        banned_until: None,
    };
    fan_out(s, room, &members, &push, None, false);
    for m in &members {
        unwatch(s, m, room);
    }
    Ok(())
}
