//! Read state: one read seq per user and conversation, unread = max − read,
//! consistent across a user's devices; receipts pushed to the peer and to the
//! reader's own devices; never moves backwards; clamped to the max seq.

use crate::common;

use common::*;
use tern_proto::{ConversationInfo, Platform, Push, Request, Response, Seq};

async fn info(c: &mut Client) -> ConversationInfo {
    let Response::Conversations { mut conversations } = c.ok(Request::Conversations).await else {
        panic!()
    };
    assert_eq!(conversations.len(), 1);
    conversations.remove(0)
}

async fn read_push(c: &mut Client) -> Push {
    c.push_where(|p| matches!(p, Push::Read { .. })).await
}

#[tokio::test]
async fn unread_and_read_agree_across_two_devices() {
    let server = TestServer::start().await;
    let mut a1 = server.device("alice", "a1", Platform::Desktop).await;
    let mut a2 = server.device("alice", "a2", Platform::Mobile).await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    bob.pipeline(
        (1..=5)
            .map(|i| text_msg(&conv, &format!("r{i}"), "hi"))
            .collect(),
    )
    .await;
    a1.messages(5).await;
    a2.messages(5).await;
    for c in [&mut a1, &mut a2] {
        let i = info(c).await;
        assert_eq!((i.max_seq, i.read_seq, i.unread), (Seq(5), Seq(0), 5));
    }

    assert_eq!(
        a1.ok(Request::MarkRead {
            conv: conv.clone(),
            seq: Seq(3)
        })
        .await,
        Response::Done
    );
    let expected = Push::Read {
        conv: conv.clone(),
        user: uid("alice"),
        seq: Seq(3),
    };
    for c in [&mut a1, &mut a2, &mut bob] {
        assert_eq!(read_push(c).await, expected);
    }
    for c in [&mut a1, &mut a2] {
        let i = info(c).await;
        assert_eq!((i.read_seq, i.unread), (Seq(3), 2));
    }

    // Never backwards: no push, no change.
    assert_eq!(
        a2.ok(Request::MarkRead {
            conv: conv.clone(),
            seq: Seq(1)
        })
        .await,
        Response::Done
    );
    assert_eq!(info(&mut a1).await.read_seq, Seq(3));
    // Clamped to the max seq.
    assert_eq!(
        a2.ok(Request::MarkRead {
            conv: conv.clone(),
            seq: Seq(1000)
        })
        .await,
        Response::Done
    );
    let expected = Push::Read {
        conv: conv.clone(),
        user: uid("alice"),
        seq: Seq(5),
    };
    for c in [&mut a1, &mut a2, &mut bob] {
        assert_eq!(
            read_push(c).await,
            expected,
            "the backwards mark pushed nothing"
        );
    }
    for c in [&mut a1, &mut a2] {
        let i = info(c).await;
        assert_eq!((i.read_seq, i.unread), (Seq(5), 0));
    }
    // A new message makes it unread again on both devices.
    bob.ok(text_msg(&conv, "r6", "more")).await;
    for c in [&mut a1, &mut a2] {
        c.messages(1).await;
        assert_eq!(info(c).await.unread, 1);
    }
    server.stop().await;
}
