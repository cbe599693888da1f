//! Group commands: request fields → [`crate::service::groups`] → response.

use tern_proto::{GroupId, GroupRole, JoinPolicy, Response, UserId};

use super::HandlerResult;
use crate::context::Ctx;
use crate::service::groups as svc;
use crate::storage::GroupUpdate;

/// `create_group`: I become the owner.
pub async fn create(
    ctx: &mut Ctx,
    name: String,
    members: Vec<UserId>,
    join_policy: Option<JoinPolicy>,
) -> HandlerResult {
    let me = actor(ctx)?;
    let group = svc::create(&ctx.shared, &me, &name, &members, join_policy).await?;
    Ok(Response::Group { group })
}

/// `get_groups`.
pub async fn list(ctx: &mut Ctx) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let groups = svc::list(&ctx.shared, &me).await?;
    Ok(Response::Groups { groups })
}

/// `get_group_info`.
pub async fn info(ctx: &mut Ctx, group: GroupId) -> HandlerResult {
    ctx.auth()?;
    let group = svc::info(&ctx.shared, &group).await?;
    Ok(Response::Group { group })
}

/// `update_group`.
pub async fn update(ctx: &mut Ctx, group: GroupId, u: GroupUpdate) -> HandlerResult {
    let me = actor(ctx)?;
    let group = svc::update(&ctx.shared, &me, &group, u).await?;
    Ok(Response::Group { group })
}

/// `get_group_members`.
pub async fn members(ctx: &mut Ctx, group: GroupId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let members = svc::members(&ctx.shared, &me, &group).await?;
    Ok(Response::GroupMembers { members })
}

/// `invite_members`.
pub async fn invite(ctx: &mut Ctx, group: GroupId, users: Vec<UserId>) -> HandlerResult {
    let me = actor(ctx)?;
    svc::invite(&ctx.shared, &me, &group, &users).await?;
    Ok(Response::Done)
}

/// `join_group`.
pub async fn join(ctx: &mut Ctx, group: GroupId, message: String) -> HandlerResult {
    let me = actor(ctx)?;
    let joined = svc::join(&ctx.shared, &me, &group, &message).await?;
    Ok(Response::GroupJoin { joined })
}

/// `list_group_applications`.
pub async fn applications(ctx: &mut Ctx, group: GroupId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let applications = svc::applications(&ctx.shared, &me, &group).await?;
    Ok(Response::GroupApplications { applications })
}

/// `accept_group_application` / `refuse_group_application`.
pub async fn answer(ctx: &mut Ctx, group: GroupId, user: UserId, accept: bool) -> HandlerResult {
    let me = actor(ctx)?;
    svc::answer(&ctx.shared, &me, &group, &user, accept).await?;
    Ok(Response::Done)
}

/// `leave_group`.
pub async fn leave(ctx: &mut Ctx, group: GroupId) -> HandlerResult {
    let me = actor(ctx)?;
    svc::leave(&ctx.shared, &me, &group).await?;
    Ok(Response::Done)
}

/// `kick_member`.
pub async fn kick(ctx: &mut Ctx, group: GroupId, user: UserId) -> HandlerResult {
    let me = actor(ctx)?;
    svc::kick(&ctx.shared, &me, &group, &user).await?;
    Ok(Response::Done)
}

/// `dismiss_group`.
pub async fn dismiss(ctx: &mut Ctx, group: GroupId) -> HandlerResult {
    let me = actor(ctx)?;
    svc::dismiss(&ctx.shared, &me, &group).await?;
    Ok(Response::Done)
}

/// `set_member_role`.
pub async fn set_role(
    ctx: &mut Ctx,
    group: GroupId,
    user: UserId,
    role: GroupRole,
) -> HandlerResult {
    let me = actor(ctx)?;
    svc::set_role(&ctx.shared, &me, &group, &user, role).await?;
    Ok(Response::Done)
}

/// `transfer_group`.
pub async fn transfer(ctx: &mut Ctx, group: GroupId, to: UserId) -> HandlerResult {
    let me = actor(ctx)?;
    svc::transfer(&ctx.shared, &me, &group, &to).await?;
    Ok(Response::Done)
}

/// `mute_member`.
pub async fn mute(ctx: &mut Ctx, group: GroupId, user: UserId, minutes: u32) -> HandlerResult {
    let me = actor(ctx)?;
    svc::mute(&ctx.shared, &me, &group, &user, minutes).await?;
    Ok(Response::Done)
}

/// `mute_all`.
pub async fn mute_all(ctx: &mut Ctx, group: GroupId, muted: bool) -> HandlerResult {
    let me = actor(ctx)?;
    svc::mute_all(&ctx.shared, &me, &group, muted).await?;
    Ok(Response::Done)
}

/// The caller, after one request is taken from their group-management
/// budget ([`svc::take_action`]).
fn actor(ctx: &mut Ctx) -> Result<UserId, tern_proto::WireError> {
    let me = ctx.auth()?.user.clone();
    svc::take_action(&ctx.shared, &me)?;
    Ok(me)
}
