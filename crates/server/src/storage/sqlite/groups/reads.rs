//! Reading groups: info, members, applications, and the role checks every write starts with.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{
    ErrorCode, FileId, GroupApplication, GroupId, GroupInfo, GroupMember, GroupRole, UserId,
};

use super::super::accounts::parse_user;
use super::super::StoreResult;
use super::*;

/// The live group `g` as everyone sees it; `NotFound` if it does not exist or
/// was dismissed.
pub fn info(conn: &Connection, g: &GroupId) -> StoreResult<GroupInfo> {
    let row = conn
        .prepare_cached(
            "SELECT name, avatar, notice, owner, join_policy, all_muted, created_at,
               (SELECT COUNT(*) FROM members m WHERE m.conv = ?2), history_visible, read_by
             FROM groups WHERE id = ?1 AND dismissed_at IS NULL",
        )?
        .query_row(params![g.as_str(), conv_key(g)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, bool>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, bool>(8)?,
                r.get::<_, bool>(9)?,
            ))
        })
        .optional()?;
    let Some((name, avatar, notice, owner, policy, all_muted, created_at, count, history, read_by)) =
        row
    else {
        return Err(no_group(g));
    };
    Ok(GroupInfo {
        group: g.clone(),
        name,
        avatar: avatar.map(FileId::new).transpose().map_err(corrupt)?,
        notice,
        owner: parse_user(owner)?,
        join_policy: parse_policy(&policy)?,
        all_muted,
        member_count: count as u32,
        created_at,
        history_visible: history,
        read_by,
    })
}

/// The `members` columns read by [`member_row`]: user, role, mute deadline (a
/// mute that has run out reads as NULL, to the second) and join time.
macro_rules! member_cols {
    () => {
        "user, role, CASE WHEN muted_until > CAST(strftime('%s', 'now') AS INTEGER) * 1000 THEN muted_until END, joined_at"
    };
}

/// A `members` row as selected by [`member_cols`].
type MemberRow = (String, String, Option<i64>, i64);

pub(super) fn member_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MemberRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

pub(super) fn to_member(
    (user, role, muted_until, joined_at): MemberRow,
) -> StoreResult<GroupMember> {
    Ok(GroupMember {
        user: parse_user(user)?,
        role: parse_role(&role)?,
        muted_until,
        joined_at,
    })
}

/// `user`'s membership in `g`, if any (the group is not checked). A mute that
/// has run out reads as `None` (to the second; posting compares to the ms).
pub fn membership(
    conn: &Connection,
    g: &GroupId,
    user: &UserId,
) -> StoreResult<Option<GroupMember>> {
    conn.prepare_cached(concat!(
        "SELECT ",
        member_cols!(),
        " FROM members WHERE conv = ?1 AND user = ?2"
    ))?
    .query_row(params![conv_key(g), user.as_str()], member_row)
    .optional()?
    .map(to_member)
    .transpose()
}

/// Whether `g` exists and is not dismissed.
pub fn is_live(conn: &Connection, g: &GroupId) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM groups WHERE id = ?1 AND dismissed_at IS NULL)",
        )?
        .query_row([g.as_str()], |r| r.get(0))?)
}

/// `user`'s membership in the live group `g`: `NotFound` for no such group,
/// `Forbidden` for a non-member.
pub fn require_member(conn: &Connection, g: &GroupId, user: &UserId) -> StoreResult<GroupMember> {
    if !is_live(conn, g)? {
        return Err(no_group(g));
    }
    membership(conn, g, user)?.ok_or_else(|| {
        rejected(
            ErrorCode::Forbidden,
            format!("you are not a member of {}", conv_of(g)),
        )
    })
}

/// Like [`require_member`], and the member's role must be one of `roles`
/// (`Forbidden` names `who` may act).
pub(super) fn require_role(
    conn: &Connection,
    g: &GroupId,
    user: &UserId,
    roles: &[GroupRole],
    who: &str,
) -> StoreResult<GroupMember> {
    let m = require_member(conn, g, user)?;
    if !roles.contains(&m.role) {
        return Err(rejected(
            ErrorCode::Forbidden,
            format!("only {who} of group `{g}` may do this"),
        ));
    }
    Ok(m)
}

/// Like [`require_member`], and the member must be the owner or an admin.
pub fn require_manager(conn: &Connection, g: &GroupId, user: &UserId) -> StoreResult<GroupMember> {
    require_role(
        conn,
        g,
        user,
        &[GroupRole::Owner, GroupRole::Admin],
        "the owner or an admin",
    )
}

/// Like [`require_member`], and the member must be the owner.
pub fn require_owner(conn: &Connection, g: &GroupId, user: &UserId) -> StoreResult<GroupMember> {
    require_role(conn, g, user, &[GroupRole::Owner], "the owner")
}

/// `user`'s membership in `g`; `NotFound` unless they are a member.
pub(super) fn require_target(
    conn: &Connection,
    g: &GroupId,
    user: &UserId,
) -> StoreResult<GroupMember> {
    membership(conn, g, user)?.ok_or_else(|| {
        rejected(
            ErrorCode::NotFound,
            format!("`{user}` is not a member of group `{g}`"),
        )
    })
}

/// Fails with `Muted` unless `user` (a member) may post in `g` at `now`.
pub fn check_can_post(conn: &Connection, g: &GroupId, user: &UserId, now: i64) -> StoreResult<()> {
    // The reserved `system` account posts notices into any live group (the
    // admin API's group notices; nobody can sign in as `system`).
    if user.as_str() == tern_proto::SYSTEM_USER {
        return if is_live(conn, g)? {
            Ok(())
        } else {
            Err(no_group(g))
        };
    }
    let m = require_member(conn, g, user)?;
    if let Some(until) = m.muted_until.filter(|u| *u > now) {
        let secs = (until - now + 999) / 1000;
        return Err(rejected(
            ErrorCode::Muted,
            format!("you are muted in group `{g}` for another {secs} s (until {until})"),
        ));
    }
    if m.role == GroupRole::Member {
        let all_muted: bool = conn
            .prepare_cached("SELECT all_muted FROM groups WHERE id = ?1")?
            .query_row([g.as_str()], |r| r.get(0))?;
        if all_muted {
            return Err(rejected(
                ErrorCode::Muted,
                format!("group `{g}` is muted: only the owner and admins may post"),
            ));
        }
    }
    Ok(())
}

/// Whether `user` may moderate `target` in `g` (recall their messages): the
/// owner outranks everyone, an admin only plain members and people no longer
/// in the group.
pub fn outranks(
    conn: &Connection,
    g: &GroupId,
    user: &UserId,
    target: &UserId,
) -> StoreResult<bool> {
    let Some(me) = membership(conn, g, user)? else {
        return Ok(false);
    };
    let them = membership(conn, g, target)?.map(|m| m.role);
    Ok(me.role.may_moderate(them))
}

/// Every member's id (one cached query).
pub fn member_ids(conn: &Connection, g: &GroupId) -> StoreResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached("SELECT user FROM members WHERE conv = ?1")?;
    let rows = stmt.query_map([conv_key(g)], |r| r.get::<_, String>(0))?;
    rows.map(|r| parse_user(r?)).collect()
}

/// The owner and admins of `g` who have not blocked `applicant`: whom `applicant`'s
/// join application reaches (a blocked user's words must not reach me this way either).
pub(super) fn managers_hearing(
    conn: &Connection,
    g: &GroupId,
    applicant: &UserId,
) -> StoreResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user FROM members WHERE conv = ?1 AND role IN ('owner', 'admin')
           AND user NOT IN (SELECT owner FROM blacklist WHERE blocked = ?2)",
    )?;
    let rows = stmt.query_map([conv_key(g), applicant.to_string()], |r| {
        r.get::<_, String>(0)
    })?;
    rows.map(|r| parse_user(r?)).collect()
}

/// The members of `g`: owner first, then admins, then members by join time.
pub fn members(conn: &Connection, g: &GroupId) -> StoreResult<Vec<GroupMember>> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT ",
        member_cols!(),
        " FROM members WHERE conv = ?1
         ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, joined_at, user"
    ))?;
    let rows = stmt
        .query_map([conv_key(g)], member_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(to_member).collect()
}

/// The live groups `user` is a member of, ordered by id.
pub fn groups_of(conn: &Connection, user: &UserId) -> StoreResult<Vec<GroupInfo>> {
    live_group_ids(conn, user)?
        .iter()
        .map(|g| info(conn, g))
        .collect()
}

/// The ids of the live groups `user` is a member of, ordered.
pub(super) fn live_group_ids(conn: &Connection, user: &UserId) -> StoreResult<Vec<GroupId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT g.id FROM groups g JOIN members m ON m.conv = 'g:' || g.id
         WHERE m.user = ?1 AND g.dismissed_at IS NULL ORDER BY g.id",
    )?;
    let ids = stmt
        .query_map([user.as_str()], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    ids.into_iter()
        .map(|id| GroupId::new(id).map_err(corrupt))
        .collect()
}

/// The join applications of `g`, newest first.
pub fn applications(conn: &Connection, g: &GroupId) -> StoreResult<Vec<GroupApplication>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user FROM group_applications WHERE grp = ?1 ORDER BY updated_at DESC, user",
    )?;
    let users = stmt
        .query_map([g.as_str()], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(users.len());
    for u in users {
        if let Some(a) = application(conn, g, &parse_user(u)?)? {
            out.push(a);
        }
    }
    Ok(out)
}

pub(super) fn application(
    conn: &Connection,
    g: &GroupId,
    user: &UserId,
) -> StoreResult<Option<GroupApplication>> {
    let row = conn
        .prepare_cached(
            "SELECT message, state, handled_by, created_at, updated_at
             FROM group_applications WHERE grp = ?1 AND user = ?2",
        )?
        .query_row(params![g.as_str(), user.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .optional()?;
    row.map(|(message, state, handled_by, created_at, updated_at)| {
        Ok(GroupApplication {
            group: g.clone(),
            user: user.clone(),
            message,
            state: parse_state(&state)?,
            handled_by: handled_by.map(parse_user).transpose()?,
            created_at,
            updated_at,
        })
    })
    .transpose()
}

// ---------------------------------------------------------------- writes
