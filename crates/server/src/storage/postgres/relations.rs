//! Friends and friend applications on PostgreSQL (a port of
//! `sqlite::relations`).

use tern_proto::{ApplicationState, Change, ErrorCode, Friend, FriendApplication, Profile, UserId};
use tokio_postgres::Row;

use super::accounts::{profile_row, require_user};
use super::blacklist::{is_blocked, user_list};
use super::changelog::append_change;
use super::{parse_user, Tx};
use crate::storage::sqlite::accounts::like_pattern;
use crate::storage::{Delivery, StoreError, StoreResult};

// ---------------------------------------------------------------- friends

pub(super) async fn is_friend(c: &Tx<'_>, owner: &UserId, friend: &UserId) -> StoreResult<bool> {
    Ok(c.query_one(
        "SELECT EXISTS(SELECT 1 FROM friends WHERE owner = $1 AND friend = $2)",
        &[&owner.as_str(), &friend.as_str()],
    )
    .await?
    .try_get(0)?)
}

const FRIEND_SELECT: &str = "SELECT u.id, u.nickname, u.avatar, u.signature, f.remark, f.since
     FROM friends f JOIN users u ON u.id = f.friend";

fn friend_row(r: &Row) -> StoreResult<Friend> {
    Ok(Friend {
        profile: profile_row(r, 0)?,
        remark: r.try_get(4)?,
        since: r.try_get(5)?,
    })
}

pub(super) async fn friend(
    c: &Tx<'_>,
    owner: &UserId,
    friend: &UserId,
) -> StoreResult<Option<Friend>> {
    let sql = format!("{FRIEND_SELECT} WHERE f.owner = $1 AND f.friend = $2");
    c.query_opt(&sql, &[&owner.as_str(), &friend.as_str()])
        .await?
        .map(|r| friend_row(&r))
        .transpose()
}

pub(super) async fn friends(
    c: &Tx<'_>,
    owner: &UserId,
    only: Option<&[UserId]>,
) -> StoreResult<Vec<Friend>> {
    match only {
        None => {
            let sql = format!("{FRIEND_SELECT} WHERE f.owner = $1 ORDER BY u.id COLLATE \"C\"");
            let rows = c.query(&sql, &[&owner.as_str()]).await?;
            rows.iter().map(friend_row).collect()
        }
        Some(ids) => {
            let mut out = Vec::new();
            for id in ids {
                out.extend(friend(c, owner, id).await?);
            }
            out.sort_by(|a, b| a.profile.user.cmp(&b.profile.user));
            out.dedup_by(|a, b| a.profile.user == b.profile.user);
            Ok(out)
        }
    }
}

pub(super) async fn search_friends(
    c: &Tx<'_>,
    owner: &UserId,
    query: &str,
) -> StoreResult<Vec<Friend>> {
    let sql = format!(
        "{FRIEND_SELECT} WHERE f.owner = $1 AND (u.id ILIKE $2 ESCAPE '\\'
         OR u.nickname ILIKE $2 ESCAPE '\\' OR f.remark ILIKE $2 ESCAPE '\\') ORDER BY u.id COLLATE \"C\""
    );
    let rows = c
        .query(&sql, &[&owner.as_str(), &like_pattern(query)])
        .await?;
    rows.iter().map(friend_row).collect()
}

/// Mutual friends and no block either way (see `sqlite::relations`).
const MUTUAL_UNBLOCKED: &str = "EXISTS (SELECT 1 FROM friends x WHERE x.owner = $1 AND x.friend = f.owner)
     AND NOT EXISTS (SELECT 1 FROM blacklist b
                     WHERE (b.owner = $1 AND b.blocked = f.owner) OR (b.owner = f.owner AND b.blocked = $1))";

pub(super) async fn followers(c: &Tx<'_>, user: &UserId) -> StoreResult<Vec<UserId>> {
    let sql = format!(
        "SELECT f.owner FROM friends f WHERE f.friend = $1 AND {MUTUAL_UNBLOCKED} ORDER BY f.owner COLLATE \"C\""
    );
    user_list(c, &sql, user).await
}

pub(super) async fn sees_presence(c: &Tx<'_>, viewer: &UserId, user: &UserId) -> StoreResult<bool> {
    let sql = format!(
        "SELECT EXISTS(SELECT 1 FROM friends f WHERE f.owner = $2 AND f.friend = $1 AND {MUTUAL_UNBLOCKED})"
    );
    Ok(c.query_one(&sql, &[&user.as_str(), &viewer.as_str()])
        .await?
        .try_get(0)?)
}

// ---------------------------------------------------------------- applications

fn parse_state(s: &str) -> StoreResult<ApplicationState> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(StoreError::Json)
}

fn state_str(s: ApplicationState) -> &'static str {
    match s {
        ApplicationState::Pending => "pending",
        ApplicationState::Accepted => "accepted",
        ApplicationState::Refused => "refused",
    }
}

/// After `to` unblocked `from`: `from`'s pending application to `to` is
/// announced to `to` again (see `sqlite::relations::announce_pending`).
pub(super) async fn announce_pending(
    c: &Tx<'_>,
    from: &UserId,
    to: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let pending = application(c, from, to)
        .await?
        .filter(|a| a.state == ApplicationState::Pending);
    if let Some(application) = pending {
        append_change(c, to, Change::FriendApplicationAdded { application }, out).await?;
    }
    Ok(())
}

async fn application(
    c: &Tx<'_>,
    from: &UserId,
    to: &UserId,
) -> StoreResult<Option<FriendApplication>> {
    let Some(r) = c
        .query_opt(
            "SELECT greeting, state, created_at, updated_at FROM applications
             WHERE from_user = $1 AND to_user = $2",
            &[&from.as_str(), &to.as_str()],
        )
        .await?
    else {
        return Ok(None);
    };
    let state: String = r.try_get(1)?;
    Ok(Some(FriendApplication {
        from: from.clone(),
        to: to.clone(),
        greeting: r.try_get(0)?,
        state: parse_state(&state)?,
        created_at: r.try_get(2)?,
        updated_at: r.try_get(3)?,
    }))
}

pub(super) async fn applications(
    c: &Tx<'_>,
    user: &UserId,
    received: bool,
) -> StoreResult<Vec<FriendApplication>> {
    let sql = if received {
        "SELECT from_user, to_user FROM applications a WHERE to_user = $1
         AND NOT EXISTS (SELECT 1 FROM blacklist b WHERE b.owner = $1 AND b.blocked = a.from_user)
         ORDER BY updated_at DESC, from_user COLLATE \"C\""
    } else {
        "SELECT from_user, to_user FROM applications WHERE from_user = $1 ORDER BY updated_at DESC, to_user COLLATE \"C\""
    };
    let rows = c.query(sql, &[&user.as_str()]).await?;
    let mut out = Vec::new();
    for r in rows {
        let (f, t) = (parse_user(r.try_get(0)?)?, parse_user(r.try_get(1)?)?);
        out.extend(application(c, &f, &t).await?);
    }
    Ok(out)
}

/// Whether `from` may ask `to` to be friends: not themselves, not the system
/// account, an existing user who has not blocked them and is not already their
/// friend. See [`crate::storage::api::Social::precheck_apply`].
pub(super) async fn check_application(c: &Tx<'_>, from: &UserId, to: &UserId) -> StoreResult<()> {
    if from == to {
        return Err(StoreError::rejected(
            ErrorCode::SelfTarget,
            "you cannot befriend yourself",
        ));
    }
    super::accounts::refuse_system_target(c, to, "friend applications").await?;
    require_user(c, to).await?;
    if is_blocked(c, to, from).await? {
        return Err(StoreError::rejected(
            ErrorCode::Blocked,
            format!("{to} has blocked you"),
        ));
    }
    if is_friend(c, from, to).await? {
        return Err(StoreError::rejected(
            ErrorCode::AlreadyFriends,
            format!("{to} is already your friend"),
        ));
    }
    Ok(())
}

pub(super) async fn apply_friend(
    c: &Tx<'_>,
    from: &UserId,
    to: &UserId,
    greeting: &str,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    check_application(c, from, to).await?;
    c.execute(
        "INSERT INTO applications (from_user, to_user, greeting, state, created_at, updated_at)
         VALUES ($1, $2, $3, 'pending', $4, $4)
         ON CONFLICT (from_user, to_user) DO UPDATE
           SET greeting = $3, state = 'pending', created_at = $4, updated_at = $4",
        &[&from.as_str(), &to.as_str(), &greeting, &now],
    )
    .await?;
    let app = application(c, from, to)
        .await?
        .ok_or_else(|| StoreError::Corrupt("application vanished".into()))?;
    for u in sorted([from, to]) {
        append_change(
            c,
            u,
            Change::FriendApplicationAdded {
                application: app.clone(),
            },
            out,
        )
        .await?;
    }
    Ok(())
}

/// Two users in id order (user rows are locked in id order).
fn sorted(pair: [&UserId; 2]) -> [&UserId; 2] {
    let [a, b] = pair;
    if a <= b {
        [a, b]
    } else {
        [b, a]
    }
}

pub(super) async fn answer_application(
    c: &Tx<'_>,
    me: &UserId,
    from: &UserId,
    accept: bool,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let pending = application(c, from, me)
        .await?
        .filter(|a| a.state == ApplicationState::Pending);
    let Some(mut app) = pending else {
        return Err(StoreError::rejected(
            ErrorCode::NotFound,
            format!("no pending application from {from}"),
        ));
    };
    app.state = if accept {
        ApplicationState::Accepted
    } else {
        ApplicationState::Refused
    };
    app.updated_at = now;
    c.execute(
        "UPDATE applications SET state = $3, updated_at = $4 WHERE from_user = $1 AND to_user = $2",
        &[&from.as_str(), &me.as_str(), &state_str(app.state), &now],
    )
    .await?;
    for u in [from, me] {
        let change = if accept {
            Change::FriendApplicationAccepted {
                application: app.clone(),
            }
        } else {
            Change::FriendApplicationRefused {
                application: app.clone(),
            }
        };
        append_change(c, u, change, out).await?;
    }
    if accept {
        for (owner, other) in [(me, from), (from, me)] {
            let n = c
                .execute(
                    "INSERT INTO friends (owner, friend, since) VALUES ($1, $2, $3)
                     ON CONFLICT (owner, friend) DO NOTHING",
                    &[&owner.as_str(), &other.as_str(), &now],
                )
                .await?;
            if n == 1 {
                let friend = friend(c, owner, other)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt("friend vanished".into()))?;
                append_change(c, owner, Change::FriendAdded { friend }, out).await?;
            }
        }
    }
    Ok(())
}

pub(super) async fn delete_friend(
    c: &Tx<'_>,
    me: &UserId,
    user: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let n = c
        .execute(
            "DELETE FROM friends WHERE owner = $1 AND friend = $2",
            &[&me.as_str(), &user.as_str()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::rejected(
            ErrorCode::NotFriends,
            format!("{user} is not your friend"),
        ));
    }
    append_change(c, me, Change::FriendDeleted { user: user.clone() }, out).await
}

pub(super) async fn set_remark(
    c: &Tx<'_>,
    me: &UserId,
    user: &UserId,
    remark: &str,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let n = c
        .execute(
            "UPDATE friends SET remark = $3 WHERE owner = $1 AND friend = $2",
            &[&me.as_str(), &user.as_str(), &remark],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::rejected(
            ErrorCode::NotFriends,
            format!("{user} is not your friend"),
        ));
    }
    let friend = friend(c, me, user)
        .await?
        .ok_or_else(|| StoreError::Corrupt("friend vanished".into()))?;
    append_change(c, me, Change::FriendInfoChanged { friend }, out).await
}

/// `ProfileChanged` for me, `FriendInfoChanged` for everyone who sees me.
pub(super) async fn profile_changed(
    c: &Tx<'_>,
    me: &UserId,
    profile: &Profile,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    append_change(
        c,
        me,
        Change::ProfileChanged {
            profile: profile.clone(),
        },
        out,
    )
    .await?;
    for owner in followers(c, me).await? {
        if let Some(friend) = friend(c, &owner, me).await? {
            append_change(c, &owner, Change::FriendInfoChanged { friend }, out).await?;
        }
    }
    Ok(())
}
