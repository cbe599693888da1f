//! `send`: validate, store with the next seq (deduplicated on the client id),
//! push to every member's devices in commit order, then ack.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;
use tern_proto::{
    ClientMsgId, Content, ConversationId, ErrorCode, Push, Response, UserId, WireError,
};

use super::{check_len, invalid, HandlerResult};
use crate::context::Ctx;
use crate::hub::ConnId;
use crate::state::Shared;
use crate::store::{messages, now_ms, SendArgs, SendOutcome, StoreError};

/// Longest file name in a file reference, in characters.
const MAX_FILE_NAME: usize = 255;

/// A send whose write is queued; resolves to the ack once committed.
pub type PendingSend = Pin<Box<dyn Future<Output = HandlerResult> + Send>>;

/// `send`, answered inline.
pub async fn send(
    ctx: &mut Ctx,
    conv: ConversationId,
    client_id: ClientMsgId,
    content: Content,
    ext: Option<Value>,
    after: Option<ClientMsgId>,
) -> HandlerResult {
    begin(ctx, conv, client_id, content, ext, after)
        .await?
        .await
}

/// `send`, pipelined: validates and queues the write now (fixing its place in
/// the commit order) and returns the future of its ack.
pub async fn begin(
    ctx: &mut Ctx,
    conv: ConversationId,
    client_id: ClientMsgId,
    content: Content,
    ext: Option<Value>,
    after: Option<ClientMsgId>,
) -> Result<PendingSend, WireError> {
    let sender = ctx.auth()?.user.clone();
    validate(ctx.shared.config.max_text_chars, &content, ext.as_ref())?;
    let require_friendship = ctx.shared.config.require_friendship;
    let msg = Outgoing {
        sender,
        conv,
        client_id,
        content,
        ext,
    };
    submit_after(&ctx.shared, msg, after, require_friendship, Some(ctx.conn)).await
}

/// A message to store, already validated.
pub struct Outgoing {
    /// Who sends it.
    pub sender: UserId,
    /// Where to.
    pub conv: ConversationId,
    /// Dedup key together with the sender.
    pub client_id: ClientMsgId,
    /// What it says.
    pub content: Content,
    /// Optional application JSON object.
    pub ext: Option<Value>,
}

/// Queues the write of a validated message (the one send path, also used by
/// the admin API) and pushes it after commit to every member's devices except
/// the connection `except`; returns the future of its ack.
pub async fn submit(
    shared: &Shared,
    msg: Outgoing,
    require_friendship: bool,
    except: Option<ConnId>,
) -> Result<PendingSend, WireError> {
    submit_after(shared, msg, None, require_friendship, except).await
}

/// [`submit`] with the `send` request's `after` precondition: the message is
/// stored only if the sender's message `after` is (checked in the same
/// transaction, so pipelined sends keep their order).
pub async fn submit_after(
    shared: &Shared,
    msg: Outgoing,
    after: Option<ClientMsgId>,
    require_friendship: bool,
    except: Option<ConnId>,
) -> Result<PendingSend, WireError> {
    let Outgoing {
        sender,
        conv,
        client_id,
        content,
        ext,
    } = msg;
    let hub = shared.hub.clone();
    let rx = shared
        .store
        .submit_then(
            move |c| {
                let args = SendArgs {
                    sender: &sender,
                    conv: &conv,
                    client_id: &client_id,
                    content: &content,
                    ext: ext.as_ref(),
                    now: now_ms(),
                    require_friendship,
                    after: after.as_ref(),
                };
                messages::send(c, &args)
            },
            move |out: &SendOutcome| {
                let push = Push::Message {
                    message: out.message.clone(),
                };
                hub.push_all(&out.members, &push, except);
            },
        )
        .await?;
    Ok(Box::pin(async move {
        let out: SendOutcome = rx
            .await
            .map_err(|_| WireError::from(StoreError::Closed))??;
        let m = out.message;
        Ok(Response::Sent {
            conv: m.conv,
            seq: m.seq,
            id: m.id,
            sent_at: m.sent_at,
            duplicate: out.duplicate,
        })
    }))
}

/// Checks content against the limits and what clients may send.
pub fn validate(max: usize, content: &Content, ext: Option<&Value>) -> Result<(), WireError> {
    match content {
        Content::Text { text } => {
            if text.is_empty() {
                return Err(invalid("text must not be empty"));
            }
            check_len("text", text, max)?;
        }
        Content::Image { file, .. }
        | Content::File { file }
        | Content::Audio { file, .. }
        | Content::Video { file, .. } => {
            check_len("file.name", &file.name, MAX_FILE_NAME)?;
            check_len("file.mime", &file.mime, 255)?;
        }
        Content::Location { lat, lon, label } => {
            if !(-90.0..=90.0).contains(lat) || !(-180.0..=180.0).contains(lon) {
                return Err(invalid(
                    "location needs -90 <= lat <= 90 and -180 <= lon <= 180",
                ));
            }
            check_len("label", label, 256)?;
        }
        Content::Custom { .. } => {}
        Content::System { .. } => {
            return Err(WireError::new(
                ErrorCode::Forbidden,
                "only the server sends system notices",
            ));
        }
        Content::Recalled { .. } => {
            return Err(invalid("a recalled tombstone cannot be sent; use `recall`"))
        }
        _ => return Err(invalid("unsupported content type")),
    }
    if ext.is_some_and(|e| !e.is_object()) {
        return Err(invalid("`ext` must be a JSON object"));
    }
    Ok(())
}
