//! Chat-room commands: request fields → [`crate::service::rooms`] → response.

use tern_proto::{Content, Response, RoomId, UserId};

use super::HandlerResult;
use crate::context::Ctx;
use crate::service::rooms::{self as svc, RoomActor};

/// `list_rooms`.
pub async fn list(ctx: &mut Ctx, after: Option<RoomId>, limit: Option<u32>) -> HandlerResult {
    ctx.auth()?;
    let (rooms, _) = svc::list(&ctx.shared, after.as_ref(), limit).await?;
    Ok(Response::Rooms { rooms })
}

/// `create_room`: I own it and am in it.
pub async fn create(ctx: &mut Ctx, name: String) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let room = svc::create(&ctx.shared, &me, &name).await?;
    Ok(Response::Room { room })
}

/// `join_room`.
pub async fn join(ctx: &mut Ctx, room: RoomId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    // Each join reads and answers the room's kept messages (up to 50 of 64
    // KiB): joining again and again cost the writer far more than the request.
    crate::service::groups::take_action(&ctx.shared, &me)?;
    let (room, recent) = svc::join(&ctx.shared, &me, &room).await?;
    Ok(Response::RoomJoined { room, recent })
}

/// `leave_room`.
pub async fn leave(ctx: &mut Ctx, room: RoomId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    crate::service::groups::take_action(&ctx.shared, &me)?;
    svc::leave(&ctx.shared, &me, &room).await?;
    Ok(Response::Done)
}

/// `room_send`: the ack to me, the push to every other connection of the members.
pub async fn send(ctx: &mut Ctx, room: RoomId, content: Content) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let m = svc::send(&ctx.shared, &me, &room, &content, Some(ctx.conn)).await?;
    Ok(Response::RoomSent {
        room: m.room,
        seq: m.seq,
        sent_at: m.sent_at,
    })
}

/// `room_members`.
pub async fn members(
    ctx: &mut Ctx,
    room: RoomId,
    after: Option<UserId>,
    limit: Option<u32>,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let by = RoomActor::User(&me);
    let (members, next) = svc::members(&ctx.shared, by, &room, after.as_ref(), limit).await?;
    Ok(Response::RoomMembers { members, next })
}

/// `room_kick`.
pub async fn kick(ctx: &mut Ctx, room: RoomId, user: UserId, ban_secs: u32) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    svc::kick(&ctx.shared, RoomActor::User(&me), &room, &user, ban_secs).await?;
    Ok(Response::Done)
}

/// `room_mute`.
pub async fn mute(ctx: &mut Ctx, room: RoomId, user: UserId, minutes: u32) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    svc::mute(&ctx.shared, RoomActor::User(&me), &room, &user, minutes).await?;
    Ok(Response::Done)
}

/// `set_room_admin`.
pub async fn set_admin(ctx: &mut Ctx, room: RoomId, user: UserId, admin: bool) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    svc::set_admin(&ctx.shared, RoomActor::User(&me), &room, &user, admin).await?;
    Ok(Response::Done)
}

/// `delete_room`.
pub async fn delete(ctx: &mut Ctx, room: RoomId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    svc::delete(&ctx.shared, RoomActor::User(&me), &room).await?;
    Ok(Response::Done)
}
