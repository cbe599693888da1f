//! `tern-cli listen` prints one JSON event per line; a test reads it while another
//! `tern-cli` sends. Also: the CLI's exit code and stderr carry a blacklist refusal.

use crate::common;

use common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_output_is_parsed_while_another_cli_sends() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    signup(&server, dir.path(), "alice").await;
    signup(&server, dir.path(), "bob").await;

    let (mut listener, mut lines) = spawn(&server, dir.path(), "bob", &["listen"]);
    let (_, before) = read_until(&mut lines, |v| v["type"] == "sync_finished").await;
    assert!(
        before.iter().any(|v| v["type"] == "connected"),
        "{before:?}"
    );

    let out = ok(
        &server,
        dir.path(),
        "alice",
        &["friend", "add", "bob", "--greeting", "hi, it's alice"],
    )
    .await;
    assert_eq!(out.json_lines()[0]["applied"], "bob");
    let (app, _) = read_until(&mut lines, |v| v["type"] == "friend_application_added").await;
    assert_eq!(app["application"]["greeting"], "hi, it's alice");

    let out = ok(
        &server,
        dir.path(),
        "alice",
        &["send", "bob", "hello from the cli ✓"],
    )
    .await;
    let sent = &out.json_lines()[0];
    assert_eq!(
        (sent["state"].as_str(), sent["seq"].as_u64()),
        (Some("sent"), Some(1))
    );

    let (msg, _) = read_until(&mut lines, |v| v["type"] == "new_message").await;
    assert_eq!(
        msg["message"]["content"],
        serde_json::json!({"type": "text", "text": "hello from the cli ✓"})
    );
    assert_eq!(
        (msg["message"]["sender"].as_str(), msg["live"].as_bool()),
        (Some("alice"), Some(true))
    );
    let (unread, _) = read_until(&mut lines, |v| v["type"] == "unread_changed").await;
    assert_eq!(unread["unread"], 1);

    // Closing stdin stops `listen` cleanly.
    stop_listen(&mut listener).await;

    let convs = ok(&server, dir.path(), "bob", &["conversations"])
        .await
        .json_lines();
    assert_eq!(convs[0][0]["unread"], 1);
    let hist = ok(&server, dir.path(), "bob", &["history", "alice"])
        .await
        .json_lines();
    assert_eq!(hist[0].as_array().unwrap().len(), 1);
    let found = ok(&server, dir.path(), "bob", &["search", "cli"])
        .await
        .json_lines();
    assert_eq!(found[0]["messages"].as_array().unwrap().len(), 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_sender_gets_exit_code_3_and_the_error_code() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    signup(&server, dir.path(), "alice").await;
    signup(&server, dir.path(), "bob").await;
    ok(&server, dir.path(), "bob", &["block", "alice"]).await;
    let blocked = ok(&server, dir.path(), "bob", &["blocked"])
        .await
        .json_lines();
    assert_eq!(blocked[0], serde_json::json!(["alice"]));

    let out = run(&server, dir.path(), "alice", &["send", "bob", "let me in"]).await;
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    let err: Value = serde_json::from_str(out.stderr.lines().last().unwrap()).unwrap();
    assert_eq!(err["error"]["code"], 3001, "{err}");
    let failed = &out.json_lines()[0];
    assert_eq!(failed["state"], "failed");

    let out = run(&server, dir.path(), "alice", &["friend", "add", "bob"]).await;
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("3001"), "{}", out.stderr);

    ok(&server, dir.path(), "bob", &["unblock", "alice"]).await;
    ok(&server, dir.path(), "alice", &["send", "bob", "thanks"]).await;
    server.shutdown().await;
}
