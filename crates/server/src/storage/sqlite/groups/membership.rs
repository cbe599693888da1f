//! Joining and leaving: invitations, join requests and their answers, leave.

use rusqlite::{params, Connection};
use tern_proto::{
    ApplicationState, Change, ErrorCode, GroupId, GroupMember, GroupRole, JoinPolicy, LeaveReason,
    UserId,
};

use super::super::accounts::require_user;
use super::super::changelog::{append_change, Delivery};
use super::super::StoreResult;
use super::*;
use crate::storage::InviteRules;

pub(super) fn distinct_others(users: &[UserId], me: &UserId) -> Vec<UserId> {
    let mut out: Vec<UserId> = Vec::with_capacity(users.len());
    for u in users {
        if u != me && !out.contains(u) {
            out.push(u.clone());
        }
    }
    out
}

pub(super) fn insert_member(
    conn: &Connection,
    g: &GroupId,
    user: &UserId,
    role: GroupRole,
    now: i64,
) -> StoreResult<()> {
    // A returning member starts reading from the current end, not from seq 1,
    // and, unless the group shows its history to newcomers, cannot read before it.
    conn.prepare_cached(
        "INSERT INTO members (conv, user, read_seq, joined_at, role, visible_from)
         VALUES (?1, ?2, (SELECT max_seq FROM conversations WHERE id = ?1), ?3, ?4,
           CASE WHEN (SELECT history_visible FROM groups WHERE id = ?5) THEN 0
                ELSE (SELECT max_seq FROM conversations WHERE id = ?1) END)",
    )?
    .execute(params![
        conv_key(g),
        user.as_str(),
        now,
        role_str(role),
        g.as_str()
    ])?;
    Ok(())
}

/// Adds `new` (not yet members) to `g` as plain members: each gets
/// `group_joined`, the members already in it get `group_member_joined`.
pub(super) fn add_members(
    conn: &Connection,
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
    let existing = info(conn, g)?.member_count as usize;
    if existing + new.len() > max_members as usize {
        return Err(rejected(
            ErrorCode::GroupFull,
            format!(
                "group `{g}` has {existing} of at most {max_members} members; {} more do not fit",
                new.len()
            ),
        ));
    }
    let member = |u: &UserId| GroupMember {
        user: u.clone(),
        role: GroupRole::Member,
        muted_until: None,
        joined_at: now,
    };
    // The members already in hear of each newcomer (before the newcomers are
    // rows, so they are not told about each other: their `group_joined`
    // carries the count, the member list has the rest).
    for u in new {
        let joined = Change::GroupMemberJoined {
            group: g.clone(),
            member: member(u),
            by: by.cloned(),
        };
        broadcast(conn, g, &joined, out)?;
    }
    for u in new {
        insert_member(conn, g, u, GroupRole::Member, now)?;
    }
    let group = info(conn, g)?;
    for u in new {
        let change = Change::GroupJoined {
            group: group.clone(),
            member: member(u),
            by: by.cloned(),
        };
        append_change(conn, u, change, out)?;
    }
    Ok(())
}

/// Whether `by` may put `user` into a group (create or invite). Not when
/// `user` has blocked `by` (`Blocked`), and, on a server that requires
/// friendship, only a friend both ways (`NotFriends`): a group must not be a
/// way around either rule. The whole request is refused, nobody is added.
pub fn check_may_add(
    conn: &Connection,
    by: &UserId,
    user: &UserId,
    require_friendship: bool,
) -> StoreResult<()> {
    if super::super::blacklist::is_blocked(conn, user, by)? {
        return Err(rejected(
            ErrorCode::Blocked,
            format!("`{user}` does not accept group invitations from you"),
        ));
    }
    if require_friendship
        && !(super::super::relations::is_friend(conn, by, user)?
            && super::super::relations::is_friend(conn, user, by)?)
    {
        return Err(rejected(
            ErrorCode::NotFriends,
            format!("`{user}` is not your friend; this server only lets friends add each other to groups"),
        ));
    }
    Ok(())
}

/// `me` invites `users`; those already in are skipped (the rest are returned),
/// unknown ids are `NotFound`. In an approval-only group only the owner and admins may invite
/// (a plain member must not let anyone past the approval); in an open group any
/// member may. See [`check_may_add`] for blocks and friendship.
pub fn invite(
    conn: &Connection,
    me: &UserId,
    g: &GroupId,
    users: &[UserId],
    rules: InviteRules,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<Vec<UserId>> {
    let mine = require_member(conn, g, me)?;
    if mine.role == GroupRole::Member && info(conn, g)?.join_policy == JoinPolicy::Approval {
        return Err(rejected(
            ErrorCode::Forbidden,
            format!("group `{g}` needs approval to join: only its owner and admins may invite"),
        ));
    }
    let max_members = rules.max_members;
    let mut new = Vec::new();
    for u in distinct_others(users, me) {
        require_user(conn, &u)?;
        if membership(conn, g, &u)?.is_none() {
            check_may_add(conn, me, &u, rules.require_friendship)?;
            new.push(u);
        }
    }
    add_members(conn, g, &new, Some(me), max_members, now, out)?;
    for u in &new {
        settle_application(conn, g, u, me, now, out)?;
    }
    Ok(new)
}

/// A pending application of someone who became a member anyway (invited) is
/// marked accepted by whoever let them in.
pub(super) fn settle_application(
    conn: &Connection,
    g: &GroupId,
    user: &UserId,
    by: &UserId,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let pending = application(conn, g, user)?.is_some_and(|a| a.state == ApplicationState::Pending);
    if pending {
        handle_application(conn, g, user, by, true, now, out)?;
    }
    Ok(())
}

/// `me` joins `g`: at once when it is open (→ true), else files or renews an
/// application (→ false).
pub fn join(
    conn: &Connection,
    me: &UserId,
    g: &GroupId,
    message: &str,
    max_members: u32,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<bool> {
    let group = info(conn, g)?;
    if membership(conn, g, me)?.is_some() {
        return Err(rejected(
            ErrorCode::AlreadyMember,
            format!("you are already a member of group `{g}`"),
        ));
    }
    if group.join_policy == JoinPolicy::Open {
        add_members(
            conn,
            g,
            std::slice::from_ref(me),
            None,
            max_members,
            now,
            out,
        )?;
        return Ok(true);
    }
    if group.member_count >= max_members {
        return Err(rejected(
            ErrorCode::GroupFull,
            format!("group `{g}` is full ({max_members} members)"),
        ));
    }
    conn.prepare_cached(
        "INSERT INTO group_applications (grp, user, message, state, handled_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'pending', NULL, ?4, ?4)
         ON CONFLICT (grp, user) DO UPDATE SET message = ?3, state = 'pending', handled_by = NULL,
           created_at = ?4, updated_at = ?4",
    )?
    .execute(params![g.as_str(), me.as_str(), message, now])?;
    let application = application(conn, g, me)?.expect("just stored");
    let mut to = managers_hearing(conn, g, me)?;
    to.push(me.clone());
    notify(
        conn,
        &to,
        &Change::GroupApplicationAdded { application },
        out,
    )?;
    Ok(false)
}

/// `me` (owner or admin) accepts or refuses `user`'s pending application.
pub fn answer_application(
    conn: &Connection,
    me: &UserId,
    g: &GroupId,
    user: &UserId,
    accept: bool,
    admission: Admission,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let Admission { max_members, now } = admission;
    require_manager(conn, g, me)?;
    let pending = application(conn, g, user)?.filter(|a| a.state == ApplicationState::Pending);
    if pending.is_none() {
        return Err(rejected(
            ErrorCode::NotFound,
            format!("no pending application of `{user}` to group `{g}`"),
        ));
    }
    if accept {
        if membership(conn, g, user)?.is_some() {
            return Err(rejected(
                ErrorCode::AlreadyMember,
                format!("`{user}` is already a member of group `{g}`"),
            ));
        }
        // The applicant may have been deleted meanwhile.
        require_user(conn, user)?;
        handle_application(conn, g, user, me, true, now, out)?;
        add_members(
            conn,
            g,
            std::slice::from_ref(user),
            Some(me),
            max_members,
            now,
            out,
        )
    } else {
        handle_application(conn, g, user, me, false, now, out)
    }
}

pub(super) fn handle_application(
    conn: &Connection,
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
    conn.prepare_cached(
        "UPDATE group_applications SET state = ?3, handled_by = ?4, updated_at = ?5
         WHERE grp = ?1 AND user = ?2",
    )?
    .execute(params![
        g.as_str(),
        user.as_str(),
        state_str(state),
        by.as_str(),
        now
    ])?;
    let application = application(conn, g, user)?.expect("exists");
    let mut to = managers_hearing(conn, g, user)?;
    if !to.contains(user) {
        to.push(user.clone());
    }
    notify(
        conn,
        &to,
        &Change::GroupApplicationHandled { application },
        out,
    )
}

/// Removes `user` from `g`; the remaining members and `user` get `group_member_left`.
pub(super) fn remove_member(
    conn: &Connection,
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
    // Told while still a member, so the one gone hears it too.
    broadcast(conn, g, &change, out)?;
    delete_member_row(conn, g, user)
}

pub(super) fn delete_member_row(conn: &Connection, g: &GroupId, user: &UserId) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM members WHERE conv = ?1 AND user = ?2")?
        .execute(params![conv_key(g), user.as_str()])?;
    Ok(())
}

/// `me` leaves `g` (the owner may not).
pub fn leave(
    conn: &Connection,
    me: &UserId,
    g: &GroupId,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let m = require_member(conn, g, me)?;
    if m.role == GroupRole::Owner {
        return Err(rejected(
            ErrorCode::Forbidden,
            format!("the owner cannot leave group `{g}`: transfer ownership or dismiss it"),
        ));
    }
    remove_member(conn, g, me, LeaveReason::Left, None, out)
}
