//! `POST /admin/groups`: create a group on behalf of a user (its owner), with
//! initial members. The same code path as the WebSocket `create_group`: every
//! member's devices get `group_joined` through the change log. Also the
//! paged group list, one group's info, dismissing it, and system notices
//! into it (members: [`super::group_members`]).

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tern_proto::{ClientMsgId, ConversationId, GroupId, GroupInfo, JoinPolicy, UserId};

use super::body::Body;
use super::error::ApiError;
use super::query::{self, Params};
use crate::service::{admin, admin_groups as svc};
use crate::state::Shared;

/// Parses the `{group}` path segment.
pub fn path_group(raw: &str) -> Result<GroupId, ApiError> {
    GroupId::new(raw).map_err(|e| ApiError::bad(format!("path segment `group`: {e}")))
}

/// Body of `POST /admin/groups/{group}/notices`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupNotice {
    /// The notice text.
    pub text: String,
    /// Dedup key; a fresh one is generated when absent.
    #[serde(default)]
    pub client_id: Option<ClientMsgId>,
    /// Optional application JSON object.
    #[serde(default)]
    pub ext: Option<Value>,
}

/// Live groups by id, paged with `after` and `limit`, filtered by `query`.
pub async fn list(
    State(s): State<Arc<Shared>>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = query::params(q, &["query", "after", "limit"])?;
    let after = query::id(&p, "after", |v: &str| GroupId::new(v))?;
    let limit = query::limit(&p)?;
    let q = p.get("query").map(String::as_str);
    let (groups, next) = svc::list(&s, q, after.as_ref(), limit).await?;
    Ok(Json(json!({ "groups": groups, "next": next })))
}

/// One live group's info.
pub async fn info(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
) -> Result<Json<GroupInfo>, ApiError> {
    let group = path_group(&raw)?;
    Ok(Json(crate::service::groups::info(&s, &group).await?))
}

/// Dismisses the group as its owner would.
pub async fn dismiss(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let group = path_group(&raw)?;
    svc::dismiss(&s, &group).await?;
    Ok(Json(json!({ "group": group, "dismissed": true })))
}

/// Posts a system notice into the group.
pub async fn notice(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    Body(b): Body<GroupNotice>,
) -> Result<Json<Value>, ApiError> {
    let group = path_group(&raw)?;
    let id = super::messages::client_id(b.client_id);
    let out = svc::notice(&s, &group, b.text, id.clone(), b.ext).await?;
    super::messages::answer(ConversationId::Group(group), id, out)
}

/// Body of `POST /admin/groups`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateGroup {
    /// The owner; must exist.
    pub owner: UserId,
    /// Display name, 1 to 64 characters.
    pub name: String,
    /// Initial members besides the owner (unknown ids are 404; duplicates and
    /// the owner are ignored). Absent or `null`: none.
    #[serde(default)]
    pub members: Option<Vec<UserId>>,
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
    let group = admin::create_group(
        &s,
        owner,
        &b.name,
        b.members.as_deref().unwrap_or_default(),
        policy,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(group)))
}
