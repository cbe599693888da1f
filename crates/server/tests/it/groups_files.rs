//! Files sent in a group: members may download them, non-members, kicked
//! members and everyone after a dismissal may not.

use crate::common;
use crate::groups_support;

use common::{uid, TestServer};
use groups_support::*;
use tern_proto::{ClientMsgId, Content, Request, Uploaded};

async fn upload(server: &TestServer, token: &str, bytes: &[u8]) -> Uploaded {
    let res = common::http_client()
        .post(format!("http://{}/files", server.addr()))
        .bearer_auth(token)
        .header("content-type", "text/plain")
        .header("x-file-name", "notes.txt")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    serde_json::from_str(&res.text().await.unwrap()).unwrap()
}

async fn status(server: &TestServer, token: &str, id: &str) -> u16 {
    common::download_status(server.addr(), token, id).await
}

#[tokio::test]
async fn only_current_members_download_a_file_sent_in_the_group() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let eve = server.user("eve").await;
    let g = create(&mut alice, "Files", &["bob", "carol"], None).await;
    let up = upload(&server, alice.token.as_deref().unwrap(), b"group notes").await;
    alice
        .ok(Request::Send {
            conv: gconv(&g.group),
            client_id: ClientMsgId::new("f1").unwrap(),
            content: Content::File {
                file: up.file.clone(),
            },
            ext: None,
            after: None,
            reply_to: None,
            mentions: None,
        })
        .await;
    let id = up.file.id.as_str();
    let token = |c: &common::Client| c.token.clone().unwrap();
    assert_eq!(status(&server, &token(&bob), id).await, 200);
    assert_eq!(status(&server, &token(&carol), id).await, 200);
    assert_eq!(status(&server, &token(&eve), id).await, 404);
    alice
        .ok(Request::KickMember {
            group: g.group.clone(),
            user: uid("carol"),
        })
        .await;
    assert_eq!(status(&server, &token(&carol), id).await, 404);
    alice
        .ok(Request::DismissGroup {
            group: g.group.clone(),
        })
        .await;
    assert_eq!(status(&server, &token(&bob), id).await, 404);
    assert_eq!(
        status(&server, &token(&alice), id).await,
        200,
        "the uploader keeps access"
    );
    server.stop().await;
}
