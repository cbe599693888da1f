//! `tern-cli conv ...` and `tern-cli settings ...` against a real server: each
//! change prints the settings as JSON and shows on a second device of the same
//! user; refusals exit 3 with the server's code.

use crate::common;

use common::*;
use serde_json::Value;

fn one(out: Out) -> Value {
    let mut lines = out.json_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines.remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conv_and_settings_commands_sync_to_a_second_device() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let d = dir.path();
    for u in ["alice", "bob"] {
        signup(&server, d, u).await;
    }
    ok(&server, d, "bob", &["send", "alice", "first"]).await;

    let pinned = one(ok(&server, d, "alice", &["conv", "pin", "bob"]).await);
    assert_eq!(
        (pinned["conv"].as_str(), pinned["pinned"].as_i64()),
        (Some("d:alice:bob"), Some(1))
    );
    let muted = one(ok(
        &server,
        d,
        "alice",
        &["conv", "mute", "bob", "--minutes", "60"],
    )
    .await);
    assert_eq!(muted["muted"], true);
    assert!(muted["muted_until"].as_i64().unwrap() > 0);
    let draft = one(ok(
        &server,
        d,
        "alice",
        &["conv", "draft", "bob", "hello there"],
    )
    .await);
    assert_eq!(draft["draft"], "hello there");
    let cleared = one(ok(&server, d, "alice", &["conv", "clear", "bob"]).await);
    assert_eq!(cleared["cleared_seq"], 1);
    let archived = one(ok(&server, d, "alice", &["conv", "archive", "bob"]).await);
    assert_eq!(archived["archived"], 1);

    // A second device of alice (its own data dir) sees all of it.
    ok(&server, d, "alice2", &["login", "alice", "password123"]).await;
    let got = one(ok(&server, d, "alice2", &["conv", "get", "bob"]).await);
    assert_eq!(got, archived);
    let list = one(ok(&server, d, "alice2", &["conv", "list"]).await);
    assert_eq!(list, Value::Array(vec![archived]));
    let history = ok(&server, d, "alice2", &["history", "bob"])
        .await
        .json_lines();
    assert_eq!(
        history,
        vec![Value::Array(vec![])],
        "cleared: nothing shown"
    );
    let bobs = ok(&server, d, "bob", &["history", "alice"])
        .await
        .json_lines();
    assert_eq!(bobs[0].as_array().unwrap().len(), 1, "bob keeps his");

    for (cmd, field, want) in [
        ("unpin", "pinned", Value::Null),
        ("unmute", "muted", Value::Bool(false)),
        ("unarchive", "archived", Value::Null),
    ] {
        let s = one(ok(&server, d, "alice2", &["conv", cmd, "bob"]).await);
        assert_eq!(s[field], want, "{cmd}");
    }

    // Account settings.
    let set = one(ok(
        &server,
        d,
        "alice",
        &[
            "settings",
            "set",
            "--sound",
            "off",
            "--dnd",
            "22:00-08:00",
            "--tz",
            "Europe/Paris",
            "--days",
            "mon,fri",
        ],
    )
    .await);
    assert_eq!(set["sound"], false);
    assert_eq!(set["dnd"]["days"], serde_json::json!(["mon", "fri"]));
    let got = one(ok(&server, d, "alice2", &["settings", "get"]).await);
    assert_eq!(got, set);

    // Refusals: exit 3 with the server's code.
    let code = |o: &Out| -> u64 {
        let v: Value = serde_json::from_str(o.stderr.trim().lines().last().unwrap()).unwrap();
        v["error"]["code"].as_u64().unwrap()
    };
    let bad = run(
        &server,
        d,
        "alice",
        &[
            "settings",
            "set",
            "--dnd",
            "25:00-08:00",
            "--tz",
            "UTC",
            "--days",
            "mon",
        ],
    )
    .await;
    assert_eq!((bad.code, code(&bad)), (3, 1002), "{}", bad.stderr);
    let ghost = run(&server, d, "alice", &["conv", "pin", "ghost"]).await;
    assert_eq!((ghost.code, code(&ghost)), (3, 3000), "{}", ghost.stderr);
    let other = run(&server, d, "alice", &["conv", "mute", "d:bob:carol"]).await;
    assert_eq!((other.code, code(&other)), (3, 4000), "{}", other.stderr);
    server.shutdown().await;
}
