//! Regressions for what schemathesis found when it ran every admin operation
//! against the served `GET /admin/openapi.json` (scripts/fuzz.sh): answers the
//! document did not list, and values it forbade that the server accepts.
//! Each test checks the server and the document together.

use crate::admin_support;
use crate::common;

use admin_support::{Admin, Answer};
use serde_json::{json, Value};
use tern_proto::Content;

/// The statuses the document lists for `method path`.
fn documented(doc: &Value, method: &str, path: &str) -> Vec<String> {
    let responses = &doc["paths"][path][method]["responses"];
    responses
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} is not documented"))
        .keys()
        .cloned()
        .collect()
}

fn assert_documented(doc: &Value, method: &str, path: &str, a: &Answer) {
    let listed = documented(doc, method, path);
    assert!(
        listed.contains(&a.status.to_string()),
        "{method} {path} answered {} ({a:?}), the document lists only {listed:?}",
        a.status
    );
}

fn types_of(schema: &Value) -> Vec<&str> {
    match &schema["type"] {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// Found: `{"nickname": null}` (and `client_id`/`ext`/`join_policy` null) was
/// accepted as "absent" while the document said `string`/`object` only.
#[tokio::test]
async fn null_optional_fields_are_documented_and_mean_absent() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let doc = Admin::without_secret(&server)
        .get("/admin/openapi.json")
        .await
        .body;
    let schemas = &doc["components"]["schemas"];
    for (schema, field) in [
        ("CreateUser", "nickname"),
        ("SendAsUser", "client_id"),
        ("SendAsUser", "ext"),
        ("SendNotice", "client_id"),
        ("SendNotice", "ext"),
    ] {
        let s = &schemas[schema]["properties"][field];
        assert!(types_of(s).contains(&"null"), "{schema}.{field}: {s}");
    }
    let policy = &schemas["CreateGroup"]["properties"]["join_policy"]["oneOf"];
    assert!(
        policy
            .as_array()
            .is_some_and(|a| a.contains(&json!({ "type": "null" }))),
        "{policy}"
    );

    let pw = common::PASSWORD;
    let a = admin
        .post(
            "/admin/users",
            json!({ "user": "alice", "password": pw, "nickname": null }),
        )
        .await;
    assert_eq!((a.status, &a.body["nickname"]), (201, &json!("")), "{a:?}");
    admin.create_user("bob").await;
    let text = json!({ "type": "text", "text": "hi" });
    let a = admin
        .post(
            "/admin/messages",
            json!({ "from": "alice", "conv": "d:alice:bob", "content": text, "client_id": null, "ext": null }),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert!(
        a.body["client_id"].as_str().unwrap().starts_with("admin-"),
        "{a:?}"
    );
    let a = admin
        .post(
            "/admin/notices",
            json!({ "to": "alice", "text": "hello", "client_id": null, "ext": null }),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let a = admin
        .post(
            "/admin/groups",
            json!({ "owner": "alice", "name": "g", "join_policy": null }),
        )
        .await;
    assert_eq!(
        (a.status, &a.body["join_policy"]),
        (201, &json!("approval")),
        "{a:?}"
    );
    server.stop().await;
}

/// Found: a 65-character nickname answered 413, which `createUser` did not
/// list; an over-long message or notice text neither.
#[tokio::test]
async fn over_long_fields_answer_a_documented_413() {
    let server = admin_support::start_with(|c| c.max_text_chars = 10).await;
    let admin = Admin::new(&server);
    let doc = admin.get("/admin/openapi.json").await.body;
    admin.create_user("alice").await;
    admin.create_user("bob").await;
    let long = "x".repeat(65);
    let cases = [
        (
            "/admin/users",
            json!({ "user": "carol", "password": common::PASSWORD, "nickname": long }),
        ),
        (
            "/admin/messages",
            json!({ "from": "alice", "conv": "d:alice:bob", "content": { "type": "text", "text": long } }),
        ),
        ("/admin/notices", json!({ "to": "alice", "text": long })),
        ("/admin/groups", json!({ "owner": "alice", "name": long })),
    ];
    for (path, body) in cases {
        let a = admin.post(path, body).await;
        assert_eq!((a.status, a.code()), (413, 1003), "{path}: {a:?}");
        assert_documented(&doc, "post", path, &a);
    }
    server.stop().await;
}

/// Found: `content` was documented as any object with a `type`, so
/// `{"type": null}` was "valid"; now each sendable kind is described, and each
/// is accepted as described. Blank notice texts and group names are excluded
/// by the document as the server refuses them.
#[tokio::test]
async fn every_documented_content_kind_is_accepted() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let doc = admin.get("/admin/openapi.json").await.body;
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["SendAsUser"]["properties"]["content"]["$ref"],
        "#/components/schemas/Content"
    );
    let kinds: Vec<&str> = schemas["Content"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["properties"]["type"]["const"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["text", "image", "file", "audio", "video", "location", "custom"]
    );
    for schema in ["SendNotice", "CreateGroup"] {
        let field = if schema == "SendNotice" {
            "text"
        } else {
            "name"
        };
        assert!(
            schemas[schema]["properties"][field]["pattern"].is_string(),
            "{schema}.{field} says it must not be blank"
        );
    }

    admin.create_user("alice").await;
    admin.create_user("bob").await;
    let file = json!({ "id": "f1", "name": "a.png", "size": 3, "mime": "image/png" });
    let contents = [
        json!({ "type": "text", "text": "hi" }),
        json!({ "type": "image", "file": file, "width": 1, "height": 1 }),
        json!({ "type": "file", "file": file }),
        json!({ "type": "audio", "file": file, "duration_ms": 5 }),
        json!({ "type": "video", "file": file, "duration_ms": 5 }),
        json!({ "type": "location", "lat": -90, "lon": 180.0, "label": "" }),
        json!({ "type": "custom", "data": null }),
    ];
    for content in contents {
        let a = admin
            .post(
                "/admin/messages",
                json!({ "from": "alice", "conv": "d:alice:bob", "content": content }),
            )
            .await;
        assert_eq!(a.status, 200, "{content}: {a:?}");
    }
    for (path, body) in [
        (
            "/admin/notices",
            json!({ "to": "alice", "text": " \u{3000}\n" }),
        ),
        ("/admin/groups", json!({ "owner": "alice", "name": "\t " })),
    ] {
        let a = admin.post(path, body).await;
        assert_eq!(a.status, 400, "{path}: {a:?}");
    }
    server.stop().await;
}

/// Found by the decoder fuzzer (fuzz/, target `client_frame`): a float was
/// parsed to a neighbouring f64, so a location's coordinates changed on their
/// way through the server. Sent through the admin API, pushed over the
/// WebSocket, they arrive exactly.
#[tokio::test]
async fn location_coordinates_arrive_unchanged() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let _alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let (lat, lon) = (10.938711676632721_f64, -57.179661383605676_f64);
    let body = format!(
        r#"{{"from":"alice","conv":"d:alice:bob","content":{{"type":"location","lat":{lat:?},"lon":{lon:?},"label":"x"}},"ext":{{"lat":{lat:?}}}}}"#
    );
    assert!(body.contains("10.938711676632721"), "{body}");
    let a = admin
        .raw(reqwest::Method::POST, "/admin/messages", Some(&body))
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let got = bob.messages(1).await.remove(0);
    assert_eq!(
        got.content,
        Content::Location {
            lat,
            lon,
            label: "x".into()
        }
    );
    assert_eq!(got.ext.unwrap()["lat"].as_f64(), Some(lat));
    // And as stored: pulled back from the database.
    let conv = common::dm("alice", "bob");
    let (pulled, _) = bob.pull_all(&conv, 1, 1, 10).await;
    assert!(
        matches!(pulled[0].content, Content::Location { lat: l, lon: o, .. } if l == lat && o == lon),
        "{pulled:?}"
    );
    server.stop().await;
}

/// Checks `value` against `schema` where the document is strict: objects with
/// `additionalProperties: false` hold only listed keys and every required one;
/// arrays are checked item by item; `$ref`s are followed.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        return conforms(doc, &doc["components"]["schemas"][name], value, at);
    }
    if let (Some(props), Some(obj)) = (schema["properties"].as_object(), value.as_object()) {
        if schema["additionalProperties"] == false {
            for key in obj.keys() {
                assert!(props.contains_key(key), "{at}: `{key}` is not documented");
            }
        }
        for req in schema["required"].as_array().into_iter().flatten() {
            let req = req.as_str().unwrap();
            assert!(obj.contains_key(req), "{at}: required `{req}` is missing");
        }
        for (key, v) in obj {
            if let Some(s) = props.get(key) {
                conforms(doc, s, v, &format!("{at}.{key}"));
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            conforms(doc, items, v, &format!("{at}[{i}]"));
        }
    }
}

/// Found (issue 16 fuzzing, 2026-12-02 evening): `POST /admin/groups` answered
/// a `history_visible` field the `Group` schema did not list. Every success
/// answer of every operation is checked against its documented schema here.
#[tokio::test]
async fn every_success_answer_has_exactly_the_documented_fields() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let doc = Admin::without_secret(&server)
        .get("/admin/openapi.json")
        .await
        .body;
    let check = |method: &str, path: &str, a: &Answer| {
        assert!(a.status < 300, "{method} {path}: {a:?}");
        let schema = &doc["paths"][path][method]["responses"][a.status.to_string()]["content"]
            ["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path} {}: no schema",
            a.status
        );
        conforms(&doc, schema, &a.body, &format!("{method} {path}"));
    };
    for user in ["alice", "bob"] {
        let body = json!({ "user": user, "password": common::PASSWORD, "nickname": user });
        check(
            "post",
            "/admin/users",
            &admin.post("/admin/users", body).await,
        );
    }
    let _alice = server.user("alice").await;
    let group = json!({ "owner": "alice", "name": "g", "members": ["bob"] });
    check(
        "post",
        "/admin/groups",
        &admin.post("/admin/groups", group).await,
    );
    let send = json!({ "from": "alice", "conv": "d:alice:bob", "content": { "type": "text", "text": "hi" } });
    check(
        "post",
        "/admin/messages",
        &admin.post("/admin/messages", send).await,
    );
    let notice = json!({ "to": "bob", "text": "maintenance tonight" });
    check(
        "post",
        "/admin/notices",
        &admin.post("/admin/notices", notice).await,
    );
    check(
        "get",
        "/admin/sessions",
        &admin.get("/admin/sessions").await,
    );
    let path = "/admin/users/{user}/tokens";
    let a = admin
        .post("/admin/users/bob/tokens", json!({ "ttl_secs": 60 }))
        .await;
    check("post", path, &a);
    let a = admin
        .post("/admin/users/alice/force-offline", json!({}))
        .await;
    check("post", "/admin/users/{user}/force-offline", &a);
    let a = admin
        .post(
            "/admin/users/alice/password",
            json!({ "password": "another password" }),
        )
        .await;
    check("post", "/admin/users/{user}/password", &a);
    check(
        "delete",
        "/admin/users/{user}",
        &admin.delete("/admin/users/bob").await,
    );
    server.stop().await;
}
