//! `POST /admin/users`, `DELETE /admin/users/{user}`, `POST /admin/users/{user}/password`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tern_proto::{ErrorCode, KickReason, UserId};

use super::body::Body;
use super::error::ApiError;
use super::path_user;
use crate::handlers::session::{check_password, hash_error, reserved, reserved_id};
use crate::handlers::{check_len, deliver};
use crate::state::Shared;
use crate::store::{accounts, admin, now_ms};

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

/// Creates an account, like `register` plus an optional nickname. 201.
pub async fn create(
    State(s): State<Arc<Shared>>,
    Body(b): Body<CreateUser>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if let Some(n) = &b.nickname {
        check_len("nickname", n, 64)?;
    }
    if reserved_id(&b.user) {
        return Err(reserved(&b.user).into());
    }
    let hash = hash(&s, b.password).await?;
    let (user, nickname, now) = (b.user.clone(), b.nickname.clone(), now_ms());
    s.store
        .write(move |c| {
            accounts::create_user(c, &user, &hash, now)?;
            if let Some(n) = nickname {
                accounts::set_profile(c, &user, Some(&n), None, None)?;
            }
            Ok(())
        })
        .await?;
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
    if user.as_str() == admin::SYSTEM_USER {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "the `system` account is reserved and cannot be deleted",
        ));
    }
    let (u, hub, kicked) = (user.clone(), s.hub.clone(), user.clone());
    let sessions = s
        .store
        .write_then(
            move |c| {
                let mut out = Vec::new();
                let live = admin::delete_user(c, &u, now_ms(), &mut out)?;
                Ok((live, out))
            },
            move |(_, out)| {
                hub.kick_user(&kicked, KickReason::AccountDeleted);
                deliver(&hub, out);
            },
        )
        .await?
        .0;
    Ok(Json(
        json!({ "user": user, "deleted": true, "sessions_revoked": sessions.len() }),
    ))
}

/// Sets a new password; every session is revoked and kicked (`password_changed`).
pub async fn reset_password(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    Body(b): Body<ResetPassword>,
) -> Result<Json<Value>, ApiError> {
    let user = path_user(&raw)?;
    if user.as_str() == admin::SYSTEM_USER {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "the `system` account is reserved and cannot log in",
        ));
    }
    let hash = hash(&s, b.password).await?;
    let (u, hub, kicked) = (user.clone(), s.hub.clone(), user.clone());
    let revoked = s
        .store
        .write_then(
            move |c| admin::set_password(c, &u, &hash),
            move |_: &Vec<String>| hub.kick_user(&kicked, KickReason::PasswordChanged),
        )
        .await?;
    Ok(Json(
        json!({ "user": user, "sessions_revoked": revoked.len() }),
    ))
}

/// Checks the length rule of `register` and hashes off the runtime.
async fn hash(s: &Shared, password: String) -> Result<String, ApiError> {
    check_password(s, &password)
        .map_err(|e| ApiError::bad(format!("`{}", e.message.replacen(' ', "` ", 1))))?;
    // The admin API is trusted: it waits for a hashing slot as long as it takes.
    Ok(s.hasher
        .hash(password, s.password, None)
        .await
        .map_err(hash_error)?)
}
