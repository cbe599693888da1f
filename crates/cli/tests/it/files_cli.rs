//! `tern-cli send-file` and `download`: one CLI user sends a file, another
//! downloads it by conversation and seq (and by FileRef JSON); the bytes match.

use crate::common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_sent_by_one_cli_is_downloaded_by_another_with_equal_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    signup(&server, dir.path(), "alice").await;
    signup(&server, dir.path(), "bob").await;
    let src = dir.path().join("résumé 2026.pdf");
    let bytes: Vec<u8> = (0..1_500_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
    std::fs::write(&src, &bytes).unwrap();

    let out = ok(
        &server,
        dir.path(),
        "alice",
        &["send-file", "bob", src.to_str().unwrap(), "--progress"],
    )
    .await;
    let lines = out.json_lines();
    let sent = lines.last().unwrap();
    assert_eq!(sent["state"], "sent", "{sent}");
    assert_eq!(sent["seq"], 1);
    let file = &sent["content"]["file"];
    assert_eq!(sent["content"]["type"], "file");
    assert_eq!(file["name"], "résumé 2026.pdf");
    assert_eq!(file["size"], bytes.len() as u64);
    assert_eq!(file["mime"], "application/pdf");
    let progress: Vec<_> = lines
        .iter()
        .filter(|l| l["type"] == "transfer_progress")
        .collect();
    assert!(!progress.is_empty());
    assert_eq!(progress.last().unwrap()["done"], bytes.len() as u64);

    let target = dir.path().join("copy.pdf");
    let out = ok(
        &server,
        dir.path(),
        "bob",
        &["download", "alice", "1", "--out", target.to_str().unwrap()],
    )
    .await;
    let got = &out.json_lines()[0];
    assert_eq!(got["size"], bytes.len() as u64);
    assert_eq!(got["path"], target.to_str().unwrap());
    assert!(std::fs::read(&target).unwrap() == bytes, "bytes differ");

    // By FileRef JSON, into the cache.
    let out = ok(
        &server,
        dir.path(),
        "bob",
        &["download", "--file", &file.to_string()],
    )
    .await;
    let cached = &out.json_lines()[0];
    assert_eq!(cached["sha256"], got["sha256"]);
    let path = cached["path"].as_str().unwrap();
    assert!(path.ends_with("résumé 2026.pdf"), "{path}");
    assert!(std::fs::read(path).unwrap() == bytes);

    // Carol is not in the conversation: refused, exit 3 with the server's code.
    signup(&server, dir.path(), "carol").await;
    let out = run(
        &server,
        dir.path(),
        "carol",
        &["download", "--file", &file.to_string()],
    )
    .await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("3000"), "{}", out.stderr);
    server.shutdown().await;
}
