//! `GET /admin/sessions` and `POST /admin/users/{user}/force-offline`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use tern_proto::KickReason;

use super::error::ApiError;
use super::path_user;
use crate::state::Shared;
use crate::store::admin;

/// Every authenticated connection: user, session, platform, device and since
/// when (ms since the epoch) it has been online.
pub async fn list(State(s): State<Arc<Shared>>) -> Result<Json<Value>, ApiError> {
    let online = s.hub.snapshot();
    let ids: Vec<String> = online.iter().map(|(_, e)| e.session.clone()).collect();
    let devices: HashMap<String, String> = s
        .store
        .read(move |c| admin::session_devices(c, &ids))
        .await?
        .into_iter()
        .collect();
    let sessions: Vec<Value> = online
        .iter()
        .map(|(user, e)| {
            json!({
                "user": user,
                "session": e.session,
                "platform": e.platform,
                "device": devices.get(&e.session).cloned().unwrap_or_default(),
                "since": e.since,
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
    super::require_user(&s, &user).await?;
    let (u, hub, kicked) = (user.clone(), s.hub.clone(), user.clone());
    let revoked = s
        .store
        .write_then(
            move |c| admin::revoke_all_sessions(c, &u),
            move |_: &Vec<String>| hub.kick_user(&kicked, KickReason::Admin),
        )
        .await?;
    Ok(Json(
        json!({ "user": user, "sessions_revoked": revoked.len() }),
    ))
}
