//! Moderation by the owner and admins: kick, mutes, roles, transfer.

use rusqlite::{params, Connection};
use tern_proto::{Change, ErrorCode, GroupId, GroupMember, GroupRole, LeaveReason, UserId};

use super::super::changelog::Delivery;
use super::super::StoreResult;
use super::*;

/// The membership of `user` in `g` when `me` (with role `mine`) may moderate
/// them: the owner may act on anyone else, an admin only on plain members.
pub(super) fn moderated_target(
    conn: &Connection,
    g: &GroupId,
    mine: GroupRole,
    user: &UserId,
    what: &str,
) -> StoreResult<GroupMember> {
    let target = require_target(conn, g, user)?;
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

/// `me` (owner or admin) removes `user`.
pub fn kick(
    conn: &Connection,
    me: &UserId,
    g: &GroupId,
    user: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let mine = require_manager(conn, g, me)?;
    moderated_target(conn, g, mine.role, user, "kick")?;
    remove_member(conn, g, user, LeaveReason::Kicked, Some(me), out)
}

/// `me` (owner or admin) turns whole-group mute on or off.
pub fn mute_all(
    conn: &Connection,
    me: &UserId,
    g: &GroupId,
    muted: bool,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    require_manager(conn, g, me)?;
    let n = conn
        .prepare_cached("UPDATE groups SET all_muted = ?2 WHERE id = ?1 AND all_muted <> ?2")?
        .execute(params![g.as_str(), muted])?;
    if n == 1 {
        info_changed(conn, g, me, out)?;
    }
    Ok(())
}

/// `me` (owner or admin) mutes `user` for `minutes` (0 unmutes).
pub fn mute_member(
    conn: &Connection,
    me: &UserId,
    g: &GroupId,
    user: &UserId,
    minutes: u32,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let mine = require_manager(conn, g, me)?;
    moderated_target(conn, g, mine.role, user, "mute")?;
    let until = (minutes > 0).then(|| now + i64::from(minutes) * 60_000);
    conn.prepare_cached("UPDATE members SET muted_until = ?3 WHERE conv = ?1 AND user = ?2")?
        .execute(params![conv_key(g), user.as_str(), until])?;
    let change = Change::GroupMemberMuted {
        group: g.clone(),
        user: user.clone(),
        until,
        by: me.clone(),
    };
    broadcast(conn, g, &change, out)
}

/// `me` (owner) makes `user` an admin or a plain member.
pub fn set_role(
    conn: &Connection,
    me: &UserId,
    g: &GroupId,
    user: &UserId,
    role: GroupRole,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    require_owner(conn, g, me)?;
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
    let target = require_target(conn, g, user)?;
    if target.role == role {
        return Ok(());
    }
    set_role_row(conn, g, user, role)?;
    role_changed(conn, g, user, role, me, out)
}

/// `me` (owner) hands ownership to the member `to` and becomes an admin.
pub fn transfer(
    conn: &Connection,
    me: &UserId,
    g: &GroupId,
    to: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    require_owner(conn, g, me)?;
    if to == me {
        return Err(rejected(
            ErrorCode::SelfTarget,
            "you already own this group",
        ));
    }
    require_target(conn, g, to)?;
    make_owner(conn, g, to)?;
    set_role_row(conn, g, me, GroupRole::Admin)?;
    role_changed(conn, g, to, GroupRole::Owner, me, out)?;
    role_changed(conn, g, me, GroupRole::Admin, me, out)?;
    info_changed(conn, g, me, out).map(drop)
}
