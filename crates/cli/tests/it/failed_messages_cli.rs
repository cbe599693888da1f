//! A message the server refused stays in the outbox as `failed` (`sync` lists
//! it); `resend` sends it again once it can go, `delete-failed` drops it.

use crate::common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_message_is_resent_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    signup(&server, dir.path(), "alice").await;
    // Carol has no account yet: both messages are refused.
    for text in ["first", "second"] {
        let out = run(&server, dir.path(), "alice", &["send", "carol", text]).await;
        assert_eq!(out.code, 3, "{}", out.stderr);
    }
    let out = ok(&server, dir.path(), "alice", &["sync"]).await;
    let left = &out.json_lines()[0]["outbox"];
    let ids: Vec<String> = left
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["state"], "failed", "{m}");
            m["client_id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 2, "{left}");

    // Once carol exists, the first goes out; the second is dropped.
    signup(&server, dir.path(), "carol").await;
    let out = ok(&server, dir.path(), "alice", &["resend", &ids[0]]).await;
    let sent = &out.json_lines()[0];
    assert_eq!(sent["state"], "sent", "{sent}");
    assert_eq!(sent["content"]["text"], "first", "{sent}");
    let out = ok(&server, dir.path(), "alice", &["delete-failed", &ids[1]]).await;
    assert_eq!(out.json_lines()[0]["deleted"], ids[1].as_str());
    let out = ok(&server, dir.path(), "alice", &["sync"]).await;
    assert_eq!(out.json_lines()[0]["outbox"], serde_json::json!([]));
    let out = ok(&server, dir.path(), "carol", &["history", "alice"]).await;
    let history = out.json_lines();
    let texts: Vec<&str> = history[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["first"]);
    // An id that is not a failed message of mine: refused, nothing changes.
    let out = run(
        &server,
        dir.path(),
        "alice",
        &["delete-failed", "no-such-id"],
    )
    .await;
    assert_ne!(out.code, 0, "{}", out.stdout);
}
