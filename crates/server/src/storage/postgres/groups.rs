//! Groups on PostgreSQL: a port of `sqlite::groups::{reads, membership,
//! moderation, lifecycle}` with the same rules and refusals. Writes lock the
//! group's conversation row first (`lock_group`), so two processes changing
//! one group's membership are serialised.

use tern_proto::{
    ApplicationState, Change, ConversationId, ErrorCode, FileId, GroupApplication, GroupId,
    GroupInfo, GroupMember, GroupRole, JoinPolicy, LeaveReason, Push, UserId, VersionedChange,
};
use tokio_postgres::Row;

use super::accounts::{check_avatar, require_user};
use super::social::{append_change, is_blocked, is_friend};
use super::{corrupt, parse_user, Tx};
use crate::storage::sqlite::groups::new_group_id;
use crate::storage::{Delivery, GroupUpdate, InviteRules, StoreError, StoreResult};

fn conv_key(g: &GroupId) -> String {
    ConversationId::Group(g.clone()).to_string()
}

fn rejected(code: ErrorCode, msg: impl Into<String>) -> StoreError {
    StoreError::rejected(code, msg)
}

fn no_group(g: &GroupId) -> StoreError {
    rejected(ErrorCode::NotFound, format!("no group `{g}`"))
}

fn role_str(r: GroupRole) -> &'static str {
    match r {
        GroupRole::Owner => "owner",
        GroupRole::Admin => "admin",
        GroupRole::Member => "member",
    }
}

fn parse_role(s: &str) -> StoreResult<GroupRole> {
    match s {
        "owner" => Ok(GroupRole::Owner),
        "admin" => Ok(GroupRole::Admin),
        "member" => Ok(GroupRole::Member),
        other => Err(StoreError::Corrupt(format!("role `{other}`"))),
    }
}

fn policy_str(p: JoinPolicy) -> &'static str {
    match p {
        JoinPolicy::Open => "open",
        JoinPolicy::Approval => "approval",
    }
}

fn parse_policy(s: &str) -> StoreResult<JoinPolicy> {
    match s {
        "open" => Ok(JoinPolicy::Open),
        "approval" => Ok(JoinPolicy::Approval),
        other => Err(StoreError::Corrupt(format!("join policy `{other}`"))),
    }
}

fn state_str(s: ApplicationState) -> &'static str {
    match s {
        ApplicationState::Pending => "pending",
        ApplicationState::Accepted => "accepted",
        ApplicationState::Refused => "refused",
    }
}

fn parse_state(s: &str) -> StoreResult<ApplicationState> {
    match s {
        "pending" => Ok(ApplicationState::Pending),
        "accepted" => Ok(ApplicationState::Accepted),
        "refused" => Ok(ApplicationState::Refused),
        other => Err(StoreError::Corrupt(format!("application state `{other}`"))),
    }
}

/// Takes the row lock of `g`'s conversation (a no-op for an unknown group).
async fn lock_group(c: &Tx<'_>, g: &GroupId) -> StoreResult<()> {
    c.execute(
        "SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE",
        &[&conv_key(g)],
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------- reads

pub async fn info(c: &Tx<'_>, g: &GroupId) -> StoreResult<GroupInfo> {
    let row = c
        .query_opt(
            "SELECT name, avatar, notice, owner, join_policy, all_muted, created_at,
               (SELECT COUNT(*) FROM members m WHERE m.conv = $2), history_visible
             FROM groups WHERE id = $1 AND dismissed_at IS NULL",
            &[&g.as_str(), &conv_key(g)],
        )
        .await?;
    let Some(r) = row else {
        return Err(no_group(g));
    };
    let avatar: Option<String> = r.try_get(1)?;
    let policy: String = r.try_get(4)?;
    Ok(GroupInfo {
        group: g.clone(),
        name: r.try_get(0)?,
        avatar: avatar.map(FileId::new).transpose().map_err(corrupt)?,
        notice: r.try_get(2)?,
        owner: parse_user(r.try_get(3)?)?,
        join_policy: parse_policy(&policy)?,
        all_muted: r.try_get(5)?,
        member_count: r.try_get::<_, i64>(7)? as u32,
        created_at: r.try_get(6)?,
        history_visible: r.try_get(8)?,
    })
}

/// user, role, mute deadline (a mute that has run out reads as NULL, to the
/// second) and join time.
const MEMBER_COLS: &str = "user_id, role, CASE WHEN muted_until >
    FLOOR(EXTRACT(EPOCH FROM clock_timestamp()))::BIGINT * 1000 THEN muted_until END, joined_at";

fn to_member(r: &Row) -> StoreResult<GroupMember> {
    let role: String = r.try_get(1)?;
    Ok(GroupMember {
        user: parse_user(r.try_get(0)?)?,
        role: parse_role(&role)?,
        muted_until: r.try_get(2)?,
        joined_at: r.try_get(3)?,
    })
}

pub async fn membership(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
) -> StoreResult<Option<GroupMember>> {
    let sql = format!("SELECT {MEMBER_COLS} FROM members WHERE conv = $1 AND user_id = $2");
    c.query_opt(&sql, &[&conv_key(g), &user.as_str()])
        .await?
        .map(|r| to_member(&r))
        .transpose()
}

pub async fn is_live(c: &Tx<'_>, g: &GroupId) -> StoreResult<bool> {
    Ok(c.query_one(
        "SELECT EXISTS(SELECT 1 FROM groups WHERE id = $1 AND dismissed_at IS NULL)",
        &[&g.as_str()],
    )
    .await?
    .try_get(0)?)
}

pub async fn require_member(c: &Tx<'_>, g: &GroupId, user: &UserId) -> StoreResult<GroupMember> {
    if !is_live(c, g).await? {
        return Err(no_group(g));
    }
    membership(c, g, user).await?.ok_or_else(|| {
        rejected(
            ErrorCode::Forbidden,
            format!(
                "you are not a member of {}",
                ConversationId::Group(g.clone())
            ),
        )
    })
}

async fn require_role(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
    roles: &[GroupRole],
    who: &str,
) -> StoreResult<GroupMember> {
    let m = require_member(c, g, user).await?;
    if !roles.contains(&m.role) {
        return Err(rejected(
            ErrorCode::Forbidden,
            format!("only {who} of group `{g}` may do this"),
        ));
    }
    Ok(m)
}

pub async fn require_manager(c: &Tx<'_>, g: &GroupId, user: &UserId) -> StoreResult<GroupMember> {
    require_role(
        c,
        g,
        user,
        &[GroupRole::Owner, GroupRole::Admin],
        "the owner or an admin",
    )
    .await
}

pub async fn require_owner(c: &Tx<'_>, g: &GroupId, user: &UserId) -> StoreResult<GroupMember> {
    require_role(c, g, user, &[GroupRole::Owner], "the owner").await
}

async fn require_target(c: &Tx<'_>, g: &GroupId, user: &UserId) -> StoreResult<GroupMember> {
    membership(c, g, user).await?.ok_or_else(|| {
        rejected(
            ErrorCode::NotFound,
            format!("`{user}` is not a member of group `{g}`"),
        )
    })
}

pub async fn check_can_post(c: &Tx<'_>, g: &GroupId, user: &UserId, now: i64) -> StoreResult<()> {
    let m = require_member(c, g, user).await?;
    if let Some(until) = m.muted_until.filter(|u| *u > now) {
        let secs = (until - now + 999) / 1000;
        return Err(rejected(
            ErrorCode::Muted,
            format!("you are muted in group `{g}` for another {secs} s (until {until})"),
        ));
    }
    if m.role == GroupRole::Member {
        let all_muted: bool = c
            .query_one("SELECT all_muted FROM groups WHERE id = $1", &[&g.as_str()])
            .await?
            .try_get(0)?;
        if all_muted {
            return Err(rejected(
                ErrorCode::Muted,
                format!("group `{g}` is muted: only the owner and admins may post"),
            ));
        }
    }
    Ok(())
}

pub async fn outranks(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
    target: &UserId,
) -> StoreResult<bool> {
    let Some(me) = membership(c, g, user).await? else {
        return Ok(false);
    };
    let them = membership(c, g, target).await?.map(|m| m.role);
    Ok(me.role.may_moderate(them))
}

async fn managers(c: &Tx<'_>, g: &GroupId) -> StoreResult<Vec<UserId>> {
    let rows = c
        .query(
            "SELECT user_id FROM members WHERE conv = $1 AND role IN ('owner', 'admin')
             ORDER BY user_id COLLATE \"C\"",
            &[&conv_key(g)],
        )
        .await?;
    rows.iter().map(|r| parse_user(r.try_get(0)?)).collect()
}

pub async fn members(c: &Tx<'_>, g: &GroupId) -> StoreResult<Vec<GroupMember>> {
    let sql = format!(
        "SELECT {MEMBER_COLS} FROM members WHERE conv = $1
         ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, joined_at, user_id COLLATE \"C\""
    );
    let rows = c.query(&sql, &[&conv_key(g)]).await?;
    rows.iter().map(to_member).collect()
}

async fn live_group_ids(c: &Tx<'_>, user: &UserId) -> StoreResult<Vec<GroupId>> {
    let rows = c
        .query(
            "SELECT g.id FROM groups g JOIN members m ON m.conv = 'g:' || g.id
             WHERE m.user_id = $1 AND g.dismissed_at IS NULL ORDER BY g.id COLLATE \"C\"",
            &[&user.as_str()],
        )
        .await?;
    rows.iter()
        .map(|r| GroupId::new(r.try_get::<_, String>(0)?).map_err(corrupt))
        .collect()
}

pub async fn groups_of(c: &Tx<'_>, user: &UserId) -> StoreResult<Vec<GroupInfo>> {
    let mut out = Vec::new();
    for g in live_group_ids(c, user).await? {
        out.push(info(c, &g).await?);
    }
    Ok(out)
}

pub async fn applications(c: &Tx<'_>, g: &GroupId) -> StoreResult<Vec<GroupApplication>> {
    let rows = c
        .query(
            "SELECT user_id FROM group_applications WHERE grp = $1
             ORDER BY updated_at DESC, user_id COLLATE \"C\"",
            &[&g.as_str()],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if let Some(a) = application(c, g, &parse_user(r.try_get(0)?)?).await? {
            out.push(a);
        }
    }
    Ok(out)
}

async fn application(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
) -> StoreResult<Option<GroupApplication>> {
    let Some(r) = c
        .query_opt(
            "SELECT message, state, handled_by, created_at, updated_at
             FROM group_applications WHERE grp = $1 AND user_id = $2",
            &[&g.as_str(), &user.as_str()],
        )
        .await?
    else {
        return Ok(None);
    };
    let state: String = r.try_get(1)?;
    let handled_by: Option<String> = r.try_get(2)?;
    Ok(Some(GroupApplication {
        group: g.clone(),
        user: user.clone(),
        message: r.try_get(0)?,
        state: parse_state(&state)?,
        handled_by: handled_by.map(parse_user).transpose()?,
        created_at: r.try_get(3)?,
        updated_at: r.try_get(4)?,
    }))
}

// ---------------------------------------------------------------- change log fan-out

async fn notify(
    c: &Tx<'_>,
    users: &[UserId],
    change: &Change,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    for u in users {
        append_change(c, u, change.clone(), out).await?;
    }
    Ok(())
}

/// Appends `change` to every current member's log: their user rows are
/// locked in id order, then bumped and written by two set-based statements.
async fn broadcast(
    c: &Tx<'_>,
    g: &GroupId,
    change: &Change,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let conv = conv_key(g);
    let body = serde_json::to_string(change)?;
    c.execute(
        "SELECT 1 FROM users WHERE id IN (SELECT user_id FROM members WHERE conv = $1)
         ORDER BY id COLLATE \"C\" FOR UPDATE",
        &[&conv],
    )
    .await?;
    let bumped = c
        .query(
            "UPDATE users SET version = version + 1
             WHERE id IN (SELECT user_id FROM members WHERE conv = $1) RETURNING id, version",
            &[&conv],
        )
        .await?;
    c.execute(
        "INSERT INTO changes (user_id, version, body)
         SELECT u.id, u.version, $2 FROM users u
         WHERE u.id IN (SELECT user_id FROM members WHERE conv = $1)",
        &[&conv, &body],
    )
    .await?;
    out.reserve(bumped.len());
    for r in bumped {
        out.push(Delivery {
            user: parse_user(r.try_get(0)?)?,
            push: Push::Change(VersionedChange {
                version: r.try_get::<_, i64>(1)? as u64,
                change: change.clone(),
            }),
        });
    }
    Ok(())
}

async fn info_changed(
    c: &Tx<'_>,
    g: &GroupId,
    by: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<GroupInfo> {
    let group = info(c, g).await?;
    let change = Change::GroupInfoChanged {
        group: group.clone(),
        by: by.clone(),
    };
    broadcast(c, g, &change, out).await?;
    Ok(group)
}

async fn set_role_row(c: &Tx<'_>, g: &GroupId, user: &UserId, role: GroupRole) -> StoreResult<()> {
    c.execute(
        "UPDATE members SET role = $3 WHERE conv = $1 AND user_id = $2",
        &[&conv_key(g), &user.as_str(), &role_str(role)],
    )
    .await?;
    Ok(())
}

async fn make_owner(c: &Tx<'_>, g: &GroupId, user: &UserId) -> StoreResult<()> {
    set_role_row(c, g, user, GroupRole::Owner).await?;
    c.execute(
        "UPDATE groups SET owner = $2 WHERE id = $1",
        &[&g.as_str(), &user.as_str()],
    )
    .await?;
    c.execute(
        "UPDATE members SET muted_until = NULL WHERE conv = $1 AND user_id = $2",
        &[&conv_key(g), &user.as_str()],
    )
    .await?;
    Ok(())
}

async fn role_changed(
    c: &Tx<'_>,
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
    broadcast(c, g, &change, out).await
}

// ---------------------------------------------------------------- membership

fn distinct_others(users: &[UserId], me: &UserId) -> Vec<UserId> {
    let mut out: Vec<UserId> = Vec::with_capacity(users.len());
    for u in users {
        if u != me && !out.contains(u) {
            out.push(u.clone());
        }
    }
    out
}

async fn insert_member(
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

fn plain_member(u: &UserId, now: i64) -> GroupMember {
    GroupMember {
        user: u.clone(),
        role: GroupRole::Member,
        muted_until: None,
        joined_at: now,
    }
}

async fn add_members(
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
        };
        append_change(c, u, change, out).await?;
    }
    Ok(())
}

async fn check_may_add(
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

pub async fn invite(
    c: &Tx<'_>,
    me: &UserId,
    g: &GroupId,
    users: &[UserId],
    rules: InviteRules,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
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
    Ok(())
}

pub async fn join(
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
    let mut to = managers(c, g).await?;
    to.push(me.clone());
    notify(c, &to, &Change::GroupApplicationAdded { application }, out).await?;
    Ok(false)
}

#[allow(clippy::too_many_arguments)]
pub async fn answer_application(
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

async fn handle_application(
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
    let mut to = managers(c, g).await?;
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

async fn remove_member(
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

async fn delete_member_row(c: &Tx<'_>, g: &GroupId, user: &UserId) -> StoreResult<()> {
    c.execute(
        "DELETE FROM members WHERE conv = $1 AND user_id = $2",
        &[&conv_key(g), &user.as_str()],
    )
    .await?;
    Ok(())
}

pub async fn leave(
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

// ---------------------------------------------------------------- moderation

async fn moderated_target(
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

pub async fn kick(
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

pub async fn mute_all(
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
pub async fn mute_member(
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

pub async fn set_role(
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

pub async fn transfer(
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

// ---------------------------------------------------------------- lifecycle

#[allow(clippy::too_many_arguments)]
pub async fn create(
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
        let change = Change::GroupJoined {
            group: group.clone(),
            member: m.clone(),
        };
        append_change(c, &m.user, change, out).await?;
    }
    Ok(group)
}

pub async fn dismiss(
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

pub async fn update(
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
    {
        return info(c, g).await;
    }
    c.execute(
        "UPDATE groups SET name = COALESCE($2, name), avatar = COALESCE($3, avatar),
           notice = COALESCE($4, notice), join_policy = COALESCE($5, join_policy),
           history_visible = COALESCE($6, history_visible) WHERE id = $1",
        &[
            &g.as_str(),
            &u.name,
            &u.avatar.as_ref().map(FileId::as_str),
            &u.notice,
            &u.join_policy.map(policy_str),
            &u.history_visible,
        ],
    )
    .await?;
    info_changed(c, g, me, out).await
}

/// Takes a user who is being deleted out of every group (see the SQLite twin).
pub async fn remove_deleted_user(
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
