//! Typing: reaches the peer's devices at once and is never stored.

use crate::common;

use std::time::Duration;

use common::*;
use tern_proto::{ConversationId, ErrorCode, GroupId, Platform, Push, Request, Response};

#[tokio::test]
async fn typing_reaches_the_peer_and_is_never_stored() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut b1 = server.device("bob", "b1", Platform::Desktop).await;
    let mut b2 = server.device("bob", "b2", Platform::Mobile).await;
    let conv = dm("alice", "bob");
    assert_eq!(
        alice.ok(Request::Typing { conv: conv.clone() }).await,
        Response::Done
    );
    for c in [&mut b1, &mut b2] {
        assert_eq!(
            c.push().await,
            Push::Typing {
                conv: conv.clone(),
                user: uid("alice")
            }
        );
    }
    assert!(
        alice
            .drain_pushes(Duration::from_millis(100))
            .await
            .is_empty(),
        "not echoed to the typist"
    );
    // Nothing stored: no conversation, no messages, before or after a restart.
    assert_eq!(
        b1.ok(Request::Conversations).await,
        Response::Conversations {
            conversations: vec![]
        }
    );
    let (stored, _) = b1.pull_all(&conv, 1, 10, 10).await;
    assert!(stored.is_empty());
    drop((alice, b1, b2));
    let server = server.restart().await;
    let mut bob = server.user("bob").await;
    assert_eq!(
        bob.ok(Request::Conversations).await,
        Response::Conversations {
            conversations: vec![]
        }
    );

    let group = ConversationId::Group(GroupId::new("g1").unwrap());
    assert_eq!(
        bob.err_code(Request::Typing { conv: group }).await,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        bob.err_code(Request::Typing {
            conv: dm("carol", "dave")
        })
        .await,
        ErrorCode::Forbidden
    );
    server.stop().await;
}
