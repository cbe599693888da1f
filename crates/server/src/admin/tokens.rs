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
use crate::auth::{random_id, Claims};
use crate::state::Shared;
use crate::store::{accounts, admin, now_ms};

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
    if user.as_str() == crate::store::admin::SYSTEM_USER {
        return Err(ApiError::new(
            tern_proto::ErrorCode::Forbidden,
            "the `system` account is reserved and cannot log in",
        ));
    }
    let now = now_ms();
    let claims = Claims {
        user: user.clone(),
        session: random_id(),
        expires_at: now.saturating_add(b.ttl_secs as i64 * 1000),
    };
    let (u, sid, exp) = (user.clone(), claims.session.clone(), claims.expires_at);
    s.store
        .write(move |c| {
            accounts::require_user(c, &u)?;
            admin::record_minted(c, &u, &sid, exp, now)
        })
        .await?;
    let token = s.key.sign(&claims);
    Ok(Json(json!({
        "user": user,
        "token": token,
        "expires_at": claims.expires_at,
    })))
}
