//! `tern-cli room ...` against a real server: create, list, send (joining
//! first), `join --listen` printing the recent history and then live
//! `room_message` events, members, mute (a muted send exits 3 with code
//! 4002), kick with a ban (a join exits 3 with 4021), admin, leave, delete.

use crate::common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_commands_and_live_messages() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let d = dir.path();
    for u in ["alice", "bob", "carol"] {
        signup(&server, d, u).await;
    }
    let created = ok(&server, d, "alice", &["room", "create", "Lobby"])
        .await
        .json_lines();
    assert_eq!(
        (
            created[0]["name"].as_str(),
            created[0]["member_count"].as_u64()
        ),
        (Some("Lobby"), Some(1))
    );
    let room = created[0]["room"].as_str().unwrap().to_string();
    let listed = ok(&server, d, "carol", &["room", "list"])
        .await
        .json_lines();
    assert_eq!(listed[0][0]["room"], room.as_str());

    let sent = ok(&server, d, "alice", &["room", "send", &room, "one", "two"])
        .await
        .json_lines();
    assert_eq!(
        sent.iter()
            .map(|m| m["seq"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2]
    );

    let (mut listener, mut lines) = spawn(&server, d, "bob", &["room", "join", &room, "--listen"]);
    let (joined, _) = read_until(&mut lines, |v| v.get("recent").is_some()).await;
    let recent: Vec<&str> = joined["recent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(recent, ["one", "two"]);
    ok(&server, d, "alice", &["room", "send", &room, "three"]).await;
    let (live, _) = read_until(&mut lines, |v| v["type"] == "room_message").await;
    assert_eq!(
        (
            live["message"]["seq"].as_u64(),
            live["message"]["content"]["text"].as_str()
        ),
        (Some(3), Some("three"))
    );

    let members = ok(&server, d, "alice", &["room", "members", &room])
        .await
        .json_lines();
    let ids: Vec<&str> = members[0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["alice", "bob"]);

    // Mute: carol (who joins by sending) cannot post while muted.
    ok(&server, d, "carol", &["room", "send", &room, "hello"]).await;
    ok(&server, d, "alice", &["room", "mute", &room, "carol", "5"]).await;
    let muted = run(&server, d, "carol", &["room", "send", &room, "again"]).await;
    assert_eq!(muted.code, 3, "{}", muted.stderr);
    assert!(muted.stderr.contains("4002"), "{}", muted.stderr);

    // Admin, then a kick with a ban: the kicked one's join is refused.
    ok(&server, d, "alice", &["room", "admin", &room, "bob"]).await;
    ok(
        &server,
        d,
        "bob",
        &["room", "kick", &room, "carol", "--ban-secs", "600"],
    )
    .await;
    let banned = run(&server, d, "carol", &["room", "join", &room]).await;
    assert_eq!(banned.code, 3, "{}", banned.stderr);
    assert!(banned.stderr.contains("4021"), "{}", banned.stderr);

    ok(&server, d, "alice", &["room", "delete", &room]).await;
    let (left, _) = read_until(&mut lines, |v| v["type"] == "room_left").await;
    assert_eq!(left["reason"], "deleted");
    stop_listen(&mut listener).await;
    let listed = ok(&server, d, "carol", &["room", "list"])
        .await
        .json_lines();
    assert_eq!(listed[0], serde_json::json!([]));
}
