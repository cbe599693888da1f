//! Restart on the same data directory: accounts, friends, pending
//! applications, remarks, blacklist, messages and tokens are all intact.

use crate::common;

use common::*;
use tern_proto::{ApplicationState, ClientMsgId, Content, ConversationId, Request, Response, Seq};

#[tokio::test]
async fn everything_survives_a_restart() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut carol = server.user("carol").await;
    let _dave = server.user("dave").await;
    alice
        .ok(Request::ApplyFriend {
            to: uid("bob"),
            greeting: "hi".into(),
        })
        .await;
    bob.ok(Request::AcceptFriend { from: uid("alice") }).await;
    alice
        .ok(Request::SetRemark {
            user: uid("bob"),
            remark: "B".into(),
        })
        .await;
    carol
        .ok(Request::ApplyFriend {
            to: uid("alice"),
            greeting: "pending one".into(),
        })
        .await;
    alice.ok(Request::Block { user: uid("dave") }).await;
    let conv = ConversationId::direct(&uid("alice"), &uid("bob"));
    let send = Request::Send {
        conv: conv.clone(),
        client_id: ClientMsgId::new("persist-1").unwrap(),
        content: Content::Text {
            text: "still here?".into(),
        },
        ext: Some(serde_json::json!({"k": 1})),
        after: None,
        reply_to: None,
        mentions: None,
    };
    let Response::Sent { seq, id, .. } = alice.ok(send.clone()).await else {
        panic!()
    };
    let token = alice.token.clone().unwrap();
    drop((alice, bob, carol));

    let server = server.restart().await;

    // The token survives (the secret is in the data dir) and so does the password.
    let mut alice = Client::greeted(server.addr()).await;
    alice.resume(&token).await.unwrap();
    let mut alice2 = server.user("alice").await;
    let Response::Friends { friends } = alice.ok(Request::GetFriends { users: None }).await else {
        panic!()
    };
    assert_eq!(friends.len(), 1);
    assert_eq!(
        (friends[0].profile.user.as_str(), friends[0].remark.as_str()),
        ("bob", "B")
    );
    let Response::Applications { applications } =
        alice2.ok(Request::ListReceivedApplications).await
    else {
        panic!()
    };
    assert_eq!(applications.len(), 1);
    assert_eq!(applications[0].from, uid("carol"));
    assert_eq!(applications[0].greeting, "pending one");
    assert_eq!(applications[0].state, ApplicationState::Pending);
    assert_eq!(
        alice.ok(Request::ListBlocked).await,
        Response::Blocked {
            users: vec![uid("dave")]
        }
    );

    let Response::Messages { messages } = alice
        .ok(Request::Pull {
            conv: conv.clone(),
            from: Seq(1),
            to: Seq(10),
            limit: None,
        })
        .await
    else {
        panic!()
    };
    assert_eq!(messages.len(), 1);
    assert_eq!((messages[0].seq, messages[0].id), (seq, id));
    assert_eq!(messages[0].ext, Some(serde_json::json!({"k": 1})));
    // The dedup key survives too.
    let Response::Sent {
        seq: again,
        duplicate,
        ..
    } = alice.ok(send).await
    else {
        panic!()
    };
    assert_eq!((again, duplicate), (seq, true));
    // Carol can still be accepted after the restart.
    assert_eq!(
        alice.ok(Request::AcceptFriend { from: uid("carol") }).await,
        Response::Done
    );
    server.stop().await;
}
