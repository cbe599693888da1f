//! A `tern-cli` process is SIGKILLed while messages sit in its outbox (one possibly
//! stored by the server but not yet acknowledged). After a restart the outbox is
//! resent with the same client ids: every message is stored exactly once, in order.

use crate::common;

use std::collections::HashSet;

use common::*;

const N: usize = 600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_is_delivered_exactly_once_after_the_process_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    signup(&server, dir.path(), "alice").await;
    signup(&server, dir.path(), "bob").await;

    let count = N.to_string();
    let (mut sender, mut lines) = spawn(
        &server,
        dir.path(),
        "alice",
        &["send", "bob", "m", "--count", &count],
    );
    // The first ack is printed once all N are queued: kill the process right then.
    let (first, _) = read_until(&mut lines, |v| v["state"] == "sent").await;
    sender.start_kill().unwrap(); // SIGKILL
    let status = tokio::time::timeout(WAIT, sender.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(!status.success());
    assert_eq!(first["seq"], 1);

    let before = ok(
        &server,
        dir.path(),
        "bob",
        &["history", "alice", "--limit", "1000"],
    )
    .await
    .json_lines();
    let stored_before = before[0].as_array().unwrap().len();
    assert!(
        stored_before < N,
        "the kill left messages in the outbox ({stored_before} stored)"
    );

    // Restart: the saved session resumes and the outbox drains.
    let out = ok(&server, dir.path(), "alice", &["sync"])
        .await
        .json_lines();
    assert_eq!(out[0]["flushed"], true);
    assert_eq!(out[0]["outbox"], serde_json::json!([]));

    let after = ok(
        &server,
        dir.path(),
        "bob",
        &["history", "alice", "--limit", "1000"],
    )
    .await
    .json_lines();
    let msgs = after[0].as_array().unwrap();
    let texts: Vec<&str> = msgs
        .iter()
        .map(|m| m["content"]["text"].as_str().unwrap())
        .collect();
    let seqs: Vec<u64> = msgs.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    let ids: HashSet<&str> = msgs
        .iter()
        .map(|m| m["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(msgs.len(), N, "exactly once: none lost, none duplicated");
    assert_eq!(ids.len(), N);
    assert_eq!(seqs, (1..=N as u64).collect::<Vec<_>>());
    let expected: Vec<String> = (1..=N).map(|i| format!("m #{i}")).collect();
    assert_eq!(texts, expected, "in the order they were queued");
    eprintln!(
        "kill: {stored_before} of {N} stored before the kill, {} after the restart",
        msgs.len()
    );
    server.shutdown().await;
}
