//! Helpers for the chat-room tests (on top of `common`).
#![allow(dead_code)]

use std::time::Duration;

use tern_proto::{Content, Push, Request, Response, RoomId, RoomInfo, RoomMessage};

use crate::common::{uid, Client};

pub(crate) fn text(t: &str) -> Content {
    Content::Text { text: t.into() }
}

/// `create_room`; returns the room.
pub(crate) async fn create_room(c: &mut Client, name: &str) -> RoomInfo {
    match c.ok(Request::CreateRoom { name: name.into() }).await {
        Response::Room { room } => room,
        other => panic!("create_room answered {other:?}"),
    }
}

/// `join_room`; returns the room and its recent messages.
pub(crate) async fn join(c: &mut Client, room: &RoomId) -> (RoomInfo, Vec<RoomMessage>) {
    match c.ok(Request::JoinRoom { room: room.clone() }).await {
        Response::RoomJoined { room, recent } => (room, recent),
        other => panic!("join_room answered {other:?}"),
    }
}

pub(crate) fn send_req(room: &RoomId, t: &str) -> Request {
    Request::RoomSend {
        room: room.clone(),
        content: text(t),
    }
}

/// `room_send` of a text; returns its seq.
pub(crate) async fn send(c: &mut Client, room: &RoomId, t: &str) -> u64 {
    match c.ok(send_req(room, t)).await {
        Response::RoomSent { seq, .. } => seq,
        other => panic!("room_send answered {other:?}"),
    }
}

/// The next `room_message` push (other pushes are skipped).
pub(crate) async fn next_message(c: &mut Client) -> RoomMessage {
    match c
        .push_where(|p| matches!(p, Push::RoomMessage { .. }))
        .await
    {
        Push::RoomMessage { message } => message,
        _ => unreachable!(),
    }
}

/// The room messages pushed within `d`.
pub(crate) async fn messages_within(c: &mut Client, d: Duration) -> Vec<RoomMessage> {
    c.drain_pushes(d)
        .await
        .into_iter()
        .filter_map(|p| match p {
            Push::RoomMessage { message } => Some(message),
            _ => None,
        })
        .collect()
}

pub(crate) fn texts(ms: &[RoomMessage]) -> Vec<String> {
    ms.iter()
        .map(|m| match &m.content {
            Content::Text { text } => text.clone(),
            other => panic!("not text: {other:?}"),
        })
        .collect()
}

/// The ids of a room's members (first page).
pub(crate) async fn member_ids(c: &mut Client, room: &RoomId) -> Vec<String> {
    match c
        .ok(Request::RoomMembers {
            room: room.clone(),
            after: None,
            limit: None,
        })
        .await
    {
        Response::RoomMembers { members, .. } => {
            members.iter().map(|m| m.user.to_string()).collect()
        }
        other => panic!("room_members answered {other:?}"),
    }
}

pub(crate) fn kick(room: &RoomId, user: &str, ban_secs: u32) -> Request {
    Request::RoomKick {
        room: room.clone(),
        user: uid(user),
        ban_secs,
    }
}

pub(crate) fn mute(room: &RoomId, user: &str, minutes: u32) -> Request {
    Request::RoomMute {
        room: room.clone(),
        user: uid(user),
        minutes,
    }
}
