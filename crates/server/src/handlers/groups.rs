//! Group commands: create, info, members, invite, join and applications,
//! leave, kick, dismiss, roles, transfer, mutes. Arguments are validated here;
//! authorization and every change (with its change-log entries for all
//! affected users) happen in one writer transaction in `store::groups`.

use tern_proto::{ErrorCode, GroupId, GroupRole, JoinPolicy, Response, UserId, WireError};

use super::{change, check_len, deliver, invalid, HandlerResult};
use crate::context::Ctx;
use crate::state::Shared;
use crate::store::groups::{
    self, GroupUpdate, NewGroup, MAX_APPLICATION_MESSAGE, MAX_MUTE_MINUTES, MAX_NAME, MAX_NOTICE,
};
use crate::store::{now_ms, Delivery, StoreResult};

/// Most user ids one `create_group` may carry.
pub const MAX_CREATE: usize = 500;

/// Most user ids one `invite_members` may carry. Lower than [`MAX_CREATE`]:
/// every member already in gets one change-log entry per newcomer, so an
/// invite costs (newcomers × members) rows in one writer transaction
/// (≈ 13 µs each in SQLite), e.g. 100 into 2,000 ≈ 200k rows.
pub const MAX_INVITE: usize = 100;

/// Runs a group write in the writer, pushes its change-log entries after the
/// commit (in commit order) and returns the write's result.
async fn write<T, F>(shared: &Shared, f: F) -> Result<T, WireError>
where
    T: Send + 'static,
    F: FnOnce(&rusqlite::Connection, &mut Vec<Delivery>) -> StoreResult<T> + Send + 'static,
{
    let hub = shared.hub.clone();
    let (value, _) = shared
        .store
        .write_then(
            move |c| {
                let mut out = Vec::new();
                let value = f(c, &mut out)?;
                Ok((value, out))
            },
            move |(_, out): &(T, Vec<Delivery>)| deliver(&hub, out),
        )
        .await?;
    Ok(value)
}

/// Checks a group name: 1 to 64 characters, not blank.
pub fn check_name(name: &str) -> Result<(), WireError> {
    if name.trim().is_empty() {
        return Err(invalid("group `name` must not be empty"));
    }
    check_len("name", name, MAX_NAME)
}

/// Checks that a list of user ids has at most `max` entries.
pub fn check_ids(field: &str, users: &[UserId], max: usize) -> Result<(), WireError> {
    if users.len() > max {
        return Err(invalid(format!(
            "`{field}` has {} ids; at most {max} per request",
            users.len()
        )));
    }
    Ok(())
}

/// Creates a group owned by `owner` (shared by `create_group` and the admin API).
pub async fn create_as(
    shared: &Shared,
    owner: UserId,
    name: String,
    members: Vec<UserId>,
    join_policy: Option<JoinPolicy>,
) -> Result<tern_proto::GroupInfo, WireError> {
    check_name(&name)?;
    check_ids("members", &members, MAX_CREATE)?;
    let max_members = shared.config.max_group_members;
    let require_friendship = shared.config.require_friendship;
    write(shared, move |c, out| {
        let n = NewGroup {
            owner: &owner,
            name: &name,
            members: &members,
            join_policy: join_policy.unwrap_or(JoinPolicy::Approval),
            max_members,
            require_friendship,
            now: now_ms(),
        };
        groups::create(c, &n, out)
    })
    .await
}

/// `create_group`: I become the owner; every member gets `group_joined`.
pub async fn create(
    ctx: &mut Ctx,
    name: String,
    members: Vec<UserId>,
    join_policy: Option<JoinPolicy>,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let group = create_as(&ctx.shared, me, name, members, join_policy).await?;
    Ok(Response::Group { group })
}

/// `get_groups`: the groups I am in.
pub async fn list(ctx: &mut Ctx) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let groups = ctx
        .shared
        .store
        .read(move |c| groups::groups_of(c, &me))
        .await?;
    Ok(Response::Groups { groups })
}

/// `get_group_info`: anyone may ask about a live group.
pub async fn info(ctx: &mut Ctx, group: GroupId) -> HandlerResult {
    ctx.auth()?;
    let group = ctx
        .shared
        .store
        .read(move |c| groups::info(c, &group))
        .await?;
    Ok(Response::Group { group })
}

/// `update_group` (owner or admin).
pub async fn update(ctx: &mut Ctx, group: GroupId, u: GroupUpdate) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    if let Some(n) = &u.name {
        check_name(n)?;
    }
    if let Some(n) = &u.notice {
        check_len("notice", n, MAX_NOTICE)?;
    }
    let group = write(&ctx.shared, move |c, out| {
        groups::update(c, &me, &group, &u, out)
    })
    .await?;
    Ok(Response::Group { group })
}

/// `get_group_members` (members only).
pub async fn members(ctx: &mut Ctx, group: GroupId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let members = ctx
        .shared
        .store
        .read(move |c| {
            groups::require_member(c, &group, &me)?;
            groups::members(c, &group)
        })
        .await?;
    Ok(Response::GroupMembers { members })
}

/// `invite_members` (any member of an open group; owner or admins of an
/// approval-only one).
pub async fn invite(ctx: &mut Ctx, group: GroupId, users: Vec<UserId>) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    check_ids("users", &users, MAX_INVITE)?;
    let rules = groups::InviteRules {
        max_members: ctx.shared.config.max_group_members,
        require_friendship: ctx.shared.config.require_friendship,
    };
    change(ctx, move |c, out| {
        groups::invite(c, &me, &group, &users, rules, now_ms(), out)
    })
    .await
}

/// `join_group`: joined at once (open) or an application filed (approval).
pub async fn join(ctx: &mut Ctx, group: GroupId, message: String) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    check_len("message", &message, MAX_APPLICATION_MESSAGE)?;
    let max = ctx.shared.config.max_group_members;
    let joined = write(&ctx.shared, move |c, out| {
        groups::join(c, &me, &group, &message, max, now_ms(), out)
    })
    .await?;
    Ok(Response::GroupJoin { joined })
}

/// `list_group_applications` (owner or admin).
pub async fn applications(ctx: &mut Ctx, group: GroupId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let applications = ctx
        .shared
        .store
        .read(move |c| {
            groups::require_manager(c, &group, &me)?;
            groups::applications(c, &group)
        })
        .await?;
    Ok(Response::GroupApplications { applications })
}

/// `accept_group_application` / `refuse_group_application` (owner or admin).
pub async fn answer(ctx: &mut Ctx, group: GroupId, user: UserId, accept: bool) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let max = ctx.shared.config.max_group_members;
    change(ctx, move |c, out| {
        let admission = groups::Admission {
            max_members: max,
            now: now_ms(),
        };
        groups::answer_application(c, &me, &group, &user, accept, admission, out)
    })
    .await
}

/// `leave_group` (not the owner).
pub async fn leave(ctx: &mut Ctx, group: GroupId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    change(ctx, move |c, out| groups::leave(c, &me, &group, out)).await
}

/// `kick_member` (owner, or an admin kicking a plain member).
pub async fn kick(ctx: &mut Ctx, group: GroupId, user: UserId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    change(ctx, move |c, out| groups::kick(c, &me, &group, &user, out)).await
}

/// `dismiss_group` (owner).
pub async fn dismiss(ctx: &mut Ctx, group: GroupId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    change(ctx, move |c, out| {
        groups::dismiss(c, &me, &group, now_ms(), out)
    })
    .await
}

/// `set_member_role` (owner).
pub async fn set_role(
    ctx: &mut Ctx,
    group: GroupId,
    user: UserId,
    role: GroupRole,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    change(ctx, move |c, out| {
        groups::set_role(c, &me, &group, &user, role, out)
    })
    .await
}

/// `transfer_group` (owner).
pub async fn transfer(ctx: &mut Ctx, group: GroupId, to: UserId) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    change(ctx, move |c, out| {
        groups::transfer(c, &me, &group, &to, out)
    })
    .await
}

/// `mute_member` (owner, or an admin muting a plain member).
pub async fn mute(ctx: &mut Ctx, group: GroupId, user: UserId, minutes: u32) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    if minutes > MAX_MUTE_MINUTES {
        return Err(WireError::new(
            ErrorCode::InvalidArgument,
            format!("`minutes` is {minutes}; at most {MAX_MUTE_MINUTES} (30 days)"),
        ));
    }
    change(ctx, move |c, out| {
        groups::mute_member(c, &me, &group, &user, minutes, now_ms(), out)
    })
    .await
}

/// `mute_all` (owner or admin).
pub async fn mute_all(ctx: &mut Ctx, group: GroupId, muted: bool) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    change(ctx, move |c, out| {
        groups::mute_all(c, &me, &group, muted, out)
    })
    .await
}
