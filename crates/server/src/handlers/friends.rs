//! Friend applications and the friend list.

use tern_proto::{Response, UserId, WireError};

use super::{change, check_len, invalid, HandlerResult};
use crate::context::Ctx;
use crate::store::{now_ms, relations};

/// Most ids one request may carry.
const MAX_IDS: usize = 500;

/// `apply_friend`: refused with `Blocked` if `to` blocked me.
pub async fn apply(ctx: &mut Ctx, to: UserId, greeting: String) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    check_len("greeting", &greeting, 256)?;
    change(ctx, move |c, out| {
        relations::apply_friend(c, &me, &to, &greeting, now_ms(), out)
    })
    .await
}

/// `list_received_applications` / `list_sent_applications`.
pub async fn list_applications(ctx: &mut Ctx, received: bool) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let applications = ctx
        .shared
        .store
        .read(move |c| relations::applications(c, &me, received))
        .await?;
    Ok(Response::Applications { applications })
}

/// `accept_friend` / `refuse_friend`.
pub async fn answer(ctx: &mut Ctx, from: UserId, accept: bool) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    change(ctx, move |c, out| {
        relations::answer_application(c, &me, &from, accept, now_ms(), out)
    })
    .await
}

/// `delete_friend`: one-way.
pub async fn delete(ctx: &mut Ctx, user: UserId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    change(ctx, move |c, out| {
        relations::delete_friend(c, &me, &user, out)
    })
    .await
}

/// `set_remark`.
pub async fn set_remark(ctx: &mut Ctx, user: UserId, remark: String) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    check_len("remark", &remark, 64)?;
    change(ctx, move |c, out| {
        relations::set_remark(c, &me, &user, &remark, out)
    })
    .await
}

/// `get_friends`.
pub async fn get(ctx: &mut Ctx, users: Option<Vec<UserId>>) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    if users.as_ref().is_some_and(|u| u.len() > MAX_IDS) {
        return Err(invalid(format!("at most {MAX_IDS} ids per request")));
    }
    let friends = ctx
        .shared
        .store
        .read(move |c| relations::friends(c, &me, users.as_deref()))
        .await?;
    Ok(Response::Friends { friends })
}

/// Those of `users` (at most [`MAX_IDS`]) that are my friends, each once, in order.
async fn friends_among(ctx: &Ctx, users: Vec<UserId>) -> Result<Vec<UserId>, WireError> {
    let me = ctx.auth()?.user.clone();
    if users.len() > MAX_IDS {
        return Err(invalid(format!("at most {MAX_IDS} ids per request")));
    }
    ctx.shared
        .store
        .read(move |c| {
            let mut out = Vec::new();
            for u in users {
                if relations::is_friend(c, &me, &u)? && !out.contains(&u) {
                    out.push(u);
                }
            }
            Ok(out)
        })
        .await
        .map_err(WireError::from)
}

/// `check_friends`.
pub async fn check(ctx: &mut Ctx, users: Vec<UserId>) -> HandlerResult {
    let friends = friends_among(ctx, users).await?;
    Ok(Response::FriendCheck { friends })
}

/// `search_friends`: id, nickname or remark contains the query.
pub async fn search(ctx: &mut Ctx, query: String) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let n = query.chars().count();
    if !(1..=64).contains(&n) {
        return Err(invalid("query must be 1 to 64 characters"));
    }
    let friends = ctx
        .shared
        .store
        .read(move |c| relations::search_friends(c, &me, &query))
        .await?;
    Ok(Response::Friends { friends })
}

/// `get_presence`: which of `users` are my friends and online now.
pub async fn presence(ctx: &mut Ctx, users: Vec<UserId>) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    if users.len() > MAX_IDS {
        return Err(invalid(format!("at most {MAX_IDS} ids per request")));
    }
    // Only mutual, unblocked friends see each other (as the presence pushes).
    let visible = ctx
        .shared
        .store
        .read(move |c| {
            let mut out = Vec::new();
            for u in users {
                if !out.contains(&u) && relations::sees_presence(c, &me, &u)? {
                    out.push(u);
                }
            }
            Ok(out)
        })
        .await?;
    let online = visible
        .into_iter()
        .filter(|u| ctx.shared.hub.is_online(u))
        .collect();
    Ok(Response::Presence { online })
}
