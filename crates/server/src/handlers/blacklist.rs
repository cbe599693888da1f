//! `block`, `unblock`, `list_blocked`.

use tern_proto::{Response, UserId};

use super::{change, HandlerResult};
use crate::context::Ctx;
use crate::store::{blacklist, now_ms};

/// `block`: idempotent; my devices get `black_added`.
pub async fn block(ctx: &mut Ctx, user: UserId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    change(ctx, move |c, out| {
        blacklist::block(c, &me, &user, now_ms(), out)
    })
    .await
}

/// `unblock`: `NotFound` when the user was not blocked.
pub async fn unblock(ctx: &mut Ctx, user: UserId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    change(ctx, move |c, out| blacklist::unblock(c, &me, &user, out)).await
}

/// `list_blocked`.
pub async fn list(ctx: &mut Ctx) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let users = ctx
        .shared
        .store
        .read(move |c| blacklist::blocked(c, &me))
        .await?;
    Ok(Response::Blocked { users })
}
