//! Membership notices of group timelines ("Bob left", "Alice added Dave", "Alice
//! created the group"): one row per member joined / left / kicked or I-joined
//! change-log entry this device applied, live or
//! replayed after being offline, written in the same transaction as the change
//! (see `sync::relations::apply_change`). The snapshot of a freshly synced device has no
//! history and records none. Per device: another device keeps its own.

use rusqlite::{params, Connection};
use tern_proto::{Change, ConversationId, LeaveReason, Millis, UserId};

use super::rows::corrupt;
use crate::error::{Detail, Error, Result};
use crate::types::{MemberNotice, MemberNoticeKind};

/// The most notices one call returns.
pub(crate) const MAX_NOTICES: u32 = 1000;

fn bad(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Storage(Detail::caused(format!("corrupt member notice row: {e}"), e))
}

fn kind_str(k: MemberNoticeKind) -> &'static str {
    match k {
        MemberNoticeKind::Joined => "joined",
        MemberNoticeKind::Left => "left",
        MemberNoticeKind::Kicked => "kicked",
        MemberNoticeKind::Created => "created",
    }
}

fn parse_kind(s: &str) -> Result<MemberNoticeKind> {
    match s {
        "joined" => Ok(MemberNoticeKind::Joined),
        "left" => Ok(MemberNoticeKind::Left),
        "kicked" => Ok(MemberNoticeKind::Kicked),
        "created" => Ok(MemberNoticeKind::Created),
        other => Err(corrupt("member_notices.kind", other)),
    }
}

/// How `user` is named in this cache now: the friend remark, else the nickname.
fn display_name(c: &Connection, user: &UserId) -> Result<Option<String>> {
    let name = c.query_row(
        "SELECT COALESCE(NULLIF(f.remark, ''), NULLIF(u.nickname, ''))
         FROM (SELECT ?1 AS id) x
         LEFT JOIN friends f ON f.user = x.id LEFT JOIN users u ON u.user = x.id",
        [user.as_str()],
        |r| r.get::<_, Option<String>>(0),
    )?;
    Ok(name)
}

/// Records the notice a change-log entry calls for (member joined, left or kicked;
/// I joined: at the group's creation "created", else "joined"), at `at` (those two
/// at the server's times: the group's creation, my joining); other entries record nothing. Call before the entry is
/// applied, so a member who leaves is still named.
pub(crate) fn record(c: &Connection, change: &Change, at: Millis) -> Result<()> {
    let mut at = at;
    let (group, kind, user, by) = match change {
        Change::GroupJoined { group, member, by } => {
            // The server stamps a group's creation and its first members' joining
            // with the same time (one request); anyone added later joined after it.
            if member.joined_at <= group.created_at {
                at = group.created_at;
                (&group.group, MemberNoticeKind::Created, &group.owner, &None)
            } else {
                at = member.joined_at;
                (&group.group, MemberNoticeKind::Joined, &member.user, by)
            }
        }
        Change::GroupMemberJoined { group, member, by } => {
            (group, MemberNoticeKind::Joined, &member.user, by)
        }
        Change::GroupMemberLeft {
            group,
            user,
            reason,
            by,
        } => {
            let kind = match reason {
                LeaveReason::Left => MemberNoticeKind::Left,
                LeaveReason::Kicked => MemberNoticeKind::Kicked,
            };
            (group, kind, user, by)
        }
        _ => return Ok(()),
    };
    let conv = ConversationId::Group(group.clone());
    let name = display_name(c, user)?;
    c.execute(
        "INSERT INTO member_notices (conv, kind, user, by_user, at, name)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            conv.to_string(),
            kind_str(kind),
            user.as_str(),
            by.as_ref().map(|b| b.as_str()),
            at,
            name
        ],
    )?;
    Ok(())
}

/// The newest `limit` (at most [`MAX_NOTICES`]) notices of `conv` at or after
/// `since` (all when `None`), oldest first.
pub(crate) fn list(
    c: &Connection,
    conv: &ConversationId,
    since: Option<Millis>,
    limit: u32,
) -> Result<Vec<MemberNotice>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, kind, user, by_user, at, name FROM member_notices
         WHERE conv = ?1 AND at >= ?2 ORDER BY at DESC, id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        params![
            conv.to_string(),
            since.unwrap_or(i64::MIN),
            limit.min(MAX_NOTICES)
        ],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, user, by, at, name) = row?;
        out.push(MemberNotice {
            id,
            conv: conv.clone(),
            kind: parse_kind(&kind)?,
            user: UserId::new(&user).map_err(bad)?,
            by: by.map(|b| UserId::new(&b).map_err(bad)).transpose()?,
            at,
            name,
        });
    }
    out.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_proto::{GroupId, GroupMember, GroupRole};

    fn u(s: &str) -> UserId {
        UserId::new(s).unwrap()
    }

    #[test]
    fn records_joins_leaves_and_kicks_and_lists_them_in_order() {
        let c = crate::store::open_temp();
        c.execute(
            "INSERT INTO users (user, nickname, avatar, signature) VALUES ('carol', 'Carol Chen', NULL, '')",
            [],
        )
        .unwrap();
        let g = GroupId::new("g1").unwrap();
        let conv = ConversationId::Group(g.clone());
        let member = GroupMember {
            user: u("dave"),
            role: GroupRole::Member,
            muted_until: None,
            joined_at: 1,
        };
        let changes = [
            Change::GroupMemberJoined {
                group: g.clone(),
                member,
                by: Some(u("alice")),
            },
            Change::GroupMemberLeft {
                group: g.clone(),
                user: u("carol"),
                reason: LeaveReason::Kicked,
                by: Some(u("alice")),
            },
            Change::GroupMemberLeft {
                group: g.clone(),
                user: u("dave"),
                reason: LeaveReason::Left,
                by: None,
            },
            Change::BlackAdded { user: u("eve") },
        ];
        for (i, ch) in changes.iter().enumerate() {
            record(&c, ch, 100 + i as i64).unwrap();
        }
        let all = list(&c, &conv, None, 50).unwrap();
        let kinds: Vec<_> = all
            .iter()
            .map(|n| (n.kind, n.user.as_str(), n.at))
            .collect();
        assert_eq!(
            kinds,
            [
                (MemberNoticeKind::Joined, "dave", 100),
                (MemberNoticeKind::Kicked, "carol", 101),
                (MemberNoticeKind::Left, "dave", 102),
            ]
        );
        assert_eq!(all[1].name.as_deref(), Some("Carol Chen"));
        assert_eq!(all[1].by, Some(u("alice")));
        assert_eq!(all[2].by, None);
        // Newest first when limited; `since` bounds from below.
        let last = list(&c, &conv, None, 1).unwrap();
        assert_eq!(last[0].at, 102);
        assert_eq!(list(&c, &conv, Some(101), 50).unwrap().len(), 2);
        let other = ConversationId::Group(GroupId::new("g2").unwrap());
        assert!(list(&c, &other, None, 50).unwrap().is_empty());
    }

    fn joined(group: &str, created_at: i64, me: &str, joined_at: i64, by: Option<&str>) -> Change {
        Change::GroupJoined {
            group: tern_proto::GroupInfo {
                group: GroupId::new(group).unwrap(),
                name: "Team".into(),
                avatar: None,
                notice: String::new(),
                owner: u("alice"),
                join_policy: tern_proto::JoinPolicy::Open,
                all_muted: false,
                member_count: 2,
                created_at,
                history_visible: false,
                read_by: true,
            },
            member: GroupMember {
                user: u(me),
                role: GroupRole::Member,
                muted_until: None,
                joined_at,
            },
            by: by.map(u),
        }
    }

    #[test]
    fn joining_at_creation_records_who_created_it_later_joining_records_me() {
        let c = crate::store::open_temp();
        // The creator (or a first member): "alice created", at the creation time.
        record(&c, &joined("g1", 1_000, "alice", 1_000, None), 9_999).unwrap();
        record(&c, &joined("g2", 1_000, "bob", 1_000, Some("alice")), 9_999).unwrap();
        // Joined later, even a moment later (invited right after): "bob joined",
        // at the server's join time, added by whom the server says.
        record(
            &c,
            &joined("g3", 1_000, "bob", 86_401_000, None),
            99_999_999,
        )
        .unwrap();
        record(&c, &joined("g4", 1_000, "bob", 1_001, Some("carol")), 9_999).unwrap();
        let one = |g: &str| {
            let conv = ConversationId::Group(GroupId::new(g).unwrap());
            let n = list(&c, &conv, None, 50).unwrap();
            assert_eq!(n.len(), 1, "{g}: {n:?}");
            (n[0].kind, n[0].user.to_string(), n[0].at, n[0].by.clone())
        };
        assert_eq!(
            one("g1"),
            (MemberNoticeKind::Created, "alice".into(), 1_000, None)
        );
        assert_eq!(
            one("g2"),
            (MemberNoticeKind::Created, "alice".into(), 1_000, None)
        );
        assert_eq!(
            one("g3"),
            (MemberNoticeKind::Joined, "bob".into(), 86_401_000, None)
        );
        assert_eq!(
            one("g4"),
            (
                MemberNoticeKind::Joined,
                "bob".into(),
                1_001,
                Some(u("carol"))
            )
        );
    }
}
