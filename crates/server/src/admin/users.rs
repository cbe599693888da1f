//! `POST /admin/users`, `GET`/`PATCH`/`DELETE /admin/users/{user}`,
//! `POST /admin/users/{user}/password`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tern_proto::{FileId, Profile, UserId};

use super::body::Body;
use super::error::ApiError;
use super::path_user;
use crate::service::admin_data::{self, UserRecord};
use crate::service::{accounts as svc, admin};
use crate::state::Shared;

/// Body of `POST /admin/users`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// The new account's id.
    pub user: UserId,
    /// Its password (8 to 256 characters).
    pub password: String,
    /// Optional display name (at most 64 characters).
    #[serde(default)]
    pub nickname: Option<String>,
}

/// Body of `POST /admin/users/{user}/password`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    /// The new password (8 to 256 characters).
    pub password: String,
}

/// Body of `PATCH /admin/users/{user}`: the fields to change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfile {
    /// New display name (at most 64 characters; "" clears it).
    #[serde(default)]
    pub nickname: Option<String>,
    /// New avatar: the file id of an image the user uploaded.
    #[serde(default)]
    pub avatar: Option<FileId>,
    /// New status line (at most 256 characters).
    #[serde(default)]
    pub signature: Option<String>,
}

/// One user's profile, creation time and ban.
pub async fn get(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
) -> Result<Json<UserRecord>, ApiError> {
    let user = path_user(&raw)?;
    Ok(Json(admin_data::user(&s, &user).await?))
}

/// Changes profile fields; the user's devices and friends hear of it.
pub async fn update(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    Body(b): Body<UpdateProfile>,
) -> Result<Json<Profile>, ApiError> {
    let user = path_user(&raw)?;
    let p = admin_data::update_profile(&s, &user, b.nickname, b.avatar, b.signature).await?;
    Ok(Json(p))
}

/// Creates an account, like `register` plus an optional nickname. 201.
pub async fn create(
    State(s): State<Arc<Shared>>,
    Body(b): Body<CreateUser>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let now = svc::create_user(&s, &b.user, b.password, b.nickname.as_deref()).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "user": b.user, "nickname": b.nickname.unwrap_or_default(), "created_at": now }),
        ),
    ))
}

/// Deletes an account; its live sessions get `kicked` (`account_deleted`).
pub async fn delete(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = path_user(&raw)?;
    let sessions = admin::delete_user(&s, &user).await?;
    Ok(Json(
        json!({ "user": user, "deleted": true, "sessions_revoked": sessions }),
    ))
}

/// Sets a new password; every session is revoked and kicked (`password_changed`).
pub async fn reset_password(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    Body(b): Body<ResetPassword>,
) -> Result<Json<Value>, ApiError> {
    let user = path_user(&raw)?;
    let revoked = admin::reset_password(&s, &user, b.password).await?;
    Ok(Json(json!({ "user": user, "sessions_revoked": revoked })))
}
