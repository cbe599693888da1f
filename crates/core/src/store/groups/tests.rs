//! Unit tests of the group caches: change-log entries keep groups, members and counts.

use super::*;
use tern_proto::JoinPolicy;

fn db() -> Connection {
    super::super::open_temp()
}

fn u(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

fn info(count: u32) -> GroupInfo {
    GroupInfo {
        group: GroupId::new("g1").unwrap(),
        name: "Team".into(),
        avatar: None,
        notice: String::new(),
        owner: u("alice"),
        join_policy: JoinPolicy::Open,
        all_muted: false,
        member_count: count,
        created_at: 1,
        history_visible: false,
        read_by: true,
    }
}

fn mem(user: &str, role: GroupRole, at: i64) -> GroupMember {
    GroupMember {
        user: u(user),
        role,
        muted_until: None,
        joined_at: at,
    }
}

#[test]
fn changes_keep_groups_members_and_counts() {
    let mut c = db();
    let g = info(2).group;
    let me = u("bob");
    let a = apply_change(
        &c,
        &me,
        &Change::GroupJoined {
            group: info(2),
            member: mem("bob", GroupRole::Member, 5),
            by: None,
        },
    )
    .unwrap();
    assert_eq!(a.refresh, Some(ConversationId::Group(g.clone())));
    let carol_joined = Change::GroupMemberJoined {
        group: g.clone(),
        member: mem("carol", GroupRole::Member, 6),
        by: None,
    };
    apply_change(&c, &me, &carol_joined).unwrap();
    assert_eq!(group(&c, &g).unwrap().unwrap().member_count, 3);
    // A full list makes the cache complete: repeated entries no longer count twice.
    replace_members(
        &mut c,
        &g,
        &[
            mem("carol", GroupRole::Member, 6),
            mem("alice", GroupRole::Owner, 1),
            mem("bob", GroupRole::Member, 5),
        ],
    )
    .unwrap();
    apply_change(&c, &me, &carol_joined).unwrap();
    assert_eq!(group(&c, &g).unwrap().unwrap().member_count, 3);
    apply_change(
        &c,
        &me,
        &Change::GroupRoleChanged {
            group: g.clone(),
            user: u("carol"),
            role: GroupRole::Admin,
            by: u("alice"),
        },
    )
    .unwrap();
    let order: Vec<_> = members(&c, &g)
        .unwrap()
        .into_iter()
        .map(|m| m.user.to_string())
        .collect();
    assert_eq!(order, ["alice", "carol", "bob"]);
    apply_change(
        &c,
        &me,
        &Change::GroupMemberLeft {
            group: g.clone(),
            user: u("carol"),
            reason: tern_proto::LeaveReason::Left,
            by: None,
        },
    )
    .unwrap();
    assert_eq!(group(&c, &g).unwrap().unwrap().member_count, 2);
    let a = apply_change(
        &c,
        &me,
        &Change::GroupMemberLeft {
            group: g.clone(),
            user: me.clone(),
            reason: tern_proto::LeaveReason::Kicked,
            by: Some(u("alice")),
        },
    )
    .unwrap();
    assert_eq!(a.removed, Some(ConversationId::Group(g.clone())));
    assert!(groups(&c).unwrap().is_empty());
    assert!(members(&c, &g).unwrap().is_empty());
}
