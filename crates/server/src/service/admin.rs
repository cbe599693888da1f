//! The operator's use cases (the admin REST API adapts them to HTTP): account
//! actions that kick, minted tokens, messages as a user or from `system`, the
//! online-session list, groups on a user's behalf.

use tern_proto::{
    ClientMsgId, Content, ConversationId, ErrorCode, GroupInfo, JoinPolicy, KickReason, UserId,
    WireError,
};

use super::messages::{self, Outgoing};
use super::{check_len, invalid, ServiceResult};
use crate::auth::{random_id, Claims};
use crate::cluster::LiveConn;
use crate::state::Shared;
use crate::storage::now_ms;
use crate::storage::SendOutcome;
use tern_proto::SYSTEM_USER;

fn refuse_system(user: &UserId, what: &str) -> ServiceResult<()> {
    if user.as_str() == SYSTEM_USER {
        return Err(WireError::new(
            ErrorCode::Forbidden,
            format!("the `system` account is reserved and {what}"),
        ));
    }
    Ok(())
}

/// Deletes an account; its live sessions are kicked (`account_deleted`).
/// Returns the number of sessions revoked.
pub async fn delete_user(s: &Shared, user: &UserId) -> ServiceResult<usize> {
    refuse_system(user, "cannot be deleted")?;
    let data = serde_json::json!({ "user": user });
    let write = s.store.delete_user(user, now_ms());
    let revoked = s.webhooks.in_tx("user.deleted", data, write).await?;
    Ok(revoked)
}

/// Sets a new password; every session is revoked and kicked (`password_changed`).
pub async fn reset_password(s: &Shared, user: &UserId, password: String) -> ServiceResult<usize> {
    refuse_system(user, "cannot log in")?;
    let hash = super::accounts::operator_hash(s, password).await?;
    let reason = KickReason::PasswordChanged;
    Ok(s.store.set_password(user, &hash, None, reason).await?)
}

/// Revokes every session of the user and kicks their connections (`admin`).
pub async fn force_offline(s: &Shared, user: &UserId) -> ServiceResult<usize> {
    refuse_system(user, "has no sessions")?;
    Ok(s.store
        .revoke_sessions(user, None, KickReason::Admin)
        .await?)
}

/// Signs a login token for an existing user, valid `ttl_secs`; its session
/// is recorded so that revocations reach it before its first use.
pub async fn mint_token(s: &Shared, user: &UserId, ttl_secs: u64) -> ServiceResult<Claims> {
    refuse_system(user, "cannot log in")?;
    let now = now_ms();
    let claims = Claims {
        user: user.clone(),
        session: random_id(),
        expires_at: now.saturating_add(ttl_secs as i64 * 1000),
    };
    let store = &s.store;
    store
        .record_minted(user, &claims.session, claims.expires_at, now)
        .await?;
    Ok(claims)
}

/// Every authenticated connection (on every live node of a cluster) with its
/// session's device id.
pub async fn online_sessions(s: &Shared) -> ServiceResult<Vec<(LiveConn, String)>> {
    let online: Vec<LiveConn> = match &s.cluster {
        Some(cluster) => cluster.live_conns().await?,
        None => s
            .hub
            .snapshot()
            .into_iter()
            .map(|(user, e)| LiveConn {
                node: s.node_id.clone(),
                conn: e.conn as i64,
                user,
                session: e.session.to_string(),
                platform: e.platform,
                since: e.since,
            })
            .collect(),
    };
    let ids: Vec<String> = online.iter().map(|c| c.session.clone()).collect();
    let devices: std::collections::HashMap<String, String> =
        s.store.session_devices(&ids).await?.into_iter().collect();
    Ok(online
        .into_iter()
        .map(|c| {
            let device = devices.get(&c.session).cloned().unwrap_or_default();
            (c, device)
        })
        .collect())
}

/// Sends a message as `from`, validated and delivered like a WebSocket `send`.
pub async fn send_as_user(s: &Shared, msg: Outgoing) -> ServiceResult<SendOutcome> {
    if msg.sender.as_str() == SYSTEM_USER {
        return Err(invalid(
            "`from` may not be `system`; use POST /admin/notices",
        ));
    }
    messages::validate(s.config.max_text_chars, &msg.content, msg.ext.as_ref())?;
    s.store.require_user(&msg.sender).await?;
    let require_friendship = s.config.require_friendship;
    messages::store(s, msg, None, require_friendship, None)
        .await?
        .await
}

/// Sends `Content::System` from the reserved `system` account to `to`, in the
/// direct conversation between the two. Friendship is never required.
pub async fn send_notice(
    s: &Shared,
    to: &UserId,
    text: String,
    client_id: ClientMsgId,
    ext: Option<serde_json::Value>,
) -> ServiceResult<SendOutcome> {
    if text.trim().is_empty() {
        return Err(invalid("`text` must not be empty"));
    }
    check_len("text", &text, s.config.max_text_chars)?;
    if to.as_str() == SYSTEM_USER {
        return Err(invalid("`to` may not be `system` itself"));
    }
    if ext.as_ref().is_some_and(|e| !e.is_object()) {
        return Err(invalid("`ext` must be a JSON object"));
    }
    if !s.store.system_user_is_reserved().await? {
        return Err(WireError::new(
            ErrorCode::Internal,
            "user id `system` belongs to a registered account; notices are off",
        ));
    }
    s.store.require_user(to).await?;
    let system = UserId::new(SYSTEM_USER).expect("valid id");
    let msg = Outgoing {
        conv: ConversationId::direct(&system, to),
        sender: system,
        client_id,
        content: Content::System { text },
        ext,
        reply_to: None,
        mentions: None,
    };
    messages::store(s, msg, None, false, None).await?.await
}

/// Creates a group on behalf of `owner` (the same path as `create_group`).
pub async fn create_group(
    s: &Shared,
    owner: &UserId,
    name: &str,
    members: &[UserId],
    join_policy: Option<JoinPolicy>,
) -> ServiceResult<GroupInfo> {
    if owner.as_str() == SYSTEM_USER {
        return Err(invalid("`owner` may not be the reserved `system` account"));
    }
    if name.trim().is_empty() {
        return Err(invalid("field `name`: must not be empty"));
    }
    s.store.require_user(owner).await?;
    super::groups::create(s, owner, name, members, join_policy).await
}
