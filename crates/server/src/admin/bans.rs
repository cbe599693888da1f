//! `POST /admin/users/{user}/ban`, `DELETE /admin/users/{user}/ban`, and the
//! paged, searchable user list `GET /admin/users`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tern_proto::UserId;

use super::body::Body;
use super::error::ApiError;
use super::path_user;
use crate::service::moderation as svc;
use crate::state::Shared;

/// Body of `POST /admin/users/{user}/ban`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BanUser {
    /// Why (1 to 256 characters); the user sees it when a login is refused.
    pub reason: String,
}

/// Bans a user: sessions revoked, connections kicked, logins refused.
pub async fn ban(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    Body(b): Body<BanUser>,
) -> Result<Json<Value>, ApiError> {
    let user = path_user(&raw)?;
    let revoked = svc::ban(&s, &user, &b.reason).await?;
    Ok(Json(
        json!({ "user": user, "banned": true, "reason": b.reason, "sessions_revoked": revoked }),
    ))
}

/// Lifts a ban.
pub async fn unban(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = path_user(&raw)?;
    let was = svc::unban(&s, &user).await?;
    Ok(Json(
        json!({ "user": user, "banned": false, "was_banned": was }),
    ))
}

/// Lists users by id, paged with `after` and `limit`, filtered by `query`.
pub async fn list(
    State(s): State<Arc<Shared>>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(params) = query.map_err(|e| ApiError::bad(format!("bad query string: {e}")))?;
    if let Some(k) = params
        .keys()
        .find(|k| !matches!(k.as_str(), "query" | "after" | "limit"))
    {
        return Err(ApiError::bad(format!(
            "unknown query parameter `{k}`; expected `query`, `after` or `limit`"
        )));
    }
    let after = match params.get("after") {
        Some(a) => Some(
            UserId::new(a).map_err(|e| ApiError::bad(format!("query parameter `after`: {e}")))?,
        ),
        None => None,
    };
    let limit = match params.get("limit") {
        Some(l) => Some(l.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            ApiError::bad(
                "query parameter `limit`: an integer from 1 (larger asks are clamped to max_page)",
            )
        })?),
        None => None,
    };
    let query = params.get("query").map(String::as_str);
    let (users, next) = svc::list_users(&s, query, after.as_ref(), limit).await?;
    Ok(Json(json!({ "users": users, "next": next })))
}
