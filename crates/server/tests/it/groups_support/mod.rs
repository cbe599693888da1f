//! Helpers for the group tests (on top of `common`).
#![allow(dead_code)]

use std::time::Duration;

use tern_proto::{
    Change, ConversationId, ConversationInfo, ErrorCode, GroupId, GroupInfo, GroupRole, JoinPolicy,
    Push, Request, Response, Seq, VersionedChange,
};

use crate::common::{uid, Client, TestServer};

/// Signs up and logs in one client per name, in order.
pub(crate) async fn users<const N: usize>(server: &TestServer, names: [&str; N]) -> [Client; N] {
    let mut out = Vec::with_capacity(N);
    for name in names {
        out.push(server.user(name).await);
    }
    match out.try_into() {
        Ok(clients) => clients,
        Err(_) => unreachable!(),
    }
}

/// `g:<id>`.
pub(crate) fn gconv(g: &GroupId) -> ConversationId {
    ConversationId::Group(g.clone())
}

/// `create_group` with `members` (ids) and `policy`; returns the group.
pub(crate) async fn create(
    owner: &mut Client,
    name: &str,
    members: &[&str],
    policy: Option<JoinPolicy>,
) -> GroupInfo {
    let res = owner
        .ok(Request::CreateGroup {
            name: name.into(),
            members: members.iter().map(|m| uid(m)).collect(),
            join_policy: policy,
        })
        .await;
    let Response::Group { group } = res else {
        panic!("create_group answered {res:?}")
    };
    group
}

/// Waits until each of `members` has been pushed `group_joined` for `g`
/// (pushes before it are dropped). In a cluster a member's node subscribes
/// to the group's subject when that entry reaches it; what the group
/// publishes before then reaches the member only by catch-up
/// (docs/architecture.md § Cluster), so a test that expects live pushes
/// waits for this first, as a client acts on a group it has heard of.
pub(crate) async fn joined(members: &mut [&mut Client], g: &GroupId) {
    for c in members.iter_mut() {
        change_where(
            c,
            |ch| matches!(ch, Change::GroupJoined { group, .. } if &group.group == g),
        )
        .await;
    }
}

/// The next `change` push satisfying `pred` (other pushes are skipped).
pub(crate) async fn change_where(
    c: &mut Client,
    pred: impl Fn(&Change) -> bool,
) -> VersionedChange {
    let p = c
        .push_where(|p| matches!(p, Push::Change(v) if pred(&v.change)))
        .await;
    let Push::Change(v) = p else { unreachable!() };
    v
}

/// Every change pushed within `d` (other pushes dropped).
pub(crate) async fn changes_within(c: &mut Client, d: Duration) -> Vec<Change> {
    c.drain_pushes(d)
        .await
        .into_iter()
        .filter_map(|p| match p {
            Push::Change(v) => Some(v.change),
            _ => None,
        })
        .collect()
}

/// Every change in the user's log after `since` (one page).
pub(crate) async fn sync(c: &mut Client, since: u64) -> Vec<Change> {
    let Response::Changes { changes, .. } = c
        .ok(Request::SyncChanges {
            since,
            limit: Some(500),
        })
        .await
    else {
        panic!("sync_changes")
    };
    changes.into_iter().map(|v| v.change).collect()
}

/// The current change-log version (from an empty sync page).
pub(crate) async fn version(c: &mut Client) -> u64 {
    let Response::Changes { latest, .. } = c
        .ok(Request::SyncChanges {
            since: u64::MAX >> 1,
            limit: Some(1),
        })
        .await
    else {
        panic!("sync_changes")
    };
    latest
}

/// A text message to group `g`.
pub(crate) fn gtext(g: &GroupId, client_id: &str, text: &str) -> Request {
    crate::common::text_msg(&gconv(g), client_id, text)
}

/// Sends `n` messages of `text` to `g` (client ids `h0`, `h1`, …),
/// pipelined 50 at a time; panics on a refusal.
pub(crate) async fn gsend_many(c: &mut Client, g: &GroupId, n: u64, text: &str) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(50) {
        let reqs = chunk
            .iter()
            .map(|i| gtext(g, &format!("h{i}"), text))
            .collect();
        for r in c.pipeline(reqs).await {
            r.unwrap();
        }
    }
}

/// Sends and returns the seq.
pub(crate) async fn gsend(c: &mut Client, g: &GroupId, client_id: &str, text: &str) -> Seq {
    match c.ok(gtext(g, client_id, text)).await {
        Response::Sent { seq, .. } => seq,
        other => panic!("send answered {other:?}"),
    }
}

/// Asserts `req` fails with `code`; returns the message.
pub(crate) async fn fails(c: &mut Client, req: Request, code: ErrorCode) -> String {
    let e = c.err(req).await;
    assert_eq!(e.code, code, "{}", e.message);
    e.message
}

/// The role of `user` per `get_group_members` (asked by `c`).
pub(crate) async fn role_of(c: &mut Client, g: &GroupId, user: &str) -> Option<GroupRole> {
    let Response::GroupMembers { members } =
        c.ok(Request::GetGroupMembers { group: g.clone() }).await
    else {
        panic!("get_group_members")
    };
    members
        .into_iter()
        .find(|m| m.user.as_str() == user)
        .map(|m| m.role)
}

/// `get_group_members` as ids, in the server's order.
pub(crate) async fn member_ids(c: &mut Client, g: &GroupId) -> Vec<String> {
    let Response::GroupMembers { members } =
        c.ok(Request::GetGroupMembers { group: g.clone() }).await
    else {
        panic!("get_group_members")
    };
    members.into_iter().map(|m| m.user.to_string()).collect()
}

/// The next change `c` is pushed of `expected`'s kind (others skipped) is
/// `expected`.
pub(crate) async fn hears(c: &mut Client, expected: &Change) {
    let kind = std::mem::discriminant(expected);
    let v = change_where(c, |ch| std::mem::discriminant(ch) == kind).await;
    assert_eq!(&v.change, expected);
}

/// `c` (the owner) gives `user` `role` in `g`.
pub(crate) async fn set_role(c: &mut Client, g: &GroupId, user: &str, role: GroupRole) {
    c.ok(Request::SetMemberRole {
        group: g.clone(),
        user: uid(user),
        role,
    })
    .await;
}

/// `get_groups`.
pub(crate) async fn get_groups(c: &mut Client) -> Vec<GroupInfo> {
    let Response::Groups { groups } = c.ok(Request::GetGroups).await else {
        panic!("get_groups")
    };
    groups
}

/// `conversations`.
pub(crate) async fn get_conversations(c: &mut Client) -> Vec<ConversationInfo> {
    let Response::Conversations { conversations } = c.ok(Request::Conversations).await else {
        panic!("conversations")
    };
    conversations
}

/// `pull` of seq 1 of `conv`.
pub(crate) fn pull_first(conv: &ConversationId) -> Request {
    Request::Pull {
        conv: conv.clone(),
        from: Seq(1),
        to: Seq(1),
        limit: None,
    }
}

/// What only a member may do with `g`'s messages: post (`client_id`, `text`),
/// pull, read the history, mark read.
pub(crate) fn member_reads(g: &GroupId, client_id: &str, text: &str) -> Vec<Request> {
    let conv = gconv(g);
    vec![
        gtext(g, client_id, text),
        pull_first(&conv),
        Request::History {
            conv: conv.clone(),
            before: None,
            limit: None,
        },
        Request::MarkRead { conv, seq: Seq(1) },
    ]
}
