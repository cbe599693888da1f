//! `tern-cli profile --avatar` and `avatar USER`: alice uploads an image as her
//! avatar; bob downloads it (same bytes) into his cache; files that are not
//! images are refused before any upload; a user without one answers null.

use crate::common;

use common::*;
use sha2::Digest;

/// A 1×1 PNG.
const PIXEL: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0x0d, 0x49, 0x44, 0x41, 0x54,
    0x78, 0xda, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0, 5, 0, 1, 0xff, 0x5b, 0x3e, 0x1c, 0x4a, 0, 0,
    0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_avatar_uploaded_by_one_cli_is_downloaded_by_another_with_equal_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    signup(&server, dir.path(), "alice").await;
    signup(&server, dir.path(), "bob").await;

    let none = ok(&server, dir.path(), "bob", &["avatar", "alice"]).await;
    assert_eq!(none.json_lines()[0]["avatar"], serde_json::Value::Null);

    let script = dir.path().join("not-an-image.png");
    std::fs::write(&script, b"#!/bin/sh\necho hi\n").unwrap();
    let refused = run(
        &server,
        dir.path(),
        "alice",
        &["profile", "--avatar", script.to_str().unwrap()],
    )
    .await;
    assert_ne!(refused.code, 0, "a script was taken as an avatar");

    let img = dir.path().join("me.png");
    std::fs::write(&img, PIXEL).unwrap();
    let p = ok(
        &server,
        dir.path(),
        "alice",
        &["profile", "--avatar", img.to_str().unwrap()],
    )
    .await
    .json_lines()
    .pop()
    .unwrap();
    let id = p["avatar"].as_str().expect("an avatar id").to_owned();

    let got = ok(&server, dir.path(), "bob", &["avatar", "alice"])
        .await
        .json_lines()
        .pop()
        .unwrap();
    assert_eq!(got["avatar"], id.as_str());
    assert_eq!(got["mime"], "image/png");
    assert_eq!(got["bytes"], PIXEL.len());
    assert_eq!(got["sha256"], hex::encode(sha2::Sha256::digest(PIXEL)));
    let cached = std::fs::read(got["path"].as_str().unwrap()).unwrap();
    assert_eq!(cached, PIXEL);
}
