//! A group's life: creation, info changes, dismissal, and a deleted user leaving every group.

use rusqlite::{params, Connection};
use tern_proto::{
    Change, ErrorCode, FileId, GroupId, GroupInfo, GroupRole, JoinPolicy, LeaveReason, UserId,
};

use super::super::accounts::require_user;
use super::super::changelog::{append_change, Delivery};
use super::super::StoreResult;
use super::*;
use crate::storage::GroupUpdate;

/// What creating a group needs.
pub struct NewGroup<'a> {
    /// The creator, who becomes the owner.
    pub owner: &'a UserId,
    /// Display name (already validated).
    pub name: &'a str,
    /// Initial members besides the owner (duplicates and the owner ignored).
    pub members: &'a [UserId],
    /// How others join.
    pub join_policy: JoinPolicy,
    /// Member limit.
    pub max_members: u32,
    /// Whether the server requires friendship to chat (then only friends may
    /// be put into a group).
    pub require_friendship: bool,
    /// Server time.
    pub now: i64,
}

/// Creates a group; every member (the owner included) gets `group_joined`.
pub fn create(
    conn: &Connection,
    n: &NewGroup<'_>,
    out: &mut Vec<Delivery>,
) -> StoreResult<GroupInfo> {
    require_user(conn, n.owner)?;
    let others = distinct_others(n.members, n.owner);
    for u in &others {
        require_user(conn, u)?;
        check_may_add(conn, n.owner, u, n.require_friendship)?;
    }
    if others.len() + 1 > n.max_members as usize {
        return Err(rejected(
            ErrorCode::GroupFull,
            format!(
                "a group may have at most {} members; {} given",
                n.max_members,
                others.len() + 1
            ),
        ));
    }
    let g = loop {
        let g = new_group_id();
        let taken: bool = conn
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM groups WHERE id = ?1)")?
            .query_row([g.as_str()], |r| r.get(0))?;
        if !taken {
            break g;
        }
    };
    conn.prepare_cached(
        "INSERT INTO groups (id, name, notice, owner, join_policy, created_at) VALUES (?1, ?2, '', ?3, ?4, ?5)",
    )?
    .execute(params![
        g.as_str(),
        n.name,
        n.owner.as_str(),
        policy_str(n.join_policy),
        n.now
    ])?;
    conn.prepare_cached(
        "INSERT INTO conversations (id, kind, created_at, last_at) VALUES (?1, 'group', ?2, ?2)",
    )?
    .execute(params![conv_key(&g), n.now])?;
    insert_member(conn, &g, n.owner, GroupRole::Owner, n.now)?;
    for u in &others {
        insert_member(conn, &g, u, GroupRole::Member, n.now)?;
    }
    let group = info(conn, &g)?;
    for m in members(conn, &g)? {
        // The members it is created with were added by its creator.
        let by = (&m.user != n.owner).then(|| n.owner.clone());
        let change = Change::GroupJoined {
            group: group.clone(),
            member: m.clone(),
            by,
        };
        append_change(conn, &m.user, change, out)?;
    }
    Ok(group)
}

/// `me` (owner) dismisses `g`: everyone gets `group_dismissed`, the members
/// and pending applications go, the conversation leaves everyone's list.
pub fn dismiss(
    conn: &Connection,
    me: &UserId,
    g: &GroupId,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    require_owner(conn, g, me)?;
    let change = Change::GroupDismissed {
        group: g.clone(),
        by: me.clone(),
    };
    broadcast(conn, g, &change, out)?;
    conn.prepare_cached("UPDATE groups SET dismissed_at = ?2 WHERE id = ?1")?
        .execute(params![g.as_str(), now])?;
    conn.prepare_cached("DELETE FROM members WHERE conv = ?1")?
        .execute([conv_key(g)])?;
    conn.prepare_cached("DELETE FROM group_applications WHERE grp = ?1")?
        .execute([g.as_str()])?;
    Ok(())
}

/// `me` (owner or admin) changes `g`; members get `group_info_changed` when
/// anything was given.
pub fn update(
    conn: &Connection,
    me: &UserId,
    g: &GroupId,
    u: &GroupUpdate,
    out: &mut Vec<Delivery>,
) -> StoreResult<GroupInfo> {
    require_manager(conn, g, me)?;
    if let Some(id) = &u.avatar {
        super::super::accounts::check_avatar(conn, id, me)?;
    }
    if u.name.is_none()
        && u.avatar.is_none()
        && u.notice.is_none()
        && u.join_policy.is_none()
        && u.history_visible.is_none()
        && u.read_by.is_none()
    {
        return info(conn, g);
    }
    conn.prepare_cached(
        "UPDATE groups SET name = COALESCE(?2, name), avatar = COALESCE(?3, avatar),
           notice = COALESCE(?4, notice), join_policy = COALESCE(?5, join_policy),
           history_visible = COALESCE(?6, history_visible),
           read_by = COALESCE(?7, read_by) WHERE id = ?1",
    )?
    .execute(params![
        g.as_str(),
        u.name,
        u.avatar.as_ref().map(FileId::as_str),
        u.notice,
        u.join_policy.map(policy_str),
        u.history_visible,
        u.read_by
    ])?;
    info_changed(conn, g, me, out)
}

/// Takes a user who is being deleted out of every group: the remaining
/// members get `group_member_left` (reason `left`); an owner hands the group
/// to the longest-standing admin, else the longest-standing member (who get
/// `group_role_changed` and `group_info_changed`), and a group left empty is
/// dismissed. Their applications go too.
pub fn remove_deleted_user(
    conn: &Connection,
    user: &UserId,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    for g in live_group_ids(conn, user)? {
        let mine = membership(conn, &g, user)?.expect("listed as a member");
        delete_member_row(conn, &g, user)?;
        let rest = members(conn, &g)?;
        if mine.role == GroupRole::Owner {
            let heir = rest
                .iter()
                .filter(|m| m.role == GroupRole::Admin)
                .chain(rest.iter().filter(|m| m.role == GroupRole::Member))
                .next()
                .map(|m| m.user.clone());
            let Some(heir) = heir else {
                conn.prepare_cached("UPDATE groups SET dismissed_at = ?2 WHERE id = ?1")?
                    .execute(params![g.as_str(), now])?;
                continue;
            };
            make_owner(conn, &g, &heir)?;
            role_changed(conn, &g, &heir, GroupRole::Owner, user, out)?;
            info_changed(conn, &g, user, out)?;
        }
        let left = Change::GroupMemberLeft {
            group: g.clone(),
            user: user.clone(),
            reason: LeaveReason::Left,
            by: None,
        };
        broadcast(conn, &g, &left, out)?;
    }
    conn.prepare_cached("DELETE FROM group_applications WHERE user = ?1")?
        .execute([user.as_str()])?;
    Ok(())
}
