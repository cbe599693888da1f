//! `mark_read`, `recall`, `typing`.

use tern_proto::{ConversationId, ErrorCode, Push, Response, Seq, WireError};

use super::{change, HandlerResult};
use crate::context::Ctx;
use crate::store::{messages, now_ms};

/// `mark_read`: moves my read seq forward; the peer and my devices get `read`.
pub async fn mark_read(ctx: &mut Ctx, conv: ConversationId, seq: Seq) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    change(ctx, move |c, out| {
        messages::mark_read(c, &me, &conv, seq, out).map(drop)
    })
    .await
}

/// `recall`: my own message, within the recall window; leaves a tombstone.
pub async fn recall(ctx: &mut Ctx, conv: ConversationId, seq: Seq) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let window = ctx.shared.config.recall_window.as_millis() as i64;
    change(ctx, move |c, out| {
        messages::recall(c, &me, &conv, seq, now_ms(), window, out)
    })
    .await
}

/// `typing`: pushed to the peer's devices at once; never stored.
pub async fn typing(ctx: &mut Ctx, conv: ConversationId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let Some(peer) = conv.peer_of(&me).cloned() else {
        return Err(match conv {
            ConversationId::Group(_) => {
                WireError::new(ErrorCode::InvalidArgument, "typing is for one-to-one chats")
            }
            ConversationId::Direct(..) => {
                WireError::new(ErrorCode::Forbidden, format!("you are not part of {conv}"))
            }
        });
    };
    let p = peer.clone();
    let m = me.clone();
    let blocked = ctx
        .shared
        .store
        .read(move |c| {
            crate::store::admin::refuse_system_target(c, &p, "typing indicators")?;
            crate::store::accounts::require_user(c, &p)?;
            crate::store::blacklist::is_blocked(c, &p, &m)
        })
        .await?;
    if blocked {
        return Err(WireError::new(
            ErrorCode::Blocked,
            format!("{peer} has blocked you"),
        ));
    }
    ctx.shared
        .hub
        .push(&peer, &Push::Typing { conv, user: me }, None);
    Ok(Response::Done)
}
