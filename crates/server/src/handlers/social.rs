//! Profiles, friends, the blacklist, presence and the change log: request
//! fields → [`crate::service::social`] → response.

use tern_proto::{FileId, Response, UserId};

use super::HandlerResult;
use crate::context::Ctx;
use crate::service::social as svc;

/// `get_profiles`: unknown ids are left out.
pub async fn get_profiles(ctx: &mut Ctx, users: Vec<UserId>) -> HandlerResult {
    ctx.auth()?;
    let profiles = svc::profiles(&ctx.shared, &users).await?;
    Ok(Response::Profiles { profiles })
}

/// `set_profile`.
pub async fn set_profile(
    ctx: &mut Ctx,
    nickname: Option<String>,
    avatar: Option<FileId>,
    signature: Option<String>,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let profile = svc::set_profile(&ctx.shared, &me, nickname, avatar, signature).await?;
    Ok(Response::Profile { profile })
}

/// `search_users`.
pub async fn search_users(ctx: &mut Ctx, query: String) -> HandlerResult {
    ctx.auth()?;
    let profiles = svc::search_users(&ctx.shared, &query).await?;
    Ok(Response::Profiles { profiles })
}

/// `apply_friend`.
pub async fn apply(ctx: &mut Ctx, to: UserId, greeting: String) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    svc::apply_friend(&ctx.shared, &me, &to, &greeting).await?;
    Ok(Response::Done)
}

/// `list_received_applications` / `list_sent_applications`.
pub async fn list_applications(ctx: &mut Ctx, received: bool) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let applications = svc::applications(&ctx.shared, &me, received).await?;
    Ok(Response::Applications { applications })
}

/// `accept_friend` / `refuse_friend`.
pub async fn answer(ctx: &mut Ctx, from: UserId, accept: bool) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    svc::answer(&ctx.shared, &me, &from, accept).await?;
    Ok(Response::Done)
}

/// `delete_friend`.
pub async fn delete(ctx: &mut Ctx, user: UserId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    svc::delete_friend(&ctx.shared, &me, &user).await?;
    Ok(Response::Done)
}

/// `set_remark`.
pub async fn set_remark(ctx: &mut Ctx, user: UserId, remark: String) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    svc::set_remark(&ctx.shared, &me, &user, &remark).await?;
    Ok(Response::Done)
}

/// `get_friends`.
pub async fn get(ctx: &mut Ctx, users: Option<Vec<UserId>>) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let friends = svc::friends(&ctx.shared, &me, users.as_deref()).await?;
    Ok(Response::Friends { friends })
}

/// `check_friends`.
pub async fn check(ctx: &mut Ctx, users: Vec<UserId>) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let friends = svc::check_friends(&ctx.shared, &me, &users).await?;
    Ok(Response::FriendCheck { friends })
}

/// `search_friends`.
pub async fn search(ctx: &mut Ctx, query: String) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let friends = svc::search_friends(&ctx.shared, &me, &query).await?;
    Ok(Response::Friends { friends })
}

/// `get_presence`.
pub async fn presence(ctx: &mut Ctx, users: Vec<UserId>) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let online = svc::presence(&ctx.shared, &me, &users).await?;
    Ok(Response::Presence { online })
}

/// `block`.
pub async fn block(ctx: &mut Ctx, user: UserId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    svc::block(&ctx.shared, &me, &user).await?;
    Ok(Response::Done)
}

/// `unblock`.
pub async fn unblock(ctx: &mut Ctx, user: UserId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    svc::unblock(&ctx.shared, &me, &user).await?;
    Ok(Response::Done)
}

/// `list_blocked`.
pub async fn list_blocked(ctx: &mut Ctx) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let users = svc::blocked(&ctx.shared, &me).await?;
    Ok(Response::Blocked { users })
}

/// `sync_changes`.
pub async fn sync(ctx: &mut Ctx, since: u64, limit: Option<u32>) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let (changes, latest) = svc::changes(&ctx.shared, &me, since, limit).await?;
    Ok(Response::Changes { changes, latest })
}
