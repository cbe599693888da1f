//! Profile, friends, applications, blacklist and the change-log version.

use rusqlite::{params, Connection, OptionalExtension, Row};
use tern_proto::{ApplicationState, Change, FileId, Friend, FriendApplication, Profile, UserId};

use super::rows::{bad, corrupt};
use crate::error::Result;

fn user(s: String) -> Result<UserId> {
    UserId::new(s).map_err(bad)
}

fn app_state_str(s: ApplicationState) -> &'static str {
    match s {
        ApplicationState::Pending => "pending",
        ApplicationState::Accepted => "accepted",
        ApplicationState::Refused => "refused",
    }
}

fn app_state(s: &str) -> Result<ApplicationState> {
    match s {
        "pending" => Ok(ApplicationState::Pending),
        "accepted" => Ok(ApplicationState::Accepted),
        "refused" => Ok(ApplicationState::Refused),
        other => Err(corrupt("applications.state", other)),
    }
}

/// A value from the `meta` table.
pub(crate) fn meta(c: &Connection, key: &str) -> Result<Option<String>> {
    Ok(
        c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?,
    )
}

/// Sets a value in the `meta` table.
pub(crate) fn set_meta(c: &Connection, key: &str, value: &str) -> Result<()> {
    c.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// The last change-log version applied (0 before the first).
pub(crate) fn version(c: &Connection) -> Result<u64> {
    match meta(c, "change_version")? {
        None => Ok(0),
        Some(v) => v
            .parse()
            .map_err(|_| corrupt("meta.value (change_version)", v)),
    }
}

/// Records the last change-log version applied.
pub(crate) fn set_version(c: &Connection, v: u64) -> Result<()> {
    set_meta(c, "change_version", &v.to_string())
}

/// My cached profile.
pub(crate) fn my_profile(c: &Connection) -> Result<Option<Profile>> {
    match meta(c, "my_profile")? {
        Some(json) => Ok(Some(serde_json::from_str(&json).map_err(bad)?)),
        None => Ok(None),
    }
}

/// Caches my profile.
pub(crate) fn set_my_profile(c: &Connection, p: &Profile) -> Result<()> {
    upsert_user(c, p)?;
    set_meta(c, "my_profile", &serde_json::to_string(p).map_err(bad)?)
}

/// Caches someone's public profile.
pub(crate) fn upsert_user(c: &Connection, p: &Profile) -> Result<()> {
    c.execute(
        "INSERT INTO users (user, nickname, avatar, signature) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user) DO UPDATE SET nickname = excluded.nickname,
           avatar = excluded.avatar, signature = excluded.signature",
        params![
            p.user.as_str(),
            p.nickname,
            p.avatar.as_ref().map(|a| a.as_str()),
            p.signature
        ],
    )?;
    Ok(())
}

/// Adds or updates a friend (and caches their profile).
pub(crate) fn upsert_friend(c: &Connection, f: &Friend) -> Result<()> {
    upsert_user(c, &f.profile)?;
    c.execute(
        "INSERT INTO friends (user, remark, since) VALUES (?1, ?2, ?3)
         ON CONFLICT (user) DO UPDATE SET remark = excluded.remark, since = excluded.since",
        params![f.profile.user.as_str(), f.remark, f.since],
    )?;
    Ok(())
}

const FRIEND_SELECT: &str = "SELECT f.user, COALESCE(u.nickname, ''), u.avatar,
    COALESCE(u.signature, ''), f.remark, f.since
    FROM friends f LEFT JOIN users u ON u.user = f.user";

fn friend_row(r: &Row) -> rusqlite::Result<(String, String, Option<String>, String, String, i64)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn to_friend(row: (String, String, Option<String>, String, String, i64)) -> Result<Friend> {
    let (u, nickname, avatar, signature, remark, since) = row;
    Ok(Friend {
        profile: Profile {
            user: user(u)?,
            nickname,
            avatar: avatar.map(FileId::new).transpose().map_err(bad)?,
            signature,
        },
        remark,
        since,
    })
}

fn query_friends(
    c: &Connection,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Friend>> {
    let sql = format!("{FRIEND_SELECT} {filter} ORDER BY f.user");
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map(args, friend_row)?;
    rows.map(|r| to_friend(r?)).collect()
}

/// All my friends, by user id.
pub(crate) fn friends(c: &Connection) -> Result<Vec<Friend>> {
    query_friends(c, "", &[])
}

/// Those of `users` that are my friends.
pub(crate) fn friends_in(c: &Connection, users: &[UserId]) -> Result<Vec<Friend>> {
    let all = friends(c)?;
    Ok(all
        .into_iter()
        .filter(|f| users.contains(&f.profile.user))
        .collect())
}

/// Friends whose id, nickname or remark contains `q` (case-insensitive for ASCII).
pub(crate) fn search_friends(c: &Connection, q: &str) -> Result<Vec<Friend>> {
    let pattern = format!("%{}%", like_escape(q));
    query_friends(
        c,
        "WHERE f.user LIKE ?1 ESCAPE '\\' OR u.nickname LIKE ?1 ESCAPE '\\'
         OR f.remark LIKE ?1 ESCAPE '\\'",
        &[&pattern],
    )
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Adds or updates an application.
pub(crate) fn upsert_application(c: &Connection, a: &FriendApplication) -> Result<()> {
    c.execute(
        "INSERT INTO applications (from_user, to_user, greeting, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (from_user, to_user) DO UPDATE SET greeting = excluded.greeting,
           state = excluded.state, created_at = excluded.created_at,
           updated_at = excluded.updated_at",
        params![
            a.from.as_str(),
            a.to.as_str(),
            a.greeting,
            app_state_str(a.state),
            a.created_at,
            a.updated_at
        ],
    )?;
    Ok(())
}

/// Applications to me (`received`; not those from users I blocked) or from me,
/// newest first.
pub(crate) fn applications(
    c: &Connection,
    me: &UserId,
    received: bool,
) -> Result<Vec<FriendApplication>> {
    let filter = if received {
        "to_user = ?1 AND from_user NOT IN (SELECT user FROM blacklist)"
    } else {
        "from_user = ?1"
    };
    let sql = format!(
        "SELECT from_user, to_user, greeting, state, created_at, updated_at FROM applications
         WHERE {filter} ORDER BY created_at DESC, from_user, to_user"
    );
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map([me.as_str()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    rows.map(|r| {
        let (from, to, greeting, state, created_at, updated_at) = r?;
        Ok(FriendApplication {
            from: user(from)?,
            to: user(to)?,
            greeting,
            state: app_state(&state)?,
            created_at,
            updated_at,
        })
    })
    .collect()
}

/// Everyone I blocked, by id.
pub(crate) fn blacklist(c: &Connection) -> Result<Vec<UserId>> {
    let mut stmt = c.prepare("SELECT user FROM blacklist ORDER BY user")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|r| user(r?)).collect()
}

/// Replaces all relations with a full snapshot from the server (first sync of a
/// device); the caller stores the change-log version once the whole snapshot is in.
pub(crate) fn replace_all(
    c: &mut Connection,
    friends: &[Friend],
    applications: &[FriendApplication],
    blocked: &[UserId],
) -> Result<()> {
    let tx = c.transaction()?;
    tx.execute_batch("DELETE FROM friends; DELETE FROM applications; DELETE FROM blacklist;")?;
    for f in friends {
        upsert_friend(&tx, f)?;
    }
    for a in applications {
        upsert_application(&tx, a)?;
    }
    for u in blocked {
        tx.execute(
            "INSERT OR IGNORE INTO blacklist (user) VALUES (?1)",
            [u.as_str()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Applies one change-log entry to the cache.
pub(crate) fn apply_change(c: &Connection, change: &Change) -> Result<()> {
    match change {
        Change::FriendApplicationAdded { application }
        | Change::FriendApplicationAccepted { application }
        | Change::FriendApplicationRefused { application } => upsert_application(c, application)?,
        Change::FriendAdded { friend } | Change::FriendInfoChanged { friend } => {
            upsert_friend(c, friend)?
        }
        Change::FriendDeleted { user } => {
            c.execute("DELETE FROM friends WHERE user = ?1", [user.as_str()])?;
        }
        Change::BlackAdded { user } => {
            c.execute(
                "INSERT OR IGNORE INTO blacklist (user) VALUES (?1)",
                [user.as_str()],
            )?;
        }
        Change::BlackDeleted { user } => {
            c.execute("DELETE FROM blacklist WHERE user = ?1", [user.as_str()])?;
        }
        Change::ProfileChanged { profile } => set_my_profile(c, profile)?,
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        super::super::open_temp()
    }

    fn friend(u: &str, nick: &str, remark: &str) -> Friend {
        Friend {
            profile: Profile {
                user: UserId::new(u).unwrap(),
                nickname: nick.into(),
                avatar: None,
                signature: String::new(),
            },
            remark: remark.into(),
            since: 1,
        }
    }

    #[test]
    fn changes_build_friend_and_black_lists() {
        let c = db();
        apply_change(
            &c,
            &Change::FriendAdded {
                friend: friend("bob", "Bobby", ""),
            },
        )
        .unwrap();
        apply_change(
            &c,
            &Change::FriendAdded {
                friend: friend("carol", "C", "boss"),
            },
        )
        .unwrap();
        apply_change(
            &c,
            &Change::FriendInfoChanged {
                friend: friend("bob", "Bobby", "pal"),
            },
        )
        .unwrap();
        let bob = UserId::new("bob").unwrap();
        apply_change(&c, &Change::BlackAdded { user: bob.clone() }).unwrap();
        assert_eq!(friends(&c).unwrap().len(), 2);
        assert_eq!(search_friends(&c, "PAL").unwrap()[0].profile.user, bob);
        assert_eq!(search_friends(&c, "bos").unwrap()[0].remark, "boss");
        assert!(search_friends(&c, "%").unwrap().is_empty());
        assert_eq!(blacklist(&c).unwrap(), vec![bob.clone()]);
        apply_change(&c, &Change::FriendDeleted { user: bob.clone() }).unwrap();
        apply_change(&c, &Change::BlackDeleted { user: bob }).unwrap();
        assert_eq!(friends(&c).unwrap().len(), 1);
        assert!(blacklist(&c).unwrap().is_empty());
    }

    #[test]
    fn applications_from_users_i_blocked_are_not_listed() {
        let c = db();
        let (me, bob) = (UserId::new("me").unwrap(), UserId::new("bob").unwrap());
        let application = FriendApplication {
            from: bob.clone(),
            to: me.clone(),
            greeting: "let me in".into(),
            state: ApplicationState::Pending,
            created_at: 1,
            updated_at: 1,
        };
        apply_change(&c, &Change::FriendApplicationAdded { application }).unwrap();
        assert_eq!(applications(&c, &me, true).unwrap().len(), 1);
        apply_change(&c, &Change::BlackAdded { user: bob.clone() }).unwrap();
        assert!(applications(&c, &me, true).unwrap().is_empty());
        apply_change(&c, &Change::BlackDeleted { user: bob }).unwrap();
        assert_eq!(applications(&c, &me, true).unwrap().len(), 1);
    }
}
