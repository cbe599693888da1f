//! `tern-cli group ...` against a real server: create, list, send to `g:<id>`,
//! history, role, join, members, mute (a muted send exits 3 with code 4002),
//! dismiss; `listen` prints the group events.

use crate::common;

use common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commands_and_listen_events() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let d = dir.path();
    for u in ["alice", "bob", "carol"] {
        signup(&server, d, u).await;
    }
    let (mut listener, mut lines) = spawn(&server, d, "bob", &["listen"]);
    read_until(&mut lines, |v| v["type"] == "sync_finished").await;

    let created = ok(
        &server,
        d,
        "alice",
        &[
            "group",
            "create",
            "Team",
            "--members",
            "bob",
            "--policy",
            "open",
        ],
    )
    .await
    .json_lines();
    let info = &created[0];
    assert_eq!(
        (info["name"].as_str(), info["member_count"].as_u64()),
        (Some("Team"), Some(2))
    );
    assert_eq!(info["join_policy"], "open");
    let id = info["group"].as_str().unwrap().to_string();
    let conv = format!("g:{id}");

    let (joined, _) = read_until(&mut lines, |v| {
        v["type"] == "group_changed" && v["kind"] == "group_joined"
    })
    .await;
    assert_eq!(joined["group"]["group"], id.as_str());
    assert_eq!(joined["member"]["role"], "member");

    let listed = ok(&server, d, "bob", &["group", "list"]).await.json_lines();
    assert_eq!(listed[0][0]["name"], "Team");

    let sent = ok(&server, d, "alice", &["send", &conv, "hello group"])
        .await
        .json_lines();
    assert_eq!(
        (sent[0]["state"].as_str(), sent[0]["seq"].as_u64()),
        (Some("sent"), Some(1))
    );
    let (msg, _) = read_until(&mut lines, |v| v["type"] == "new_message").await;
    assert_eq!(msg["message"]["conv"], conv.as_str());
    let hist = ok(&server, d, "bob", &["history", &conv])
        .await
        .json_lines();
    assert_eq!(hist[0][0]["content"]["text"], "hello group");
    let convs = ok(&server, d, "bob", &["conversations"]).await.json_lines();
    let c = &convs[0][0];
    assert_eq!(
        (c["title"].as_str(), c["unread"].as_u64()),
        (Some("Team"), Some(1))
    );

    let role = ok(&server, d, "alice", &["group", "role", &id, "bob", "admin"])
        .await
        .json_lines();
    assert_eq!(role[0]["role"], "admin");
    let (changed, _) = read_until(&mut lines, |v| {
        v["type"] == "group_changed" && v["kind"] == "group_role_changed"
    })
    .await;
    assert_eq!(
        (changed["user"].as_str(), changed["role"].as_str()),
        (Some("bob"), Some("admin"))
    );

    // Anyone may look a group up; carol joins the open group by its conversation id.
    let looked = ok(&server, d, "carol", &["group", "info", &id])
        .await
        .json_lines();
    assert_eq!(looked[0]["member_count"], 2);
    let join = ok(&server, d, "carol", &["group", "join", &conv])
        .await
        .json_lines();
    assert_eq!(join[0]["joined"], true);
    let (mj, _) = read_until(&mut lines, |v| {
        v["type"] == "group_changed" && v["kind"] == "group_member_joined"
    })
    .await;
    assert_eq!(mj["member"]["user"], "carol");

    let members = ok(&server, d, "bob", &["group", "members", &id])
        .await
        .json_lines();
    let roles: Vec<(String, String)> = members[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user"].as_str().unwrap().into(),
                m["role"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [("alice", "owner"), ("bob", "admin"), ("carol", "member")]
        .iter()
        .map(|(u, r)| (u.to_string(), r.to_string()))
        .collect();
    assert_eq!(roles, want);

    // Bob (admin) mutes carol from another process of his data dir: his `listen`
    // prints it all the same. Her send exits 3 with the Muted code.
    ok(&server, d, "bob", &["group", "mute", &id, "carol", "5"]).await;
    let (muted, _) = read_until(&mut lines, |v| {
        v["type"] == "group_changed" && v["kind"] == "group_member_muted"
    })
    .await;
    assert!(muted["until"].is_i64(), "{muted}");
    let out = run(&server, d, "carol", &["send", &conv, "hello?"]).await;
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    let err: Value = serde_json::from_str(out.stderr.lines().last().unwrap()).unwrap();
    assert_eq!(err["error"]["code"], 4002, "{err}");
    assert_eq!(out.json_lines()[0]["state"], "failed");

    let all = ok(&server, d, "alice", &["group", "mute-all", &id, "on"])
        .await
        .json_lines();
    assert_eq!(all[0]["all_muted"], true);
    let (info, _) = read_until(&mut lines, |v| {
        v["type"] == "group_changed"
            && v["kind"] == "group_info_changed"
            && v["group"]["all_muted"] == true
    })
    .await;
    assert_eq!(info["by"], "alice");

    // Dismiss: bob's listen sees it, his list is empty.
    ok(&server, d, "alice", &["group", "dismiss", &id]).await;
    let (gone, _) = read_until(&mut lines, |v| {
        v["type"] == "group_changed" && v["kind"] == "group_dismissed"
    })
    .await;
    assert_eq!(gone["group"], id.as_str());
    read_until(&mut lines, |v| v["type"] == "conversation_removed").await;
    stop_listen(&mut listener).await;
    let listed = ok(&server, d, "bob", &["group", "list"]).await.json_lines();
    assert_eq!(listed[0], serde_json::json!([]));
    let convs = ok(&server, d, "bob", &["conversations"]).await.json_lines();
    assert_eq!(convs[0], serde_json::json!([]));

    // A refused group command exits 3 with the server's code.
    let out = run(&server, d, "carol", &["group", "dismiss", &id]).await;
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    server.shutdown().await;
}
