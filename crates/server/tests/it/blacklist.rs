//! Blacklist: synced to all devices, enforced on friend applications and
//! messages with the distinct `Blocked` code, one-way, and undone by unblock.

use crate::common;

use common::*;
use tern_proto::{
    Change, ClientMsgId, Content, ConversationId, ErrorCode, Platform, Push, Request, Response,
    VersionedChange,
};

fn text(conv: &ConversationId, id: &str) -> Request {
    Request::Send {
        conv: conv.clone(),
        client_id: ClientMsgId::new(id).unwrap(),
        content: Content::Text {
            text: "hello".into(),
        },
        ext: None,
        after: None,
        reply_to: None,
        mentions: None,
    }
}

#[tokio::test]
async fn blocked_user_is_refused_until_unblocked() {
    let server = TestServer::start().await;
    let mut a1 = server.device("alice", "a1", Platform::Desktop).await;
    let mut a2 = server.device("alice", "a2", Platform::Mobile).await;
    let mut bob = server.user("bob").await;
    let conv = ConversationId::direct(&uid("alice"), &uid("bob"));

    assert_eq!(
        a1.ok(Request::Block { user: uid("bob") }).await,
        Response::Done
    );
    for c in [&mut a1, &mut a2] {
        let p = c.push().await;
        assert!(
            matches!(&p, Push::Change(VersionedChange { change: Change::BlackAdded { user }, .. }) if *user == uid("bob")),
            "{p:?}"
        );
    }
    assert_eq!(
        a2.ok(Request::ListBlocked).await,
        Response::Blocked {
            users: vec![uid("bob")]
        }
    );

    let apply = Request::ApplyFriend {
        to: uid("alice"),
        greeting: "hi".into(),
    };
    assert_eq!(bob.err_code(apply.clone()).await, ErrorCode::Blocked);
    assert_eq!(bob.err_code(text(&conv, "m1")).await, ErrorCode::Blocked);
    assert_eq!(
        bob.err_code(Request::Typing { conv: conv.clone() }).await,
        ErrorCode::Blocked
    );
    // Nothing was stored or pushed to alice.
    assert!(a1
        .drain_pushes(std::time::Duration::from_millis(200))
        .await
        .is_empty());
    assert_eq!(
        a1.ok(Request::Conversations).await,
        Response::Conversations {
            conversations: vec![]
        }
    );

    // One-way: alice can still write to bob.
    assert!(matches!(
        a1.ok(text(&conv, "a-1")).await,
        Response::Sent { .. }
    ));

    assert_eq!(
        a1.err_code(Request::Block { user: uid("alice") }).await,
        ErrorCode::SelfTarget
    );
    assert_eq!(
        a1.err_code(Request::Block {
            user: uid("nobody")
        })
        .await,
        ErrorCode::NotFound
    );

    assert_eq!(
        a2.ok(Request::Unblock { user: uid("bob") }).await,
        Response::Done
    );
    let p = a1.push_where(|p| matches!(p, Push::Change(_))).await;
    assert!(
        matches!(
            p,
            Push::Change(VersionedChange {
                change: Change::BlackDeleted { .. },
                ..
            })
        ),
        "{p:?}"
    );
    assert_eq!(
        a2.err_code(Request::Unblock { user: uid("bob") }).await,
        ErrorCode::NotFound
    );
    assert_eq!(
        a1.ok(Request::ListBlocked).await,
        Response::Blocked { users: vec![] }
    );

    assert_eq!(bob.ok(apply).await, Response::Done);
    let Response::Sent { seq, .. } = bob.ok(text(&conv, "m1")).await else {
        panic!()
    };
    assert_eq!(seq.0, 2);
    server.stop().await;
}

/// The writer remembers who may write to whom in a chat under way (its send
/// cache): a block must still stop the very next send, and an unblock let the
/// one after it through on the same gap-free counter.
#[tokio::test]
async fn a_block_in_a_chat_under_way_stops_the_very_next_send() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = ConversationId::direct(&uid("alice"), &uid("bob"));
    for i in 1..=5 {
        let Response::Sent { seq, .. } = bob.ok(text(&conv, &format!("b{i}"))).await else {
            panic!()
        };
        assert_eq!(seq.0, i);
    }
    assert_eq!(
        alice.ok(Request::Block { user: uid("bob") }).await,
        Response::Done
    );
    assert_eq!(bob.err_code(text(&conv, "b6")).await, ErrorCode::Blocked);
    // Nothing of it reached alice: her pushes are the five messages and the change.
    let pushes = alice
        .drain_pushes(std::time::Duration::from_millis(300))
        .await;
    let messages = pushes
        .iter()
        .filter(|p| matches!(p, Push::Message { .. }))
        .count();
    assert_eq!(messages, 5, "{pushes:?}");
    assert_eq!(
        alice.ok(Request::Unblock { user: uid("bob") }).await,
        Response::Done
    );
    let Response::Sent { seq, .. } = bob.ok(text(&conv, "b7")).await else {
        panic!()
    };
    assert_eq!(seq.0, 6);
    server.stop().await;
}

/// Attack: an application sent before the block stayed in the blocker's list
/// (greeting text included) for as long as the applicant liked. Applications
/// from users I blocked are not listed; unblocking shows them again.
#[tokio::test]
async fn applications_from_blocked_users_are_not_listed() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    bob.ok(Request::ApplyFriend {
        to: uid("alice"),
        greeting: "an insult".into(),
    })
    .await;
    let received = |r: Response| match r {
        Response::Applications { applications } => applications.len(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        received(alice.ok(Request::ListReceivedApplications).await),
        1
    );
    alice.ok(Request::Block { user: uid("bob") }).await;
    assert_eq!(
        received(alice.ok(Request::ListReceivedApplications).await),
        0
    );
    alice.ok(Request::Unblock { user: uid("bob") }).await;
    assert_eq!(
        received(alice.ok(Request::ListReceivedApplications).await),
        1
    );
    // Devices that took a snapshot while bob was blocked learn it again from
    // the change log: unblocking announces the pending application.
    let changes = match alice
        .ok(Request::SyncChanges {
            since: 0,
            limit: None,
        })
        .await
    {
        Response::Changes { changes, .. } => changes,
        other => panic!("{other:?}"),
    };
    let last = changes.last().map(|c| &c.change);
    assert!(
        matches!(last, Some(Change::FriendApplicationAdded { application }) if application.from == uid("bob")),
        "{last:?}"
    );
}
