//! Groups I am in and their members: the local cache kept current by the change
//! log (`group_*` entries), GetGroups snapshots and member-list fetches.
//!
//! A group's row exists exactly while I am a member. Its conversation (`g:<id>`) is
//! listed by [`super::conversations::conversations`] only while the row exists:
//! leaving, being kicked and dismissal remove the row (and its member cache) and so
//! hide the conversation; its cached messages are kept (history and search still
//! find them, and they are back in view if I join again).
//!
//! The member cache may be partial: change entries add and remove the members they
//! name, and a full list from the server (`members_complete`) replaces it. While it is
//! partial, `member_count` follows the joined/left entries; once complete, it is the
//! number of cached members.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{Change, ConversationId, GroupId, GroupInfo, GroupMember, GroupRole, UserId};

use super::rows::ensure_conv;
use crate::error::{Detail, Error, Result};

fn bad(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Storage(Detail::caused(format!("corrupt group row: {e}"), e))
}

fn json(v: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(bad)
}

/// What applying a change entry did to the cache, for the events it calls for.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Applied {
    /// A group conversation whose summary (title, avatar, presence) changed.
    pub refresh: Option<ConversationId>,
    /// A group conversation that is gone from the list (I left, was kicked, or the
    /// group was dismissed).
    pub removed: Option<ConversationId>,
}

/// A cached group.
pub(crate) fn group(c: &Connection, group: &GroupId) -> Result<Option<GroupInfo>> {
    let raw: Option<String> = c
        .query_row(
            "SELECT info FROM groups WHERE group_id = ?1",
            [group.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    raw.map(|s| serde_json::from_str(&s).map_err(bad))
        .transpose()
}

/// Every cached group (the groups I am in), by group id.
pub(crate) fn groups(c: &Connection) -> Result<Vec<GroupInfo>> {
    let mut stmt = c.prepare_cached("SELECT info FROM groups ORDER BY group_id")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|r| serde_json::from_str(&r?).map_err(bad))
        .collect()
}

/// Stores a group's info (keeping its member cache).
pub(crate) fn upsert_group(c: &Connection, info: &GroupInfo) -> Result<()> {
    c.execute(
        "INSERT INTO groups (group_id, info) VALUES (?1, ?2)
         ON CONFLICT (group_id) DO UPDATE SET info = excluded.info",
        params![info.group.as_str(), json(info)?],
    )?;
    // The group's conversation is listed from now on, even before its first message.
    let conv = ConversationId::Group(info.group.clone());
    ensure_conv(c, &conv)?;
    c.execute(
        "UPDATE conversations SET last_activity = MAX(last_activity, ?2) WHERE conv = ?1",
        params![conv.to_string(), info.created_at],
    )?;
    Ok(())
}

/// Forgets a group and its members (its messages stay).
pub(crate) fn remove_group(c: &Connection, group: &GroupId) -> Result<bool> {
    c.execute(
        "DELETE FROM group_members WHERE group_id = ?1",
        [group.as_str()],
    )?;
    let n = c.execute("DELETE FROM groups WHERE group_id = ?1", [group.as_str()])?;
    Ok(n > 0)
}

/// Replaces the group list with a snapshot from the server (GetGroups); groups not in
/// it are removed. Returns the conversations of removed groups.
pub(crate) fn replace_groups(c: &Connection, list: &[GroupInfo]) -> Result<Vec<ConversationId>> {
    let mut removed = Vec::new();
    for old in groups(c)? {
        if !list.iter().any(|g| g.group == old.group) {
            remove_group(c, &old.group)?;
            removed.push(ConversationId::Group(old.group));
        }
    }
    for g in list {
        upsert_group(c, g)?;
    }
    Ok(removed)
}

fn role_rank(r: GroupRole) -> u8 {
    match r {
        GroupRole::Owner => 0,
        GroupRole::Admin => 1,
        GroupRole::Member => 2,
    }
}

/// Cached members: owner first, then admins, then members by join time.
pub(crate) fn members(c: &Connection, group: &GroupId) -> Result<Vec<GroupMember>> {
    let mut stmt = c.prepare_cached("SELECT member FROM group_members WHERE group_id = ?1")?;
    let rows = stmt.query_map([group.as_str()], |r| r.get::<_, String>(0))?;
    let mut out: Vec<GroupMember> = rows
        .map(|r| serde_json::from_str(&r?).map_err(bad))
        .collect::<Result<_>>()?;
    out.sort_by(|a, b| {
        (role_rank(a.role), a.joined_at, &a.user).cmp(&(role_rank(b.role), b.joined_at, &b.user))
    });
    Ok(out)
}

fn member(c: &Connection, group: &GroupId, user: &UserId) -> Result<Option<GroupMember>> {
    let raw: Option<String> = c
        .query_row(
            "SELECT member FROM group_members WHERE group_id = ?1 AND user = ?2",
            [group.as_str(), user.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    raw.map(|s| serde_json::from_str(&s).map_err(bad))
        .transpose()
}

/// Stores one member; true when it was not cached before.
fn upsert_member(c: &Connection, group: &GroupId, m: &GroupMember) -> Result<bool> {
    let existed = member(c, group, &m.user)?.is_some();
    c.execute(
        "INSERT INTO group_members (group_id, user, member) VALUES (?1, ?2, ?3)
         ON CONFLICT (group_id, user) DO UPDATE SET member = excluded.member",
        params![group.as_str(), m.user.as_str(), json(m)?],
    )?;
    Ok(!existed)
}

fn complete(c: &Connection, group: &GroupId) -> Result<bool> {
    let v: Option<bool> = c
        .query_row(
            "SELECT members_complete FROM groups WHERE group_id = ?1",
            [group.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.unwrap_or(false))
}

/// Replaces a group's member cache with the full list from the server.
pub(crate) fn replace_members(
    c: &mut Connection,
    group: &GroupId,
    list: &[GroupMember],
) -> Result<()> {
    let tx = c.transaction()?;
    if let Some(mut info) = self::group(&tx, group)? {
        tx.execute(
            "DELETE FROM group_members WHERE group_id = ?1",
            [group.as_str()],
        )?;
        for m in list {
            upsert_member(&tx, group, m)?;
        }
        info.member_count = list.len() as u32;
        if let Some(owner) = list.iter().find(|m| m.role == GroupRole::Owner) {
            info.owner = owner.user.clone();
        }
        upsert_group(&tx, &info)?;
        tx.execute(
            "UPDATE groups SET members_complete = 1 WHERE group_id = ?1",
            [group.as_str()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Changes a cached group's info in place (no-op when not cached).
fn edit_info(c: &Connection, group: &GroupId, f: impl FnOnce(&mut GroupInfo)) -> Result<bool> {
    match self::group(c, group)? {
        Some(mut info) => {
            f(&mut info);
            upsert_group(c, &info)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Changes a cached member in place (no-op when not cached).
fn edit_member(
    c: &Connection,
    group: &GroupId,
    user: &UserId,
    f: impl FnOnce(&mut GroupMember),
) -> Result<()> {
    if let Some(mut m) = member(c, group, user)? {
        f(&mut m);
        upsert_member(c, group, &m)?;
    }
    Ok(())
}

/// Applies one group change-log entry (others are ignored).
// Match guards that query or delete would hide side effects; keep the plain `if`s.
#[allow(clippy::collapsible_match)]
pub(crate) fn apply_change(c: &Connection, me: &UserId, change: &Change) -> Result<Applied> {
    let conv = |g: &GroupId| ConversationId::Group(g.clone());
    let mut out = Applied::default();
    match change {
        Change::GroupJoined { group, member, .. } => {
            let fresh = self::group(c, &group.group)?.is_none();
            if fresh {
                c.execute(
                    "DELETE FROM group_members WHERE group_id = ?1",
                    [group.group.as_str()],
                )?;
            }
            upsert_group(c, group)?;
            upsert_member(c, &group.group, member)?;
            let key = conv(&group.group);
            c.execute(
                "UPDATE conversations SET last_activity = MAX(last_activity, ?2) WHERE conv = ?1",
                params![key.to_string(), member.joined_at],
            )?;
            if fresh {
                // Only I am known so far: complete only when I am alone in it.
                c.execute(
                    "UPDATE groups SET members_complete = ?2 WHERE group_id = ?1",
                    params![group.group.as_str(), group.member_count <= 1],
                )?;
            }
            out.refresh = Some(key);
        }
        Change::GroupMemberJoined { group, member, .. } => {
            if self::group(c, group)?.is_some() {
                let complete = complete(c, group)?;
                let new = upsert_member(c, group, member)?;
                if new || !complete {
                    edit_info(c, group, |g| g.member_count += 1)?;
                }
            }
        }
        Change::GroupMemberLeft { group, user, .. } => {
            if user == me {
                if remove_group(c, group)? {
                    out.removed = Some(conv(group));
                }
            } else if self::group(c, group)?.is_some() {
                let complete = complete(c, group)?;
                let n = c.execute(
                    "DELETE FROM group_members WHERE group_id = ?1 AND user = ?2",
                    [group.as_str(), user.as_str()],
                )?;
                if n > 0 || !complete {
                    edit_info(c, group, |g| {
                        g.member_count = g.member_count.saturating_sub(1)
                    })?;
                }
            }
        }
        Change::GroupInfoChanged { group, .. } => {
            if self::group(c, &group.group)?.is_some() {
                upsert_group(c, group)?;
                out.refresh = Some(conv(&group.group));
            }
        }
        Change::GroupRoleChanged {
            group, user, role, ..
        } => {
            edit_member(c, group, user, |m| m.role = *role)?;
            if *role == GroupRole::Owner {
                edit_info(c, group, |g| g.owner = user.clone())?;
            }
        }
        Change::GroupMemberMuted {
            group, user, until, ..
        } => edit_member(c, group, user, |m| m.muted_until = *until)?,
        Change::GroupDismissed { group, .. } => {
            if remove_group(c, group)? {
                out.removed = Some(conv(group));
            }
        }
        _ => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
