//! `tern-cli forward` and `send --mention` (issue 17) against a real server,
//! JSON out: a one-by-one forward prints the seqs per target, a merged one
//! lands as a chat history in the target's `history`; `send --mention`
//! prints the message with its `mentions`, bob's `conversations` shows the
//! unread mention; a plain member's `--mention-all` exits 3 with 4017
//! (MentionAllNotAllowed), forwarding a chat one is not in exits 3 with 4018
//! (BadForward). `reply --mention` prints the reply with its mentions.

use crate::common;

use common::*;

fn code_of(out: &Out) -> i64 {
    let err: serde_json::Value = serde_json::from_str(out.stderr.lines().last().unwrap()).unwrap();
    err["error"]["code"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_and_mention_commands_print_json() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let d = dir.path();
    for u in ["alice", "bob", "carol"] {
        signup(&server, d, u).await;
    }
    ok(&server, d, "bob", &["send", "alice", "first", "second"]).await;
    let created = ok(
        &server,
        d,
        "alice",
        &["group", "create", "Team", "--members", "bob,carol"],
    )
    .await
    .json_lines();
    let group = format!("g:{}", created[0]["group"].as_str().unwrap());

    // One by one to carol, merged to the group.
    let out = ok(
        &server,
        d,
        "alice",
        &["forward", "bob", "1", "2", "--to", "carol"],
    )
    .await
    .json_lines();
    let r = &out[0]["results"][0];
    assert_eq!(r["conv"], "d:alice:carol");
    assert_eq!(r["seqs"], serde_json::json!([1, 2]));
    let out = ok(
        &server,
        d,
        "alice",
        &[
            "forward", "bob", "1", "2", "--to", &group, "--merged", "--title", "From bob",
        ],
    )
    .await
    .json_lines();
    assert!(out[0]["results"][0].get("error").is_none(), "{}", out[0]);
    let hist = ok(&server, d, "carol", &["history", &group])
        .await
        .json_lines();
    let last = hist[0].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["content"]["type"], "chat_history");
    assert_eq!(last["content"]["title"], "From bob");
    assert_eq!(last["content"]["items"][0]["sender"], "bob");
    assert_eq!(last["content"]["items"][1]["content"]["text"], "second");

    // Mentions.
    let sent = ok(
        &server,
        d,
        "alice",
        &["send", &group, "@bob look", "--mention", "bob"],
    )
    .await
    .json_lines();
    assert_eq!(sent[0]["mentions"]["users"], serde_json::json!(["bob"]));
    assert_eq!(sent[0]["state"], "sent");
    let convs = ok(&server, d, "bob", &["conversations"]).await.json_lines();
    let g = convs[0]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conv"] == group.as_str())
        .unwrap()
        .clone();
    assert_eq!(g["unread_mentions"], 1, "{g}");

    let out = run(
        &server,
        d,
        "carol",
        &["send", &group, "hey all", "--mention-all"],
    )
    .await;
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    assert_eq!(code_of(&out), 4017);
    let out = run(
        &server,
        d,
        "carol",
        &["forward", "d:alice:bob", "1", "--to", &group],
    )
    .await;
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    assert_eq!(code_of(&out), 4018);
    server.shutdown().await;
}

/// `reply <group> <seq> <text> --mention <user>`: prints the stored message
/// with both `reply_to` and `mentions`; the mentioned member's `conversations`
/// shows the unread mention; a non-member mention exits 3 with 4016
/// (BadMention).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_with_mentions_prints_json() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let d = dir.path();
    for u in ["alice", "bob", "carol"] {
        signup(&server, d, u).await;
    }
    let created = ok(
        &server,
        d,
        "alice",
        &["group", "create", "Team", "--members", "bob,carol"],
    )
    .await
    .json_lines();
    let group = format!("g:{}", created[0]["group"].as_str().unwrap());
    let sent = ok(&server, d, "carol", &["send", &group, "Friday?"]).await;
    let hist = ok(&server, d, "carol", &["history", &group])
        .await
        .json_lines();
    let quoted = hist[0].as_array().unwrap().last().unwrap()["seq"].clone();
    assert!(quoted.is_u64(), "{} / {}", sent.stdout, hist[0]);
    let seq = quoted.to_string();

    let out = ok(
        &server,
        d,
        "alice",
        &["reply", &group, &seq, "@bob book it", "--mention", "bob"],
    )
    .await
    .json_lines();
    assert_eq!(out[0]["reply_to"], quoted);
    assert_eq!(out[0]["mentions"]["users"], serde_json::json!(["bob"]));
    assert_eq!(out[0]["state"], "sent");
    let convs = ok(&server, d, "bob", &["conversations"]).await.json_lines();
    let g = convs[0]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conv"] == group.as_str())
        .unwrap()
        .clone();
    assert_eq!(g["unread_mentions"], 1, "{g}");

    let out = run(
        &server,
        d,
        "carol",
        &["reply", &group, &seq, "@nobody", "--mention", "nobody"],
    )
    .await;
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    assert_eq!(code_of(&out), 4016);
    server.shutdown().await;
}
