//! Chat rooms through the admin API: create one for an owner (with its own
//! number of kept messages), the paged list with member counts, one room,
//! delete (its members get `room_left`, `deleted`), and messages: as a
//! member or a system notice, stored among the room's recent messages and
//! pushed to its current members (members, kicks, mutes, bans:
//! [`super::room_members`]).

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tern_proto::{Content, RoomId, RoomMessage, UserId};

use super::body::Body;
use super::error::ApiError;
use super::query::{self, Params};
use crate::service::admin_rooms::{self as svc, AdminRoom};
use crate::service::rooms;
use crate::state::Shared;

/// Parses the `{room}` path segment.
pub fn path_room(raw: &str) -> Result<RoomId, ApiError> {
    RoomId::new(raw).map_err(|e| ApiError::bad(format!("path segment `room`: {e}")))
}

/// Body of `POST /admin/rooms`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRoom {
    /// The owner; must exist. They join the room.
    pub owner: UserId,
    /// Display name, 1 to 64 characters.
    pub name: String,
    /// Messages the room keeps for those who join, 0 to 1,000 (absent or
    /// null: the server's `room_recent`).
    #[serde(default)]
    pub recent: Option<u32>,
}

/// Body of `POST /admin/rooms/{room}/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendAs {
    /// The sender: a member of the room, not muted.
    pub from: UserId,
    /// Text, a location or custom content, as in `room_send`.
    pub content: Content,
}

/// Body of `POST /admin/rooms/{room}/notices`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomNotice {
    /// The notice text.
    pub text: String,
}

/// Creates the room; 201 with it.
pub async fn create(
    State(s): State<Arc<Shared>>,
    Body(b): Body<CreateRoom>,
) -> Result<(StatusCode, Json<AdminRoom>), ApiError> {
    let room = svc::create(&s, &b.owner, &b.name, b.recent).await?;
    Ok((StatusCode::CREATED, Json(room)))
}

/// Rooms by id, paged with `after` and `limit`, with their member counts.
pub async fn list(
    State(s): State<Arc<Shared>>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = query::params(q, &["after", "limit"])?;
    let after = query::id(&p, "after", |v: &str| RoomId::new(v))?;
    let (list, next) = rooms::list(&s, after.as_ref(), query::limit(&p)?).await?;
    Ok(Json(json!({ "rooms": list, "next": next })))
}

/// One room.
pub async fn get(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
) -> Result<Json<AdminRoom>, ApiError> {
    let room = path_room(&raw)?;
    Ok(Json(svc::get(&s, &room).await?))
}

/// Deletes the room as its owner would.
pub async fn delete(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let room = path_room(&raw)?;
    rooms::delete(&s, rooms::RoomActor::Admin, &room).await?;
    Ok(Json(json!({ "room": room, "deleted": true })))
}

/// Sends as a member.
pub async fn send(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    Body(b): Body<SendAs>,
) -> Result<Json<RoomMessage>, ApiError> {
    let room = path_room(&raw)?;
    Ok(Json(svc::send_as(&s, &room, &b.from, &b.content).await?))
}

/// Posts a system notice.
pub async fn notice(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    Body(b): Body<RoomNotice>,
) -> Result<Json<RoomMessage>, ApiError> {
    let room = path_room(&raw)?;
    Ok(Json(svc::notice(&s, &room, b.text).await?))
}
