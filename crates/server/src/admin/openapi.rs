//! The OpenAPI 3.1 document of the admin API (with the routes of
//! [`super::openapi_manage`], which completes it), served at
//! `GET /admin/openapi.json` and committed as `docs/admin-openapi.json`
//! (a test fails when the two differ).

use serde_json::{json, Value};

use super::tokens::MAX_TTL_SECS;

/// The document's base: every route but those of [`super::openapi_manage`].
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Tern admin API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Operator and app-backend API of tern-server, on the server's port under /admin. \
    Every route except this document needs `Authorization: Bearer <admin secret>` (TERN_ADMIN_SECRET, \
    --admin-secret or `admin_secret` in the TOML file). Without a configured secret every /admin route \
    answers 404 with the message \"admin API disabled: set TERN_ADMIN_SECRET\". Errors are \
    `{\"code\": <tern-proto error code>, \"message\": \"...\"}`."
        },
        "security": [{ "admin": [] }],
        "paths": paths(),
        "components": {
            "securitySchemes": { "admin": { "type": "http", "scheme": "bearer" } },
            "schemas": schemas(),
            "responses": {
                "BadRequest": error_response("The body or a path segment is invalid; the message names the field (code 1002)."),
                "Unauthorized": error_response("Missing or wrong admin secret (code 2000)."),
                "TooManyWrongSecrets": error_response("Too many wrong admin secrets from this address (code 1004, RateLimited): refused, the right secret too, for the lockout time (`security.login_max_failures_per_ip` wrong secrets per `security.login_failure_window_secs`, then `security.login_lockout_secs`, doubling)."),
                "NotFound": error_response("No such user, group or message (code 3000), or the admin API is disabled."),
            }
        }
    })
}

/// `base` with `more`'s entries added; an entry both have (a path with
/// more methods) gets the keys of both.
pub(super) fn merged(mut base: Value, more: Value) -> Value {
    if let (Some(b), Value::Object(m)) = (base.as_object_mut(), more) {
        for (k, v) in m {
            match (b.get_mut(&k), v) {
                (Some(Value::Object(old)), Value::Object(new)) => old.extend(new),
                (_, v) => {
                    b.insert(k, v);
                }
            }
        }
    }
    base
}

fn paths() -> Value {
    let user_param = json!([{
        "name": "user", "in": "path", "required": true,
        "schema": { "$ref": "#/components/schemas/UserId" }
    }]);
    let name_param = json!([{
        "name": "name", "in": "path", "required": true,
        "schema": { "type": "string" }, "description": "the endpoint's `name` in the configuration"
    }]);
    json!({
        "/admin/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document (no secret needed).",
                "security": [],
                "responses": { "200": { "description": "The OpenAPI document.", "content": { "application/json": {} } } }
            }
        },
        "/admin/users": {
            "get": list_users(),
            "post": op("createUser", "Create a user (like `register`, plus an optional nickname).",
                Some("CreateUser"), "201", "User", &[
                    ("409", "The user id is taken or was deleted (code 2004)."),
                    ("413", "The nickname is longer than 64 characters (code 1003)."),
                ])
        },
        "/admin/users/{user}": {
            "parameters": user_param,
            "delete": op("deleteUser", "Delete a user: live sessions get `kicked` with reason `account_deleted`; \
    friendships, applications, blacklist entries and memberships go (friends and blockers get FriendDeleted / \
    BlackDeleted changes; group members get GroupMemberLeft, and an owned group passes to an admin or member, or is \
    dismissed when empty); messages stay in peers' histories; the id is never handed out again.",
                None, "200", "Deleted", &[("403", "The reserved `system` account (code 4000).")])
        },
        "/admin/users/{user}/ban": {
            "parameters": user_param,
            "post": op("banUser", "Ban the user with a reason: every session is revoked and every connection kicked \
    (`kicked`, reason `admin`); `login` and `resume` answer 4000 (Forbidden) with the message \
    `this account is banned: <reason>` until the ban is lifted. Banning again changes the reason.",
                Some("BanUser"), "200", "Banned", &[
                    ("403", "The reserved `system` account (code 4000)."),
                    ("413", "The reason is longer than 256 characters (code 1003)."),
                ]),
            "delete": op("unbanUser", "Lift the user's ban (`was_banned` says whether there was one).",
                None, "200", "Unbanned", &[("403", "The reserved `system` account (code 4000).")])
        },
        "/admin/users/{user}/password": {
            "parameters": user_param,
            "post": op("resetPassword", "Set a new password; every session is revoked and kicked with reason `password_changed`.",
                Some("ResetPassword"), "200", "Revoked", &[("403", "The reserved `system` account (code 4000).")])
        },
        "/admin/users/{user}/tokens": {
            "parameters": user_param,
            "post": op("mintToken", "Mint a login token for the user (what an app backend calls instead of handling passwords). \
    It is the token `resume` accepts; its session starts at the first `resume`, under the multi-device policy. \
    Force-offline, password resets and deletion revoke it, even if it was never used. \
    After `expires_at`, `resume` answers code 2002 (TokenExpired).",
                Some("MintToken"), "200", "Token", &[("403", "The reserved `system` account (code 4000).")])
        },
        "/admin/users/{user}/force-offline": {
            "parameters": user_param,
            "post": op("forceOffline", "Revoke every session of the user and kick their connections (`kicked`, reason `admin`); their tokens are refused afterwards.",
                None, "200", "Revoked", &[("403", "The reserved `system` account (code 4000).")])
        },
        "/admin/sessions": {
            "get": op("listSessions", "Every authenticated connection.", None, "200", "Sessions", &[])
        },
        "/admin/messages": {
            "post": op("sendAsUser", "Send a message as a user: validated, stored with the next seq, deduplicated on (from, client_id) \
    and pushed to every member's devices exactly like a WebSocket `send`.",
                Some("SendAsUser"), "200", "Sent", &[
                    ("403", "Blocked by the peer (3001), not friends where required (3003), not a member (4000), to the `system` account (4005)."),
                    ("409", "`client_id` was already used by this sender in another conversation (code 1002)."),
                    ("413", TOO_LARGE),
                ])
        },
        "/admin/notices": {
            "post": op("sendNotice", "Send a system notice: a message with content `{\"type\":\"system\",\"text\":…}` from the \
    reserved user `system`, in the direct conversation `d:<to>:system` (ids sorted), delivered like any message.",
                Some("SendNotice"), "200", "Sent", &[
                    ("403", "The recipient blocked `system` (code 3001)."),
                    ("409", "`client_id` was already used for a notice in another conversation (code 1002)."),
                    ("413", TOO_LARGE),
                ])
        },
        "/admin/groups": {
            "post": op("createGroup", "Create a group owned by `owner` with `members` (besides the owner; duplicates \
    and the owner are ignored), like the WebSocket `create_group`: the server picks the group id (its conversation \
    is `g:<group>`), and every member's devices get a `group_joined` change. The name is 1 to 64 characters; \
    unknown users are 404.",
                Some("CreateGroup"), "201", "Group", &[
                    ("409", "More members than the server's max_group_members (code 4004)."),
                    ("413", "The name is longer than 64 characters (code 1003)."),
                ])
        },
        "/admin/webhooks": {
            "get": op("listWebhooks", "Delivery status of every configured webhook endpoint (docs/webhooks.md), in configuration order.",
                None, "200", "WebhookList", &[])
        },
        "/admin/webhooks/{name}": {
            "parameters": name_param,
            "get": op("webhookStatus", "Delivery status of one endpoint: the newest event number, the newest delivered     (every lower one is delivered too), how many wait, how many were dropped because the queue was full, and the     next event's failed attempts and last error. Unknown names are 404.",
                None, "200", "WebhookStatus", &[])
        },
        "/admin/webhooks/{name}/replay": {
            "parameters": name_param,
            "post": op("replayWebhook", "Deliver the endpoint's kept events from number `from` on again, in order,     after the ones still waiting (with their original numbers). Events older than `oldest_kept_seq` are gone.     Unknown names are 404.",
                Some("ReplayWebhook"), "200", "Replayed", &[])
        }
    })
}

/// `GET /admin/users`: its query parameters and answer.
fn list_users() -> Value {
    let param = |name: &str, schema: Value, text: &str| json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": text });
    let mut o = op("listUsers", "Users ordered by id (the reserved `system` account is not listed), a page at a time: \
    pass the answer's `next` as `after` for the next page (`next` is null on the last one). `query` keeps the users \
    whose id or nickname contains it (ASCII case-insensitive).",
        None, "200", "UserList", &[]);
    o["parameters"] = json!([
        param(
            "query",
            json!({ "type": "string", "minLength": 1, "maxLength": 64 }),
            "substring of the id or nickname"
        ),
        param(
            "after",
            user_id(),
            "list users whose id sorts after this one"
        ),
        param(
            "limit",
            json!({ "type": "integer", "minimum": 1, "maximum": U32_MAX }),
            "page size (default 50, clamped to max_page)"
        ),
    ]);
    o
}

pub(super) const TOO_LARGE: &str =
    "A text is longer than the server's `max_text_chars` (default 8000), or a file name, \
    MIME type or location label over its limit (code 1003).";

/// A string with at least one character that is not whitespace (what Rust's
/// `str::trim` keeps: the Unicode `White_Space` set, spelled out so that every
/// regex engine agrees).
pub(super) const NOT_BLANK: &str =
    "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";

/// The largest u32 and u64, as JSON Schema bounds.
pub(super) const U32_MAX: u64 = u32::MAX as u64;
pub(super) const U64_MAX: u64 = u64::MAX;

pub(super) fn op(
    id: &str,
    summary: &str,
    body: Option<&str>,
    ok: &str,
    ok_schema: &str,
    extra: &[(&str, &str)],
) -> Value {
    let mut responses = json!({
        ok: {
            "description": "Success.",
            "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{ok_schema}") } } }
        },
        "401": { "$ref": "#/components/responses/Unauthorized" },
        "404": { "$ref": "#/components/responses/NotFound" },
        "429": { "$ref": "#/components/responses/TooManyWrongSecrets" },
    });
    if !matches!(id, "listSessions" | "listWebhooks" | "serverStats") {
        responses["400"] = json!({ "$ref": "#/components/responses/BadRequest" });
    }
    for (status, text) in extra {
        responses[*status] = error_response(text);
    }
    let mut o = json!({ "operationId": id, "summary": summary, "responses": responses });
    if let Some(schema) = body {
        o["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
        });
    }
    o
}

pub(super) fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

fn schemas() -> Value {
    json!({
        "UserId": { "type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$" },
        "Error": object(&[("code", json!({ "type": "integer", "description": "tern-proto ErrorCode (docs/protocol.md)" })),
                          ("message", json!({ "type": "string" }))], &["code", "message"]),
        "CreateUser": object(&[("user", user_id()),
                               ("password", json!({ "type": "string", "minLength": 8, "maxLength": 256 })),
                               ("nickname", json!({ "type": ["string", "null"], "maxLength": 64 }))], &["user", "password"]),
        "User": object(&[("user", user_id()), ("nickname", json!({ "type": "string" })), ("created_at", millis())],
                       &["user", "nickname", "created_at"]),
        "Deleted": object(&[("user", user_id()), ("deleted", json!({ "type": "boolean" })), ("sessions_revoked", count())],
                          &["user", "deleted", "sessions_revoked"]),
        "ResetPassword": object(&[("password", json!({ "type": "string", "minLength": 8, "maxLength": 256 }))], &["password"]),
        "Revoked": object(&[("user", user_id()), ("sessions_revoked", count())], &["user", "sessions_revoked"]),
        "MintToken": object(&[("ttl_secs", json!({ "type": "integer", "minimum": 1, "maximum": MAX_TTL_SECS }))], &["ttl_secs"]),
        "Token": object(&[("user", user_id()), ("token", json!({ "type": "string" })), ("expires_at", millis())],
                        &["user", "token", "expires_at"]),
        "Session": object(&[("user", user_id()), ("session", json!({ "type": "string" })),
                            ("platform", json!({ "type": "string", "enum": ["desktop", "mobile", "web"] })),
                            ("device", json!({ "type": "string" })), ("since", millis()),
                            ("node", json!({ "type": "string" }))],
                          &["user", "session", "platform", "device", "since", "node"]),
        "Sessions": object(&[("sessions", json!({ "type": "array", "items": { "$ref": "#/components/schemas/Session" } }))], &["sessions"]),
        "SendAsUser": object(&[("from", user_id()),
                               ("conv", json!({ "type": "string", "pattern": "^(d:[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_.-]{1,64}|g:[A-Za-z0-9_.-]{1,64})$",
                                                "description": "`d:<user>:<user>` (two different users, one of them `from`) or `g:<group>`" })),
                               ("content", json!({ "$ref": "#/components/schemas/Content" })),
                               ("client_id", nullable_id()), ("ext", nullable_object())], &["from", "conv", "content"]),
        "SendNotice": object(&[("to", json!({ "allOf": [user_id(), { "not": { "const": "system" } }], "description": "not `system` itself" })),
                               ("text", json!({ "type": "string", "minLength": 1, "pattern": NOT_BLANK, "description": "not only whitespace" })),
                               ("client_id", nullable_id()), ("ext", nullable_object())], &["to", "text"]),
        "Content": content(),
        "FileRef": { "type": "object",
                     "properties": { "id": { "type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$" },
                                     "name": { "type": "string", "maxLength": 255 },
                                     "size": { "type": "integer", "minimum": 0, "maximum": U64_MAX },
                                     "mime": { "type": "string", "maxLength": 255 } },
                     "required": ["id", "name", "size", "mime"] },
        "CreateGroup": object(&[("owner", user_id()),
                                ("name", json!({ "type": "string", "minLength": 1, "maxLength": 64, "pattern": NOT_BLANK, "description": "not only whitespace" })),
                                ("members", json!({ "type": ["array", "null"], "maxItems": 500, "items": user_id() })),
                                ("join_policy", json!({ "oneOf": [join_policy(), { "type": "null" }] }))], &["owner", "name"]),
        "Group": object(&[("group", json!({ "type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$", "description": "the group id; its conversation is `g:<group>`" })),
                          ("name", json!({ "type": "string" })),
                          ("avatar", json!({ "type": ["string", "null"], "description": "file id" })),
                          ("notice", json!({ "type": "string" })),
                          ("owner", user_id()),
                          ("join_policy", join_policy()),
                          ("all_muted", json!({ "type": "boolean" })),
                          ("member_count", count()),
                          ("created_at", millis()),
                          ("history_visible", json!({ "type": "boolean", "description": "whether members who join later see the messages from before they joined (default false)" })),
                          ("read_by", json!({ "type": "boolean", "description": "whether a message's sender and the owner/admins may see who read it (default true)" }))],
                        &["group", "name", "avatar", "notice", "owner", "join_policy", "all_muted", "member_count", "created_at", "history_visible", "read_by"]),
        "Sent": object(&[("conv", json!({ "type": "string" })), ("seq", count()), ("id", count()), ("client_id", json!({ "type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$" })),
                         ("sent_at", millis()), ("duplicate", json!({ "type": "boolean", "description": "true when this client_id had been stored before; the original message is returned" }))],
                       &["conv", "seq", "id", "client_id", "sent_at", "duplicate"]),
        "BanUser": object(&[("reason", json!({ "type": "string", "minLength": 1, "maxLength": 256, "pattern": NOT_BLANK }))], &["reason"]),
        "Banned": object(&[("user", user_id()), ("banned", json!({ "const": true })), ("reason", json!({ "type": "string" })),
                           ("sessions_revoked", count())], &["user", "banned", "reason", "sessions_revoked"]),
        "Unbanned": object(&[("user", user_id()), ("banned", json!({ "const": false })), ("was_banned", json!({ "type": "boolean" }))],
                           &["user", "banned", "was_banned"]),
        "Ban": object(&[("reason", json!({ "type": "string" })), ("banned_at", millis())], &["reason", "banned_at"]),
        "UserEntry": object(&[("user", user_id()), ("nickname", json!({ "type": "string" })), ("created_at", millis()),
                              ("ban", json!({ "oneOf": [{ "$ref": "#/components/schemas/Ban" }, { "type": "null" }] }))],
                            &["user", "nickname", "created_at", "ban"]),
        "UserList": object(&[("users", json!({ "type": "array", "items": { "$ref": "#/components/schemas/UserEntry" } })),
                             ("next", json!({ "oneOf": [user_id(), { "type": "null" }] }))], &["users", "next"]),
        "WebhookStatus": object(&[("endpoint", json!({ "type": "string" })),
                                  ("last_seq", count()), ("delivered_seq", count()), ("pending", count()),
                                  ("dropped", count()), ("oldest_kept_seq", count()), ("attempts", count()),
                                  ("last_error", json!({ "type": ["string", "null"] })),
                                  ("next_attempt_at", millis())],
                                &["endpoint", "last_seq", "delivered_seq", "pending", "dropped", "oldest_kept_seq",
                                  "attempts", "last_error", "next_attempt_at"]),
        "WebhookList": object(&[("webhooks", json!({ "type": "array", "items": { "$ref": "#/components/schemas/WebhookStatus" } }))], &["webhooks"]),
        "ReplayWebhook": object(&[("from", json!({ "type": "integer", "minimum": 1, "maximum": U64_MAX }))], &["from"]),
        "Replayed": object(&[("endpoint", json!({ "type": "string" })), ("from", count()), ("replayed", count())],
                           &["endpoint", "from", "replayed"]),
    })
}

pub(super) fn object(props: &[(&str, Value)], required: &[&str]) -> Value {
    let properties: serde_json::Map<String, Value> = props
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    json!({ "type": "object", "additionalProperties": false, "properties": properties, "required": required })
}

/// `Content` of docs/protocol.md that a user may send, tagged by `type`.
/// Unknown fields are ignored, as on the WebSocket.
fn content() -> Value {
    let variant = |tag: &str, props: Value, required: &[&str]| {
        let mut properties = json!({ "type": { "const": tag } });
        for (k, v) in props.as_object().expect("object") {
            properties[k] = v.clone();
        }
        let mut req = vec!["type"];
        req.extend_from_slice(required);
        json!({ "type": "object", "properties": properties, "required": req })
    };
    let file = json!({ "$ref": "#/components/schemas/FileRef" });
    let u32_ = json!({ "type": "integer", "minimum": 0, "maximum": U32_MAX });
    let ms = json!({ "type": "integer", "minimum": 0, "maximum": U64_MAX });
    json!({
        "description": "Message content as in docs/protocol.md, e.g. {\"type\":\"text\",\"text\":\"hi\"}; `system` (403) and `recalled` (400) are refused.",
        "oneOf": [
            variant("text", json!({ "text": { "type": "string", "minLength": 1 } }), &["text"]),
            variant("image", json!({ "file": file, "width": u32_, "height": u32_ }), &["file", "width", "height"]),
            variant("file", json!({ "file": file }), &["file"]),
            variant("audio", json!({ "file": file, "duration_ms": ms }), &["file", "duration_ms"]),
            variant("video", json!({ "file": file, "duration_ms": ms }), &["file", "duration_ms"]),
            variant("location", json!({ "lat": { "type": "number", "minimum": -90, "maximum": 90 },
                                         "lon": { "type": "number", "minimum": -180, "maximum": 180 },
                                         "label": { "type": "string", "maxLength": 256 } }), &["lat", "lon", "label"]),
            variant("custom", json!({ "data": { "description": "any JSON value" } }), &["data"]),
        ]
    })
}

/// An optional client message id (`null` is the same as absent).
pub(super) fn nullable_id() -> Value {
    json!({ "type": ["string", "null"], "pattern": "^[A-Za-z0-9_.-]{1,64}$" })
}

/// An optional JSON object (`null` is the same as absent).
pub(super) fn nullable_object() -> Value {
    json!({ "type": ["object", "null"] })
}

pub(super) fn user_id() -> Value {
    json!({ "$ref": "#/components/schemas/UserId" })
}

pub(super) fn join_policy() -> Value {
    json!({ "type": "string", "enum": ["open", "approval"], "description": "how others join: at once, or by an application the owner or an admin approves (default)" })
}

pub(super) fn millis() -> Value {
    json!({ "type": "integer", "description": "milliseconds since the Unix epoch" })
}

pub(super) fn count() -> Value {
    json!({ "type": "integer", "minimum": 0 })
}
