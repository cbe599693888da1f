//! Helpers of the admin chat-room tests (admin_rooms, admin_room_members).
#![allow(dead_code)]

use serde_json::json;
use tern_proto::{Push, RoomId, RoomLeftReason};

use crate::admin_support::{Admin, Answer};
use crate::common;

pub(crate) fn is(a: &Answer, status: u16, code: u64) {
    assert_eq!((a.status, a.code()), (status, code), "{a:?}");
}

pub(crate) async fn new_room(
    admin: &Admin,
    owner: &str,
    name: &str,
    recent: Option<u32>,
) -> String {
    let a = admin
        .post(
            "/admin/rooms",
            json!({ "owner": owner, "name": name, "recent": recent }),
        )
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    a.body["room"].as_str().unwrap().to_string()
}

pub(crate) fn rid(s: &str) -> RoomId {
    RoomId::new(s).unwrap()
}

pub(crate) async fn left(c: &mut common::Client) -> (RoomLeftReason, Option<i64>) {
    match c.push_where(|p| matches!(p, Push::RoomLeft { .. })).await {
        Push::RoomLeft {
            reason,
            banned_until,
            ..
        } => (reason, banned_until),
        _ => unreachable!(),
    }
}

pub(crate) fn listed_members(a: &Answer) -> Vec<String> {
    a.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"].as_str().unwrap().to_string())
        .collect()
}
