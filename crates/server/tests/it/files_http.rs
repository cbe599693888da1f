//! Files over HTTP: upload/download round trip, content addressing, the size
//! limit, who may download, token checks and hostile names.

use crate::common;

use std::path::{Path, PathBuf};

use common::{dm, uid, TestServer};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use tern_proto::{ClientMsgId, Content, ConversationId, FileRef, Request, Uploaded};

fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    rand::fill(&mut v[..]);
    v
}

fn sha_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn base(server: &TestServer) -> String {
    format!("http://{}", server.addr())
}

/// `POST /files` with an optional token, name header and body.
async fn post(
    server: &TestServer,
    token: Option<&str>,
    name: Option<&str>,
    mime: &str,
    body: reqwest::Body,
) -> reqwest::Response {
    let mut req = common::http_client()
        .post(format!("{}/files", base(server)))
        .header("content-type", mime)
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(n) = name {
        req = req.header("x-file-name", n);
    }
    req.send().await.unwrap()
}

async fn upload(server: &TestServer, token: &str, name: &str, bytes: Vec<u8>) -> Uploaded {
    let enc = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    let res = post(
        server,
        Some(token),
        Some(&enc.to_string()),
        "application/octet-stream",
        bytes.into(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

async fn get(server: &TestServer, token: Option<&str>, id: &str) -> reqwest::Response {
    let mut req = common::http_client().get(format!("{}/files/{id}", base(server)));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// Every regular file under `dir`, recursively.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn blobs(server: &TestServer) -> Vec<PathBuf> {
    walk(&server.dir.path().join("files"))
        .into_iter()
        .filter(|p| !p.starts_with(server.dir.path().join("files/tmp")))
        .collect()
}

fn temp_files(server: &TestServer) -> Vec<PathBuf> {
    walk(&server.dir.path().join("files/tmp"))
}

async fn file_rows(server: &TestServer) -> i64 {
    server.count("SELECT COUNT(*) FROM files").await
}

fn file_msg(conv: &ConversationId, client_id: &str, file: FileRef) -> Request {
    Request::Send {
        conv: conv.clone(),
        client_id: ClientMsgId::new(client_id).unwrap(),
        content: Content::File { file },
        ext: None,
        after: None,
        reply_to: None,
        mentions: None,
    }
}

#[tokio::test]
async fn upload_download_round_trip_with_equal_sha256_and_safe_headers() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let token = alice.token.clone().unwrap();
    let bytes = random_bytes(3 * 1024 * 1024 + 17);
    let started = std::time::Instant::now();
    let up = upload(&server, &token, "report.bin", bytes.clone()).await;
    let took = started.elapsed();
    eprintln!(
        "uploaded {} bytes in {took:?} ({:.0} MB/s)",
        bytes.len(),
        bytes.len() as f64 / took.as_secs_f64() / 1e6
    );
    assert_eq!(up.sha256, sha_hex(&bytes));
    assert_eq!(up.file.size, bytes.len() as u64);
    assert_eq!(up.file.name, "report.bin");
    assert_eq!(up.file.mime, "application/octet-stream");
    assert_ne!(up.file.id.as_str(), up.sha256, "the id is not the hash");

    let res = get(&server, Some(&token), up.file.id.as_str()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-type"], "application/octet-stream");
    assert_eq!(h["cache-control"], "private");
    assert_eq!(h["etag"], format!("\"{}\"", up.sha256).as_str());
    assert_eq!(h["content-length"], bytes.len().to_string().as_str());
    assert!(h["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; "));
    let got = res.bytes().await.unwrap();
    assert_eq!(sha_hex(&got), up.sha256);

    // A range, and a conditional request answered from the ETag.
    let res = common::http_client()
        .get(format!("{}/files/{}", base(&server), up.file.id))
        .bearer_auth(&token)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.bytes().await.unwrap(), &bytes[100..200]);
    let res = common::http_client()
        .get(format!("{}/files/{}", base(&server), up.file.id))
        .bearer_auth(&token)
        .header("if-none-match", format!("\"{}\"", up.sha256))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    // Images of the safe kinds are inline; anything else (SVG too) is an attachment.
    for (mime, inline) in [
        ("image/png", true),
        ("image/svg+xml", false),
        ("text/html", false),
    ] {
        let res = post(
            &server,
            Some(&token),
            Some("x"),
            mime,
            vec![1u8, 2, 3].into(),
        )
        .await;
        let up: Uploaded = res.json().await.unwrap();
        assert_eq!(up.file.mime, mime);
        let res = get(&server, Some(&token), up.file.id.as_str()).await;
        assert_eq!(res.headers()["content-type"], mime);
        let disp = res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(disp.starts_with("inline;"), inline, "{mime}: {disp}");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_same_bytes_are_stored_once() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let bytes = random_bytes(256 * 1024);
    let a = upload(
        &server,
        alice.token.as_deref().unwrap(),
        "a.bin",
        bytes.clone(),
    )
    .await;
    let b = upload(
        &server,
        bob.token.as_deref().unwrap(),
        "b.bin",
        bytes.clone(),
    )
    .await;
    assert_eq!(a.sha256, b.sha256);
    assert_ne!(a.file.id, b.file.id, "every upload gets its own id");
    let stored = blobs(&server);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(
        stored[0],
        server
            .dir
            .path()
            .join("files")
            .join(&a.sha256[..2])
            .join(&a.sha256[2..4])
            .join(&a.sha256)
    );
    assert!(temp_files(&server).is_empty());
    assert_eq!(file_rows(&server).await, 2);
    server.stop().await;
}

#[tokio::test]
async fn oversize_uploads_are_refused_and_leave_nothing() {
    let server = TestServer::start_with(|c| c.max_file_bytes = 1024 * 1024).await;
    let alice = server.user("alice").await;
    let token = alice.token.clone().unwrap();

    // Declared too large: refused from Content-Length, before the body.
    let res = post(
        &server,
        Some(&token),
        Some("big.bin"),
        "application/octet-stream",
        random_bytes(2 * 1024 * 1024).into(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["code"], 1003, "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("1048576"),
        "{err}"
    );

    // No length given (chunked): refused while streaming, once past the limit.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..32).map(|_| Ok(random_bytes(64 * 1024))).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let res = post(&server, Some(&token), Some("big.bin"), "a/b", body).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["code"], 1003, "{err}");

    // Exactly the limit is fine.
    let ok = upload(&server, &token, "max.bin", random_bytes(1024 * 1024)).await;
    assert_eq!(ok.file.size, 1024 * 1024);

    assert_eq!(
        blobs(&server).len(),
        1,
        "only the accepted upload is stored"
    );
    assert_eq!(file_rows(&server).await, 1);
    assert!(temp_files(&server).is_empty(), "{:?}", temp_files(&server));
    server.stop().await;
}

#[tokio::test]
async fn only_the_uploader_and_members_of_a_referencing_conversation_may_download() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let mut carol = server.user("carol").await;
    let _dave = server.user("dave").await;
    let (ta, tb, tc) = (
        alice.token.clone().unwrap(),
        bob.token.clone().unwrap(),
        carol.token.clone().unwrap(),
    );
    let up = upload(&server, &ta, "secret.pdf", random_bytes(10_000)).await;
    let id = up.file.id.as_str();

    assert_eq!(get(&server, Some(&ta), id).await.status(), StatusCode::OK);
    let res = get(&server, Some(&tb), id).await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "not referenced anywhere bob is"
    );
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["code"], 3000);
    // Refused looks exactly like unknown.
    let unknown = get(&server, Some(&tb), "f-does-not-exist").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    alice
        .ok(file_msg(&dm("alice", "bob"), "m1", up.file.clone()))
        .await;
    let res = get(&server, Some(&tb), id).await;
    assert_eq!(res.status(), StatusCode::OK, "bob is in the conversation");
    assert_eq!(sha_hex(&res.bytes().await.unwrap()), up.sha256);
    assert_eq!(
        get(&server, Some(&tc), id).await.status(),
        StatusCode::NOT_FOUND,
        "carol is not a member"
    );

    // Knowing the id is not enough: carol referencing it in her own chat grants nothing.
    carol
        .ok(file_msg(&dm("carol", "dave"), "c1", up.file.clone()))
        .await;
    assert_eq!(
        get(&server, Some(&tc), id).await.status(),
        StatusCode::NOT_FOUND
    );

    // An avatar (an image of one's own) is readable by any authenticated user.
    let res = post(
        &server,
        Some(&ta),
        Some("me.png"),
        "image/png",
        random_bytes(100).into(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let av: Uploaded = res.json().await.unwrap();
    assert_eq!(
        get(&server, Some(&tc), av.file.id.as_str()).await.status(),
        StatusCode::NOT_FOUND
    );
    alice
        .ok(Request::SetProfile {
            nickname: None,
            avatar: Some(av.file.id.clone()),
            signature: None,
        })
        .await;
    assert_eq!(
        get(&server, Some(&tc), av.file.id.as_str()).await.status(),
        StatusCode::OK
    );
    let _ = uid("alice");
    server.stop().await;
}

#[tokio::test]
async fn missing_bad_and_revoked_tokens_get_401() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let token = alice.token.clone().unwrap();
    let up = upload(&server, &token, "a.txt", b"hello".to_vec()).await;

    let check = |res: reqwest::Response, code: u64| async move {
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let err: serde_json::Value = res.json().await.unwrap();
        assert_eq!(err["code"], code, "{err}");
        assert!(!err["message"].as_str().unwrap().is_empty());
    };
    check(get(&server, None, up.file.id.as_str()).await, 2000).await;
    check(
        post(&server, None, None, "a/b", b"x".to_vec().into()).await,
        2000,
    )
    .await;
    check(
        get(&server, Some("garbage"), up.file.id.as_str()).await,
        2003,
    )
    .await;

    alice.ok(Request::Logout).await;
    check(get(&server, Some(&token), up.file.id.as_str()).await, 2003).await;
    check(
        post(&server, Some(&token), None, "a/b", b"x".to_vec().into()).await,
        2003,
    )
    .await;
    assert_eq!(file_rows(&server).await, 1);
    server.stop().await;
}

#[tokio::test]
async fn hostile_names_are_harmless() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let token = alice.token.clone().unwrap();
    let long = "n".repeat(10_000) + ".txt";
    let cases: [(&str, &str); 5] = [
        ("../../etc/passwd", "passwd"),
        ("..%2F..%2Fetc%2Fpasswd", "passwd"),
        ("evil%00name.txt", "evilname.txt"),
        ("..", "file"),
        ("%2E%2E%5C..%5Cwin.ini", "win.ini"),
    ];
    for (header, want) in cases {
        let res = post(
            &server,
            Some(&token),
            Some(header),
            "text/plain",
            b"x".to_vec().into(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED, "{header}");
        let up: Uploaded = res.json().await.unwrap();
        assert_eq!(up.file.name, want, "{header}");
        let res = get(&server, Some(&token), up.file.id.as_str()).await;
        let disp = res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(!disp.contains('/') && !disp.contains("%2F"), "{disp}");
    }
    let up = upload(&server, &token, &long, b"y".to_vec()).await;
    assert!(up.file.name.len() <= 200, "{}", up.file.name.len());
    assert!(up.file.name.ends_with(".txt"));

    // Nothing was written anywhere but the database, the secret and the blob dir.
    let root = server.dir.path();
    for p in walk(root) {
        let rel = p.strip_prefix(root).unwrap().to_string_lossy().to_string();
        let ok = rel == "secret"
            || rel.starts_with("tern.db")
            || (rel.starts_with("files/")
                && p.file_name().unwrap().to_string_lossy().len() == 64
                && !rel.starts_with("files/tmp"));
        assert!(ok, "unexpected file {rel}");
    }
    assert_eq!(blobs(&server).len(), 2, "two distinct contents");
    server.stop().await;
}

#[tokio::test]
async fn temp_files_of_interrupted_uploads_are_removed_at_start() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let up = upload(
        &server,
        alice.token.as_deref().unwrap(),
        "a",
        b"abc".to_vec(),
    )
    .await;
    let tmp = server.dir.path().join("files/tmp");
    std::fs::write(tmp.join("up-deadbeef"), b"half an upload").unwrap();
    let server = server.restart().await;
    assert!(temp_files(&server).is_empty());
    // Stored files survive a restart.
    let alice = server.user("alice").await;
    let res = get(&server, alice.token.as_deref(), up.file.id.as_str()).await;
    assert_eq!(res.bytes().await.unwrap(), &b"abc"[..]);
    server.stop().await;
}
