//! A group's members through the admin API: the paged list, adding and
//! removing, muting, and handing the group over. Each acts as the group's
//! owner through the owner's own code path (pushes, change log, webhooks).

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tern_proto::UserId;

use super::body::Body;
use super::error::ApiError;
use super::groups::path_group;
use super::path_user;
use super::query::{self, Params};
use crate::service::admin_groups as svc;
use crate::service::groups::MAX_MUTE_MINUTES;
use crate::state::Shared;

/// Body of `POST /admin/groups/{group}/members`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMembers {
    /// 1 to 100 existing users.
    pub users: Vec<UserId>,
}

/// Body of `POST /admin/groups/{group}/members/{user}/mute`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mute {
    /// 1 to 43,200 (30 days).
    pub minutes: u32,
}

/// Body of `POST /admin/groups/{group}/transfer`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The member who becomes the owner.
    pub to: UserId,
}

/// Members by id, paged with `after` and `limit`.
pub async fn list(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let group = path_group(&raw)?;
    let p = query::params(q, &["after", "limit"])?;
    let after = query::id(&p, "after", |v: &str| UserId::new(v))?;
    let limit = query::limit(&p)?;
    let (members, next) = svc::members(&s, &group, after.as_ref(), limit).await?;
    Ok(Json(json!({ "members": members, "next": next })))
}

/// Adds users as the owner would with `invite_members`.
pub async fn add(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    Body(b): Body<AddMembers>,
) -> Result<Json<Value>, ApiError> {
    let group = path_group(&raw)?;
    let added = svc::add_members(&s, &group, &b.users).await?;
    Ok(Json(json!({ "group": group, "added": added })))
}

/// Removes a member (not the owner).
pub async fn remove(
    State(s): State<Arc<Shared>>,
    Path((g, u)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (group, user) = (path_group(&g)?, path_user(&u)?);
    svc::remove_member(&s, &group, &user).await?;
    Ok(Json(
        json!({ "group": group, "user": user, "removed": true }),
    ))
}

/// Mutes a member for 1 to 43,200 minutes.
pub async fn mute(
    State(s): State<Arc<Shared>>,
    Path((g, u)): Path<(String, String)>,
    Body(b): Body<Mute>,
) -> Result<Json<Value>, ApiError> {
    let (group, user) = (path_group(&g)?, path_user(&u)?);
    if b.minutes == 0 || b.minutes > MAX_MUTE_MINUTES {
        return Err(ApiError::bad(format!(
            "invalid body: field `minutes`: from 1 to {MAX_MUTE_MINUTES} (30 days); DELETE unmutes"
        )));
    }
    svc::mute(&s, &group, &user, b.minutes).await?;
    Ok(Json(
        json!({ "group": group, "user": user, "muted_minutes": b.minutes }),
    ))
}

/// Lifts a member's mute.
pub async fn unmute(
    State(s): State<Arc<Shared>>,
    Path((g, u)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (group, user) = (path_group(&g)?, path_user(&u)?);
    svc::mute(&s, &group, &user, 0).await?;
    Ok(Json(
        json!({ "group": group, "user": user, "muted_minutes": 0 }),
    ))
}

/// Hands the group to a member; the old owner stays on as an admin (as with
/// the owner's `transfer_group`).
pub async fn transfer(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    Body(b): Body<Transfer>,
) -> Result<Json<Value>, ApiError> {
    let group = path_group(&raw)?;
    let from = svc::transfer(&s, &group, &b.to).await?;
    Ok(Json(json!({ "group": group, "from": from, "owner": b.to })))
}
