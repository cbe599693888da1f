//! `POST /admin/messages` (send as a user) and `POST /admin/notices` (a system
//! notice). Both go through the one send path: stored with the next seq,
//! deduplicated on (sender, client id), pushed to every member's devices.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tern_proto::{ClientMsgId, Content, ConversationId, ErrorCode, Response, UserId, WireError};

use super::body::Body;
use super::error::ApiError;
use super::require_user;
use crate::handlers::check_len;
use crate::handlers::send::{submit, validate, Outgoing};
use crate::state::Shared;
use crate::store::admin::{system_user_is_reserved, SYSTEM_USER};

/// Body of `POST /admin/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendAsUser {
    /// The sender; must be a member of `conv`.
    pub from: UserId,
    /// Target conversation (`d:<user>:<user>` or `g:<group>`).
    pub conv: ConversationId,
    /// What it says, exactly as in the WebSocket `send` (`{"type":"text",…}`).
    pub content: Content,
    /// Dedup key; a fresh one is generated when absent.
    #[serde(default)]
    pub client_id: Option<ClientMsgId>,
    /// Optional application JSON object.
    #[serde(default)]
    pub ext: Option<Value>,
}

/// Body of `POST /admin/notices`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendNotice {
    /// Recipient; the notice lands in their conversation with `system`.
    pub to: UserId,
    /// The notice text.
    pub text: String,
    /// Dedup key; a fresh one is generated when absent.
    #[serde(default)]
    pub client_id: Option<ClientMsgId>,
    /// Optional application JSON object.
    #[serde(default)]
    pub ext: Option<Value>,
}

/// Sends a message as `from`, validated and delivered like a WebSocket `send`:
/// `from` outside `conv` (a `d:` id naming two others, or a group they are not
/// in) gets the store's answer, 403 `Forbidden` (4000), as on the WebSocket.
pub async fn send_as_user(
    State(s): State<Arc<Shared>>,
    Body(b): Body<SendAsUser>,
) -> Result<Json<Value>, ApiError> {
    if b.from.as_str() == SYSTEM_USER {
        return Err(ApiError::bad(
            "`from` may not be `system`; use POST /admin/notices",
        ));
    }
    validate(s.config.max_text_chars, &b.content, b.ext.as_ref())?;
    require_user(&s, &b.from).await?;
    let msg = Outgoing {
        sender: b.from,
        conv: b.conv,
        client_id: client_id(b.client_id),
        content: b.content,
        ext: b.ext,
    };
    let require_friendship = s.config.require_friendship;
    send(&s, msg, require_friendship).await
}

/// Sends `Content::System` from the reserved `system` account to `to`, in the
/// direct conversation between the two. Friendship is never required.
pub async fn send_notice(
    State(s): State<Arc<Shared>>,
    Body(b): Body<SendNotice>,
) -> Result<Json<Value>, ApiError> {
    if b.text.trim().is_empty() {
        return Err(ApiError::bad("`text` must not be empty"));
    }
    check_len("text", &b.text, s.config.max_text_chars)?;
    if b.to.as_str() == SYSTEM_USER {
        return Err(ApiError::bad("`to` may not be `system` itself"));
    }
    if b.ext.as_ref().is_some_and(|e| !e.is_object()) {
        return Err(ApiError::bad("`ext` must be a JSON object"));
    }
    if !s.store.read(system_user_is_reserved).await? {
        return Err(ApiError::new(
            ErrorCode::Internal,
            "user id `system` belongs to a registered account; notices are off",
        ));
    }
    require_user(&s, &b.to).await?;
    let system = UserId::new(SYSTEM_USER).expect("valid id");
    let msg = Outgoing {
        conv: ConversationId::direct(&system, &b.to),
        sender: system,
        client_id: client_id(b.client_id),
        content: Content::System { text: b.text },
        ext: b.ext,
    };
    send(&s, msg, false).await
}

async fn send(
    s: &Shared,
    msg: Outgoing,
    require_friendship: bool,
) -> Result<Json<Value>, ApiError> {
    let conv = msg.conv.clone();
    let client_id = msg.client_id.clone();
    let ack = submit(s, msg, require_friendship, None).await?.await?;
    let Response::Sent {
        conv: stored_conv,
        seq,
        id,
        sent_at,
        duplicate,
    } = ack
    else {
        return Err(ApiError::new(ErrorCode::Internal, "unexpected send result"));
    };
    if stored_conv != conv {
        return Err(ApiError {
            status: StatusCode::CONFLICT,
            error: WireError::new(
                ErrorCode::InvalidArgument,
                format!("`client_id` {client_id} was already used for a message in {stored_conv}"),
            ),
        });
    }
    Ok(Json(json!({
        "conv": stored_conv,
        "seq": seq,
        "id": id,
        "client_id": client_id,
        "sent_at": sent_at,
        "duplicate": duplicate,
    })))
}

fn client_id(given: Option<ClientMsgId>) -> ClientMsgId {
    given.unwrap_or_else(|| {
        ClientMsgId::new(format!("admin-{}", crate::auth::random_id())).expect("valid id")
    })
}
