//! `conversations`, `pull`, `history`, `recalls`: reads, each checking membership.

use tern_proto::{ConversationId, Response, Seq};

use super::{invalid, page, HandlerResult};
use crate::context::Ctx;
use crate::store::messages;

/// `conversations`: mine, most recent first, with max/read seq and last message.
pub async fn conversations(ctx: &mut Ctx) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let conversations = ctx
        .shared
        .store
        .read(move |c| messages::conversations(c, &me))
        .await?;
    Ok(Response::Conversations { conversations })
}

/// `pull`: `from..=to`, oldest first, one page.
pub async fn pull(
    ctx: &mut Ctx,
    conv: ConversationId,
    from: Seq,
    to: Seq,
    limit: Option<u32>,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    if from > to {
        return Err(invalid("`from` must not be greater than `to`"));
    }
    let limit = page(ctx, limit, 100);
    let messages = ctx
        .shared
        .store
        .read(move |c| {
            messages::check_access(c, &me, &conv)?;
            // Nothing from before I joined a group that hides its history.
            let floor = messages::visible_from(c, &me, &conv)?;
            let from = from.max(Seq(floor.saturating_add(1)));
            if from > to {
                return Ok(Vec::new());
            }
            messages::pull(c, &conv, from, to, limit)
        })
        .await?;
    Ok(Response::Messages { messages })
}

/// `history`: before `before` (exclusive), newest first, one page.
pub async fn history(
    ctx: &mut Ctx,
    conv: ConversationId,
    before: Option<Seq>,
    limit: Option<u32>,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let limit = page(ctx, limit, 50);
    let messages = ctx
        .shared
        .store
        .read(move |c| {
            messages::check_access(c, &me, &conv)?;
            let floor = messages::visible_from(c, &me, &conv)?;
            messages::history(c, &conv, before, floor, limit)
        })
        .await?;
    Ok(Response::Messages { messages })
}

/// `recalls`: one page of `conv`'s recall log after `since`.
pub async fn recalls(
    ctx: &mut Ctx,
    conv: ConversationId,
    since: u64,
    limit: Option<u32>,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let limit = page(ctx, limit, 100);
    let (latest, recalls) = ctx
        .shared
        .store
        .read(move |c| {
            messages::check_access(c, &me, &conv)?;
            messages::recalls(c, &conv, since, limit)
        })
        .await?;
    Ok(Response::Recalls { latest, recalls })
}
