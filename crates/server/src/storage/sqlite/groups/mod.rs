//! Groups: info, membership with roles and mutes, join applications.
//!
//! A group `x` owns the conversation `g:x`: a `conversations` row of kind
//! `group` holding the seq counter, and one `members` row per member with the
//! member's role, mute deadline and read seq. Every change appends a change-log
//! entry for each affected user in the same transaction (see [`notify`]).
//! A dismissed group keeps its row (with `dismissed_at`) and its messages, but
//! has no members left and answers `NotFound` to everything.

//!
//! Split along its seams: [`reads`] (info, members, the role checks),
//! [`membership`] (invite, join, applications, leave), [`moderation`] (kick,
//! mutes, roles, transfer) and [`lifecycle`] (create, update, dismiss, and a
//! deleted user leaving every group). This module holds what they share: the
//! stored enums and the change-log fan-out to members.

mod lifecycle;
mod membership;
mod moderation;
mod reads;

pub use lifecycle::*;
pub use membership::*;
pub use moderation::*;
pub use reads::*;

use rusqlite::{params, Connection};
use tern_proto::{
    ApplicationState, Change, ConversationId, ErrorCode, GroupId, GroupInfo, GroupRole, JoinPolicy,
    Push, UserId, VersionedChange,
};

use super::accounts::parse_user;
use super::changelog::{append_change, Delivery};
use super::{StoreError, StoreResult};

/// What a write that adds members needs besides its arguments.
#[derive(Debug, Clone, Copy)]
pub struct Admission {
    /// The member limit.
    pub max_members: u32,
    /// Server time.
    pub now: i64,
}

/// The conversation of group `g`.
pub fn conv_of(g: &GroupId) -> ConversationId {
    ConversationId::Group(g.clone())
}

pub(super) fn conv_key(g: &GroupId) -> String {
    conv_of(g).to_string()
}

pub(super) fn rejected(code: ErrorCode, msg: impl Into<String>) -> StoreError {
    StoreError::rejected(code, msg)
}

pub(super) fn no_group(g: &GroupId) -> StoreError {
    rejected(ErrorCode::NotFound, format!("no group `{g}`"))
}

/// A stored enum column: `$to_str` gives a value's text, `$parse` reads it
/// back (anything else is a corrupt `$what`).
macro_rules! stored_enum {
    ($ty:ident, $to_str:ident, $parse:ident, $what:literal, { $($v:ident => $s:literal),+ $(,)? }) => {
        fn $to_str(x: $ty) -> &'static str {
            match x {
                $($ty::$v => $s,)+
            }
        }

        fn $parse(s: &str) -> StoreResult<$ty> {
            match s {
                $($s => Ok($ty::$v),)+
                other => Err(StoreError::Corrupt(format!(
                    concat!($what, " `{}`"),
                    other
                ))),
            }
        }
    };
}

stored_enum!(GroupRole, role_str, parse_role, "role", {
    Owner => "owner",
    Admin => "admin",
    Member => "member",
});
stored_enum!(JoinPolicy, policy_str, parse_policy, "join policy", {
    Open => "open",
    Approval => "approval",
});
stored_enum!(ApplicationState, state_str, parse_state, "application state", {
    Pending => "pending",
    Accepted => "accepted",
    Refused => "refused",
});

pub(super) fn corrupt(e: tern_proto::IdError) -> StoreError {
    StoreError::Corrupt(format!("id: {e}"))
}

/// A fresh random group id (16 hex digits, a valid [`GroupId`]).
pub fn new_group_id() -> GroupId {
    GroupId::new(hex::encode(rand::random::<[u8; 8]>())).expect("hex is a valid group id")
}

// ---------------------------------------------------------------- reads

/// Appends `change` to the change log of every user in `users` (and queues
/// their pushes), all in the caller's transaction.
pub fn notify(
    conn: &Connection,
    users: &[UserId],
    change: &Change,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    for u in users {
        append_change(conn, u, change.clone(), out)?;
    }
    Ok(())
}

/// Appends `change` to the change log of every current member of `g` and
/// queues their pushes, in two statements whatever the group's size: the
/// versions are bumped by one `UPDATE … RETURNING` and the entries written by
/// one `INSERT … SELECT` with the body serialised once (the same effect as
/// [`append_change`] per member; a 2,000-member group's event, or an invite of
/// hundreds into a big group, must not hold the writer for long).
pub fn broadcast(
    conn: &Connection,
    g: &GroupId,
    change: &Change,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let conv = conv_key(g);
    let body = serde_json::to_string(change)?;
    let bumped = conn
        .prepare_cached(
            "UPDATE users SET version = version + 1
             WHERE id IN (SELECT user FROM members WHERE conv = ?1) RETURNING id, version",
        )?
        .query_map([&conv], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    conn.prepare_cached(
        "INSERT INTO changes (user, version, body)
         SELECT u.id, u.version, ?2 FROM users u
         WHERE u.id IN (SELECT user FROM members WHERE conv = ?1)",
    )?
    .execute(params![conv, body])?;
    out.reserve(bumped.len());
    for (user, version) in bumped {
        out.push(Delivery {
            user: parse_user(user)?,
            push: Push::Change(VersionedChange {
                version: version as u64,
                change: change.clone(),
            }),
        });
    }
    Ok(())
}

pub(super) fn info_changed(
    conn: &Connection,
    g: &GroupId,
    by: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<GroupInfo> {
    let group = info(conn, g)?;
    let change = Change::GroupInfoChanged {
        group: group.clone(),
        by: by.clone(),
    };
    broadcast(conn, g, &change, out)?;
    Ok(group)
}

pub(super) fn set_role_row(
    conn: &Connection,
    g: &GroupId,
    user: &UserId,
    role: GroupRole,
) -> StoreResult<()> {
    conn.prepare_cached("UPDATE members SET role = ?3 WHERE conv = ?1 AND user = ?2")?
        .execute(params![conv_key(g), user.as_str(), role_str(role)])?;
    Ok(())
}

/// Makes the member `user` the owner of `g` (rows only, no change-log).
pub(super) fn make_owner(conn: &Connection, g: &GroupId, user: &UserId) -> StoreResult<()> {
    set_role_row(conn, g, user, GroupRole::Owner)?;
    conn.prepare_cached("UPDATE groups SET owner = ?2 WHERE id = ?1")?
        .execute(params![g.as_str(), user.as_str()])?;
    // The new owner may have been muted; an owner never is.
    conn.prepare_cached("UPDATE members SET muted_until = NULL WHERE conv = ?1 AND user = ?2")?
        .execute(params![conv_key(g), user.as_str()])?;
    Ok(())
}

pub(super) fn role_changed(
    conn: &Connection,
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
    broadcast(conn, g, &change, out)
}
