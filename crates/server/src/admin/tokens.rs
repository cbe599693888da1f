//! `POST /admin/users/{user}/tokens`: mint a login token, as an app backend
//! does instead of handling passwords (like TIM's UserSig).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::body::Body;
use super::error::ApiError;
use super::path_user;
use crate::service::admin;
use crate::state::Shared;

/// Longest lifetime a minted token may have: one year.
pub const MAX_TTL_SECS: u64 = 366 * 24 * 3600;

/// Body of `POST /admin/users/{user}/tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MintToken {
    /// Seconds until the token expires (1 to [`MAX_TTL_SECS`]).
    pub ttl_secs: u64,
}

/// Signs a token for an existing user. It is the format `resume` accepts; the
/// session starts (under the multi-device policy) at its first `resume`. Its
/// session id is recorded so that force-offline and password resets revoke it
/// even before it is used.
pub async fn mint(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    Body(b): Body<MintToken>,
) -> Result<Json<Value>, ApiError> {
    let user = path_user(&raw)?;
    if !(1..=MAX_TTL_SECS).contains(&b.ttl_secs) {
        return Err(ApiError::bad(format!(
            "`ttl_secs` must be 1 to {MAX_TTL_SECS}"
        )));
    }
    let claims = admin::mint_token(&s, &user, b.ttl_secs).await?;
    let token = s.key.sign(&claims);
    Ok(Json(json!({
        "user": user,
        "token": token,
        "expires_at": claims.expires_at,
    })))
}
