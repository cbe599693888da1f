//! Helpers for the group tests (on top of `common`).
#![allow(dead_code)]

use std::time::Duration;

use tern_proto::{
    Change, ConversationId, ErrorCode, GroupId, GroupInfo, GroupRole, JoinPolicy, Push, Request,
    Response, Seq, VersionedChange,
};

use crate::common::{uid, Client};

/// `g:<id>`.
pub fn gconv(g: &GroupId) -> ConversationId {
    ConversationId::Group(g.clone())
}

/// `create_group` with `members` (ids) and `policy`; returns the group.
pub async fn create(
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

/// The next `change` push satisfying `pred` (other pushes are skipped).
pub async fn change_where(c: &mut Client, pred: impl Fn(&Change) -> bool) -> VersionedChange {
    let p = c
        .push_where(|p| matches!(p, Push::Change(v) if pred(&v.change)))
        .await;
    let Push::Change(v) = p else { unreachable!() };
    v
}

/// Every change pushed within `d` (other pushes dropped).
pub async fn changes_within(c: &mut Client, d: Duration) -> Vec<Change> {
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
pub async fn sync(c: &mut Client, since: u64) -> Vec<Change> {
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
pub async fn version(c: &mut Client) -> u64 {
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
pub fn gtext(g: &GroupId, client_id: &str, text: &str) -> Request {
    crate::common::text_msg(&gconv(g), client_id, text)
}

/// Sends and returns the seq.
pub async fn gsend(c: &mut Client, g: &GroupId, client_id: &str, text: &str) -> Seq {
    match c.ok(gtext(g, client_id, text)).await {
        Response::Sent { seq, .. } => seq,
        other => panic!("send answered {other:?}"),
    }
}

/// Asserts `req` fails with `code`; returns the message.
pub async fn fails(c: &mut Client, req: Request, code: ErrorCode) -> String {
    let e = c.err(req).await;
    assert_eq!(e.code, code, "{}", e.message);
    e.message
}

/// The role of `user` per `get_group_members` (asked by `c`).
pub async fn role_of(c: &mut Client, g: &GroupId, user: &str) -> Option<GroupRole> {
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
pub async fn member_ids(c: &mut Client, g: &GroupId) -> Vec<String> {
    let Response::GroupMembers { members } =
        c.ok(Request::GetGroupMembers { group: g.clone() }).await
    else {
        panic!("get_group_members")
    };
    members.into_iter().map(|m| m.user.to_string()).collect()
}
