//! `POST /admin/messages` (send as a user) and `POST /admin/notices` (a system
//! notice). Both go through the one send path: stored with the next seq,
//! deduplicated on (sender, client id), pushed to every member's devices.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tern_proto::{ClientMsgId, Content, ConversationId, ErrorCode, UserId, WireError};

use super::body::Body;
use super::error::ApiError;
use crate::service::admin;
use crate::service::messages::Outgoing;
use crate::state::Shared;
use crate::storage::SendOutcome;
use tern_proto::SYSTEM_USER;

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
    let msg = Outgoing {
        sender: b.from,
        conv: b.conv,
        client_id: client_id(b.client_id),
        content: b.content,
        ext: b.ext,
        reply_to: None,
        mentions: None,
    };
    let (conv, id) = (msg.conv.clone(), msg.client_id.clone());
    answer(conv, id, admin::send_as_user(&s, msg).await?)
}

/// Sends `Content::System` from the reserved `system` account to `to`, in the
/// direct conversation between the two. Friendship is never required.
pub async fn send_notice(
    State(s): State<Arc<Shared>>,
    Body(b): Body<SendNotice>,
) -> Result<Json<Value>, ApiError> {
    let id = client_id(b.client_id);
    let out = admin::send_notice(&s, &b.to, b.text, id.clone(), b.ext).await?;
    let system = UserId::new(SYSTEM_USER).expect("valid id");
    answer(ConversationId::direct(&system, &b.to), id, out)
}

/// The JSON answer; a client id reused for another conversation is 409.
pub(super) fn answer(
    conv: ConversationId,
    client_id: ClientMsgId,
    out: SendOutcome,
) -> Result<Json<Value>, ApiError> {
    let m = out.message;
    if m.conv != conv {
        return Err(ApiError {
            status: StatusCode::CONFLICT,
            error: WireError::new(
                ErrorCode::InvalidArgument,
                format!(
                    "`client_id` {client_id} was already used for a message in {}",
                    m.conv
                ),
            ),
        });
    }
    Ok(Json(json!({
        "conv": m.conv,
        "seq": m.seq,
        "id": m.id,
        "client_id": client_id,
        "sent_at": m.sent_at,
        "duplicate": out.duplicate,
    })))
}

pub(super) fn client_id(given: Option<ClientMsgId>) -> ClientMsgId {
    given.unwrap_or_else(|| {
        ClientMsgId::new(format!("admin-{}", crate::auth::random_id())).expect("valid id")
    })
}
