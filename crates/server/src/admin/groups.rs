//! `POST /admin/groups`: create a group on behalf of a user (its owner), with
//! initial members. The same code path as the WebSocket `create_group`: every
//! member's devices get `group_joined` through the change log.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use tern_proto::{GroupInfo, JoinPolicy, UserId};

use super::body::Body;
use super::error::ApiError;
use crate::service::admin;
use crate::state::Shared;

/// Body of `POST /admin/groups`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateGroup {
    /// The owner; must exist.
    pub owner: UserId,
    /// Display name, 1 to 64 characters.
    pub name: String,
    /// Initial members besides the owner (unknown ids are 404; duplicates and
    /// the owner are ignored).
    #[serde(default)]
    pub members: Vec<UserId>,
    /// `open` or `approval` (the default).
    #[serde(default)]
    pub join_policy: Option<JoinPolicy>,
}

/// Creates the group; 201 with the group's info.
pub async fn create(
    State(s): State<Arc<Shared>>,
    Body(b): Body<CreateGroup>,
) -> Result<(StatusCode, Json<GroupInfo>), ApiError> {
    let (owner, policy) = (&b.owner, b.join_policy);
    let group = admin::create_group(&s, owner, &b.name, &b.members, policy).await?;
    Ok((StatusCode::CREATED, Json(group)))
}
