//! A signed-in user's own account: `change_password` and `sign_out_others`.
//! Both end every other session of the user at once (revoked in the same
//! transaction, then kicked after the commit); the calling session stays.

use std::time::Instant;

use tern_proto::{ErrorCode, KickReason, Response, WireError};

use super::session::{check_password, hash_error, HASH_WAIT};
use super::HandlerResult;
use crate::context::Ctx;
use crate::store::accounts;

/// `change_password`: checks the old password (throttled like a login), stores
/// the new hash and signs out every other session (`password_changed`).
pub async fn change_password(ctx: &mut Ctx, old: String, new: String) -> HandlerResult {
    let auth = ctx.auth()?.clone();
    check_password(&ctx.shared, &new)?;
    let (user, ip) = (auth.user.clone(), ctx.peer.ip());
    if let Err(wait) = ctx.shared.logins.check(&user, ip, Instant::now()) {
        return Err(super::session::locked(wait));
    }
    let u = user.clone();
    let stored = ctx
        .shared
        .store
        .read(move |c| accounts::password_hash(c, &u))
        .await?
        .ok_or_else(|| WireError::new(ErrorCode::NotFound, "this account no longer exists"))?;
    let hasher = &ctx.shared.hasher;
    if !hasher
        .verify(old, stored, Some(HASH_WAIT))
        .await
        .map_err(hash_error)?
    {
        let sec = &ctx.shared.config.security;
        ctx.shared.logins.failed(&user, ip, sec, Instant::now());
        tracing::warn!(target: "tern_server::auth", peer = %ip, %user, "password change failed: wrong current password");
        return Err(WireError::new(
            ErrorCode::BadCredentials,
            "the current password is wrong",
        ));
    }
    let hash = hasher
        .hash(new, ctx.shared.password, Some(HASH_WAIT))
        .await
        .map_err(hash_error)?;
    let (hub, keep) = (ctx.shared.hub.clone(), auth.session.clone());
    ctx.shared
        .store
        .write_then(
            move |c| {
                accounts::set_password_hash(c, &auth.user, &hash)?;
                accounts::revoke_other_sessions(c, &auth.user, &auth.session)
            },
            move |_: &usize| hub.kick_user_except(&user, &keep, KickReason::PasswordChanged),
        )
        .await?;
    Ok(Response::Done)
}

/// `sign_out_others`: revokes every other session of mine and kicks their
/// connections (`logged_out`).
pub async fn sign_out_others(ctx: &mut Ctx) -> HandlerResult {
    let auth = ctx.auth()?.clone();
    let (hub, user, keep) = (
        ctx.shared.hub.clone(),
        auth.user.clone(),
        auth.session.clone(),
    );
    ctx.shared
        .store
        .write_then(
            move |c| accounts::revoke_other_sessions(c, &auth.user, &auth.session),
            move |_: &usize| hub.kick_user_except(&user, &keep, KickReason::LoggedOut),
        )
        .await?;
    Ok(Response::Done)
}
