//! Friends and friend applications. Every change appends to the change log of
//! each user it concerns in the same transaction.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{ApplicationState, Change, ErrorCode, Friend, FriendApplication, Profile, UserId};

use super::accounts::{like_pattern, parse_user, profile, profile_row, require_user};
use super::blacklist::is_blocked;
use super::changelog::{append_change, Delivery};
use super::{StoreError, StoreResult};

/// Whether `friend` is on `owner`'s friend list.
pub fn is_friend(conn: &Connection, owner: &UserId, friend: &UserId) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM friends WHERE owner = ?1 AND friend = ?2)")?
        .query_row([owner.as_str(), friend.as_str()], |r| r.get(0))?)
}

const FRIEND_SELECT: &str = "SELECT u.id, u.nickname, u.avatar, u.signature, f.remark, f.since
     FROM friends f JOIN users u ON u.id = f.friend";

fn friend_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoreResult<Friend>> {
    let profile = profile_row(r)?;
    let remark: String = r.get(4)?;
    let since: i64 = r.get(5)?;
    Ok(profile.map(|profile| Friend {
        profile,
        remark,
        since,
    }))
}

fn collect_friends(
    conn: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
) -> StoreResult<Vec<Friend>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(p, friend_row)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r??);
    }
    Ok(out)
}

/// `friend` as seen by `owner`, if on the list.
pub fn friend(conn: &Connection, owner: &UserId, friend: &UserId) -> StoreResult<Option<Friend>> {
    let sql = format!("{FRIEND_SELECT} WHERE f.owner = ?1 AND f.friend = ?2");
    Ok(collect_friends(conn, &sql, [owner.as_str(), friend.as_str()])?.pop())
}

/// `owner`'s friends, ordered by id; with `only`, restricted to those ids.
pub fn friends(
    conn: &Connection,
    owner: &UserId,
    only: Option<&[UserId]>,
) -> StoreResult<Vec<Friend>> {
    match only {
        None => collect_friends(
            conn,
            &format!("{FRIEND_SELECT} WHERE f.owner = ?1 ORDER BY u.id"),
            [owner.as_str()],
        ),
        Some(ids) => {
            let mut out = Vec::new();
            for id in ids {
                out.extend(friend(conn, owner, id)?);
            }
            out.sort_by(|a, b| a.profile.user.cmp(&b.profile.user));
            out.dedup_by(|a, b| a.profile.user == b.profile.user);
            Ok(out)
        }
    }
}

/// `owner`'s friends whose id, nickname or remark contains `query`.
pub fn search_friends(conn: &Connection, owner: &UserId, query: &str) -> StoreResult<Vec<Friend>> {
    let sql = format!(
        "{FRIEND_SELECT} WHERE f.owner = ?1 AND (u.id LIKE ?2 ESCAPE '\\' OR u.nickname LIKE ?2 ESCAPE '\\'
         OR f.remark LIKE ?2 ESCAPE '\\') ORDER BY u.id"
    );
    collect_friends(conn, &sql, [owner.as_str(), &like_pattern(query)])
}

/// Mutual friends and no block either way: the one relation in which two
/// users see each other's presence and profile changes. A friend who was
/// deleted on one side, or blocked, stops seeing them.
const MUTUAL_UNBLOCKED: &str = "EXISTS (SELECT 1 FROM friends x WHERE x.owner = ?1 AND x.friend = f.owner)
     AND NOT EXISTS (SELECT 1 FROM blacklist b
                     WHERE (b.owner = ?1 AND b.blocked = f.owner) OR (b.owner = f.owner AND b.blocked = ?1))";

/// Users who see `user`'s presence and profile changes (see [`MUTUAL_UNBLOCKED`]).
pub fn followers(conn: &Connection, user: &UserId) -> StoreResult<Vec<UserId>> {
    let sql = format!("SELECT f.owner FROM friends f WHERE f.friend = ?1 AND {MUTUAL_UNBLOCKED}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([user.as_str()], |r| r.get::<_, String>(0))?;
    rows.map(|r| parse_user(r?)).collect()
}

/// Whether `viewer` may see `user`'s presence (see [`MUTUAL_UNBLOCKED`]).
pub fn sees_presence(conn: &Connection, viewer: &UserId, user: &UserId) -> StoreResult<bool> {
    let sql = format!(
        "SELECT EXISTS(SELECT 1 FROM friends f WHERE f.owner = ?2 AND f.friend = ?1 AND {MUTUAL_UNBLOCKED})"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([user.as_str(), viewer.as_str()], |r| r.get(0))?)
}

/// After `to` unblocked `from`: `from`'s pending application to `to` was
/// left out of `to`'s lists meanwhile (a device that took a snapshot then
/// does not have it), so it is announced to `to` again.
pub(super) fn announce_pending(
    conn: &Connection,
    from: &UserId,
    to: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let pending = application(conn, from, to)?.filter(|a| a.state == ApplicationState::Pending);
    if let Some(application) = pending {
        append_change(
            conn,
            to,
            Change::FriendApplicationAdded { application },
            out,
        )?;
    }
    Ok(())
}

fn application(
    conn: &Connection,
    from: &UserId,
    to: &UserId,
) -> StoreResult<Option<FriendApplication>> {
    let row = conn
        .query_row(
            "SELECT greeting, state, created_at, updated_at FROM applications WHERE from_user = ?1 AND to_user = ?2",
            [from.as_str(), to.as_str()],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?)),
        )
        .optional()?;
    row.map(|(greeting, state, created_at, updated_at)| {
        Ok(FriendApplication {
            from: from.clone(),
            to: to.clone(),
            greeting,
            state: parse_state(&state)?,
            created_at,
            updated_at,
        })
    })
    .transpose()
}

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

/// Applications received (`received = true`; not those from users `user`
/// blocked) or sent by `user`, newest first.
pub fn applications(
    conn: &Connection,
    user: &UserId,
    received: bool,
) -> StoreResult<Vec<FriendApplication>> {
    let sql = if received {
        "SELECT from_user, to_user FROM applications a WHERE to_user = ?1
         AND NOT EXISTS (SELECT 1 FROM blacklist b WHERE b.owner = ?1 AND b.blocked = a.from_user)
         ORDER BY updated_at DESC, from_user"
    } else {
        "SELECT from_user, to_user FROM applications WHERE from_user = ?1 ORDER BY updated_at DESC, to_user"
    };
    let mut stmt = conn.prepare(sql)?;
    let pairs = stmt
        .query_map([user.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    for (f, t) in pairs {
        out.extend(application(conn, &parse_user(f)?, &parse_user(t)?)?);
    }
    Ok(out)
}

/// Whether `from` may ask `to` to be friends: not themselves, not the system
/// account, an existing user who has not blocked them and is not already their
/// friend. See [`crate::storage::api::Social::precheck_apply`].
pub fn check_application(conn: &Connection, from: &UserId, to: &UserId) -> StoreResult<()> {
    if from == to {
        return Err(StoreError::rejected(
            ErrorCode::SelfTarget,
            "you cannot befriend yourself",
        ));
    }
    super::accounts::refuse_system_target(conn, to, "friend applications")?;
    require_user(conn, to)?;
    if is_blocked(conn, to, from)? {
        return Err(StoreError::rejected(
            ErrorCode::Blocked,
            format!("{to} has blocked you"),
        ));
    }
    if is_friend(conn, from, to)? {
        return Err(StoreError::rejected(
            ErrorCode::AlreadyFriends,
            format!("{to} is already your friend"),
        ));
    }
    Ok(())
}

/// `from` asks `to` to be friends (or re-asks, replacing the greeting).
pub fn apply_friend(
    conn: &Connection,
    from: &UserId,
    to: &UserId,
    greeting: &str,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    check_application(conn, from, to)?;
    conn.prepare_cached("INSERT INTO applications (from_user, to_user, greeting, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'pending', ?4, ?4)
         ON CONFLICT (from_user, to_user) DO UPDATE SET greeting = ?3, state = 'pending', created_at = ?4, updated_at = ?4")?.execute(
        params![from.as_str(), to.as_str(), greeting, now],
    )?;
    let app = application(conn, from, to)?.expect("just written");
    for u in [from, to] {
        append_change(
            conn,
            u,
            Change::FriendApplicationAdded {
                application: app.clone(),
            },
            out,
        )?;
    }
    Ok(())
}

/// `me` answers the pending application from `from`.
pub fn answer_application(
    conn: &Connection,
    me: &UserId,
    from: &UserId,
    accept: bool,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let pending = application(conn, from, me)?.filter(|a| a.state == ApplicationState::Pending);
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
    conn.prepare_cached(
        "UPDATE applications SET state = ?3, updated_at = ?4 WHERE from_user = ?1 AND to_user = ?2",
    )?
    .execute(params![
        from.as_str(),
        me.as_str(),
        state_str(app.state),
        now
    ])?;
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
        append_change(conn, u, change, out)?;
    }
    if accept {
        for (owner, other) in [(me, from), (from, me)] {
            let n = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO friends (owner, friend, since) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![owner.as_str(), other.as_str(), now])?;
            if n == 1 {
                let friend = friend(conn, owner, other)?.expect("just inserted");
                append_change(conn, owner, Change::FriendAdded { friend }, out)?;
            }
        }
    }
    Ok(())
}

/// Removes `user` from `me`'s list only.
pub fn delete_friend(
    conn: &Connection,
    me: &UserId,
    user: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let n = conn
        .prepare_cached("DELETE FROM friends WHERE owner = ?1 AND friend = ?2")?
        .execute([me.as_str(), user.as_str()])?;
    if n == 0 {
        return Err(StoreError::rejected(
            ErrorCode::NotFriends,
            format!("{user} is not your friend"),
        ));
    }
    append_change(conn, me, Change::FriendDeleted { user: user.clone() }, out)
}

/// Sets `me`'s private remark for `user`.
pub fn set_remark(
    conn: &Connection,
    me: &UserId,
    user: &UserId,
    remark: &str,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let n = conn
        .prepare_cached("UPDATE friends SET remark = ?3 WHERE owner = ?1 AND friend = ?2")?
        .execute(params![me.as_str(), user.as_str(), remark])?;
    if n == 0 {
        return Err(StoreError::rejected(
            ErrorCode::NotFriends,
            format!("{user} is not your friend"),
        ));
    }
    let friend = friend(conn, me, user)?.expect("just updated");
    append_change(conn, me, Change::FriendInfoChanged { friend }, out)
}

/// Records a profile change: `ProfileChanged` for me, `FriendInfoChanged` for
/// everyone who has me as a friend.
pub fn profile_changed(
    conn: &Connection,
    me: &UserId,
    profile: &Profile,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    append_change(
        conn,
        me,
        Change::ProfileChanged {
            profile: profile.clone(),
        },
        out,
    )?;
    for owner in followers(conn, me)? {
        if let Some(friend) = friend(conn, &owner, me)? {
            append_change(conn, &owner, Change::FriendInfoChanged { friend }, out)?;
        }
    }
    Ok(())
}

/// My profile (for `Session` responses).
pub fn my_profile(conn: &Connection, me: &UserId) -> StoreResult<Profile> {
    profile(conn, me)?
        .ok_or_else(|| StoreError::rejected(ErrorCode::NotFound, format!("no user `{me}`")))
}
