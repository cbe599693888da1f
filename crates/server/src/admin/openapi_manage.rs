//! The OpenAPI paths and schemas of the routes that run a product (issue 19):
//! one user (get, profile, export), bulk import, groups and their members,
//! conversation history and recalls, server stats. [`document`] is the whole
//! document: [`super::openapi::document`] with these added.

use serde_json::{json, Value};

use super::openapi::{
    count, merged, millis, nullable_id, nullable_object, object, op, user_id, NOT_BLANK, TOO_LARGE,
    U32_MAX, U64_MAX,
};

/// The document without the chat-room routes ([`super::openapi_rooms::document`]
/// adds them: that is the one served).
pub fn document() -> Value {
    let mut doc = super::openapi::document();
    doc["paths"] = merged(doc["paths"].take(), paths());
    doc["components"]["schemas"] = merged(doc["components"]["schemas"].take(), schemas());
    doc
}

pub(super) fn path_param(name: &str, schema: Value, text: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": schema, "description": text })
}

pub(super) fn query_param(name: &str, schema: Value, text: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": text })
}

pub(super) fn id_schema() -> Value {
    json!({ "type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$" })
}

fn conv_schema() -> Value {
    json!({ "type": "string", "pattern": "^(d:[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_.-]{1,64}|g:[A-Za-z0-9_.-]{1,64})$",
            "description": "`d:<user>:<user>` (ids sorted) or `g:<group>`" })
}

pub(super) fn limit_param() -> Value {
    query_param(
        "limit",
        json!({ "type": "integer", "minimum": 1, "maximum": U32_MAX }),
        "page size (clamped to max_page)",
    )
}

pub(super) fn with_params(mut o: Value, params: Value) -> Value {
    o["parameters"] = params;
    o
}

pub(super) fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

pub(super) fn array_of(name: &str) -> Value {
    json!({ "type": "array", "items": reference(name) })
}

pub(super) fn nullable(schema: Value) -> Value {
    json!({ "oneOf": [schema, { "type": "null" }] })
}

/// The paths.
pub fn paths() -> Value {
    let user = json!([path_param("user", user_id(), "the user id")]);
    let group = json!([path_param("group", id_schema(), "the group id")]);
    let member = json!([
        path_param("group", id_schema(), "the group id"),
        path_param("user", user_id(), "the member")
    ]);
    let conv = json!([path_param("conv", conv_schema(), "the conversation")]);
    let message = json!([
        path_param("conv", conv_schema(), "the conversation"),
        path_param(
            "seq",
            json!({ "type": "integer", "minimum": 1, "maximum": i64::MAX }),
            "the message's seq"
        )
    ]);
    json!({
        "/admin/users/{user}": {
            "get": op("getUser", "One user: profile, creation time and ban. Unknown, deleted and the reserved `system` account are 404.",
                None, "200", "UserRecord", &[]),
            "patch": op("updateProfile", "Change a user's profile fields (absent or null: unchanged; none: the profile as it is). \
    Their devices and friends get the change as for `set_profile`; the `profile.update` before-hook is not asked.",
                Some("UpdateProfile"), "200", "Profile", &[
                    ("403", "The avatar is not an image this user uploaded, or the `system` account (code 4000)."),
                    ("413", "A nickname over 64 or a signature over 256 characters (code 1003)."),
                ])
        },
        "/admin/users/{user}/export": {
            "parameters": user,
            "get": op("exportUser", "Everything about one user as one JSON object: profile, friends, blacklist, groups, the messages \
    they sent (by id) and their files' metadata (by id). Streamed a page at a time; a database error midway cuts the body short.",
                None, "200", "UserExport", &[])
        },
        "/admin/import/users": {
            "post": op("importUsers", "Create up to 100 accounts, each row as POST /admin/users; a result per row, in order: \
    `created`, `exists` (the id is taken, reserved or was deleted) or `invalid` (with the reason).",
                Some("ImportUsers"), "200", "ImportResults", &[])
        },
        "/admin/groups": {
            "get": with_params(op("listGroups", "Live groups ordered by id, a page at a time (pass `next` as `after`; null on the last page). \
    `query` keeps the groups whose id or name contains it (ASCII case-insensitive).", None, "200", "GroupList", &[]),
                json!([query_param("query", json!({ "type": "string", "minLength": 1, "maxLength": 64 }), "substring of the id or name"),
                       query_param("after", id_schema(), "list groups whose id sorts after this one"),
                       limit_param()]))
        },
        "/admin/groups/{group}": {
            "parameters": group,
            "get": op("groupInfo", "A live group's info.", None, "200", "Group", &[]),
            "delete": op("dismissGroup", "Dismiss the group as its owner would (`dismiss_group`): members get `group_dismissed`, \
    webhooks `group.dismissed`.", None, "200", "Dismissed", &[])
        },
        "/admin/groups/{group}/notices": {
            "parameters": group,
            "post": op("groupNotice", "Post a system notice (`{\"type\":\"system\",\"text\":…}` from `system`) into the group: \
    stored with the next seq, pushed to every member's devices, and in the history for catch-up.",
                Some("GroupNotice"), "200", "Sent", &[
                    ("409", "`client_id` was already used for a notice in another conversation (code 1002)."),
                    ("413", TOO_LARGE),
                ])
        },
        "/admin/groups/{group}/transfer": {
            "parameters": group,
            "post": op("transferGroup", "Hand the group to a member, as its owner would (`transfer_group`); the old owner stays as an admin.",
                Some("TransferGroup"), "200", "Transferred", &[
                    ("403", "`to` already owns the group (code 3004, SelfTarget)."),
                ])
        },
        "/admin/groups/{group}/members": {
            "parameters": group,
            "get": with_params(op("listMembers", "The members ordered by id, a page at a time (pass `next` as `after`).",
                None, "200", "MemberList", &[]),
                json!([query_param("after", user_id(), "list members whose id sorts after this one"), limit_param()])),
            "post": op("addMembers", "Add users as the owner would (`invite_members`): they get `group_joined`, the others `group_member_joined`; users already in (and the owner) are skipped and not listed in `added`. \
    The reserved `system` account is 400 (code 1002).",
                Some("AddMembers"), "200", "Added", &[
                    ("403", "A user blocked the owner (3001), or friendship with the owner is required (3003)."),
                    ("409", "The group would exceed max_group_members (code 4004)."),
                ])
        },
        "/admin/groups/{group}/members/{user}": {
            "parameters": member,
            "delete": op("removeMember", "Remove a member (not the owner) as the owner would (`kick_member`).",
                None, "200", "Removed", &[("403", "The owner (code 4000): transfer the group first.")])
        },
        "/admin/groups/{group}/members/{user}/mute": {
            "parameters": member,
            "post": op("muteMember", "Mute a member (not the owner) for 1 to 43,200 minutes.", Some("MuteMember"), "200", "MuteSet",
                &[("403", "The owner (code 4000).")]),
            "delete": op("unmuteMember", "Lift a member's mute.", None, "200", "MuteSet", &[("403", "The owner (code 4000).")])
        },
        "/admin/conversations/{conv}/messages": {
            "parameters": conv,
            "get": with_params(op("conversationHistory", "A conversation's messages sent within `from`..=`to` (ms; default all time), \
    by seq, a page at a time: pass `next` as `after` (null on the last page).", None, "200", "History", &[]),
                json!([query_param("from", json!({ "type": "integer", "minimum": 0, "maximum": U64_MAX }), "sent at or after (ms)"),
                       query_param("to", json!({ "type": "integer", "minimum": 0, "maximum": U64_MAX }), "sent at or before (ms)"),
                       query_param("after", json!({ "type": "integer", "minimum": 0, "maximum": U64_MAX }), "only seqs above this one"),
                       limit_param()]))
        },
        "/admin/conversations/{conv}/messages/{seq}": {
            "parameters": message,
            "delete": op("recallMessage", "Recall any message, however old: in a group as its owner, in a one-to-one chat as its sender \
    (the tombstone names them). Members get `recalled`, webhooks `message.recalled`. Recalling again is a no-op.",
                None, "200", "Recalled", &[])
        },
        "/admin/stats": {
            "get": op("serverStats", "Database totals and this node's counters.", None, "200", "Stats", &[])
        }
    })
}

/// The schemas.
pub fn schemas() -> Value {
    let role = json!({ "type": "string", "enum": ["owner", "admin", "member"] });
    let nullable_millis =
        json!({ "type": ["integer", "null"], "description": "milliseconds since the Unix epoch" });
    json!({
        "Profile": object(&[("user", user_id()), ("nickname", json!({ "type": "string" })),
                            ("avatar", json!({ "type": ["string", "null"], "description": "file id" })),
                            ("signature", json!({ "type": "string" }))], &["user", "nickname", "avatar", "signature"]),
        "UserRecord": object(&[("user", user_id()), ("nickname", json!({ "type": "string" })),
                               ("avatar", json!({ "type": ["string", "null"], "description": "file id" })),
                               ("signature", json!({ "type": "string" })), ("created_at", millis()),
                               ("ban", nullable(reference("Ban")))],
                             &["user", "nickname", "avatar", "signature", "created_at", "ban"]),
        "UpdateProfile": object(&[("nickname", json!({ "type": ["string", "null"], "maxLength": 64 })),
                                  ("avatar", nullable_id()),
                                  ("signature", json!({ "type": ["string", "null"], "maxLength": 256 }))], &[]),
        "ImportUsers": object(&[("users", json!({ "type": "array", "minItems": 1, "maxItems": 100,
            "items": { "description": "`{\"user\", \"password\", \"nickname\"?}`; a row that is not one is reported `invalid`" } }))], &["users"]),
        "ImportResult": object(&[("user", json!({ "type": ["string", "null"] })),
                                 ("result", json!({ "type": "string", "enum": ["created", "exists", "invalid"] })),
                                 ("message", json!({ "type": ["string", "null"] }))], &["user", "result", "message"]),
        "ImportResults": object(&[("results", array_of("ImportResult")), ("created", count()), ("exists", count()), ("invalid", count())],
                                &["results", "created", "exists", "invalid"]),
        "GroupList": object(&[("groups", array_of("Group")), ("next", nullable(id_schema()))], &["groups", "next"]),
        "Dismissed": object(&[("group", id_schema()), ("dismissed", json!({ "const": true }))], &["group", "dismissed"]),
        "GroupNotice": object(&[("text", json!({ "type": "string", "minLength": 1, "pattern": NOT_BLANK, "description": "not only whitespace" })),
                                ("client_id", nullable_id()), ("ext", nullable_object())], &["text"]),
        "TransferGroup": object(&[("to", user_id())], &["to"]),
        "Transferred": object(&[("group", id_schema()), ("from", user_id()), ("owner", user_id())], &["group", "from", "owner"]),
        "Member": object(&[("user", user_id()), ("role", role), ("muted_until", nullable_millis), ("joined_at", millis())],
                         &["user", "role", "muted_until", "joined_at"]),
        "MemberList": object(&[("members", array_of("Member")), ("next", nullable(user_id()))], &["members", "next"]),
        "AddMembers": object(&[("users", json!({ "type": "array", "minItems": 1, "maxItems": 100, "uniqueItems": true,
                                                 "items": { "allOf": [user_id(), { "not": { "const": "system" } }] } }))], &["users"]),
        "Added": object(&[("group", id_schema()), ("added", json!({ "type": "array", "items": user_id() }))], &["group", "added"]),
        "Removed": object(&[("group", id_schema()), ("user", user_id()), ("removed", json!({ "const": true }))], &["group", "user", "removed"]),
        "MuteMember": object(&[("minutes", json!({ "type": "integer", "minimum": 1, "maximum": 43200 }))], &["minutes"]),
        "MuteSet": object(&[("group", id_schema()), ("user", user_id()), ("muted_minutes", count())], &["group", "user", "muted_minutes"]),
        "StoredContent": { "type": "object", "required": ["type"], "properties": { "type": { "type": "string" } },
                           "description": "as in docs/protocol.md, including `system` notices and `recalled` tombstones" },
        "Message": { "type": "object", "additionalProperties": false,
                     "properties": { "conv": { "type": "string" }, "seq": count(), "id": count(), "client_id": { "type": "string" },
                                     "sender": user_id(), "sent_at": millis(), "content": reference("StoredContent"),
                                     "ext": { "type": "object" }, "edited_at": millis(), "reply_to": count() },
                     "required": ["conv", "seq", "id", "client_id", "sender", "sent_at", "content"] },
        "History": object(&[("conv", json!({ "type": "string" })), ("messages", array_of("Message")),
                            ("next", json!({ "type": ["integer", "null"], "minimum": 0 }))], &["conv", "messages", "next"]),
        "Recalled": object(&[("conv", json!({ "type": "string" })), ("seq", count()), ("recalled", json!({ "const": true })), ("by", user_id())],
                           &["conv", "seq", "recalled", "by"]),
        "Friend": object(&[("profile", reference("Profile")), ("remark", json!({ "type": "string" })), ("since", millis())],
                         &["profile", "remark", "since"]),
        "FileMeta": object(&[("id", json!({ "type": "string" })), ("name", json!({ "type": "string" })), ("size", count()),
                             ("mime", json!({ "type": "string" })), ("sha256", json!({ "type": "string" })), ("created_at", millis())],
                           &["id", "name", "size", "mime", "sha256", "created_at"]),
        "UserExport": object(&[("profile", reference("UserRecord")), ("friends", array_of("Friend")),
                               ("blacklist", json!({ "type": "array", "items": user_id() })), ("groups", array_of("Group")),
                               ("messages", array_of("Message")), ("files", array_of("FileMeta"))],
                             &["profile", "friends", "blacklist", "groups", "messages", "files"]),
        "Stats": object(&[("users", count()), ("groups", count()), ("messages", count()),
                          ("connections", json!({ "type": "integer", "minimum": 0, "description": "authenticated WebSocket connections on this node" })),
                          ("node", json!({ "type": "string" })), ("uptime_secs", count()),
                          ("webhook_pending", json!({ "type": "integer", "minimum": 0, "description": "undelivered webhook events, all endpoints" }))],
                        &["users", "groups", "messages", "connections", "node", "uptime_secs", "webhook_pending"]),
    })
}
