//! Moderation by the owner and admins: kick, mutes, roles, transfer.

use tern_proto::{Change, ErrorCode, GroupId, GroupMember, GroupRole, LeaveReason, UserId};

use super::super::Tx;
use super::*;
use crate::storage::{Delivery, StoreResult};

pub(super) async fn moderated_target(
    c: &Tx<'_>,
    g: &GroupId,
    mine: GroupRole,
    user: &UserId,
    what: &str,
) -> StoreResult<GroupMember> {
    let target = require_target(c, g, user).await?;
    if !mine.may_moderate(Some(target.role)) {
        let whom = match target.role {
            GroupRole::Owner => "the owner",
            _ => "an admin",
        };
        return Err(rejected(
            ErrorCode::Forbidden,
            format!("you may not {what} {whom} of group `{g}`"),
        ));
    }
    Ok(target)
}

pub(crate) async fn kick(
    c: &Tx<'_>,
    me: &UserId,
    g: &GroupId,
    user: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    lock_group(c, g).await?;
    let mine = require_manager(c, g, me).await?;
    moderated_target(c, g, mine.role, user, "kick").await?;
    remove_member(c, g, user, LeaveReason::Kicked, Some(me), out).await
}

pub(crate) async fn mute_all(
    c: &Tx<'_>,
    me: &UserId,
    g: &GroupId,
    muted: bool,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    lock_group(c, g).await?;
    require_manager(c, g, me).await?;
    let n = c
        .execute(
            "UPDATE groups SET all_muted = $2 WHERE id = $1 AND all_muted <> $2",
            &[&g.as_str(), &muted],
        )
        .await?;
    if n == 1 {
        info_changed(c, g, me, out).await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn mute_member(
    c: &Tx<'_>,
    me: &UserId,
    g: &GroupId,
    user: &UserId,
    minutes: u32,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    lock_group(c, g).await?;
    let mine = require_manager(c, g, me).await?;
    moderated_target(c, g, mine.role, user, "mute").await?;
    let until = (minutes > 0).then(|| now + i64::from(minutes) * 60_000);
    c.execute(
        "UPDATE members SET muted_until = $3 WHERE conv = $1 AND user_id = $2",
        &[&conv_key(g), &user.as_str(), &until],
    )
    .await?;
    let change = Change::GroupMemberMuted {
        group: g.clone(),
        user: user.clone(),
        until,
        by: me.clone(),
    };
    broadcast(c, g, &change, out).await
}

pub(crate) async fn set_role(
    c: &Tx<'_>,
    me: &UserId,
    g: &GroupId,
    user: &UserId,
    role: GroupRole,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    lock_group(c, g).await?;
    require_owner(c, g, me).await?;
    if role == GroupRole::Owner {
        return Err(rejected(
            ErrorCode::InvalidArgument,
            "`role` may be `admin` or `member`; use transfer_group to change the owner",
        ));
    }
    if user == me {
        return Err(rejected(
            ErrorCode::SelfTarget,
            "the owner's role changes only with transfer_group",
        ));
    }
    let target = require_target(c, g, user).await?;
    if target.role == role {
        return Ok(());
    }
    set_role_row(c, g, user, role).await?;
    role_changed(c, g, user, role, me, out).await
}

pub(crate) async fn transfer(
    c: &Tx<'_>,
    me: &UserId,
    g: &GroupId,
    to: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    lock_group(c, g).await?;
    require_owner(c, g, me).await?;
    if to == me {
        return Err(rejected(
            ErrorCode::SelfTarget,
            "you already own this group",
        ));
    }
    require_target(c, g, to).await?;
    make_owner(c, g, to).await?;
    set_role_row(c, g, me, GroupRole::Admin).await?;
    role_changed(c, g, to, GroupRole::Owner, me, out).await?;
    role_changed(c, g, me, GroupRole::Admin, me, out).await?;
    info_changed(c, g, me, out).await.map(drop)
}
