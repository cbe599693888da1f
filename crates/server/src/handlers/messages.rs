//! `send`, `conversations`, `pull`, `history`, `recalls`, `mark_read`,
//! `recall`, `edit`, `edits`, `react`, `reactions`, `pin`, `get_pins`, `typing`: request fields → [`crate::service::messages`] → response.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;
use tern_proto::{ClientMsgId, Content, ConversationId, Response, Seq, WireError};

use super::HandlerResult;
use crate::context::Ctx;
use crate::service::messages::{self as svc, Outgoing};

/// A send whose write is queued; resolves to the ack once committed.
pub type PendingSend = Pin<Box<dyn Future<Output = HandlerResult> + Send>>;

/// The fields of a `send` request (all but `after`).
pub struct NewSend {
    /// Target conversation.
    pub conv: ConversationId,
    /// The client's id for the message.
    pub client_id: ClientMsgId,
    /// What it says.
    pub content: Content,
    /// Optional application JSON object.
    pub ext: Option<Value>,
    /// The message it replies to.
    pub reply_to: Option<Seq>,
    /// Whom it mentions.
    pub mentions: Option<tern_proto::Mentions>,
}

/// `send`, pipelined: validates and queues the write now (fixing its place in
/// the commit order) and returns the future of its ack.
pub async fn begin(
    ctx: &mut Ctx,
    m: NewSend,
    after: Option<ClientMsgId>,
) -> Result<PendingSend, WireError> {
    let sender = ctx.auth()?.user.clone();
    let msg = Outgoing {
        sender,
        conv: m.conv,
        client_id: m.client_id,
        content: m.content,
        ext: m.ext,
        reply_to: m.reply_to,
        mentions: m.mentions,
    };
    let pending = svc::send(&ctx.shared, msg, after, Some(ctx.conn)).await?;
    Ok(Box::pin(async move {
        let out = pending.await?;
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

/// `send`, answered inline.
pub async fn send(ctx: &mut Ctx, m: NewSend, after: Option<ClientMsgId>) -> HandlerResult {
    begin(ctx, m, after).await?.await
}

/// `forward`.
pub async fn forward(ctx: &mut Ctx, f: crate::service::forward::Forward) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    // Every device of mine, this one included, gets the forwarded messages
    // pushed: the answer carries only their seqs.
    let results = crate::service::forward::forward(&ctx.shared, &me, f, None).await?;
    Ok(Response::Forwarded { results })
}

/// `conversations`.
pub async fn conversations(ctx: &mut Ctx) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let conversations = svc::conversations(&ctx.shared, &me).await?;
    Ok(Response::Conversations { conversations })
}

/// `pull`.
pub async fn pull(
    ctx: &mut Ctx,
    conv: ConversationId,
    range: (Seq, Seq),
    limit: Option<u32>,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let messages = svc::pull(&ctx.shared, &me, &conv, range, limit).await?;
    Ok(Response::Messages { messages })
}

/// `history`.
pub async fn history(
    ctx: &mut Ctx,
    conv: ConversationId,
    before: Option<Seq>,
    limit: Option<u32>,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let messages = svc::history(&ctx.shared, &me, &conv, before, limit).await?;
    Ok(Response::Messages { messages })
}

/// `recalls`.
pub async fn recalls(
    ctx: &mut Ctx,
    conv: ConversationId,
    since: u64,
    limit: Option<u32>,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let (latest, recalls) = svc::recalls(&ctx.shared, &me, &conv, since, limit).await?;
    Ok(Response::Recalls { latest, recalls })
}

/// `mark_read`.
pub async fn mark_read(ctx: &mut Ctx, conv: ConversationId, seq: Seq) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    svc::mark_read(&ctx.shared, &me, &conv, seq).await?;
    Ok(Response::Done)
}

/// `recall`.
pub async fn recall(ctx: &mut Ctx, conv: ConversationId, seq: Seq) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    svc::recall(&ctx.shared, &me, &conv, seq).await?;
    Ok(Response::Done)
}

/// `edit`.
pub async fn edit(ctx: &mut Ctx, conv: ConversationId, seq: Seq, text: String) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let edited_at = svc::edit(&ctx.shared, &me, &conv, seq, text).await?;
    Ok(Response::Edited { edited_at })
}

/// `edits`.
pub async fn edits(
    ctx: &mut Ctx,
    conv: ConversationId,
    since: u64,
    limit: Option<u32>,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let (latest, edits) = svc::edits(&ctx.shared, &me, &conv, since, limit).await?;
    Ok(Response::Edits { latest, edits })
}

/// `react`.
pub async fn react(
    ctx: &mut Ctx,
    conv: ConversationId,
    seq: Seq,
    emoji: String,
    on: bool,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let reactions =
        crate::service::reactions::react(&ctx.shared, &me, &conv, seq, emoji, on).await?;
    Ok(Response::MessageReactions { seq, reactions })
}

/// `reactions`.
pub async fn reaction_log(
    ctx: &mut Ctx,
    conv: ConversationId,
    since: u64,
    limit: Option<u32>,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let (latest, messages) =
        crate::service::reactions::log(&ctx.shared, &me, &conv, since, limit).await?;
    Ok(Response::ReactionLog { latest, messages })
}

/// `pin`.
pub async fn pin(ctx: &mut Ctx, conv: ConversationId, seq: Seq, on: bool) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let s = &ctx.shared;
    let pins = s
        .store
        .pin(
            &me,
            &conv,
            seq,
            on,
            crate::storage::now_ms(),
            s.config.max_pins,
        )
        .await
        .map_err(WireError::from)?;
    Ok(Response::Pins { conv, pins })
}

/// `read_by`.
pub async fn read_by(
    ctx: &mut Ctx,
    conv: ConversationId,
    seq: Seq,
    after: Option<tern_proto::UserId>,
    limit: Option<u32>,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let limit = crate::service::page(&ctx.shared, limit, 100);
    let p = ctx
        .shared
        .store
        .read_by(&me, &conv, seq, after, limit)
        .await
        .map_err(WireError::from)?;
    Ok(Response::ReadBy {
        seq,
        read_count: p.read_count,
        unread_count: p.unread_count,
        read: p.read,
        unread: p.unread,
        next: p.next,
    })
}

/// `get_pins`.
pub async fn get_pins(ctx: &mut Ctx, conv: ConversationId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let pins = ctx
        .shared
        .store
        .pins(&me, &conv)
        .await
        .map_err(WireError::from)?;
    Ok(Response::Pins { conv, pins })
}

/// `typing`.
pub async fn typing(ctx: &mut Ctx, conv: ConversationId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    svc::typing(&ctx.shared, &me, conv).await?;
    Ok(Response::Done)
}
