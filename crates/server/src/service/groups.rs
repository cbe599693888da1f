//! Groups: arguments are validated here; who may do what, and every change
//! with its change-log entries for all affected users, is one storage
//! transaction (see [`crate::storage::api::Groups`]).

use tern_proto::{
    ErrorCode, GroupApplication, GroupId, GroupInfo, GroupMember, GroupRole, JoinPolicy, UserId,
    WireError, SYSTEM_USER,
};

use super::{check_ids, check_len, invalid, ServiceResult};
use crate::state::Shared;
use crate::storage::now_ms;
use crate::storage::{GroupUpdate, InviteRules};

/// Longest group name, in characters.
pub const MAX_NAME: usize = 64;
/// Longest group notice, in characters.
pub const MAX_NOTICE: usize = 1024;
/// Longest join-application message, in characters.
pub const MAX_APPLICATION_MESSAGE: usize = 256;
/// Longest mute, in minutes (30 days).
pub const MAX_MUTE_MINUTES: u32 = 43_200;
/// Most user ids one `create_group` may carry.
pub const MAX_CREATE: usize = 500;

/// Most user ids one `invite_members` may carry. Lower than [`MAX_CREATE`]:
/// every member already in gets one change-log entry per newcomer, so an
/// invite costs (newcomers × members) rows in one writer transaction
/// (≈ 13 µs each in SQLite), e.g. 100 into 2,000 ≈ 200k rows.
pub const MAX_INVITE: usize = 100;

/// Takes one group-management request (or a chat-room join or leave) from
/// `me`'s budget (`group_actions_per_minute`, all devices together);
/// `RateLimited` past it. Every such request writes a change-log entry for each member (2,000
/// rows for a notice change in a full group), so the connection's rate limit
/// alone let one account keep the writer busy. Client requests only: the
/// admin API is not counted.
pub fn take_action(s: &Shared, me: &UserId) -> ServiceResult<()> {
    let per_minute = s.config.group_actions_per_minute;
    s.group_rate.spend(me, per_minute, "group changes")
}

fn rules(s: &Shared) -> InviteRules {
    InviteRules {
        max_members: s.config.max_group_members,
        require_friendship: s.config.require_friendship,
    }
}

/// Checks a group name: 1 to 64 characters, not blank.
pub fn check_name(name: &str) -> ServiceResult<()> {
    if name.trim().is_empty() {
        return Err(invalid("group `name` must not be empty"));
    }
    check_len("name", name, MAX_NAME)
}

/// Creates a group owned by `owner` (`create_group`, and the admin API).
pub async fn create(
    s: &Shared,
    owner: &UserId,
    name: &str,
    members: &[UserId],
    join_policy: Option<JoinPolicy>,
) -> ServiceResult<GroupInfo> {
    check_name(name)?;
    check_members("members", members, MAX_CREATE)?;
    let policy = join_policy.unwrap_or(JoinPolicy::Approval);
    let store = &s.store;
    let info = store
        .create_group(owner, name, members, policy, rules(s), now_ms())
        .await?;
    let data = serde_json::json!({ "owner": owner, "group": info, "members": members });
    s.webhooks.emit("group.created", data).await;
    Ok(info)
}

/// The groups `me` is in.
pub async fn list(s: &Shared, me: &UserId) -> ServiceResult<Vec<GroupInfo>> {
    Ok(s.store.groups_of(me).await?)
}

/// A live group's info (anyone may ask).
pub async fn info(s: &Shared, group: &GroupId) -> ServiceResult<GroupInfo> {
    Ok(s.store.group_info(group).await?)
}

/// Changes a group's info (owner or admin).
pub async fn update(
    s: &Shared,
    me: &UserId,
    group: &GroupId,
    u: GroupUpdate,
) -> ServiceResult<GroupInfo> {
    if let Some(n) = &u.name {
        check_name(n)?;
    }
    if let Some(n) = &u.notice {
        check_len("notice", n, MAX_NOTICE)?;
    }
    Ok(s.store.update_group(me, group, u).await?)
}

/// The members (members only).
pub async fn members(s: &Shared, me: &UserId, group: &GroupId) -> ServiceResult<Vec<GroupMember>> {
    Ok(s.store.group_members(me, group).await?)
}

/// Adds `users` (any member of an open group; owner or admins of an
/// approval-only one).
pub async fn invite(
    s: &Shared,
    me: &UserId,
    group: &GroupId,
    users: &[UserId],
) -> ServiceResult<Vec<UserId>> {
    check_members("users", users, MAX_INVITE)?;
    Ok(s.store.invite(me, group, users, rules(s), now_ms()).await?)
}

/// Checks the users to make members: at most `max` ids, and not the reserved
/// `system` account (it posts notices into any group without being in one, and a
/// member could be made the owner).
fn check_members(field: &str, users: &[UserId], max: usize) -> ServiceResult<()> {
    check_ids(field, users, max)?;
    if users.iter().any(|u| u.as_str() == SYSTEM_USER) {
        return Err(invalid(format!(
            "`{field}` may not include the reserved `system` account"
        )));
    }
    Ok(())
}

/// Joins at once (open) or files an application (approval); true when joined.
pub async fn join(s: &Shared, me: &UserId, group: &GroupId, message: &str) -> ServiceResult<bool> {
    check_len("message", message, MAX_APPLICATION_MESSAGE)?;
    let data = serde_json::json!({ "user": me, "group": group });
    let hooks = &s.webhooks;
    let rewritten = hooks.before("group.join", data, Some(message)).await?;
    let message = rewritten.as_deref().unwrap_or(message);
    check_len("message", message, MAX_APPLICATION_MESSAGE)?;
    let max = s.config.max_group_members;
    let joined = s.store.join(me, group, message, max, now_ms()).await?;
    if joined {
        let data = serde_json::json!({ "user": me, "group": group, "by": "join" });
        s.webhooks.emit("group.joined", data).await;
    }
    Ok(joined)
}

/// Pending applications (owner or admin).
pub async fn applications(
    s: &Shared,
    me: &UserId,
    group: &GroupId,
) -> ServiceResult<Vec<GroupApplication>> {
    Ok(s.store.group_applications(me, group).await?)
}

/// Accepts or refuses an application (owner or admin).
pub async fn answer(
    s: &Shared,
    me: &UserId,
    group: &GroupId,
    user: &UserId,
    accept: bool,
) -> ServiceResult<()> {
    let max = s.config.max_group_members;
    let store = &s.store;
    Ok(store
        .answer_group_application(me, group, user, accept, max, now_ms())
        .await?)
}

/// Leaves a group (not the owner).
pub async fn leave(s: &Shared, me: &UserId, group: &GroupId) -> ServiceResult<()> {
    let data = serde_json::json!({ "user": me, "group": group, "by": "leave" });
    let write = s.store.leave(me, group);
    s.webhooks.in_tx("group.left", data, write).await?;
    Ok(())
}

/// Removes a member (owner, or an admin removing a plain member).
pub async fn kick(s: &Shared, me: &UserId, group: &GroupId, user: &UserId) -> ServiceResult<()> {
    let data = serde_json::json!({ "user": user, "group": group, "by": "kick", "actor": me });
    let write = s.store.kick(me, group, user);
    s.webhooks.in_tx("group.left", data, write).await?;
    Ok(())
}

/// Ends a group (owner).
pub async fn dismiss(s: &Shared, me: &UserId, group: &GroupId) -> ServiceResult<()> {
    let data = serde_json::json!({ "group": group, "by": me });
    let write = s.store.dismiss(me, group, now_ms());
    s.webhooks.in_tx("group.dismissed", data, write).await?;
    Ok(())
}

/// Sets a member's role (owner).
pub async fn set_role(
    s: &Shared,
    me: &UserId,
    group: &GroupId,
    user: &UserId,
    role: GroupRole,
) -> ServiceResult<()> {
    Ok(s.store.set_role(me, group, user, role).await?)
}

/// Hands the group over (owner).
pub async fn transfer(s: &Shared, me: &UserId, group: &GroupId, to: &UserId) -> ServiceResult<()> {
    if to.as_str() == SYSTEM_USER {
        return Err(invalid("`to` may not be the reserved `system` account"));
    }
    Ok(s.store.transfer(me, group, to).await?)
}

/// Mutes a member for `minutes` (0 unmutes; at most 30 days).
pub async fn mute(
    s: &Shared,
    me: &UserId,
    group: &GroupId,
    user: &UserId,
    minutes: u32,
) -> ServiceResult<()> {
    if minutes > MAX_MUTE_MINUTES {
        return Err(WireError::new(
            ErrorCode::InvalidArgument,
            format!("`minutes` is {minutes}; at most {MAX_MUTE_MINUTES} (30 days)"),
        ));
    }
    Ok(s.store
        .mute_member(me, group, user, minutes, now_ms())
        .await?)
}

/// Mutes or unmutes every plain member (owner or admin).
pub async fn mute_all(s: &Shared, me: &UserId, group: &GroupId, muted: bool) -> ServiceResult<()> {
    Ok(s.store.mute_all(me, group, muted).await?)
}
