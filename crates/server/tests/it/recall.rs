//! Recall: inside the window the message becomes a tombstone pushed to all;
//! after the window a clear error; only the sender may recall.

use crate::common;

use std::time::Duration;

use common::*;
use tern_proto::{Content, ErrorCode, Platform, Push, Request, Response, Seq};

#[tokio::test]
async fn recall_inside_the_window_leaves_a_tombstone_everywhere() {
    let server = TestServer::start().await;
    let mut a1 = server.device("alice", "a1", Platform::Desktop).await;
    let mut a2 = server.device("alice", "a2", Platform::Mobile).await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    let Response::Sent { seq, .. } = a1.ok(text_msg(&conv, "oops", "wrong chat")).await else {
        panic!()
    };
    bob.messages(1).await;
    a2.messages(1).await;

    assert_eq!(
        bob.err_code(Request::Recall {
            conv: conv.clone(),
            seq
        })
        .await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        a1.err_code(Request::Recall {
            conv: conv.clone(),
            seq: Seq(99)
        })
        .await,
        ErrorCode::NotFound
    );
    assert_eq!(
        a1.ok(Request::Recall {
            conv: conv.clone(),
            seq
        })
        .await,
        Response::Done
    );
    for c in [&mut a1, &mut a2, &mut bob] {
        let p = c.push_where(|p| matches!(p, Push::Recalled { .. })).await;
        let Push::Recalled {
            conv: pc,
            seq: ps,
            by,
            ..
        } = p
        else {
            unreachable!()
        };
        assert_eq!((pc, ps, by), (conv.clone(), seq, uid("alice")));
    }
    let (stored, _) = bob.pull_all(&conv, 1, 10, 10).await;
    assert_eq!(stored.len(), 1, "the tombstone keeps its seq");
    assert!(matches!(&stored[0].content, Content::Recalled { by, .. } if *by == uid("alice")));
    assert!(
        !serde_json::to_string(&stored[0])
            .unwrap()
            .contains("wrong chat"),
        "the text is gone"
    );
    // Recalling again is harmless.
    assert_eq!(
        a1.ok(Request::Recall {
            conv: conv.clone(),
            seq
        })
        .await,
        Response::Done
    );
    server.stop().await;
}

#[tokio::test]
async fn recall_after_the_window_is_refused() {
    let server = TestServer::start_with(|c| c.recall_window = Duration::from_secs(1)).await;
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    let Response::Sent { seq, .. } = alice.ok(text_msg(&conv, "late", "too late")).await else {
        panic!()
    };
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(
        alice
            .err_code(Request::Recall {
                conv: conv.clone(),
                seq
            })
            .await,
        ErrorCode::RecallWindowExpired
    );
    let (stored, _) = alice.pull_all(&conv, 1, 10, 10).await;
    assert_eq!(
        stored[0].content,
        Content::Text {
            text: "too late".into()
        }
    );
    server.stop().await;
}

/// The recall log and the peer's read seq let a device that missed the pushes
/// catch up: `conversations` shows `recall_version` and `peer_read_seq`, and
/// `recalls` pages the log from any version; it survives a restart.
#[tokio::test]
async fn recall_log_and_peer_read_seq_for_offline_devices() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    for i in 1..=3 {
        alice.ok(text_msg(&conv, &format!("m{i}"), "x")).await;
    }
    bob.ok(Request::MarkRead {
        conv: conv.clone(),
        seq: Seq(2),
    })
    .await;
    for seq in [3, 1, 3] {
        alice
            .ok(Request::Recall {
                conv: conv.clone(),
                seq: Seq(seq),
            })
            .await;
    }
    let Response::Conversations { conversations } = alice.ok(Request::Conversations).await else {
        panic!()
    };
    assert_eq!(conversations[0].peer_read_seq, Seq(2));
    assert_eq!(
        conversations[0].recall_version, 2,
        "recalling twice counts once"
    );
    let page = |since, limit| Request::Recalls {
        conv: conv.clone(),
        since,
        limit: Some(limit),
    };
    let Response::Recalls { latest, recalls } = bob.ok(page(0, 1)).await else {
        panic!()
    };
    assert_eq!(latest, 2);
    assert_eq!(
        recalls
            .iter()
            .map(|r| (r.version, r.seq))
            .collect::<Vec<_>>(),
        vec![(1, Seq(3))]
    );
    assert_eq!(recalls[0].by, uid("alice"));
    let Response::Recalls { recalls, .. } = bob.ok(page(1, 10)).await else {
        panic!()
    };
    assert_eq!(
        recalls
            .iter()
            .map(|r| (r.version, r.seq))
            .collect::<Vec<_>>(),
        vec![(2, Seq(1))]
    );
    let mut carol = server.user("carol").await;
    assert_eq!(carol.err_code(page(0, 10)).await, ErrorCode::Forbidden);
    drop((alice, bob, carol));

    let server = server.restart().await;
    let mut bob = server.user("bob").await;
    let Response::Recalls { latest, recalls } = bob.ok(page(0, 10)).await else {
        panic!()
    };
    assert_eq!((latest, recalls.len()), (2, 2));
    let Response::Conversations { conversations } = bob.ok(Request::Conversations).await else {
        panic!()
    };
    assert_eq!(
        conversations[0].peer_read_seq,
        Seq(3),
        "alice read her own sends"
    );
}
