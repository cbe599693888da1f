//! Joining and leaving: invitations, join requests and their answers, leave.

use tern_proto::{
    ApplicationState, Change, ErrorCode, GroupId, GroupMember, GroupRole, JoinPolicy, LeaveReason,
    UserId,
};

use super::super::accounts::require_user;
use super::super::blacklist::is_blocked;
use super::super::changelog::append_change;
use super::super::relations::is_friend;
use super::super::Tx;
use super::*;
use crate::storage::{Delivery, InviteRules, StoreError, StoreResult};

pub(super) fn distinct_others(users: &[UserId], me: &UserId) -> Vec<UserId> {
    let mut out: Vec<UserId> = Vec::with_capacity(users.len());
    for u in users {
        if u != me && !out.contains(u) {
            out.push(u.clone());
        }
    }
    out
}

pub(super) async fn insert_member(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
    role: GroupRole,
    now: i64,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO members (conv, user_id, read_seq, joined_at, role, visible_from)
         VALUES ($1, $2, (SELECT max_seq FROM conversations WHERE id = $1), $3, $4,
           CASE WHEN (SELECT history_visible FROM groups WHERE id = $5) THEN 0
                ELSE (SELECT max_seq FROM conversations WHERE id = $1) END)",
        &[
            &conv_key(g),
            &user.as_str(),
            &now,
            &role_str(role),
            &g.as_str(),
        ],
    )
    .await?;
    Ok(())
}

pub(super) fn plain_member(u: &UserId, now: i64) -> GroupMember {
    GroupMember {
        user: u.clone(),
        role: GroupRole::Member,
        muted_until: None,
        joined_at: now,
    }
}

pub(super) async fn add_members(
    c: &Tx<'_>,
    g: &GroupId,
    new: &[UserId],
    by: Option<&UserId>,
    max_members: u32,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    if new.is_empty() {
        return Ok(());
    }
    let existing = info(c, g).await?.member_count as usize;
    if existing + new.len() > max_members as usize {
        return Err(rejected(
            ErrorCode::GroupFull,
            format!(
                "group `{g}` has {existing} of at most {max_members} members; {} more do not fit",
                new.len()
            ),
        ));
    }
    for u in new {
        let joined = Change::GroupMemberJoined {
            group: g.clone(),
            member: plain_member(u, now),
            by: by.cloned(),
        };
        broadcast(c, g, &joined, out).await?;
    }
    for u in new {
        insert_member(c, g, u, GroupRole::Member, now).await?;
    }
    let group = info(c, g).await?;
    for u in new {
        let change = Change::GroupJoined {
            group: group.clone(),
            member: plain_member(u, now),
            by: by.cloned(),
        };
        append_change(c, u, change, out).await?;
    }
    Ok(())
}

pub(super) async fn check_may_add(
    c: &Tx<'_>,
    by: &UserId,
    user: &UserId,
    require_friendship: bool,
) -> StoreResult<()> {
    if is_blocked(c, user, by).await? {
        return Err(rejected(
            ErrorCode::Blocked,
            format!("`{user}` does not accept group invitations from you"),
        ));
    }
    if require_friendship && !(is_friend(c, by, user).await? && is_friend(c, user, by).await?) {
        return Err(rejected(
            ErrorCode::NotFriends,
            format!("`{user}` is not your friend; this server only lets friends add each other to groups"),
        ));
    }
    Ok(())
}

pub(crate) async fn invite(
    c: &Tx<'_>,
    me: &UserId,
    g: &GroupId,
    users: &[UserId],
    rules: InviteRules,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<Vec<UserId>> {
    lock_group(c, g).await?;
    let mine = require_member(c, g, me).await?;
    if mine.role == GroupRole::Member && info(c, g).await?.join_policy == JoinPolicy::Approval {
        return Err(rejected(
            ErrorCode::Forbidden,
            format!("group `{g}` needs approval to join: only its owner and admins may invite"),
        ));
    }
    let mut new = Vec::new();
    for u in distinct_others(users, me) {
        require_user(c, &u).await?;
        if membership(c, g, &u).await?.is_none() {
            check_may_add(c, me, &u, rules.require_friendship).await?;
            new.push(u);
        }
    }
    add_members(c, g, &new, Some(me), rules.max_members, now, out).await?;
    for u in &new {
        let pending = application(c, g, u)
            .await?
            .is_some_and(|a| a.state == ApplicationState::Pending);
        if pending {
            handle_application(c, g, u, me, true, now, out).await?;
        }
    }
    Ok(new)
}

pub(crate) async fn join(
    c: &Tx<'_>,
    me: &UserId,
    g: &GroupId,
    message: &str,
    max_members: u32,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<bool> {
    lock_group(c, g).await?;
    let group = info(c, g).await?;
    if membership(c, g, me).await?.is_some() {
        return Err(rejected(
            ErrorCode::AlreadyMember,
            format!("you are already a member of group `{g}`"),
        ));
    }
    if group.join_policy == JoinPolicy::Open {
        add_members(c, g, std::slice::from_ref(me), None, max_members, now, out).await?;
        return Ok(true);
    }
    if group.member_count >= max_members {
        return Err(rejected(
            ErrorCode::GroupFull,
            format!("group `{g}` is full ({max_members} members)"),
        ));
    }
    c.execute(
        "INSERT INTO group_applications (grp, user_id, message, state, handled_by, created_at, updated_at)
         VALUES ($1, $2, $3, 'pending', NULL, $4, $4)
         ON CONFLICT (grp, user_id) DO UPDATE SET message = $3, state = 'pending', handled_by = NULL,
           created_at = $4, updated_at = $4",
        &[&g.as_str(), &me.as_str(), &message, &now],
    )
    .await?;
    let application = application(c, g, me)
        .await?
        .ok_or_else(|| StoreError::Corrupt("application vanished".into()))?;
    let mut to = managers_hearing(c, g, me).await?;
    to.push(me.clone());
    notify(c, &to, &Change::GroupApplicationAdded { application }, out).await?;
    Ok(false)
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn answer_application(
    c: &Tx<'_>,
    me: &UserId,
    g: &GroupId,
    user: &UserId,
    accept: bool,
    max_members: u32,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    lock_group(c, g).await?;
    require_manager(c, g, me).await?;
    let pending = application(c, g, user)
        .await?
        .filter(|a| a.state == ApplicationState::Pending);
    if pending.is_none() {
        return Err(rejected(
            ErrorCode::NotFound,
            format!("no pending application of `{user}` to group `{g}`"),
        ));
    }
    if accept {
        if membership(c, g, user).await?.is_some() {
            return Err(rejected(
                ErrorCode::AlreadyMember,
                format!("`{user}` is already a member of group `{g}`"),
            ));
        }
        require_user(c, user).await?;
        handle_application(c, g, user, me, true, now, out).await?;
        add_members(
            c,
            g,
            std::slice::from_ref(user),
            Some(me),
            max_members,
            now,
            out,
        )
        .await
    } else {
        handle_application(c, g, user, me, false, now, out).await
    }
}

pub(super) async fn handle_application(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
    by: &UserId,
    accept: bool,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let state = if accept {
        ApplicationState::Accepted
    } else {
        ApplicationState::Refused
    };
    c.execute(
        "UPDATE group_applications SET state = $3, handled_by = $4, updated_at = $5
         WHERE grp = $1 AND user_id = $2",
        &[
            &g.as_str(),
            &user.as_str(),
            &state_str(state),
            &by.as_str(),
            &now,
        ],
    )
    .await?;
    let application = application(c, g, user)
        .await?
        .ok_or_else(|| StoreError::Corrupt("application vanished".into()))?;
    let mut to = managers_hearing(c, g, user).await?;
    if !to.contains(user) {
        to.push(user.clone());
    }
    notify(
        c,
        &to,
        &Change::GroupApplicationHandled { application },
        out,
    )
    .await
}

pub(super) async fn remove_member(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
    reason: LeaveReason,
    by: Option<&UserId>,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let change = Change::GroupMemberLeft {
        group: g.clone(),
        user: user.clone(),
        reason,
        by: by.cloned(),
    };
    broadcast(c, g, &change, out).await?;
    delete_member_row(c, g, user).await
}

pub(super) async fn delete_member_row(c: &Tx<'_>, g: &GroupId, user: &UserId) -> StoreResult<()> {
    c.execute(
        "DELETE FROM members WHERE conv = $1 AND user_id = $2",
        &[&conv_key(g), &user.as_str()],
    )
    .await?;
    Ok(())
}

pub(crate) async fn leave(
    c: &Tx<'_>,
    me: &UserId,
    g: &GroupId,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    lock_group(c, g).await?;
    let m = require_member(c, g, me).await?;
    if m.role == GroupRole::Owner {
        return Err(rejected(
            ErrorCode::Forbidden,
            format!("the owner cannot leave group `{g}`: transfer ownership or dismiss it"),
        ));
    }
    remove_member(c, g, me, LeaveReason::Left, None, out).await
}
