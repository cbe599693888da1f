//! Attacks on files and storage: publishing someone else's file as an avatar,
//! keeping access to a recalled file, filling the disk (quota, uploads never
//! referenced), trickling an upload to hold a connection, and data readable by
//! other local users.

use crate::common;
use crate::groups_support;

use std::time::Duration;

use common::{dm, on_postgres, uid, upload_as, TestServer};
use groups_support::*;
use tern_proto::{Content, FileRef, Request};

async fn download(server: &TestServer, token: &str, id: &str) -> u16 {
    common::download_status(server.addr(), token, id).await
}

fn file_ref(id: &tern_proto::FileId, mime: &str) -> FileRef {
    FileRef {
        id: id.clone(),
        name: "x".into(),
        size: 64,
        mime: mime.into(),
    }
}

#[tokio::test]
async fn a_kicked_member_cannot_publish_a_group_file_as_an_avatar() {
    let server = TestServer::start().await;
    let [mut alice, mut bob] = users(&server, ["alice", "bob"]).await;
    let (ta, tb) = (alice.token.clone().unwrap(), bob.token.clone().unwrap());
    let g = create(&mut alice, "g", &["bob"], None).await;
    let secret = upload_as(server.addr(), &ta, "plan.png", "image/png", vec![7; 64]).await;
    alice
        .ok(Request::Send {
            conv: gconv(&g.group),
            client_id: tern_proto::ClientMsgId::new("f1").unwrap(),
            content: Content::Image {
                file: file_ref(&secret, "image/png"),
                width: 1,
                height: 1,
            },
            ext: None,
            after: None,
            reply_to: None,
            mentions: None,
        })
        .await;
    assert_eq!(download(&server, &tb, secret.as_str()).await, 200);
    alice
        .ok(Request::KickMember {
            group: g.group.clone(),
            user: uid("bob"),
        })
        .await;
    assert_eq!(download(&server, &tb, secret.as_str()).await, 404);
    for req in [
        Request::SetProfile {
            nickname: None,
            avatar: Some(secret.clone()),
            signature: None,
        },
        Request::CreateGroup {
            name: "mine".into(),
            members: vec![],
            join_policy: None,
        },
    ] {
        if let Request::CreateGroup { .. } = req {
            let mine = create(&mut bob, "mine", &[], None).await;
            let code = bob
                .err_code(Request::UpdateGroup {
                    group: mine.group,
                    name: None,
                    avatar: Some(secret.clone()),
                    notice: None,
                    join_policy: None,
                    history_visible: None,
                    read_by: None,
                })
                .await;
            assert_eq!(code, tern_proto::ErrorCode::Forbidden);
        } else {
            assert_eq!(bob.err_code(req).await, tern_proto::ErrorCode::Forbidden);
        }
    }
    assert_eq!(download(&server, &tb, secret.as_str()).await, 404);
    // A document of one's own is not an image either.
    let doc = upload_as(server.addr(), &tb, "a.pdf", "application/pdf", vec![1; 8]).await;
    let e = bob
        .err(Request::SetProfile {
            nickname: None,
            avatar: Some(doc),
            signature: None,
        })
        .await;
    assert_eq!(e.code, tern_proto::ErrorCode::InvalidArgument, "{e}");
}

#[tokio::test]
async fn a_recalled_file_is_no_longer_readable_and_is_collected() {
    let server = TestServer::start_with(|c| {
        c.security.unreferenced_upload_ttl = Duration::ZERO;
    })
    .await;
    let [mut alice, bob] = users(&server, ["alice", "bob"]).await;
    let (ta, tb) = (alice.token.clone().unwrap(), bob.token.clone().unwrap());
    let id = upload_as(
        server.addr(),
        &ta,
        "oops.txt",
        "text/plain",
        b"secret".to_vec(),
    )
    .await;
    let sent = alice
        .ok(Request::Send {
            conv: dm("alice", "bob"),
            client_id: tern_proto::ClientMsgId::new("o1").unwrap(),
            content: Content::File {
                file: file_ref(&id, "text/plain"),
            },
            ext: None,
            after: None,
            reply_to: None,
            mentions: None,
        })
        .await;
    let tern_proto::Response::Sent { seq, .. } = sent else {
        panic!("{sent:?}")
    };
    assert_eq!(download(&server, &tb, id.as_str()).await, 200);
    alice
        .ok(Request::Recall {
            conv: dm("alice", "bob"),
            seq,
        })
        .await;
    assert_eq!(download(&server, &tb, id.as_str()).await, 404);
    // Beside it: an upload never referenced, one a live message references, and
    // an avatar. Housekeeping (TTL 0) must take the first, and keep the others.
    let stray = upload_as(server.addr(), &ta, "stray", "text/plain", vec![3; 9]).await;
    let kept = upload_as(server.addr(), &ta, "kept", "text/plain", vec![4; 9]).await;
    alice
        .ok(Request::Send {
            conv: dm("alice", "bob"),
            client_id: tern_proto::ClientMsgId::new("k1").unwrap(),
            content: Content::File {
                file: file_ref(&kept, "text/plain"),
            },
            ext: None,
            after: None,
            reply_to: None,
            mentions: None,
        })
        .await;
    let face = upload_as(server.addr(), &ta, "me.png", "image/png", vec![5; 9]).await;
    alice
        .ok(Request::SetProfile {
            nickname: None,
            avatar: Some(face.clone()),
            signature: None,
        })
        .await;
    // Nothing references the recalled one any more: the row and the blob go.
    let swept = server.handle.maintain().await.unwrap();
    assert_eq!(
        swept.blobs, 2,
        "the recalled and the stray upload: {swept:?}"
    );
    assert_eq!(download(&server, &ta, id.as_str()).await, 404);
    assert_eq!(download(&server, &ta, stray.as_str()).await, 404);
    assert_eq!(download(&server, &tb, kept.as_str()).await, 200);
    assert_eq!(download(&server, &tb, face.as_str()).await, 200);
    let files = server.dir.path().join("files");
    // Stored blobs, not uploads in progress under files/tmp.
    let blobs = walk(&files)
        .into_iter()
        .filter(|p| !p.starts_with(files.join("tmp")))
        .count();
    assert_eq!(blobs, 2, "the referenced file and the avatar");
    assert_eq!(server.handle.maintain().await.unwrap().blobs, 0);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn uploads_are_capped_by_a_per_user_quota() {
    let server = TestServer::start_with(|c| c.security.user_quota_bytes = 1000).await;
    let alice = server.user("alice").await;
    let t = alice.token.clone().unwrap();
    upload_as(server.addr(), &t, "a", "text/plain", vec![1; 600]).await;
    let res = common::http_client()
        .post(format!("http://{}/files", server.addr()))
        .bearer_auth(&t)
        .header("x-file-name", "b")
        .body(vec![2u8; 600])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("quota"),
        "{body}"
    );
}

/// Attack: start several uploads at once so that each compares its size with
/// what was stored before any of them; together they stored several times the
/// quota. They now count together while streaming, and the last check sees what
/// the others stored.
#[tokio::test]
async fn uploads_at_once_share_one_quota() {
    let server = TestServer::start_with(|c| c.security.user_quota_bytes = 1000).await;
    let alice = server.user("alice").await;
    let t = alice.token.clone().unwrap();
    // Three uploads of 600 bytes: each sends half, waits until all three have,
    // then sends the rest. Any one fits the quota; two do not.
    let halfway = std::sync::Arc::new(tokio::sync::Barrier::new(3));
    let uploads = (0..3).map(|i| {
        let (t, halfway) = (t.clone(), halfway.clone());
        let addr = server.addr();
        async move {
            let stream = futures_util::stream::unfold(0u8, move |step| {
                let halfway = halfway.clone();
                async move {
                    match step {
                        0 => Some((Ok::<_, std::io::Error>(vec![i; 300]), 1)),
                        1 => {
                            halfway.wait().await;
                            Some((Ok(vec![i; 300]), 2))
                        }
                        _ => None,
                    }
                }
            });
            common::http_client()
                .post(format!("http://{addr}/files"))
                .bearer_auth(&t)
                .header("x-file-name", format!("part{i}"))
                .header("content-length", "600")
                .body(reqwest::Body::wrap_stream(stream))
                .send()
                .await
                .map(|r| r.status().as_u16())
        }
    });
    let answers = futures_util::future::join_all(uploads).await;
    let stored = answers.iter().filter(|a| matches!(a, Ok(201))).count();
    assert!(stored <= 1, "more than the quota was stored: {answers:?}");
    // A refused one answers 413 (or, cut off while still sending, a closed connection).
    assert!(
        answers.iter().any(|a| matches!(a, Ok(413))) || answers.iter().any(|a| a.is_err()),
        "{answers:?}"
    );
    // What is left of the quota is what the one stored leaves (1000 - 600 = 400).
    let left = 1000 - 600 * stored;
    upload_as(server.addr(), &t, "rest", "text/plain", vec![7; left]).await;
    let res = common::http_client()
        .post(format!("http://{}/files", server.addr()))
        .bearer_auth(&t)
        .header("x-file-name", "over")
        .body(vec![8u8; 1])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413, "the quota is full");
}

#[tokio::test]
async fn a_trickled_upload_is_cut_off() {
    let server = TestServer::start_with(|c| c.security.min_upload_bytes_per_sec = 1_000_000).await;
    let alice = server.user("alice").await;
    let t = alice.token.clone().unwrap();
    // 11 s of 10 bytes every 100 ms: far below the minimum after the grace.
    let stream = futures_util::stream::unfold(0u32, |i| async move {
        if i >= 200 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        Some((Ok::<_, std::io::Error>(vec![b'x'; 10]), i + 1))
    });
    let started = std::time::Instant::now();
    let res = common::http_client()
        .post(format!("http://{}/files", server.addr()))
        .bearer_auth(&t)
        .header("x-file-name", "slow")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    let took = started.elapsed();
    if let Ok(res) = res {
        assert_eq!(res.status(), 408);
    }
    assert!(took < Duration::from_secs(15), "cut after {took:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn data_on_disk_is_private_to_the_server_user() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let t = alice.token.clone().unwrap();
    upload_as(server.addr(), &t, "a", "text/plain", vec![1; 10]).await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let data = server.dir.path();
    assert_eq!(mode(data), 0o700);
    let files: &[&str] = if on_postgres() {
        &["secret"]
    } else {
        &["tern.db", "tern.db-wal", "tern.db-shm", "secret"]
    };
    for f in files {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }
    for blob in walk(&data.join("files")) {
        assert_eq!(mode(&blob), 0o600, "{}", blob.display());
        let mut dir = blob.parent().unwrap();
        while dir != data {
            assert_eq!(mode(dir), 0o700, "{}", dir.display());
            dir = dir.parent().unwrap();
        }
    }
}

#[tokio::test]
async fn expired_sessions_are_pruned() {
    let server = TestServer::start_with(|c| c.token_ttl = Duration::from_millis(1500)).await;
    for i in 0..3 {
        drop(
            server
                .device("alice", &format!("d{i}"), tern_proto::Platform::Desktop)
                .await,
        );
    }
    tokio::time::sleep(Duration::from_millis(1600)).await;
    // A session still valid (for 1.5 s more) is kept.
    let _fresh = server
        .device("alice", "fresh", tern_proto::Platform::Mobile)
        .await;
    let swept = server.handle.maintain().await.unwrap();
    assert_eq!(swept.sessions, 3, "only the expired ones: {swept:?}");
}
