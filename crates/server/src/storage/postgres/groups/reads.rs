//! Reading groups: info, members, applications, and the role checks every write starts with.

use tern_proto::{
    ConversationId, ErrorCode, FileId, GroupApplication, GroupId, GroupInfo, GroupMember,
    GroupRole, UserId,
};
use tokio_postgres::Row;

use super::super::{corrupt, parse_user, Tx};
use super::*;
use crate::storage::StoreResult;

pub(crate) async fn info(c: &Tx<'_>, g: &GroupId) -> StoreResult<GroupInfo> {
    let row = c
        .query_opt(
            "SELECT name, avatar, notice, owner, join_policy, all_muted, created_at,
               (SELECT COUNT(*) FROM members m WHERE m.conv = $2), history_visible, read_by
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
        read_by: r.try_get(9)?,
    })
}

/// user, role, mute deadline (a mute that has run out reads as NULL, to the
/// second) and join time.
const MEMBER_COLS: &str = "user_id, role, CASE WHEN muted_until >
    FLOOR(EXTRACT(EPOCH FROM clock_timestamp()))::BIGINT * 1000 THEN muted_until END, joined_at";

pub(super) fn to_member(r: &Row) -> StoreResult<GroupMember> {
    let role: String = r.try_get(1)?;
    Ok(GroupMember {
        user: parse_user(r.try_get(0)?)?,
        role: parse_role(&role)?,
        muted_until: r.try_get(2)?,
        joined_at: r.try_get(3)?,
    })
}

pub(crate) async fn membership(
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

pub(crate) async fn is_live(c: &Tx<'_>, g: &GroupId) -> StoreResult<bool> {
    Ok(c.query_one(
        "SELECT EXISTS(SELECT 1 FROM groups WHERE id = $1 AND dismissed_at IS NULL)",
        &[&g.as_str()],
    )
    .await?
    .try_get(0)?)
}

pub(crate) async fn require_member(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
) -> StoreResult<GroupMember> {
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

pub(super) async fn require_role(
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

pub(crate) async fn require_manager(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
) -> StoreResult<GroupMember> {
    require_role(
        c,
        g,
        user,
        &[GroupRole::Owner, GroupRole::Admin],
        "the owner or an admin",
    )
    .await
}

pub(crate) async fn require_owner(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
) -> StoreResult<GroupMember> {
    require_role(c, g, user, &[GroupRole::Owner], "the owner").await
}

pub(super) async fn require_target(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
) -> StoreResult<GroupMember> {
    membership(c, g, user).await?.ok_or_else(|| {
        rejected(
            ErrorCode::NotFound,
            format!("`{user}` is not a member of group `{g}`"),
        )
    })
}

pub(crate) async fn check_can_post(
    c: &Tx<'_>,
    g: &GroupId,
    user: &UserId,
    now: i64,
) -> StoreResult<()> {
    // The reserved `system` account posts notices into any live group (the
    // admin API's group notices; nobody can sign in as `system`).
    if user.as_str() == tern_proto::SYSTEM_USER {
        return if is_live(c, g).await? {
            Ok(())
        } else {
            Err(no_group(g))
        };
    }
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

pub(crate) async fn outranks(
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

/// The owner and admins of `g` who have not blocked `applicant`: whom `applicant`'s
/// join application reaches (a blocked user's words must not reach me this way either).
pub(super) async fn managers_hearing(
    c: &Tx<'_>,
    g: &GroupId,
    applicant: &UserId,
) -> StoreResult<Vec<UserId>> {
    let rows = c
        .query(
            "SELECT user_id FROM members WHERE conv = $1 AND role IN ('owner', 'admin')
               AND user_id NOT IN (SELECT owner FROM blacklist WHERE blocked = $2)
             ORDER BY user_id COLLATE \"C\"",
            &[&conv_key(g), &applicant.as_str()],
        )
        .await?;
    rows.iter().map(|r| parse_user(r.try_get(0)?)).collect()
}

pub(crate) async fn members(c: &Tx<'_>, g: &GroupId) -> StoreResult<Vec<GroupMember>> {
    let sql = format!(
        "SELECT {MEMBER_COLS} FROM members WHERE conv = $1
         ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, joined_at, user_id COLLATE \"C\""
    );
    let rows = c.query(&sql, &[&conv_key(g)]).await?;
    rows.iter().map(to_member).collect()
}

pub(super) async fn live_group_ids(c: &Tx<'_>, user: &UserId) -> StoreResult<Vec<GroupId>> {
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

pub(crate) async fn groups_of(c: &Tx<'_>, user: &UserId) -> StoreResult<Vec<GroupInfo>> {
    let mut out = Vec::new();
    for g in live_group_ids(c, user).await? {
        out.push(info(c, &g).await?);
    }
    Ok(out)
}

pub(crate) async fn applications(c: &Tx<'_>, g: &GroupId) -> StoreResult<Vec<GroupApplication>> {
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

pub(super) async fn application(
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
