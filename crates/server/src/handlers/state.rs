//! `mark_read`, `recall`, `typing`.

use tern_proto::{ConversationId, ErrorCode, Push, Response, Seq, WireError};

use super::{deliver, wire, HandlerResult};
use crate::context::Ctx;
use crate::store::{messages, now_ms};

/// `mark_read`: moves my read seq forward; the peer and my devices get `read`.
pub async fn mark_read(ctx: &mut Ctx, conv: ConversationId, seq: Seq) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let hub = ctx.shared.hub.clone();
    ctx.shared
        .store
        .write_then(
            move |c| {
                let mut out = Vec::new();
                messages::mark_read(c, &me, &conv, seq, &mut out)?;
                Ok(out)
            },
            move |out| deliver(&hub, out),
        )
        .await
        .map_err(wire)?;
    Ok(Response::Done)
}

/// `recall`: my own message, within the recall window; leaves a tombstone.
pub async fn recall(ctx: &mut Ctx, conv: ConversationId, seq: Seq) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let hub = ctx.shared.hub.clone();
    let window = ctx.shared.config.recall_window.as_millis() as i64;
    ctx.shared
        .store
        .write_then(
            move |c| {
                let mut out = Vec::new();
                messages::recall(c, &me, &conv, seq, now_ms(), window, &mut out)?;
                Ok(out)
            },
            move |out| deliver(&hub, out),
        )
        .await
        .map_err(wire)?;
    Ok(Response::Done)
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
            crate::store::accounts::require_user(c, &p)?;
            crate::store::relations::is_blocked(c, &p, &m)
        })
        .await
        .map_err(wire)?;
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
