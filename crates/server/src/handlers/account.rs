//! A signed-in user's own account: `change_password` and `sign_out_others`.
//! Both end every other session of the user at once; the calling session stays.

use tern_proto::Response;

use super::HandlerResult;
use crate::context::Ctx;
use crate::service::accounts as svc;

/// `change_password`.
pub async fn change_password(ctx: &mut Ctx, old: String, new: String) -> HandlerResult {
    let auth = ctx.auth()?.clone();
    let me = (&auth.user, &*auth.session);
    svc::change_password(&ctx.shared, me, old, new, ctx.peer.ip()).await?;
    Ok(Response::Done)
}

/// `sign_out_others`.
pub async fn sign_out_others(ctx: &mut Ctx) -> HandlerResult {
    let auth = ctx.auth()?.clone();
    svc::sign_out_others(&ctx.shared, &auth.user, &auth.session).await?;
    Ok(Response::Done)
}
