//! `GET /admin/sessions` and `POST /admin/users/{user}/force-offline`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::error::ApiError;
use super::path_user;
use crate::service::admin;
use crate::state::Shared;

/// Every authenticated connection (on every node of a cluster): user,
/// session, platform, device, since when (ms since the epoch) it has been
/// online, and the node holding it.
pub async fn list(State(s): State<Arc<Shared>>) -> Result<Json<Value>, ApiError> {
    let sessions: Vec<Value> = admin::online_sessions(&s)
        .await?
        .into_iter()
        .map(|(c, device)| {
            json!({
                "user": c.user,
                "session": c.session,
                "platform": c.platform,
                "device": device,
                "since": c.since,
                "node": c.node,
            })
        })
        .collect();
    Ok(Json(json!({ "sessions": sessions })))
}

/// Revokes every session of the user and kicks their connections (`admin`).
pub async fn force_offline(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = path_user(&raw)?;
    let revoked = admin::force_offline(&s, &user).await?;
    Ok(Json(json!({ "user": user, "sessions_revoked": revoked })))
}
