//! The rich-messaging commands of `tern-cli` (issue 17) against a real server,
//! JSON in and out: `edit` prints the edit, the peer's `listen` prints the
//! `edited` event, `history` shows the new text with `edited_at`, and editing
//! someone else's message exits 3 with code 4010 (NotSender); `reply` sends a
//! reply (`reply_to` in its JSON), `quote` prints the quoted snippet, and a reply
//! to a missing message exits 3 with code 4011 (BadReply); `react` (and
//! `--off`) prints the message's reactions, which bob's `listen` and `reactions`
//! show; `pin` (and `--off`) prints the conversation's pins, shown by
//! bob's `listen` and `pins`.

use crate::common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_reply_quote_react_and_pin_commands_print_json_and_reach_the_peers_listen() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let d = dir.path();
    for u in ["alice", "bob"] {
        signup(&server, d, u).await;
    }
    let (mut listener, mut lines) = spawn(&server, d, "bob", &["listen"]);
    read_until(&mut lines, |v| v["type"] == "sync_finished").await;

    let sent = ok(&server, d, "alice", &["send", "bob", "typo hre"])
        .await
        .json_lines();
    let seq = sent[0]["seq"].as_u64().unwrap();
    read_until(&mut lines, |v| v["type"] == "new_message").await;

    let edited = ok(
        &server,
        d,
        "alice",
        &["edit", "bob", &seq.to_string(), "typo here"],
    )
    .await
    .json_lines();
    assert_eq!(edited[0]["text"], "typo here");
    assert_eq!(edited[0]["seq"].as_u64(), Some(seq));
    assert_eq!(edited[0]["conv"], "d:alice:bob");
    let at = edited[0]["edited_at"].as_i64().expect("edited_at");

    let (event, _) = read_until(&mut lines, |v| v["type"] == "edited").await;
    assert_eq!(
        (event["text"].as_str(), event["edited_at"].as_i64()),
        (Some("typo here"), Some(at))
    );
    let hist = ok(&server, d, "bob", &["history", "alice"])
        .await
        .json_lines();
    let m = &hist[0][0];
    assert_eq!(m["content"]["text"], "typo here");
    assert_eq!(m["edited_at"].as_i64(), Some(at));

    let out = run(
        &server,
        d,
        "bob",
        &["edit", "alice", &seq.to_string(), "mine now"],
    )
    .await;
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    let err: serde_json::Value = serde_json::from_str(out.stderr.lines().last().unwrap()).unwrap();
    assert_eq!(err["error"]["code"], 4010, "{err}");

    // Reply and quote.
    let replied = ok(
        &server,
        d,
        "bob",
        &["reply", "alice", &seq.to_string(), "fixed, thanks"],
    )
    .await
    .json_lines();
    assert_eq!(replied[0]["reply_to"].as_u64(), Some(seq));
    assert_eq!(replied[0]["state"], "sent");
    let quote = ok(&server, d, "alice", &["quote", "bob", &seq.to_string()])
        .await
        .json_lines();
    assert_eq!(
        (
            quote[0]["sender"].as_str(),
            quote[0]["snippet"].as_str(),
            quote[0]["state"].as_str()
        ),
        (Some("alice"), Some("typo here"), Some("available"))
    );
    let out = run(&server, d, "bob", &["reply", "alice", "99", "to nothing"]).await;
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    let err: serde_json::Value = serde_json::from_str(out.stderr.lines().last().unwrap()).unwrap();
    assert_eq!(err["error"]["code"], 4011, "{err}");

    // React, see it in the peer's listen, list it, remove it.
    let reacted = ok(
        &server,
        d,
        "alice",
        &["react", "bob", &seq.to_string(), "👍"],
    )
    .await
    .json_lines();
    assert_eq!(reacted[0]["reactions"][0]["emoji"], "👍");
    assert_eq!(reacted[0]["reactions"][0]["users"][0], "alice");
    let (event, _) = read_until(&mut lines, |v| v["type"] == "reactions_changed").await;
    assert_eq!(event["reactions"][0]["count"], 1);
    let listed = ok(&server, d, "bob", &["reactions", "alice", &seq.to_string()])
        .await
        .json_lines();
    assert_eq!(listed[0]["reactions"][0]["emoji"], "👍");
    let removed = ok(
        &server,
        d,
        "alice",
        &["react", "bob", &seq.to_string(), "👍", "--off"],
    )
    .await
    .json_lines();
    assert_eq!(removed[0]["reactions"], serde_json::json!([]));

    // Pin, see it in bob's listen and `pins`, unpin.
    let pinned = ok(&server, d, "alice", &["pin", "bob", &seq.to_string()])
        .await
        .json_lines();
    assert_eq!(pinned[0]["pins"][0]["seq"].as_u64(), Some(seq));
    assert_eq!(pinned[0]["pins"][0]["by"], "alice");
    read_until(&mut lines, |v| v["type"] == "pins_changed").await;
    let listed = ok(&server, d, "bob", &["pins", "alice"]).await.json_lines();
    assert_eq!(listed[0]["pins"][0]["seq"].as_u64(), Some(seq));
    let unpinned = ok(
        &server,
        d,
        "bob",
        &["pin", "alice", &seq.to_string(), "--off"],
    )
    .await
    .json_lines();
    assert_eq!(unpinned[0]["pins"], serde_json::json!([]));

    stop_listen(&mut listener).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_by_command_lists_readers_and_the_group_switch_turns_it_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let d = dir.path();
    for u in ["alice", "bob"] {
        signup(&server, d, u).await;
    }
    let created = ok(
        &server,
        d,
        "alice",
        &["group", "create", "Team", "--members", "bob"],
    )
    .await
    .json_lines();
    let id = created[0]["group"].as_str().unwrap().to_string();
    let conv = format!("g:{id}");
    let sent = ok(&server, d, "alice", &["send", &conv, "read me"])
        .await
        .json_lines();
    let seq = sent[0]["seq"].as_u64().unwrap().to_string();
    let before = ok(&server, d, "alice", &["read-by", &conv, &seq])
        .await
        .json_lines();
    assert_eq!(
        (
            before[0]["read_count"].as_u64(),
            before[0]["unread"][0].as_str()
        ),
        (Some(0), Some("bob"))
    );
    ok(&server, d, "bob", &["read", &conv]).await;
    let after = ok(&server, d, "alice", &["read-by", &conv, &seq])
        .await
        .json_lines();
    assert_eq!(
        (
            after[0]["read_count"].as_u64(),
            after[0]["read"][0].as_str()
        ),
        (Some(1), Some("bob"))
    );
    let off = ok(&server, d, "alice", &["group", "read-by", &id, "off"])
        .await
        .json_lines();
    assert_eq!(off[0]["read_by"], false);
    let out = run(&server, d, "alice", &["read-by", &conv, &seq]).await;
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    let err: serde_json::Value = serde_json::from_str(out.stderr.lines().last().unwrap()).unwrap();
    assert_eq!(err["error"]["code"], 4015, "{err}");
    server.shutdown().await;
}
