//! A chat room's members through the admin API: the paged list, kicking
//! (with an optional ban), muting, appointing admins, and bans of any user
//! (a member or not) and lifting them. Each acts as the administrator
//! ([`RoomActor::Admin`]), who may do what the room's owner may, through
//! the owner's code path (so the member hears `room_left` live).

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tern_proto::{RoomId, UserId};

use super::body::Body;
use super::error::ApiError;
use super::path_user;
use super::query::{self, Params};
use super::rooms::path_room;
use crate::service::admin_rooms::{self as svc, MAX_BAN_SECS};
use crate::service::rooms::{self, RoomActor, MAX_MINUTES};
use crate::state::Shared;

/// Body of `POST /admin/rooms/{room}/members/{user}/mute`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mute {
    /// 1 to 43,200 (30 days).
    pub minutes: u32,
}

/// Body of `POST /admin/rooms/{room}/bans/{user}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ban {
    /// 1 to 2,592,000 (30 days).
    pub seconds: u32,
}

fn member(room: &str, user: &str) -> Result<(RoomId, UserId), ApiError> {
    Ok((path_room(room)?, path_user(user)?))
}

/// Members by id, paged with `after` and `limit`.
pub async fn list(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let room = path_room(&raw)?;
    let p = query::params(q, &["after", "limit"])?;
    let after = query::id(&p, "after", |v: &str| UserId::new(v))?;
    let limit = query::limit(&p)?;
    let (members, next) =
        rooms::members(&s, RoomActor::Admin, &room, after.as_ref(), limit).await?;
    Ok(Json(json!({ "members": members, "next": next })))
}

/// Kicks a member (not the owner); `ban_secs` (0 to 30 days) bans them too.
pub async fn kick(
    State(s): State<Arc<Shared>>,
    Path((r, u)): Path<(String, String)>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let (room, user) = member(&r, &u)?;
    let p = query::params(q, &["ban_secs"])?;
    let what = format!("an integer from 0 to {MAX_BAN_SECS} (30 days)");
    let ban_secs = query::get::<u32>(&p, "ban_secs", &what)?.unwrap_or(0);
    if ban_secs > MAX_BAN_SECS {
        return Err(ApiError::bad(format!("query parameter `ban_secs`: {what}")));
    }
    let until = svc::kick(&s, &room, &user, ban_secs).await?;
    Ok(Json(
        json!({ "room": room, "user": user, "removed": true, "banned_until": until }),
    ))
}

/// Mutes a member (not the owner) for 1 to 43,200 minutes.
pub async fn mute(
    State(s): State<Arc<Shared>>,
    Path((r, u)): Path<(String, String)>,
    Body(b): Body<Mute>,
) -> Result<Json<Value>, ApiError> {
    let (room, user) = member(&r, &u)?;
    if b.minutes == 0 || b.minutes > MAX_MINUTES {
        return Err(ApiError::bad(format!(
            "invalid body: field `minutes`: from 1 to {MAX_MINUTES} (30 days); DELETE unmutes"
        )));
    }
    rooms::mute(&s, RoomActor::Admin, &room, &user, b.minutes).await?;
    Ok(Json(
        json!({ "room": room, "user": user, "muted_minutes": b.minutes }),
    ))
}

/// Lifts a member's mute.
pub async fn unmute(
    State(s): State<Arc<Shared>>,
    Path((r, u)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (room, user) = member(&r, &u)?;
    rooms::mute(&s, RoomActor::Admin, &room, &user, 0).await?;
    Ok(Json(
        json!({ "room": room, "user": user, "muted_minutes": 0 }),
    ))
}

/// Makes a member an admin of the room.
pub async fn appoint(
    State(s): State<Arc<Shared>>,
    Path((r, u)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    set_admin(&s, &r, &u, true).await
}

/// Makes an admin a plain member again.
pub async fn dismiss(
    State(s): State<Arc<Shared>>,
    Path((r, u)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    set_admin(&s, &r, &u, false).await
}

async fn set_admin(s: &Shared, r: &str, u: &str, admin: bool) -> Result<Json<Value>, ApiError> {
    let (room, user) = member(r, u)?;
    rooms::set_admin(s, RoomActor::Admin, &room, &user, admin).await?;
    let role = if admin { "admin" } else { "member" };
    Ok(Json(json!({ "room": room, "user": user, "role": role })))
}

/// Bans a user (a member is removed) for 1 second to 30 days.
pub async fn ban(
    State(s): State<Arc<Shared>>,
    Path((r, u)): Path<(String, String)>,
    Body(b): Body<Ban>,
) -> Result<Json<Value>, ApiError> {
    let (room, user) = member(&r, &u)?;
    let (until, was_member) = svc::ban(&s, &room, &user, b.seconds).await?;
    Ok(Json(
        json!({ "room": room, "user": user, "banned_until": until, "was_member": was_member }),
    ))
}

/// Lifts a user's ban (not banned: `was_banned` false).
pub async fn unban(
    State(s): State<Arc<Shared>>,
    Path((r, u)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (room, user) = member(&r, &u)?;
    let was_banned = svc::unban(&s, &room, &user).await?;
    Ok(Json(
        json!({ "room": room, "user": user, "was_banned": was_banned }),
    ))
}
