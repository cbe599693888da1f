//! Groups on PostgreSQL: a port of `sqlite::groups` with the same rules and
//! refusals, split the same way: [`reads`] (info, members, the role checks),
//! [`membership`] (invite, join, applications, leave), [`moderation`] (kick,
//! mutes, roles, transfer) and [`lifecycle`] (create, update, dismiss, a
//! deleted user leaving every group). This module holds what they share: the
//! stored enums, the group lock and the change-log fan-out to members. Writes
//! lock the group's conversation row first ([`lock_group`]), so two processes
//! changing one group are serialised.

mod lifecycle;
mod membership;
mod moderation;
mod reads;

pub(super) use lifecycle::*;
pub(super) use membership::*;
pub(super) use moderation::*;
pub(super) use reads::*;

use tern_proto::{
    ApplicationState, Change, ConversationId, ErrorCode, GroupId, GroupInfo, GroupRole, JoinPolicy,
    Push, UserId, VersionedChange,
};

use super::changelog::append_change;
use super::{parse_user, Tx};
use crate::storage::{Delivery, StoreError, StoreResult};

pub(super) fn conv_key(g: &GroupId) -> String {
    ConversationId::Group(g.clone()).to_string()
}

pub(super) fn rejected(code: ErrorCode, msg: impl Into<String>) -> StoreError {
    StoreError::rejected(code, msg)
}

pub(super) fn no_group(g: &GroupId) -> StoreError {
    rejected(ErrorCode::NotFound, format!("no group `{g}`"))
}

pub(super) fn role_str(r: GroupRole) -> &'static str {
    match r {
        GroupRole::Owner => "owner",
        GroupRole::Admin => "admin",
        GroupRole::Member => "member",
    }
}

pub(super) fn parse_role(s: &str) -> StoreResult<GroupRole> {
    match s {
        "owner" => Ok(GroupRole::Owner),
        "admin" => Ok(GroupRole::Admin),
        "member" => Ok(GroupRole::Member),
        other => Err(StoreError::Corrupt(format!("role `{other}`"))),
    }
}

pub(super) fn policy_str(p: JoinPolicy) -> &'static str {
    match p {
        JoinPolicy::Open => "open",
        JoinPolicy::Approval => "approval",
    }
}

pub(super) fn parse_policy(s: &str) -> StoreResult<JoinPolicy> {
    match s {
        "open" => Ok(JoinPolicy::Open),
        "approval" => Ok(JoinPolicy::Approval),
        other => Err(StoreError::Corrupt(format!("join policy `{other}`"))),
    }
}

pub(super) fn state_str(s: ApplicationState) -> &'static str {
    match s {
        ApplicationState::Pending => "pending",
        ApplicationState::Accepted => "accepted",
        ApplicationState::Refused => "refused",
    }
}

pub(super) fn parse_state(s: &str) -> StoreResult<ApplicationState> {
    match s {
        "pending" => Ok(ApplicationState::Pending),
        "accepted" => Ok(ApplicationState::Accepted),
        "refused" => Ok(ApplicationState::Refused),
        other => Err(StoreError::Corrupt(format!("application state `{other}`"))),
    }
}

/// Takes the row lock of `g`'s conversation (a no-op for an unknown group).
pub(super) async fn lock_group(c: &Tx<'_>, g: &GroupId) -> StoreResult<()> {
    c.execute(
        "SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE",
        &[&conv_key(g)],
    )
    .await?;
    Ok(())
}

pub(super) async fn notify(
    c: &Tx<'_>,
    users: &[UserId],
    change: &Change,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    for u in users {
        append_change(c, u, change.clone(), out).await?;
    }
    Ok(())
}

/// Appends `change` to every current member's log: their user rows are
/// locked in id order, then bumped and written by two set-based statements.
pub(super) async fn broadcast(
    c: &Tx<'_>,
    g: &GroupId,
    change: &Change,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let conv = conv_key(g);
    let body = serde_json::to_string(change)?;
    c.execute(
        "SELECT 1 FROM users WHERE id IN (SELECT user_id FROM members WHERE conv = $1)
         ORDER BY id COLLATE \"C\" FOR UPDATE",
        &[&conv],
    )
    .await?;
    let bumped = c
        .query(
            "UPDATE users SET version = version + 1
             WHERE id IN (SELECT user_id FROM members WHERE conv = $1) RETURNING id, version",
            &[&conv],
        )
        .await?;
    c.execute(
        "INSERT INTO changes (user_id, version, body)
         SELECT u.id, u.version, $2 FROM users u
         WHERE u.id IN (SELECT user_id FROM members WHERE conv = $1)",
        &[&conv, &body],
    )
    .await?;
    out.reserve(bumped.len());
    for r in bumped {
        out.push(Delivery {
            user: parse_user(r.try_get(0)?)?,
            push: Push::Change(VersionedChange {
                version: r.try_get::<_, i64>(1)? as u64,
                change: change.clone(),
            }),
        });
    }
    Ok(())
}

pub(super) async fn info_changed(
    c: &Tx<'_>,
    g: &GroupId,
    by: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<GroupInfo> {
    let group = info(c, g).await?;
    let change = Change::GroupInfoChanged {
        group: group.clone(),
        by: by.clone(),
    };
    broadcast(c, g, &change, out).await?;
    Ok(group)
}

pub(super) async fn set_role_row(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
    role: GroupRole,
) -> StoreResult<()> {
    c.execute(
        "UPDATE members SET role = $3 WHERE conv = $1 AND user_id = $2",
        &[&conv_key(g), &user.as_str(), &role_str(role)],
    )
    .await?;
    Ok(())
}

pub(super) async fn make_owner(c: &Tx<'_>, g: &GroupId, user: &UserId) -> StoreResult<()> {
    set_role_row(c, g, user, GroupRole::Owner).await?;
    c.execute(
        "UPDATE groups SET owner = $2 WHERE id = $1",
        &[&g.as_str(), &user.as_str()],
    )
    .await?;
    c.execute(
        "UPDATE members SET muted_until = NULL WHERE conv = $1 AND user_id = $2",
        &[&conv_key(g), &user.as_str()],
    )
    .await?;
    Ok(())
}

pub(super) async fn role_changed(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
    role: GroupRole,
    by: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let change = Change::GroupRoleChanged {
        group: g.clone(),
        user: user.clone(),
        role,
        by: by.clone(),
    };
    broadcast(c, g, &change, out).await
}
