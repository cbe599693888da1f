//! Groups: info, membership with roles and mutes, join applications.
//!
//! A group `x` owns the conversation `g:x`: a `conversations` row of kind
//! `group` holding the seq counter, and one `members` row per member with the
//! member's role, mute deadline and read seq. Every change appends a change-log
//! entry for each affected user in the same transaction (see [`notify`]).
//! A dismissed group keeps its row (with `dismissed_at`) and its messages, but
//! has no members left and answers `NotFound` to everything.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{
    ApplicationState, Change, ConversationId, ErrorCode, FileId, GroupApplication, GroupId,
    GroupInfo, GroupMember, GroupRole, JoinPolicy, LeaveReason, Push, UserId, VersionedChange,
};

use super::accounts::{parse_user, require_user};
use super::changelog::{append_change, Delivery};
use super::{StoreError, StoreResult};

/// Longest group name, in characters.
pub const MAX_NAME: usize = 64;
/// Longest group notice, in characters.
pub const MAX_NOTICE: usize = 1024;
/// Longest join-application message, in characters.
pub const MAX_APPLICATION_MESSAGE: usize = 256;
/// Longest mute, in minutes (30 days).
pub const MAX_MUTE_MINUTES: u32 = 43_200;

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

fn conv_key(g: &GroupId) -> String {
    conv_of(g).to_string()
}

fn rejected(code: ErrorCode, msg: impl Into<String>) -> StoreError {
    StoreError::rejected(code, msg)
}

fn no_group(g: &GroupId) -> StoreError {
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

fn corrupt(e: tern_proto::IdError) -> StoreError {
    StoreError::Corrupt(format!("id: {e}"))
}

/// A fresh random group id (16 hex digits, a valid [`GroupId`]).
pub fn new_group_id() -> GroupId {
    GroupId::new(hex::encode(rand::random::<[u8; 8]>())).expect("hex is a valid group id")
}

// ---------------------------------------------------------------- reads

/// The live group `g` as everyone sees it; `NotFound` if it does not exist or
/// was dismissed.
pub fn info(conn: &Connection, g: &GroupId) -> StoreResult<GroupInfo> {
    let row = conn
        .prepare_cached(
            "SELECT name, avatar, notice, owner, join_policy, all_muted, created_at,
               (SELECT COUNT(*) FROM members m WHERE m.conv = ?2), history_visible
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
            ))
        })
        .optional()?;
    let Some((name, avatar, notice, owner, policy, all_muted, created_at, count, history)) = row
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

fn member_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MemberRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn to_member((user, role, muted_until, joined_at): MemberRow) -> StoreResult<GroupMember> {
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
fn require_role(
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
fn require_target(conn: &Connection, g: &GroupId, user: &UserId) -> StoreResult<GroupMember> {
    membership(conn, g, user)?.ok_or_else(|| {
        rejected(
            ErrorCode::NotFound,
            format!("`{user}` is not a member of group `{g}`"),
        )
    })
}

/// Fails with `Muted` unless `user` (a member) may post in `g` at `now`.
pub fn check_can_post(conn: &Connection, g: &GroupId, user: &UserId, now: i64) -> StoreResult<()> {
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
    Ok(match me.role {
        GroupRole::Owner => true,
        GroupRole::Admin => matches!(them, None | Some(GroupRole::Member)),
        GroupRole::Member => false,
    })
}

/// Every member's id (one cached query).
pub fn member_ids(conn: &Connection, g: &GroupId) -> StoreResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached("SELECT user FROM members WHERE conv = ?1")?;
    let rows = stmt.query_map([conv_key(g)], |r| r.get::<_, String>(0))?;
    rows.map(|r| parse_user(r?)).collect()
}

/// The owner and admins of `g`.
fn managers(conn: &Connection, g: &GroupId) -> StoreResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user FROM members WHERE conv = ?1 AND role IN ('owner', 'admin')",
    )?;
    let rows = stmt.query_map([conv_key(g)], |r| r.get::<_, String>(0))?;
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
fn live_group_ids(conn: &Connection, user: &UserId) -> StoreResult<Vec<GroupId>> {
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

fn application(
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
        let change = Change::GroupJoined {
            group: group.clone(),
            member: m.clone(),
        };
        append_change(conn, &m.user, change, out)?;
    }
    Ok(group)
}

fn distinct_others(users: &[UserId], me: &UserId) -> Vec<UserId> {
    let mut out: Vec<UserId> = Vec::with_capacity(users.len());
    for u in users {
        if u != me && !out.contains(u) {
            out.push(u.clone());
        }
    }
    out
}

fn insert_member(
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
fn add_members(
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
    if super::blacklist::is_blocked(conn, user, by)? {
        return Err(rejected(
            ErrorCode::Blocked,
            format!("`{user}` does not accept group invitations from you"),
        ));
    }
    if require_friendship
        && !(super::relations::is_friend(conn, by, user)?
            && super::relations::is_friend(conn, user, by)?)
    {
        return Err(rejected(
            ErrorCode::NotFriends,
            format!("`{user}` is not your friend; this server only lets friends add each other to groups"),
        ));
    }
    Ok(())
}

/// How an invitation is checked.
#[derive(Debug, Clone, Copy)]
pub struct InviteRules {
    /// Member limit.
    pub max_members: u32,
    /// See [`NewGroup::require_friendship`].
    pub require_friendship: bool,
}

/// `me` invites `users`; those already in are skipped, unknown ids are
/// `NotFound`. In an approval-only group only the owner and admins may invite
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
) -> StoreResult<()> {
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
    Ok(())
}

/// A pending application of someone who became a member anyway (invited) is
/// marked accepted by whoever let them in.
fn settle_application(
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
    let mut to = managers(conn, g)?;
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

fn handle_application(
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
    let mut to = managers(conn, g)?;
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
fn remove_member(
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

fn delete_member_row(conn: &Connection, g: &GroupId, user: &UserId) -> StoreResult<()> {
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

/// The membership of `user` in `g` when `me` (with role `mine`) may moderate
/// them: the owner may act on anyone else, an admin only on plain members.
fn moderated_target(
    conn: &Connection,
    g: &GroupId,
    mine: GroupRole,
    user: &UserId,
    what: &str,
) -> StoreResult<GroupMember> {
    let target = require_target(conn, g, user)?;
    let allowed = match (mine, target.role) {
        (_, GroupRole::Owner) => false,
        (GroupRole::Owner, _) => true,
        (GroupRole::Admin, GroupRole::Member) => true,
        _ => false,
    };
    if !allowed {
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

/// Fields of `update_group`, already validated; `None` keeps a field.
#[derive(Debug, Default)]
pub struct GroupUpdate {
    /// New name.
    pub name: Option<String>,
    /// New avatar.
    pub avatar: Option<FileId>,
    /// New notice.
    pub notice: Option<String>,
    /// New join policy.
    pub join_policy: Option<JoinPolicy>,
    /// Whether members who join later see the earlier history.
    pub history_visible: Option<bool>,
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
        super::files::check_avatar(conn, id, me)?;
    }
    if u.name.is_none()
        && u.avatar.is_none()
        && u.notice.is_none()
        && u.join_policy.is_none()
        && u.history_visible.is_none()
    {
        return info(conn, g);
    }
    conn.prepare_cached(
        "UPDATE groups SET name = COALESCE(?2, name), avatar = COALESCE(?3, avatar),
           notice = COALESCE(?4, notice), join_policy = COALESCE(?5, join_policy),
           history_visible = COALESCE(?6, history_visible) WHERE id = ?1",
    )?
    .execute(params![
        g.as_str(),
        u.name,
        u.avatar.as_ref().map(FileId::as_str),
        u.notice,
        u.join_policy.map(policy_str),
        u.history_visible
    ])?;
    info_changed(conn, g, me, out)
}

fn info_changed(
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

fn set_role_row(conn: &Connection, g: &GroupId, user: &UserId, role: GroupRole) -> StoreResult<()> {
    conn.prepare_cached("UPDATE members SET role = ?3 WHERE conv = ?1 AND user = ?2")?
        .execute(params![conv_key(g), user.as_str(), role_str(role)])?;
    Ok(())
}

/// Makes the member `user` the owner of `g` (rows only, no change-log).
fn make_owner(conn: &Connection, g: &GroupId, user: &UserId) -> StoreResult<()> {
    set_role_row(conn, g, user, GroupRole::Owner)?;
    conn.prepare_cached("UPDATE groups SET owner = ?2 WHERE id = ?1")?
        .execute(params![g.as_str(), user.as_str()])?;
    // The new owner may have been muted; an owner never is.
    conn.prepare_cached("UPDATE members SET muted_until = NULL WHERE conv = ?1 AND user = ?2")?
        .execute(params![conv_key(g), user.as_str()])?;
    Ok(())
}

fn role_changed(
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
