//! The OpenAPI paths and schemas of the chat-room routes ([`super::rooms`],
//! [`super::room_members`]); [`document`] is the whole document, served at
//! `GET /admin/openapi.json`.

use serde_json::{json, Value};

use super::openapi::{count, merged, millis, object, op, user_id, NOT_BLANK, TOO_LARGE};
use super::openapi_manage::{
    array_of, id_schema, limit_param, nullable, path_param, query_param, reference, with_params,
};

const OWNER: &str =
    "The room's owner (code 4014, NotManager): the owner is neither kicked, muted nor banned.";

/// The whole document, served at `GET /admin/openapi.json`:
/// [`super::openapi_manage::document`] with the room routes added.
pub fn document() -> Value {
    let mut doc = super::openapi_manage::document();
    doc["paths"] = merged(doc["paths"].take(), paths());
    doc["components"]["schemas"] = merged(doc["components"]["schemas"].take(), schemas());
    doc
}

/// The paths.
pub fn paths() -> Value {
    let room = json!([path_param("room", id_schema(), "the room id")]);
    let member = json!([
        path_param("room", id_schema(), "the room id"),
        path_param("user", user_id(), "the member")
    ]);
    let banned = json!([
        path_param("room", id_schema(), "the room id"),
        path_param("user", user_id(), "the user (a member or not)")
    ]);
    let not_member = "No such room (code 3000), or `user` is not in it (code 4020, NotInRoom).";
    json!({
        "/admin/rooms": {
            "post": op("createRoom", "Create a chat room owned by `owner` (an account), who joins it; the server picks the id. \
    The name is 1 to 64 characters after trimming. `recent` (0 to 1,000) is how many of its last messages the room keeps \
    and gives to those who join; absent or null follows the server's `room_recent`.",
                Some("CreateRoom"), "201", "AdminRoom", &[
                    ("409", "The owner already owns rooms_per_owner rooms (code 4023, TooManyRooms)."),
                    ("413", "The name is longer than 64 characters (code 1003)."),
                ]),
            "get": with_params(op("listRooms", "Chat rooms ordered by id with their current member counts, a page at a time \
    (pass `next` as `after`; null on the last page).", None, "200", "RoomList", &[]),
                json!([query_param("after", id_schema(), "list rooms whose id sorts after this one"), limit_param()]))
        },
        "/admin/rooms/{room}": {
            "parameters": room,
            "get": op("getRoom", "One chat room, with how many messages it keeps.", None, "200", "AdminRoom", &[]),
            "delete": op("deleteRoom", "Delete the room as its owner would: its members get `room_left` (reason `deleted`) on every \
    connected device; its messages and bans go with it.", None, "200", "RoomDeleted", &[])
        },
        "/admin/rooms/{room}/messages": {
            "parameters": room,
            "post": op("roomSendAs", "Send into the room as member `from`, as their `room_send` would (text, a location or custom \
    content; no files), without their send rate. Stored among the room's recent messages and pushed (`room_message`) to its \
    current members, on every node.",
                Some("RoomSendAs"), "200", "RoomMessage", &[
                    ("403", "`from` is muted in the room (code 4002), or the content is a system notice (code 4000)."),
                    ("404", not_member),
                    ("413", TOO_LARGE),
                ])
        },
        "/admin/rooms/{room}/notices": {
            "parameters": room,
            "post": op("roomNotice", "Post a system notice (`{\"type\":\"system\",\"text\":…}` from `system`) into the room: \
    stored among its recent messages and pushed to its current members.",
                Some("RoomNotice"), "200", "RoomMessage", &[("413", TOO_LARGE)])
        },
        "/admin/rooms/{room}/members": {
            "parameters": room,
            "get": with_params(op("listRoomMembers", "The room's current members ordered by id, a page at a time (pass `next` as `after`).",
                None, "200", "RoomMemberList", &[]),
                json!([query_param("after", user_id(), "list members whose id sorts after this one"), limit_param()]))
        },
        "/admin/rooms/{room}/members/{user}": {
            "parameters": member,
            "delete": with_params(op("kickRoomMember", "Remove a member (not the owner) as the owner would (`room_kick`): they get \
    `room_left` (reason `kicked`) on every device. With `ban_secs` they may not rejoin until then.",
                None, "200", "RoomKicked", &[("403", OWNER), ("404", not_member)]),
                json!([query_param("ban_secs", json!({ "type": "integer", "minimum": 0, "maximum": 2_592_000 }),
                    "also ban them for this many seconds (0 to 30 days; default 0: no ban)")]))
        },
        "/admin/rooms/{room}/members/{user}/mute": {
            "parameters": member,
            "post": op("muteRoomMember", "Mute a member (not the owner) for 1 to 43,200 minutes: their room messages are refused (code 4002).",
                Some("MuteMember"), "200", "RoomMuteSet", &[("403", OWNER), ("404", not_member)]),
            "delete": op("unmuteRoomMember", "Lift a member's mute.", None, "200", "RoomMuteSet", &[("403", OWNER), ("404", not_member)])
        },
        "/admin/rooms/{room}/members/{user}/admin": {
            "parameters": member,
            "post": op("appointRoomAdmin", "Make a member an admin of the room (admins may kick and mute plain members).",
                None, "200", "RoomRoleSet", &[("403", "The owner's role does not change (code 3004, SelfTarget)."), ("404", not_member)]),
            "delete": op("dismissRoomAdmin", "Make an admin a plain member again.",
                None, "200", "RoomRoleSet", &[("403", "The owner's role does not change (code 3004, SelfTarget)."), ("404", not_member)])
        },
        "/admin/rooms/{room}/bans/{user}": {
            "parameters": banned,
            "post": op("banRoomUser", "Ban a user (an account; a member or not) from the room for 1 second to 30 days: a member is \
    removed and gets `room_left` (reason `kicked`, with `banned_until`); their joins are refused (code 4021) until then. Banning again replaces the end.",
                Some("RoomBan"), "200", "RoomBanned", &[("403", OWNER)]),
            "delete": op("unbanRoomUser", "Lift a user's ban so they may join again; `was_banned` says whether one was in force.",
                None, "200", "RoomUnbanned", &[])
        }
    })
}

/// The schemas.
pub fn schemas() -> Value {
    let room_id = id_schema();
    let name = json!({ "type": "string", "minLength": 1, "maxLength": 64, "pattern": NOT_BLANK, "description": "not only whitespace" });
    let role = json!({ "type": "string", "enum": ["owner", "admin", "member"] });
    let recent = json!({ "type": "integer", "minimum": 0, "maximum": 1000 });
    let info = [
        ("room", room_id.clone()),
        ("name", json!({ "type": "string" })),
        ("owner", user_id()),
        ("member_count", count()),
        ("created_at", millis()),
    ];
    let info_req = ["room", "name", "owner", "member_count", "created_at"];
    let mut admin_room: Vec<(&str, Value)> = info.to_vec();
    admin_room.push(("recent", recent.clone()));
    admin_room.push((
        "own_recent",
        json!({ "type": "boolean", "description": "false: `recent` is the server's room_recent" }),
    ));
    let mut admin_req = info_req.to_vec();
    admin_req.extend(["recent", "own_recent"]);
    json!({
        "CreateRoom": object(&[("owner", user_id()), ("name", name),
                               ("recent", json!({ "type": ["integer", "null"], "minimum": 0, "maximum": 1000 }))], &["owner", "name"]),
        "Room": object(&info, &info_req),
        "AdminRoom": object(&admin_room, &admin_req),
        "RoomList": object(&[("rooms", array_of("Room")), ("next", nullable(room_id.clone()))], &["rooms", "next"]),
        "RoomDeleted": object(&[("room", room_id.clone()), ("deleted", json!({ "const": true }))], &["room", "deleted"]),
        "RoomSendAs": object(&[("from", user_id()), ("content", reference("Content"))], &["from", "content"]),
        "RoomNotice": object(&[("text", json!({ "type": "string", "minLength": 1, "pattern": NOT_BLANK, "description": "not only whitespace" }))], &["text"]),
        "RoomMessage": object(&[("room", room_id.clone()), ("seq", json!({ "type": "integer", "minimum": 1 })), ("from", user_id()),
                                ("content", reference("StoredContent")), ("sent_at", millis())],
                              &["room", "seq", "from", "content", "sent_at"]),
        "RoomMember": object(&[("user", user_id()), ("role", role), ("joined_at", millis()), ("muted_until", millis())],
                             &["user", "role", "joined_at"]),
        "RoomMemberList": object(&[("members", array_of("RoomMember")), ("next", nullable(user_id()))], &["members", "next"]),
        "RoomKicked": object(&[("room", room_id.clone()), ("user", user_id()), ("removed", json!({ "const": true })),
                               ("banned_until", json!({ "type": ["integer", "null"], "description": "milliseconds since the Unix epoch" }))],
                             &["room", "user", "removed", "banned_until"]),
        "RoomMuteSet": object(&[("room", room_id.clone()), ("user", user_id()), ("muted_minutes", count())], &["room", "user", "muted_minutes"]),
        "RoomRoleSet": object(&[("room", room_id.clone()), ("user", user_id()), ("role", json!({ "type": "string", "enum": ["admin", "member"] }))],
                              &["room", "user", "role"]),
        "RoomBan": object(&[("seconds", json!({ "type": "integer", "minimum": 1, "maximum": 2_592_000 }))], &["seconds"]),
        "RoomBanned": object(&[("room", room_id.clone()), ("user", user_id()), ("banned_until", millis()), ("was_member", json!({ "type": "boolean" }))],
                             &["room", "user", "banned_until", "was_member"]),
        "RoomUnbanned": object(&[("room", room_id), ("user", user_id()), ("was_banned", json!({ "type": "boolean" }))],
                               &["room", "user", "was_banned"]),
    })
}
