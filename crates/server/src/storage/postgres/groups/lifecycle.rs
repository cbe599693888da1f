//! A group's life: creation, info changes, dismissal, and a deleted user leaving every group.

use tern_proto::{
    Change, ErrorCode, FileId, GroupId, GroupInfo, GroupRole, JoinPolicy, LeaveReason, UserId,
};

use super::super::accounts::{check_avatar, require_user};
use super::super::changelog::append_change;
use super::super::Tx;
use super::*;
use crate::storage::sqlite::groups::new_group_id;
use crate::storage::{Delivery, GroupUpdate, InviteRules, StoreResult};

#[allow(clippy::too_many_arguments)]
pub(crate) async fn create(
    c: &Tx<'_>,
    owner: &UserId,
    name: &str,
    members_in: &[UserId],
    join_policy: JoinPolicy,
    rules: InviteRules,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<GroupInfo> {
    require_user(c, owner).await?;
    let others = distinct_others(members_in, owner);
    for u in &others {
        require_user(c, u).await?;
        check_may_add(c, owner, u, rules.require_friendship).await?;
    }
    if others.len() + 1 > rules.max_members as usize {
        return Err(rejected(
            ErrorCode::GroupFull,
            format!(
                "a group may have at most {} members; {} given",
                rules.max_members,
                others.len() + 1
            ),
        ));
    }
    let g = loop {
        let g = new_group_id();
        let n = c
            .execute(
                "INSERT INTO groups (id, name, notice, owner, join_policy, created_at)
                 VALUES ($1, $2, '', $3, $4, $5) ON CONFLICT (id) DO NOTHING",
                &[
                    &g.as_str(),
                    &name,
                    &owner.as_str(),
                    &policy_str(join_policy),
                    &now,
                ],
            )
            .await?;
        if n == 1 {
            break g;
        }
    };
    c.execute(
        "INSERT INTO conversations (id, kind, created_at, last_at) VALUES ($1, 'group', $2, $2)",
        &[&conv_key(&g), &now],
    )
    .await?;
    insert_member(c, &g, owner, GroupRole::Owner, now).await?;
    for u in &others {
        insert_member(c, &g, u, GroupRole::Member, now).await?;
    }
    let group = info(c, &g).await?;
    for m in members(c, &g).await? {
        // The members it is created with were added by its creator.
        let by = (&m.user != owner).then(|| owner.clone());
        let change = Change::GroupJoined {
            group: group.clone(),
            member: m.clone(),
            by,
        };
        append_change(c, &m.user, change, out).await?;
    }
    Ok(group)
}

pub(crate) async fn dismiss(
    c: &Tx<'_>,
    me: &UserId,
    g: &GroupId,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    lock_group(c, g).await?;
    require_owner(c, g, me).await?;
    let change = Change::GroupDismissed {
        group: g.clone(),
        by: me.clone(),
    };
    broadcast(c, g, &change, out).await?;
    c.execute(
        "UPDATE groups SET dismissed_at = $2 WHERE id = $1",
        &[&g.as_str(), &now],
    )
    .await?;
    c.execute("DELETE FROM members WHERE conv = $1", &[&conv_key(g)])
        .await?;
    c.execute(
        "DELETE FROM group_applications WHERE grp = $1",
        &[&g.as_str()],
    )
    .await?;
    Ok(())
}

pub(crate) async fn update(
    c: &Tx<'_>,
    me: &UserId,
    g: &GroupId,
    u: &GroupUpdate,
    out: &mut Vec<Delivery>,
) -> StoreResult<GroupInfo> {
    lock_group(c, g).await?;
    require_manager(c, g, me).await?;
    if let Some(id) = &u.avatar {
        check_avatar(c, id, me).await?;
    }
    if u.name.is_none()
        && u.avatar.is_none()
        && u.notice.is_none()
        && u.join_policy.is_none()
        && u.history_visible.is_none()
        && u.read_by.is_none()
    {
        return info(c, g).await;
    }
    c.execute(
        "UPDATE groups SET name = COALESCE($2, name), avatar = COALESCE($3, avatar),
           notice = COALESCE($4, notice), join_policy = COALESCE($5, join_policy),
           history_visible = COALESCE($6, history_visible),
           read_by = COALESCE($7, read_by) WHERE id = $1",
        &[
            &g.as_str(),
            &u.name,
            &u.avatar.as_ref().map(FileId::as_str),
            &u.notice,
            &u.join_policy.map(policy_str),
            &u.history_visible,
            &u.read_by,
        ],
    )
    .await?;
    info_changed(c, g, me, out).await
}

/// Takes a user who is being deleted out of every group (see the SQLite twin).
pub(crate) async fn remove_deleted_user(
    c: &Tx<'_>,
    user: &UserId,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    for g in live_group_ids(c, user).await? {
        lock_group(c, &g).await?;
        let Some(mine) = membership(c, &g, user).await? else {
            continue;
        };
        delete_member_row(c, &g, user).await?;
        let rest = members(c, &g).await?;
        if mine.role == GroupRole::Owner {
            let heir = rest
                .iter()
                .filter(|m| m.role == GroupRole::Admin)
                .chain(rest.iter().filter(|m| m.role == GroupRole::Member))
                .next()
                .map(|m| m.user.clone());
            let Some(heir) = heir else {
                c.execute(
                    "UPDATE groups SET dismissed_at = $2 WHERE id = $1",
                    &[&g.as_str(), &now],
                )
                .await?;
                continue;
            };
            make_owner(c, &g, &heir).await?;
            role_changed(c, &g, &heir, GroupRole::Owner, user, out).await?;
            info_changed(c, &g, user, out).await?;
        }
        let left = Change::GroupMemberLeft {
            group: g.clone(),
            user: user.clone(),
            reason: LeaveReason::Left,
            by: None,
        };
        broadcast(c, &g, &left, out).await?;
    }
    c.execute(
        "DELETE FROM group_applications WHERE user_id = $1",
        &[&user.as_str()],
    )
    .await?;
    Ok(())
}
