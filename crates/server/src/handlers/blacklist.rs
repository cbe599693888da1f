//! `block`, `unblock`, `list_blocked`.

use tern_proto::{Response, UserId};

use super::{deliver, wire, HandlerResult};
use crate::context::Ctx;
use crate::store::{now_ms, relations};

/// `block`: idempotent; my devices get `black_added`.
pub async fn block(ctx: &mut Ctx, user: UserId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let hub = ctx.shared.hub.clone();
    ctx.shared
        .store
        .write_then(
            move |c| {
                let mut out = Vec::new();
                relations::block(c, &me, &user, now_ms(), &mut out)?;
                Ok(out)
            },
            move |out| deliver(&hub, out),
        )
        .await
        .map_err(wire)?;
    Ok(Response::Done)
}

/// `unblock`: `NotFound` when the user was not blocked.
pub async fn unblock(ctx: &mut Ctx, user: UserId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let hub = ctx.shared.hub.clone();
    ctx.shared
        .store
        .write_then(
            move |c| {
                let mut out = Vec::new();
                relations::unblock(c, &me, &user, &mut out)?;
                Ok(out)
            },
            move |out| deliver(&hub, out),
        )
        .await
        .map_err(wire)?;
    Ok(Response::Done)
}

/// `list_blocked`.
pub async fn list(ctx: &mut Ctx) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let users = ctx
        .shared
        .store
        .read(move |c| relations::blocked(c, &me))
        .await
        .map_err(wire)?;
    Ok(Response::Blocked { users })
}
